"""Feed bytes -> ParsedFeed: RSS 0.9x/1.0/2.0 and Atom via feedparser, links and dates made sane.

The only module that imports feedparser; its dicts are turned into our Entry here and go no
further. Decisions worth knowing:

- Entry.url is the first of: a rel=alternate text/html link, any other alternate link, the
  entry's link, its guid/id when that is itself an absolute http(s) URL. It is resolved against
  the feed URL, then the feed's own <link>, then ``site_url``. Entries without one are skipped.
- A missing title is derived from the summary text (first ~80 characters), else from the last
  segment of the URL's path; such entries are kept, since the page itself has a title.
- Dates without a zone are taken as KST (UTC+09:00): the feeds we read are Korean blogs.
  Dates are tried as published, then updated, then created; a date up to a day after the fetch is
  clamped to the fetch time; one before 1995 or later than that is ignored, and an entry with no
  usable date gets the fetch time with dated_by_feed=False.
- Summary and content are feedparser's sanitized HTML (plain-text ones are escaped to HTML).
- Entries whose URLs share one canonical URL are kept once (the first); duplicates and
  link-less entries are both counted in ParsedFeed.skipped.
"""

from __future__ import annotations

import email.utils
import html
import io
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urlsplit

import feedparser
from feedparser.exceptions import CharacterEncodingOverride, NonXMLContentType

from techfeed.models import Entry, ParsedFeed
from techfeed.urls import canonical_url, resolve_link

_KST = timezone(timedelta(hours=9), "KST")
_EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
_FUTURE_SLACK = timedelta(days=1)
_TITLE_CHARS = 80
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "tr", "td", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
)
# "2024/3/5", "2024.03.05." -> ISO dates, so fromisoformat reads them (feedparser misreads some).
_YMD = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?(?=$|[\sT])")

_Raw = Mapping[str, Any]


class FeedError(ValueError):
    """The document is not a feed (an HTML page, empty, garbage) and no entry was recovered."""


def parse_feed(
    data: bytes,
    *,
    feed_url: str,
    fetched_at: datetime,
    site_url: str | None = None,
    content_type: str | None = None,
) -> ParsedFeed:
    """Parse feed bytes into entries with absolute URLs and UTC dates; FeedError for non-feeds."""
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    now = fetched_at.astimezone(UTC)
    if not data.strip():
        raise FeedError("not a feed: empty document")
    headers = {"content-location": feed_url}  # feedparser's base for relative links and xml:base
    if content_type:
        headers["content-type"] = content_type
    # In a BytesIO because feedparser opens plain bytes as a file name when such a file exists.
    result = feedparser.parse(io.BytesIO(data), response_headers=headers)
    problem = _problem(result)
    if not result.entries and (not result.get("version") or problem):
        looks_html = b"<html" in data[:2048].lower()
        reason = "looks like an HTML page" if looks_html else problem or "no RSS or Atom elements"
        raise FeedError(f"not a feed: {reason}")

    feed = result.feed
    site = resolve_link(feed.get("link") or "", feed_url, site_url)
    bases = (feed_url, site, site_url)
    entries: list[Entry] = []
    seen: set[str] = set()
    for raw in result.entries:
        entry = _entry(raw, bases, now)
        if entry is not None and (key := canonical_url(entry.url)) not in seen:
            seen.add(key)
            entries.append(entry)
    return ParsedFeed(
        entries=entries,
        skipped=len(result.entries) - len(entries),
        title=_text(feed.get("title_detail")) or None,
        site_url=site,
        warning=f"malformed feed: {problem}"[:200] if problem else None,
    )


def _problem(result: _Raw) -> str | None:
    if not result.get("bozo"):
        return None
    exc = result.get("bozo_exception")
    # Feeds served as text/html, or as text/xml without a charset (RFC 3023 then says us-ascii,
    # which no Korean feed means), parse fine: not worth a warning.
    if isinstance(exc, NonXMLContentType) or (
        isinstance(exc, CharacterEncodingOverride) and "declared as us-ascii" in str(exc)
    ):
        return None
    return str(exc)


def _entry(raw: _Raw, bases: tuple[str | None, ...], now: datetime) -> Entry | None:
    url = _entry_url(raw, bases)
    if url is None:
        return None
    summary = _html(raw.get("summary_detail"))
    published_at, dated_by_feed = _published_at(raw, now)
    return Entry(
        url=url,
        title=_title(raw, summary, url),
        published_at=published_at,
        author=_author(raw),
        summary=summary,
        content_html=_content_html(raw),
        image=_image(raw, bases),
        dated_by_feed=dated_by_feed,
    )


