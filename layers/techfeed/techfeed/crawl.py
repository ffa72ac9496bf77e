"""One source end to end: feed -> entries -> new articles -> store; pure orchestration."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from techfeed.extract import article_from_content, extract_article
from techfeed.feeds import FeedError, parse_feed
from techfeed.fetch import Fetcher, FetchError, FetchResponse
from techfeed.models import (
    Article,
    ArticleBody,
    CrawlResult,
    CrawlStatus,
    Entry,
    Source,
    SourceState,
)
from techfeed.schedule import backoff
from techfeed.store import Store
from techfeed.urls import article_id, canonical_url

log = logging.getLogger(__name__)

PAGE_WORKERS = 4
# New articles stored per crawl; the rest wait for the next crawl, so a first crawl of a
# feed with hundreds of items stays within one Lambda invocation.
MAX_NEW_PER_CRAWL = 50
# A feed entry whose text is at least this long is taken as the whole article.
FULL_CONTENT_MIN_CHARS = 1200
# Page failures worth retrying on the next crawl; others fall back to the feed's own text.
_TRANSIENT = frozenset({"timeout", "connection"})


@dataclass
class _Tally:
    new: int = 0
    failed: int = 0
    retry_later: int = 0
    pages: int = 0
    requests: int = 0
    bytes_received: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, response: FetchResponse) -> None:
        self.requests += response.requests
        self.bytes_received += response.bytes_received


def crawl_source(
    source: Source, *, store: Store, fetcher: Fetcher, now: datetime | None = None
) -> CrawlResult:
    """Crawl one source now and record the outcome in its state; never raises for bad feeds."""
    now = now or datetime.now(UTC)
    state = store.load_state(source.id)
    tally = _Tally()
    try:
        response = fetcher.fetch(
            source.feed_url,
            etag=state.etag,
            last_modified=state.last_modified,
            user_agent=source.user_agent,
        )
        tally.count(response)
        if response.not_modified:
            _record(store, state, source, now, CrawlStatus.NOT_MODIFIED, None, tally)
            return _result(source, CrawlStatus.NOT_MODIFIED, tally)
        feed = parse_feed(
            response.content,
            feed_url=response.url,
            fetched_at=now,
            site_url=source.homepage,
            content_type=response.content_type,
        )
    except (FetchError, FeedError) as exc:
        error = f"feed: {exc}"
        _record(store, state, source, now, CrawlStatus.FAILED, error, tally)
        return _result(
            source, CrawlStatus.FAILED, tally, error=error, failures=state.consecutive_failures
        )
    except Exception as exc:
        _record(store, state, source, now, CrawlStatus.FAILED, f"internal: {exc!r}", tally)
        raise

    new_entries = _new_entries(feed.entries, store)
    unchanged = len(feed.entries) - len(new_entries)
    new_entries.sort(key=lambda c: c[2].published_at, reverse=True)
    tally.retry_later += max(0, len(new_entries) - MAX_NEW_PER_CRAWL)
    new_entries = new_entries[:MAX_NEW_PER_CRAWL]
    with ThreadPoolExecutor(max_workers=PAGE_WORKERS) as pool:
        for outcome in pool.map(
            lambda e: _store_entry(source, e, store, fetcher, now), new_entries
        ):
            outcome.merge_into(tally)
    if tally.retry_later == 0:
        # Keep the old validators when some pages must be retried, so the next crawl
        # sees the whole feed again instead of a 304.
        state.etag = response.etag
        state.last_modified = response.last_modified
    note = "; ".join(tally.errors[:3]) or None
    _record(store, state, source, now, CrawlStatus.OK, note, tally)
    log.info(
        "crawled",
        extra={
            "source": source.id,
            "new": tally.new,
            "unchanged": unchanged,
            "failed": tally.failed,
        },
    )
    return _result(
        source, CrawlStatus.OK, tally, unchanged=unchanged, skipped=feed.skipped, error=note
    )


def _new_entries(entries: Iterable[Entry], store: Store) -> list[tuple[str, str, Entry]]:
    """(article_id, canonical_url, entry) for entries not stored yet, one per article."""
    candidates: dict[str, tuple[str, str, Entry]] = {}
    for entry in entries:
        try:
            canonical = canonical_url(entry.url)
        except ValueError:
            continue
        candidates.setdefault(article_id(canonical), (article_id(canonical), canonical, entry))
    existing = store.existing_article_ids(candidates)
    return [c for aid, c in candidates.items() if aid not in existing]


@dataclass
class _Outcome:
    stored: bool = False
    failed: bool = False
    retry_later: bool = False
    page_fetched: bool = False
    requests: int = 0
    bytes_received: int = 0
    error: str | None = None

    def merge_into(self, tally: _Tally) -> None:
        tally.new += self.stored
        tally.failed += self.failed
        tally.retry_later += self.retry_later
        tally.pages += self.page_fetched
        tally.requests += self.requests
        tally.bytes_received += self.bytes_received
        if self.error:
            tally.errors.append(self.error)


def _store_entry(
    source: Source,
    candidate: tuple[str, str, Entry],
    store: Store,
    fetcher: Fetcher,
    now: datetime,
) -> _Outcome:
    aid, canonical, entry = candidate
    outcome = _Outcome()
    raw: bytes | None = None
    try:
        if _use_feed_content(source, entry):
            body = _body_from_feed(entry)
        else:
            try:
                page = fetcher.fetch(entry.url, user_agent=source.user_agent, check_robots=True)
            except FetchError as exc:
                if _is_transient(exc) or not (entry.content_html or entry.summary):
                    outcome.failed = True
                    outcome.retry_later = _is_transient(exc)
                    outcome.error = f"{entry.url}: {exc}"
                    return outcome
                # Stored with the feed's text, and said: a refused or missing page shows.
                outcome.error = f"{entry.url}: {exc} (stored the feed's description)"
                body = _body_from_feed(entry)
            else:
                outcome.page_fetched = True
                outcome.requests += page.requests
                outcome.bytes_received += page.bytes_received
                raw = page.content
                body = extract_article(page.text(), page.url)
                if not body.text and (entry.content_html or entry.summary):
                    body = _body_from_feed(entry)
        article = _article(source, aid, canonical, entry, body, now)
        outcome.stored = store.save_article(article, content_html=body.content_html, raw_html=raw)
    except Exception as exc:
        log.exception("entry failed", extra={"source": source.id, "url": entry.url})
        outcome.failed = outcome.retry_later = True
        outcome.error = f"{entry.url}: {exc}"
    return outcome


def _use_feed_content(source: Source, entry: Entry) -> bool:
    if source.full_content == "always":
        return True
    if source.full_content == "never" or not entry.content_html:
        return False
    return len(entry.content_html) >= FULL_CONTENT_MIN_CHARS


def _body_from_feed(entry: Entry) -> ArticleBody:
    return article_from_content(
        entry.content_html or entry.summary or "",
        entry.url,
        title=entry.title,
        author=entry.author,
        published_at=entry.published_at if entry.dated_by_feed else None,
        image=entry.image,
    )


def _is_transient(exc: FetchError) -> bool:
    if exc.reason == "http_status":
        return exc.status is not None and (exc.status >= 500 or exc.status == 429)
    return exc.reason in _TRANSIENT


def _article(
    source: Source, aid: str, canonical: str, entry: Entry, body: ArticleBody, now: datetime
) -> Article:
    published_at = entry.published_at
    if not entry.dated_by_feed and body.published_at is not None:
        published_at = min(body.published_at, now)
    return Article(
        article_id=aid,
        source_id=source.id,
        canonical_url=canonical,
        url=entry.url,
        title=entry.title or body.title or canonical,
        published_at=published_at,
        fetched_at=now,
        summary=body.summary,
        author=entry.author or body.author,
        image=entry.image or body.image,
        word_count=len(body.text.split()),
    )


def _record(
    store: Store,
    state: SourceState,
    source: Source,
    now: datetime,
    status: CrawlStatus,
    error: str | None,
    tally: _Tally,
) -> None:
    state.name, state.homepage = source.name, source.homepage
    state.last_crawl_at = now
    state.last_status = status
    state.last_error = error
    state.pages_fetched += tally.pages
    if status is CrawlStatus.FAILED:
        state.consecutive_failures += 1
        state.failure_count += 1
        state.next_due_at = now + backoff(source.interval, state.consecutive_failures)
    else:
        state.consecutive_failures = 0
        state.next_due_at = now + source.interval
        state.not_modified_count += status is CrawlStatus.NOT_MODIFIED
    store.save_state(state)


def _result(
    source: Source,
    status: CrawlStatus,
    tally: _Tally,
    *,
    unchanged: int = 0,
    skipped: int = 0,
    error: str | None = None,
    failures: int = 0,
) -> CrawlResult:
    return CrawlResult(
        source_id=source.id,
        status=status,
        new=tally.new,
        unchanged=unchanged,
        skipped=skipped,
        failed_entries=tally.failed,
        pages_fetched=tally.pages,
        requests=tally.requests,
        bytes_received=tally.bytes_received,
        error=error,
        consecutive_failures=failures,
    )
