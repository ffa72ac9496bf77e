"""Tests for techfeed.feeds: every tests/fixtures/feeds/<case>.xml against <case>.expected.json.

An expectation holds the call's "input" (feed_url, fetched_at, optional site_url and
content_type) and either "error" (a regex the FeedError message must match) or the feed's
"title", "site_url", "skipped", "warning" (whether one is set) and "entries" as _observed
renders them. Adding a case is adding the two files.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from techfeed.feeds import FeedError, parse_feed
from techfeed.models import Entry

FIXTURES = Path(__file__).parents[1] / "fixtures" / "feeds"
CASES = sorted(FIXTURES.glob("*.xml"))
AB180_FEED = Path("/work/shared/data/feeds/ab180-engineering.rss.xml")
FETCHED_AT = datetime(2024, 3, 10, tzinfo=UTC)


def _observed(entry: Entry) -> dict[str, Any]:
    return {
        "url": entry.url,
        "title": entry.title,
        "published_at": entry.published_at.isoformat(),
        "dated_by_feed": entry.dated_by_feed,
        "author": entry.author,
        "has_summary": entry.summary is not None,
        "has_content": entry.content_html is not None,
        "image": entry.image,
    }


def test_fixtures_are_present() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.stem)
def test_feed_fixture(case: Path) -> None:
    # Given a feed document and its expectation
    expected = json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))
    given = expected["input"]
    kwargs: dict[str, Any] = {
        "feed_url": given["feed_url"],
        "fetched_at": datetime.fromisoformat(given["fetched_at"]),
        "site_url": given.get("site_url"),
        "content_type": given.get("content_type"),
    }
    data = case.read_bytes()

    if "error" in expected:
        # Then a document that is not a feed is refused with a clear message
        with pytest.raises(FeedError, match=expected["error"]):
            parse_feed(data, **kwargs)
        return

    # When it is parsed
    parsed = parse_feed(data, **kwargs)

    # Then entries, counts and feed metadata match
    assert [_observed(entry) for entry in parsed.entries] == expected["entries"]
    assert parsed.skipped == expected["skipped"]
    assert (parsed.warning is not None) == expected["warning"], parsed.warning
    assert parsed.title == expected["title"]
    assert parsed.site_url == expected["site_url"]


def test_feed_content_is_sanitized_by_feedparser() -> None:
    # Given a Medium-style feed whose content:encoded carries a <script>
    data = (FIXTURES / "rss2_medium.xml").read_bytes()

    # When it is parsed
    parsed = parse_feed(data, feed_url="https://medium.com/feed/daangn", fetched_at=FETCHED_AT)

    # Then the whole article is kept as content, without the script
    content = parsed.entries[0].content_html
    assert content is not None
    assert "<strong>Elasticsearch</strong>" in content
    assert "<script" not in content
    assert "alert" not in content


def test_bytes_that_name_a_local_file_are_not_read_from_disk(tmp_path: Path) -> None:
    # Given a valid feed on disk, and a response body that is just its path
    feed = tmp_path / "feed.xml"
    feed.write_bytes((FIXTURES / "rss2_basic.xml").read_bytes())

    # Then the body is parsed as the document it is (not a feed), never as a file name
    with pytest.raises(FeedError, match="not a feed"):
        parse_feed(str(feed).encode(), feed_url="https://x.example/rss", fetched_at=FETCHED_AT)


def test_naive_fetched_at_is_refused() -> None:
    data = (FIXTURES / "rss2_basic.xml").read_bytes()
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_feed(data, feed_url="https://toss.tech/rss.xml", fetched_at=datetime(2024, 3, 10))


def test_truncated_feed_warning_says_what_went_wrong() -> None:
    data = (FIXTURES / "truncated.xml").read_bytes()
    parsed = parse_feed(data, feed_url="https://line.example/rss", fetched_at=FETCHED_AT)
    assert parsed.warning is not None
    assert parsed.warning.startswith("malformed feed: ")


def test_real_ab180_feed() -> None:
    if not AB180_FEED.exists():
        pytest.skip(f"{AB180_FEED} is not available")
    # Given the AB180 engineering feed as served (CDATA titles, dc:creator, image enclosures)
    fetched_at = datetime(2026, 8, 22, 15, 2, 10, tzinfo=UTC)  # its lastBuildDate

    # When it is parsed
    parsed = parse_feed(
        AB180_FEED.read_bytes(),
        feed_url="https://engineering.ab180.co/rss.xml",
        fetched_at=fetched_at,
    )

    # Then all 47 items come through complete
    assert len(parsed.entries) == 47
    assert parsed.skipped == 0
    assert parsed.warning is None
    assert parsed.title == "AB180 Engineering Base"
    assert parsed.site_url == "https://engineering.ab180.co"
    for entry in parsed.entries:
        assert entry.url.startswith("https://engineering.ab180.co/")
        assert entry.title and entry.title == entry.title.strip()
        assert entry.published_at.tzinfo is not None
        assert entry.published_at.utcoffset() == timedelta(0)
        assert entry.published_at <= fetched_at
        assert entry.author
        assert entry.image and entry.image.startswith("https://")
    first = parsed.entries[0]
    assert first.title == "순서대로, 한 번만, 빠르게"
    assert first.published_at == datetime(2026, 7, 13, 15, 0, tzinfo=UTC)
    assert first.author == "김창규 (Changkyu Kim) (https://github.com/glenn-kim)"
    # The last item has no pubDate: it is dated by the fetch, and says so.
    assert [entry.dated_by_feed for entry in parsed.entries].count(False) == 1
    assert parsed.entries[-1].dated_by_feed is False
    assert parsed.entries[-1].published_at == fetched_at
