"""Our own types: every stage takes and returns these, never a library's objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Generic, Literal, TypeVar

T = TypeVar("T")

FullContent = Literal["auto", "always", "never"]


def to_iso(value: datetime) -> str:
    """Format an aware datetime as ISO 8601 UTC to the second, e.g. "2024-03-05T01:00:00Z"."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: techfeed stores only aware datetimes")
    # Whole seconds and a fixed width keep the string sortable, which the GSI sort keys rely on.
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


@dataclass(frozen=True)
class Source:
    """One company blog in the registry."""

    id: str
    name: str
    homepage: str
    feed_url: str
    interval: timedelta = timedelta(hours=1)
    enabled: bool = True
    user_agent: str | None = None
    # "auto": use the feed's own content when it carries the whole article;
    # "always": never fetch pages (e.g. Medium blocks servers); "never": always fetch.
    full_content: FullContent = "auto"


@dataclass(frozen=True)
class Entry:
    """One item of a feed, links resolved and dates made sane."""

    url: str
    title: str
    published_at: datetime
    author: str | None = None
    summary: str | None = None
    content_html: str | None = None
    image: str | None = None
    # True when published_at came from the feed itself, not the fetch time.
    dated_by_feed: bool = True


@dataclass(frozen=True)
class ParsedFeed:
    """What feeds.parse_feed recovered from one feed document."""

    entries: list[Entry]
    skipped: int = 0
    title: str | None = None
    site_url: str | None = None
    warning: str | None = None


@dataclass(frozen=True)
class ArticleBody:
    """What extract.extract_article found in one page (or one feed entry's content)."""

    title: str | None
    author: str | None
    published_at: datetime | None
    text: str
    content_html: str
    image: str | None
    summary: str


@dataclass(frozen=True)
class Article:
    """One stored article: the item in DynamoDB, its bodies in S3."""

    article_id: str
    source_id: str
    canonical_url: str
    url: str
    title: str
    published_at: datetime
    fetched_at: datetime
    summary: str = ""
    author: str | None = None
    image: str | None = None
    keywords: list[str] = field(default_factory=list)
    content_key: str | None = None
    raw_key: str | None = None
    word_count: int = 0
    # When keywords and the extractive summary were first computed; None until then.
    tagged_at: datetime | None = None


class CrawlStatus(StrEnum):
    """Outcome of one source's crawl."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    FAILED = "failed"


@dataclass
class SourceState:
    """Per-source crawl state: validators, last outcome, backoff and totals."""

    source_id: str
    # The registry's name and homepage for it when last crawled (a source may leave it).
    name: str | None = None
    homepage: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_crawl_at: datetime | None = None
    last_status: CrawlStatus | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    next_due_at: datetime | None = None
    article_count: int = 0
    pages_fetched: int = 0
    not_modified_count: int = 0
    failure_count: int = 0


@dataclass(frozen=True)
class CrawlResult:
    """What one crawl of one source did."""

    source_id: str
    status: CrawlStatus
    new: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed_entries: int = 0
    pages_fetched: int = 0
    requests: int = 0
    bytes_received: int = 0
    error: str | None = None
    # The source's failures in a row after this crawl (0 once it succeeds).
    consecutive_failures: int = 0


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with an opaque cursor for the next."""

    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class Bookmark:
    """One user's bookmark of an article; the article as it was when bookmarked."""

    user_id: str
    article: Article
    bookmarked_at: datetime


@dataclass(frozen=True)
class KeywordCount:
    """A keyword and how many articles carry it."""

    keyword: str
    count: int
