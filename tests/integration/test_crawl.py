"""The crawl end to end: a real fixture-blog server and a real embedded DynamoDB + S3 on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from pynamodb.connection.base import Connection

from techfeed.crawl import crawl_source
from techfeed.fetch import FetchConfig, Fetcher
from techfeed.local.aws import EmbeddedAWS, client_environment
from techfeed.models import CrawlResult, CrawlStatus, Source
from techfeed.sources import parse_sources
from techfeed.store import Store
from techfeed.store.schema import ensure_bucket, ensure_table
from techfeed.urls import article_id, canonical_url

from .blogserver import BlogServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def blogs() -> Iterator[BlogServer]:
    with BlogServer(stall_seconds=4.0) as server:
        yield server


@pytest.fixture(scope="module")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedAWS]:
    embedded = EmbeddedAWS(tmp_path_factory.mktemp("state"))
    endpoint = embedded.start()
    saved = dict(os.environ)
    os.environ.update(client_environment(endpoint))
    try:
        yield embedded
    finally:
        embedded.stop()
        os.environ.clear()
        os.environ.update(saved)


def _store(table: str, bucket: str) -> Store:
    ensure_table(boto3.client("dynamodb"), table)
    ensure_bucket(boto3.client("s3"), bucket)
    os.environ["TECHFEED_TABLE"], os.environ["TECHFEED_BUCKET"] = table, bucket
    return Store.from_env()


@pytest.fixture(scope="module")
def store(aws: EmbeddedAWS) -> Store:
    return _store("crawl-it", "crawl-it")


def _fetcher(blogs: BlogServer) -> Fetcher:
    config = FetchConfig(
        connect_timeout=1.0,
        read_timeout=1.0,
        total_timeout=3.0,
        retries=2,
        backoff_base=0.05,
        per_host_delay=0.0,
        per_host_concurrency=4,
        allow_hosts=frozenset({f"127.0.0.1:{blogs.port}"}),
    )
    return Fetcher(config)


def _sources(blogs: BlogServer) -> dict[str, Source]:
    return {s.id: s for s in parse_sources(blogs.sources_yaml())}


def _crawl(sources: list[Source], store: Store, fetcher: Fetcher) -> dict[str, CrawlResult]:
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = pool.map(lambda s: crawl_source(s, store=store, fetcher=fetcher), sources)
        return {r.source_id: r for r in results}


@pytest.fixture(scope="module")
def first(blogs: BlogServer, store: Store) -> dict[str, CrawlResult]:
    return _crawl(list(_sources(blogs).values()), store, _fetcher(blogs))


def _stored(store: Store, url: str) -> Any:
    return store.get_article(article_id(canonical_url(url)))


def test_good_sources_are_stored_whatever_the_bad_ones_do(
    first: dict[str, CrawlResult], blogs: BlogServer, store: Store
) -> None:
    ok = {sid for sid, r in first.items() if r.status is CrawlStatus.OK}
    assert ok == {"good", "moved", "medium", "euckr", "flaky", "throttled", "truncated"}
    assert first["good"].new == 3  # four items, two of them one article under two URLs
    # Every crawled source is listed with its registry name, good or bad.
    crawled = store.crawled_states()
    assert set(crawled) == set(first)
    for sid, source in _sources(blogs).items():
        assert (crawled[sid].name, crawled[sid].homepage) == (source.name, source.homepage)
    assert first["moved"].new == 3
    assert first["medium"].new == 2
    assert first["euckr"].new == 1
    assert first["flaky"].new == 1
    assert first["truncated"].new == 2
    # Its pages are gone (404): stored from the feed's descriptions, and the crawl says so.
    note = first["truncated"].error
    assert note is not None and "404" in note and "stored the feed's description" in note
    assert store.load_state("truncated").last_error == note
    assert first["good"].error is None


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("stalled", "tim"),
        ("bomb", "exceeds"),
        ("endless", "exceeds"),
        ("ssrf", "169.254.169.254"),
        ("gone", "404"),
    ],
)
def test_each_hostile_source_fails_with_its_reason(
    first: dict[str, CrawlResult], store: Store, source: str, reason: str
) -> None:
    result = first[source]
    assert result.status is CrawlStatus.FAILED
    assert result.error is not None and reason in result.error.lower()
    state = store.load_state(source)
    assert state.consecutive_failures == result.consecutive_failures == 1
    assert state.last_error == result.error
    assert state.next_due_at is not None
    # Backed off beyond the one-hour interval.
    assert state.next_due_at - state.last_crawl_at > timedelta(hours=1)  # type: ignore[operator]


def test_stored_articles_are_canonical_clean_and_complete(
    first: dict[str, CrawlResult], blogs: BlogServer, store: Store
) -> None:
    article = _stored(store, f"{blogs.base}/good/posts/1")
    assert article is not None
    assert article.canonical_url == f"{blogs.base}/good/posts/1"
    assert article.title == "Kafka 컨슈머 지연을 줄인 방법"
    assert article.author == "김개발"
    assert article.published_at == datetime(2024, 3, 5, 1, 0, tzinfo=UTC)
    content = store.get_content(article.article_id)
    assert content is not None
    assert "def handler(event):\n    for record in" in content
    assert "onclick" not in content and "onerror" not in content and "<script" not in content
    assert f'src="{blogs.base}/good/images/diagram-1.png"' in content
    relative = _stored(store, f"{blogs.base}/good/posts/3")
    assert relative is not None and relative.title == "상대 링크로 된 글"


def test_a_full_content_feed_needs_no_page_fetch(
    first: dict[str, CrawlResult], blogs: BlogServer, store: Store
) -> None:
    assert blogs.page_hits("medium") == 0
    article = _stored(store, f"{blogs.base}/medium/rebuilding-recsys-1a2b3c")
    assert article is not None and "source=" not in article.canonical_url
    content = store.get_content(article.article_id)
    assert content is not None and "<figcaption>새 구조</figcaption>" in content


def test_an_euc_kr_page_is_decoded(
    first: dict[str, CrawlResult], blogs: BlogServer, store: Store
) -> None:
    article = _stored(store, f"{blogs.base}/euckr/posts/1")
    content = store.get_content(article.article_id)
    assert content is not None and "똠방각하" in content
    assert "문단이 하나도 빠지면 안 됩니다" in content


def test_a_redirected_feed_and_page_are_followed(
    first: dict[str, CrawlResult], blogs: BlogServer, store: Store
) -> None:
    assert blogs.hits["/moved/new-feed.xml"] == 1
    assert blogs.hits["/moved/articles/2"] == 1
    article = _stored(store, f"{blogs.base}/moved/posts/2")
    assert article is not None and article.title == "Kubernetes 비용 최적화"


def test_retry_after_is_honoured(first: dict[str, CrawlResult], blogs: BlogServer) -> None:
    first_try, second_try = blogs.throttle_times[:2]
    assert second_try - first_try >= 0.95


def test_no_request_ever_reached_the_metadata_address(blogs: BlogServer) -> None:
    # The guard refuses before connecting; the fixture server saw only its own paths.
    assert all(path.startswith("/") for path in blogs.hits)


def test_an_unchanged_recrawl_fetches_no_page_and_writes_no_article(
    first: dict[str, CrawlResult],
    blogs: BlogServer,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calm = ["good", "moved", "medium", "euckr", "truncated"]
    sources = [_sources(blogs)[sid] for sid in calm]
    pages_before = {sid: blogs.page_hits(sid) for sid in calm}
    saves: list[str] = []
    real_save = Store.save_article

    def counting_save(self: Store, article: Any, **kwargs: Any) -> bool:
        saves.append(article.article_id)
        return real_save(self, article, **kwargs)

    monkeypatch.setattr(Store, "save_article", counting_save)
    again = _crawl(sources, store, _fetcher(blogs))
    assert again["good"].status is CrawlStatus.NOT_MODIFIED
    for sid in ("moved", "medium", "euckr", "truncated"):
        assert again[sid].status is CrawlStatus.OK
        assert again[sid].new == 0 and again[sid].unchanged == first[sid].new
    assert saves == []
    assert {sid: blogs.page_hits(sid) for sid in calm} == pages_before
    assert store.load_state("good").article_count == 3


def test_a_crash_between_s3_and_dynamodb_leaves_no_duplicate_and_no_dangling_article(
    aws: EmbeddedAWS, blogs: BlogServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash_store = _store("crash-it", "crash-it")
    source = _sources(blogs)["moved"]
    real_transact = Connection.transact_write_items
    calls = {"n": 0}

    def crash_once(self: Connection, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("injected crash after the S3 writes")
        return real_transact(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "transact_write_items", crash_once)
    crashed = crawl_source(source, store=crash_store, fetcher=_fetcher(blogs))
    assert crashed.status is CrawlStatus.OK and crashed.failed_entries == 1
    assert crashed.new == 2

    retried = crawl_source(source, store=crash_store, fetcher=_fetcher(blogs))
    assert retried.new == 1 and retried.unchanged == 2

    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="crash-it")["Contents"]]
    content_ids = sorted(
        k.removeprefix("content/").removesuffix(".html") for k in keys if k.startswith("content/")
    )
    stored = crash_store.recent_articles(source_id="moved", limit=10)
    assert sorted(a.article_id for a in stored) == content_ids
    assert len(stored) == 3
    assert crash_store.load_state("moved").article_count == 3