def _entry_url(raw: _Raw, bases: tuple[str | None, ...]) -> str | None:
    alternates = [
        link
        for link in raw.get("links", [])
        if link.get("rel", "alternate") == "alternate" and link.get("href")
    ]
    alternates.sort(key=lambda link: link.get("type") not in _HTML_TYPES)
    hrefs = [link["href"] for link in alternates] + [raw.get("link") or ""]
    # A guid that is not a permalink ("12345") must not be resolved into a made-up page URL,
    # so the id counts only when it is an absolute URL by itself.
    return _first_link(hrefs, bases) or resolve_link(raw.get("id") or "")


def _published_at(raw: _Raw, now: datetime) -> tuple[datetime, bool]:
    fields = dict(raw)  # a plain dict: feedparser's get("updated") answers with the published date
    for key in ("published", "updated", "created"):
        when = _parse_date(fields.get(key), fields.get(f"{key}_parsed"))
        if when is not None and _EARLIEST <= when <= now + _FUTURE_SLACK:
            return min(when, now), True
    return now, False


def _parse_date(text: str | None, parsed: Any) -> datetime | None:
    # Our own parsing first, because feedparser reads a zone-less date as UTC; its struct_time
    # (already UTC) is the fallback for the odd formats only it knows.
    when = _parse_date_text(text.strip()) if text else None
    if when is None and parsed:
        try:
            year, month, day, hour, minute, second = parsed[:6]
            when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:
            return None
    return when


def _parse_date_text(text: str) -> datetime | None:
    iso = _YMD.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text, count=1)
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        # email.utils turns a two-digit (or corrupt "0001") year into 19xx/20xx: trust it only
        # when the year it found is written out.
        if str(when.year) not in text:
            return None
    if when.tzinfo is None:
        # RFC 822 "-0000" means UTC; any other missing or unknown zone is taken as KST.
        when = when.replace(tzinfo=UTC if text.endswith("-0000") else _KST)
    try:
        return when.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+09:00
        return None


def _title(raw: _Raw, summary: str | None, url: str) -> str:
    title = _text(raw.get("title_detail"))
    if title:
        return title
    summary_text = _plain(summary or "", is_html=True)
    if summary_text:
        return _shorten(summary_text)
    path = urlsplit(url).path
    segment = unquote(next((s for s in reversed(path.split("/")) if s), ""))
    return " ".join(re.split(r"[-_\s]+", segment)).strip() or urlsplit(url).hostname or url


def _shorten(text: str) -> str:
    if len(text) <= _TITLE_CHARS:
        return text
    cut = text[:_TITLE_CHARS]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip() + "…"


def _content_html(raw: _Raw) -> str | None:
    # Atom may carry several <content> alternatives; the largest is the fullest article.
    return max((_html(c) or "" for c in raw.get("content", [])), key=len, default="") or None


def _author(raw: _Raw) -> str | None:
    names = [a["name"] for a in raw.get("authors", []) if a.get("name")]
    author = ", ".join(dict.fromkeys(names)) or raw.get("author") or ""
    return " ".join(author.split()) or None


def _image(raw: _Raw, bases: tuple[str | None, ...]) -> str | None:
    candidates: list[str] = [m.get("url", "") for m in raw.get("media_thumbnail", [])]
    candidates += [
        m.get("url", "")
        for m in raw.get("media_content", [])
        if m.get("medium") == "image" or m.get("type", "").startswith("image/")
    ]
    candidates += [
        link.get("href", "")
        for link in raw.get("links", [])
        if link.get("rel") == "enclosure" and link.get("type", "").startswith("image/")
    ]
    candidates.append((raw.get("image") or {}).get("href", ""))
    # feedparser leaves media and enclosure URLs as written, so honour the entry's xml:base here.
    entry_base = (raw.get("title_detail") or raw.get("summary_detail") or {}).get("base")
    return _first_link(candidates, (entry_base, *bases))


def _first_link(hrefs: Iterable[str], bases: tuple[str | None, ...]) -> str | None:
    return next((url for href in hrefs if href and (url := resolve_link(href, *bases))), None)


def _html(detail: _Raw | None) -> str | None:
    if not detail or not detail.get("value", "").strip():
        return None
    value: str = detail["value"]
    return value if detail.get("type") in _HTML_TYPES else html.escape(value)


def _text(detail: _Raw | None) -> str:
    detail = detail or {}
    return _plain(detail.get("value", ""), is_html=detail.get("type") in _HTML_TYPES)


def _plain(value: str, *, is_html: bool) -> str:
    if is_html:
        collector = _TextCollector()
        collector.feed(value)
        collector.close()
        value = "".join(collector.parts)
    return " ".join(value.split())


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.handle_starttag(tag, [])

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
