"""Feeds out: each format parses back with feedparser; JSON Feed validates against its schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import jsonschema
import pytest

from techfeed.models import Article
from techfeed.syndication import FeedFormat, FeedInfo, entry_id, render_feed

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "api" / "jsonfeed-1.1.schema.json").read_text()
)
T0 = datetime(2024, 3, 5, 1, 0, tzinfo=UTC)
INFO = FeedInfo(
    title="techfeed",
    description="새 글",
    self_url="https://api.example.kr/feed.xml?source=toss",
    home_url="https://api.example.kr/",
)
NAMES = {"toss": "토스 (Toss)"}


def _article(n: int, **fields: object) -> Article:
    values: dict[str, object] = {
        "article_id": f"{n:016x}",
        "source_id": "toss",
        "canonical_url": f"https://toss.tech/article/{n}",
        "url": f"https://toss.tech/article/{n}",
        "title": f"쿠버네티스 이야기 {n}",
        "published_at": T0 + timedelta(hours=n),
        "fetched_at": T0,
        "summary": f"요약 {n} <b>&amp;</b>",
        "keywords": ["kubernetes", "쿠버네티스"],
        **fields,
    }
    return Article(**values)  # type: ignore[arg-type]


ARTICLES = [
    _article(2, author="김토스", image="https://toss.tech/2.png"),
    _article(1, title="제어\x0b문자\x00가 든 제목", summary=""),
]


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_xml_feeds_parse_back_whole(kind: FeedFormat) -> None:
    parsed = feedparser.parse(render_feed(kind, INFO, ARTICLES, NAMES))

    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "techfeed"
    assert [e.link for e in parsed.entries] == [a.url for a in ARTICLES]
    assert [e.title for e in parsed.entries] == ["쿠버네티스 이야기 2", "제어문자가 든 제목"]
    first = parsed.entries[0]
    assert first.published_parsed[:4] == (2024, 3, 5, 3)
    assert first.author == "김토스"
    assert parsed.entries[1].author == "토스 (Toss)"
    assert [t.term for t in first.tags] == ["kubernetes", "쿠버네티스"]


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_xml_feeds_link_themselves_and_id_entries_for_good(kind: FeedFormat) -> None:
    parsed = feedparser.parse(render_feed(kind, INFO, ARTICLES, NAMES))

    assert parsed.version == ("rss20" if kind == "rss" else "atom10")
    assert {"rel": "self", "href": INFO.self_url} in [
        {"rel": link.rel, "href": link.href} for link in parsed.feed.links
    ]
    assert parsed.entries[0].id == entry_id(ARTICLES[0])
    assert parsed.entries[0].summary == "요약 2 <b>&amp;</b>"


def test_json_feed_validates_against_the_spec_schema() -> None:
    document = json.loads(render_feed("json", INFO, ARTICLES, NAMES))

    jsonschema.validate(document, SCHEMA)
    first, second = document["items"]
    assert [first["url"], second["url"]] == [a.url for a in ARTICLES]
    assert first["date_published"] == "2024-03-05T03:00:00Z"
    assert first["authors"] == [{"name": "김토스"}]
    assert second["authors"] == [{"name": "토스 (Toss)"}]
    assert first["tags"] == ["kubernetes", "쿠버네티스"]
    assert first["image"] == "https://toss.tech/2.png"
    # JSON carries any character; the item still has content though it has no summary.
    assert second["content_text"] == "제어\x0b문자\x00가 든 제목"
    assert "summary" not in second


def test_the_schema_rejects_an_item_without_content() -> None:
    document = json.loads(render_feed("json", INFO, ARTICLES, NAMES))
    del document["items"][0]["content_text"]

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_an_empty_feed_is_valid_and_stable(kind: FeedFormat) -> None:
    first = render_feed(kind, INFO, [], NAMES)

    assert render_feed(kind, INFO, [], NAMES) == first
    if kind == "json":
        jsonschema.validate(json.loads(first), SCHEMA)
    else:
        assert not feedparser.parse(first).bozo
