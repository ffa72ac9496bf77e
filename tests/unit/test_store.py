"""The storage layer against moto's in-process DynamoDB and S3."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pynamodb.connection.base import Connection
from pynamodb.transactions import TransactWrite

from techfeed.models import Article, CrawlStatus, SourceState, to_iso
from techfeed.store import Store
from techfeed.store.blobs import Blobs
from techfeed.store.models import ArticleModel, SourceStateModel, from_iso
from techfeed.store.schema import TABLE_DEFINITION, ensure_bucket, ensure_table

REGION = "ap-northeast-2"
TABLE = "techfeed-test"
BUCKET = "techfeed-test-bodies"
KST = timezone(timedelta(hours=9))
T0 = datetime(2024, 3, 5, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[Any, Any]]:
    # Built once: making a boto3 client costs more than a test. moto intercepts every
    # botocore client while a mock is active, whenever the client was made.
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            patch.setenv(name, "testing")
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        patch.delenv("AWS_PROFILE", raising=False)
        yield boto3.client("s3", region_name=REGION), boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def aws(clients: tuple[Any, Any]) -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def s3(aws: None, clients: tuple[Any, Any]) -> Any:
    ensure_bucket(clients[0], BUCKET)
    return clients[0]


@pytest.fixture
def dynamodb(aws: None, clients: tuple[Any, Any]) -> Any:
    ensure_table(clients[1], TABLE)
    return clients[1]


@pytest.fixture
def store(s3: Any, dynamodb: Any) -> Store:
    return Store(table_name=TABLE, bucket=BUCKET, s3_client=s3, region=REGION)


def make_article(
    article_id: str = "a1", source_id: str = "toss", published_at: datetime = T0, **fields: Any
) -> Article:
    return Article(
        article_id=article_id,
        source_id=source_id,
        canonical_url=f"https://toss.tech/article/{article_id}",
        url=f"https://toss.tech/article/{article_id}?utm_source=rss",
        title=f"토스의 글 {article_id}",
        published_at=published_at,
        fetched_at=T0 + timedelta(days=1),
        **fields,
    )


def test_schema_creation_is_idempotent(s3: Any, dynamodb: Any) -> None:
    ensure_table(dynamodb, TABLE)
    ensure_bucket(s3, BUCKET)

    table = dynamodb.describe_table(TableName=TABLE)["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert sorted(index["IndexName"] for index in table["GlobalSecondaryIndexes"]) == [
        "gsi1",
        "gsi2",
    ]
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]


def test_pynamodb_models_agree_with_table_definition() -> None:
    definitions = {
        d["AttributeName"]: d["AttributeType"] for d in TABLE_DEFINITION["AttributeDefinitions"]
    }
    table_indexes = {
        index["IndexName"]: (index["KeySchema"], index["Projection"]["ProjectionType"])
        for index in TABLE_DEFINITION["GlobalSecondaryIndexes"]
    }

    for model in (ArticleModel, SourceStateModel):
        schema = model._get_schema()
        assert schema["key_schema"] == TABLE_DEFINITION["KeySchema"]
        for attribute in schema["attribute_definitions"]:
            assert definitions[attribute["AttributeName"]] == attribute["AttributeType"]
    model_indexes = {
        index["index_name"]: (index["key_schema"], index["projection"]["ProjectionType"])
        for index in ArticleModel._get_schema()["global_secondary_indexes"]
    }
    assert model_indexes == table_indexes


def test_datetimes_are_stored_as_utc_seconds() -> None:
    kst = datetime(2024, 3, 5, 10, 0, 0, 123456, tzinfo=KST)

    assert to_iso(kst) == "2024-03-05T01:00:00Z"
    assert from_iso("2024-03-05T01:00:00Z") == T0
    assert from_iso("2024-03-05T01:00:00Z").tzinfo == UTC
    with pytest.raises(ValueError, match="naive"):
        to_iso(datetime(2024, 3, 5))


def test_save_and_get_article_with_bodies(store: Store, s3: Any, dynamodb: Any) -> None:
    article = make_article(
        published_at=datetime(2024, 3, 5, 10, 0, tzinfo=KST),
        summary="요약",
        author="김토스",
        image="https://toss.tech/a1.png",
        keywords=["kotlin", "쿠버네티스"],
        word_count=1234,
    )
    raw = "<html><body><p>원문</p></body></html>".encode()

    assert store.save_article(article, content_html="<p>본문</p>", raw_html=raw) is True

    stored = store.get_article("a1")
    assert stored == replace(article, content_key="content/a1.html", raw_key="raw/toss/a1.html.gz")
    assert stored is not None
    assert stored.published_at.tzinfo == UTC
    assert store.get_content("a1") == "<p>본문</p>"
    assert Blobs(s3, BUCKET).get_raw("toss", "a1") == raw
    raw_object = s3.get_object(Bucket=BUCKET, Key="raw/toss/a1.html.gz")
    assert raw_object["ContentType"] == "application/gzip"
    assert gzip.decompress(raw_object["Body"].read()) == raw
    content_object = s3.get_object(Bucket=BUCKET, Key="content/a1.html")
    assert content_object["ContentType"] == "text/html; charset=utf-8"
    assert store.load_state("toss").article_count == 1


def test_article_item_layout(store: Store, dynamodb: Any) -> None:
    store.save_article(make_article(), content_html="<p>x</p>", raw_html=None)

    item = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "ARTICLE#a1"}, "sk": {"S": "META"}})
    item = item["Item"]
    assert item["type"] == {"S": "article"}
    assert item["gsi1pk"] == {"S": "FEED"}
    assert item["gsi1sk"] == {"S": "2024-03-05T01:00:00Z#a1"}
    assert item["gsi2pk"] == {"S": "SOURCE#toss"}
    assert item["gsi2sk"] == {"S": "2024-03-05T01:00:00Z#a1"}
    assert item["published_at"] == {"S": "2024-03-05T01:00:00Z"}
    assert item["keywords"] == {"L": []}
    assert "raw_key" not in item
    assert "author" not in item


def test_article_without_raw_page(store: Store, s3: Any) -> None:
    store.save_article(make_article(), content_html="<p>x</p>", raw_html=None)

    stored = store.get_article("a1")
    assert stored is not None
    assert stored.raw_key is None
    assert stored.content_key == "content/a1.html"
    assert Blobs(s3, BUCKET).get_raw("toss", "a1") is None


def test_missing_article(store: Store) -> None:
    assert store.get_article("nope") is None
    assert store.get_content("nope") is None


def test_second_save_is_refused_and_not_counted(store: Store) -> None:
    assert store.save_article(make_article(), content_html="<p>1</p>", raw_html=None) is True

    again = make_article(summary="changed")
    assert store.save_article(again, content_html="<p>1</p>", raw_html=None) is False

    assert store.load_state("toss").article_count == 1
    stored = store.get_article("a1")
    assert stored is not None
    assert stored.summary == ""


def test_existing_article_ids_over_many_batches(store: Store) -> None:
    for article_id in ("id-000", "id-150", "id-249"):
        store.save_article(make_article(article_id), content_html="<p>x</p>", raw_html=None)
    wanted = [f"id-{n:03d}" for n in range(250)]

    assert store.existing_article_ids(wanted) == {"id-000", "id-150", "id-249"}
    assert store.existing_article_ids([]) == set()


def test_existing_article_ids_retries_unprocessed_keys(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for article_id in ("a1", "a2", "a3"):
        store.save_article(make_article(article_id), content_html="<p>x</p>", raw_html=None)
    original = Connection.batch_get_item
    calls: list[int] = []

    def throttled(self: Connection, table_name: str, keys: Any, *args: Any, **kwargs: Any) -> Any:
        keys = list(keys)
        calls.append(len(keys))
        if len(calls) > 1:
            return original(self, table_name, keys, *args, **kwargs)
        data = original(self, table_name, keys[:1], *args, **kwargs)
        data["UnprocessedKeys"] = {table_name: {"Keys": keys[1:]}}
        return data

    monkeypatch.setattr(Connection, "batch_get_item", throttled)

    assert store.existing_article_ids(["a1", "a2", "a3", "zz"]) == {"a1", "a2", "a3"}
    assert calls == [4, 3]


def test_state_roundtrip(store: Store) -> None:
    assert store.load_state("toss") == SourceState("toss")
    state = SourceState(
        source_id="toss",
        name="토스 (Toss)",
        homepage="https://toss.tech",
        etag='W/"abc"',
        last_modified="Tue, 05 Mar 2024 01:00:00 GMT",
        last_crawl_at=T0,
        last_status=CrawlStatus.FAILED,
        last_error="HTTP 503",
        consecutive_failures=2,
        next_due_at=T0 + timedelta(hours=4),
        pages_fetched=7,
        not_modified_count=3,
        failure_count=5,
    )

    store.save_state(state)
    assert store.load_state("toss") == state

    cleared = replace(
        state, etag=None, last_error=None, last_status=CrawlStatus.OK, next_due_at=None
    )
    store.save_state(cleared)
    assert store.load_state("toss") == cleared


def test_every_saved_state_is_listed_without_knowing_its_id(store: Store) -> None:
    assert "kept" not in store.crawled_states()
    store.save_state(SourceState("kept", name="남은 블로그", last_crawl_at=T0))
    store.save_state(SourceState("also-kept", last_status=CrawlStatus.FAILED))

    listed = store.crawled_states()

    assert listed["kept"] == SourceState("kept", name="남은 블로그", last_crawl_at=T0)
    assert listed["also-kept"].last_status is CrawlStatus.FAILED
    assert store.get_states([]) == {}


def test_save_state_keeps_concurrent_article_count(store: Store) -> None:
    stale = store.load_state("toss")
    store.save_article(make_article(), content_html="<p>x</p>", raw_html=None)

    stale.etag = '"v2"'
    stale.article_count = 0
    store.save_state(stale)

    loaded = store.load_state("toss")
    assert loaded.article_count == 1
    assert loaded.etag == '"v2"'


def test_get_states_reads_the_named_sources_only(store: Store) -> None:
    store.save_state(SourceState("woowahan", last_status=CrawlStatus.NOT_MODIFIED))
    store.save_state(SourceState("daangn"))
    store.save_article(make_article(source_id="toss"), content_html="<p>x</p>", raw_html=None)

    states = store.get_states(["toss", "woowahan", "never-crawled"])

    assert sorted(states) == ["toss", "woowahan"]
    assert states["toss"].article_count == 1
    assert states["woowahan"].last_status is CrawlStatus.NOT_MODIFIED


def test_recent_articles_newest_first_in_one_query(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = {"a": 3, "b": 1, "c": 5, "d": 2, "e": 4}
    for article_id, day in days.items():
        source_id = "toss" if article_id in "ace" else "kakao"
        article = make_article(article_id, source_id, published_at=T0 + timedelta(days=day))
        store.save_article(article, content_html="<p>x</p>", raw_html=None)
    original = Connection.query
    limits: list[int | None] = []

    def counted(self: Connection, *args: Any, **kwargs: Any) -> Any:
        limits.append(kwargs.get("limit"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "query", counted)

    assert [a.article_id for a in store.recent_articles(limit=3)] == ["c", "e", "a"]
    assert limits == [3]
    assert [a.article_id for a in store.recent_articles(source_id="kakao")] == ["d", "b"]
    assert [a.article_id for a in store.recent_articles(source_id="toss", limit=2)] == ["c", "e"]
    assert store.recent_articles(source_id="nobody") == []


def test_crash_between_s3_and_dynamodb_leaves_no_article(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(self: TransactWrite) -> Any:
        raise RuntimeError("killed")

    with monkeypatch.context() as patch:
        patch.setattr(TransactWrite, "_commit", crash)
        with pytest.raises(RuntimeError, match="killed"):
            store.save_article(make_article(), content_html="<p>1</p>", raw_html=b"<p>1</p>")

    assert store.get_content("a1") == "<p>1</p>"
    assert store.get_article("a1") is None
    assert store.existing_article_ids(["a1"]) == set()
    assert store.load_state("toss").article_count == 0

    assert store.save_article(make_article(), content_html="<p>2</p>", raw_html=b"<p>2</p>") is True
    assert store.get_content("a1") == "<p>2</p>"
    assert [a.article_id for a in store.recent_articles()] == ["a1"]
    assert store.load_state("toss").article_count == 1


def test_from_env(s3: Any, dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TECHFEED_TABLE", TABLE)
    monkeypatch.setenv("TECHFEED_BUCKET", BUCKET)
    monkeypatch.setenv("AWS_REGION", REGION)

    store = Store.from_env()
    store.save_article(make_article(), content_html="<p>env</p>", raw_html=None)

    assert store.get_content("a1") == "<p>env</p>"
    assert s3.get_object(Bucket=BUCKET, Key="content/a1.html")["Body"].read() == b"<p>env</p>"


def _page_ids(page: Any) -> list[str]:
    return [a.article_id for a in page.items]


def test_keyset_pages_stay_exact_while_articles_arrive(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(7):
        article = make_article(f"a{n}", published_at=T0 + timedelta(hours=n))
        store.save_article(article, content_html="<p>x</p>", raw_html=None)
    original = Connection.query
    calls: list[int | None] = []

    def counted(self: Connection, *args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("limit"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "query", counted)
    seen: list[str] = []
    page = store.list_articles(limit=3)
    while True:
        seen += _page_ids(page)
        # Newer articles (and one older than everything) arrive between page requests.
        for extra in ("n1", "n2"):
            newer = make_article(f"{extra}{len(seen)}", published_at=T0 + timedelta(days=9))
            store.save_article(newer, content_html="<p>x</p>", raw_html=None)
        if page.next_cursor is None:
            break
        page = store.list_articles(limit=3, before=page.next_cursor)

    assert seen == [f"a{n}" for n in range(6, -1, -1)]
    assert calls == [3, 3, 3]


def test_keyword_postings_list_newest_first_in_one_spelling(store: Store) -> None:
    for n in range(3):
        article = make_article(f"k{n}", published_at=T0 + timedelta(hours=n), keywords=["Kafka"])
        store.put_keyword_posting("Kafka", article)
    store.put_keyword_posting("Kafka", make_article("k2", published_at=T0 + timedelta(hours=2)))

    first = store.list_articles(keyword="kafka", limit=2)
    rest = store.list_articles(keyword="KAFKA", limit=2, before=first.next_cursor)

    assert _page_ids(first) == ["k2", "k1"] and _page_ids(rest) == ["k0"]
    assert rest.next_cursor is None
    assert first.items[1].title == "토스의 글 k1" and first.items[1].keywords == ["Kafka"]
    assert store.list_articles(keyword="nothing").items == []
    with pytest.raises(ValueError, match="not both"):
        store.list_articles(source_id="toss", keyword="kafka")


def test_top_keywords_by_count(store: Store) -> None:
    for keyword, count in {"kafka": 3, "Kotlin": 12, "쿠버네티스": 7}.items():
        store.set_keyword_count(keyword, count)
    store.set_keyword_count("kafka", 20)

    top = store.top_keywords(limit=2)

    assert [(k.keyword, k.count) for k in top] == [("kafka", 20), ("Kotlin", 12)]
    assert [k.keyword for k in store.top_keywords()] == ["kafka", "Kotlin", "쿠버네티스"]


def test_top_keywords_show_the_name_as_written_and_count_it_once(store: Store) -> None:
    store.set_keyword_count("Kafka", 2)
    store.set_keyword_count("kafka ", 3)  # the same keyword: one count item, the last spelling

    assert [(k.keyword, k.count) for k in store.top_keywords()] == [("kafka", 3)]
    store.set_keyword_count("Kafka", 4)
    assert [(k.keyword, k.count) for k in store.top_keywords()] == [("Kafka", 4)]


def test_a_keyword_no_article_carries_is_dropped_from_the_counts(store: Store) -> None:
    store.put_keyword_posting("Kafka", make_article("k1", keywords=["Kafka"]))
    store.set_keyword_count("Kafka", store.count_keyword_postings("kafka"))
    assert [(k.keyword, k.count) for k in store.top_keywords()] == [("Kafka", 1)]

    store.delete_keyword_posting("kafka", make_article("k1"))
    store.set_keyword_count("Kafka", store.count_keyword_postings("Kafka"))

    assert store.top_keywords() == []


def test_related_articles_share_the_most_keywords_newest_first_among_equals(
    store: Store,
) -> None:
    def tagged(article_id: str, hours: int, keywords: list[str]) -> Article:
        article = make_article(article_id, published_at=T0 + timedelta(hours=hours))
        article = replace(article, keywords=keywords)
        for keyword in keywords:
            store.put_keyword_posting(keyword, article)
        return article

    me = tagged("me", 0, ["Kafka", "Kubernetes", "CDC"])
    tagged("two-old", 1, ["kafka", "CDC"])
    tagged("two-new", 5, ["CDC", "Kafka", "Go"])
    tagged("three", -5, ["Kafka", "Kubernetes", "CDC", "Redis"])
    for n in range(4):
        tagged(f"one-{n}", 10 + n, ["Kubernetes"])
    tagged("none", 20, ["Redis"])

    related = store.related_articles(me)

    assert [a.article_id for a in related] == ["three", "two-new", "two-old", "one-3", "one-2"]
    assert store.related_articles(replace(me, keywords=[])) == []


def test_bookmarks_are_idempotent_per_user_and_newest_first(store: Store) -> None:
    articles = [make_article(f"b{n}") for n in range(3)]
    for n, article in enumerate(articles):
        bookmark, created = store.add_bookmark("alice", article, T0 + timedelta(seconds=n))
        assert created and bookmark.bookmarked_at == T0 + timedelta(seconds=n)
    again, created = store.add_bookmark("alice", articles[0], T0 + timedelta(days=1))
    store.add_bookmark("bob", articles[1], T0)

    assert not created and again.bookmarked_at == T0
    first = store.list_bookmarks("alice", limit=2)
    rest = store.list_bookmarks("alice", limit=2, before=first.next_cursor)
    assert [b.article.article_id for b in first.items + rest.items] == ["b2", "b1", "b0"]
    assert [b.article.article_id for b in store.list_bookmarks("bob").items] == ["b1"]

    found = store.get_bookmark("alice", "b1")
    assert found is not None and found.bookmarked_at == T0 + timedelta(seconds=1)
    store.remove_bookmark("alice", "b1")
    store.remove_bookmark("alice", "b1")
    assert [b.article.article_id for b in store.list_bookmarks("alice").items] == ["b2", "b0"]
    assert [b.article.article_id for b in store.list_bookmarks("bob").items] == ["b1"]
    assert store.get_bookmark("alice", "b1") is None and store.get_bookmark("bob", "b1")


def test_get_states_reads_only_the_named_sources(store: Store) -> None:
    store.save_state(SourceState("toss", last_status=CrawlStatus.OK))
    store.save_state(SourceState("daangn"))

    states = store.get_states(["toss", "kakao"])

    assert set(states) == {"toss"} and states["toss"].last_status is CrawlStatus.OK
