"""Tagging new articles, retagging, and the keywords handler, against moto's DynamoDB and S3."""

from __future__ import annotations

import copy
import html
import io
import json
import logging
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from techfeed.keywords import DocumentFrequencies, KeywordExtractor
from techfeed.local import moto_patches
from techfeed.local.invoke import invoke, load_function
from techfeed.local.streams import matches
from techfeed.models import Article
from techfeed.store import Store
from techfeed.store.schema import ensure_bucket, ensure_table
from techfeed.tagging import NEW_ARTICLE_FILTER, TagOutcome, TagStatus, retag_all, tag_article
from techfeed.taxonomy import Taxonomy

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "fixtures" / "keywords"
SAMPLE_EVENT = json.loads((ROOT / "events" / "keywords_stream.json").read_text())
SAMPLE_ID = "6b86b273ff34fce1"
TABLE = "tagging-test"
BUCKET = "tagging-test-bodies"
T0 = datetime(2024, 3, 5, 1, 0, tzinfo=UTC)
NOW = datetime(2024, 3, 6, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def extractor() -> KeywordExtractor:
    return KeywordExtractor()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "ap-northeast-2",
        "AWS_REGION": "ap-northeast-2",
        "TECHFEED_TABLE": TABLE,
        "TECHFEED_BUCKET": BUCKET,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    moto_patches.install()  # as the embedded AWS does: moto's own backup is too slow
    with mock_aws():
        ensure_table(boto3.client("dynamodb"), TABLE)
        ensure_bucket(boto3.client("s3"), BUCKET)
        yield


@pytest.fixture
def store(aws: None) -> Store:
    return Store.from_env()


def labelled(case: str, article_id: str, published_at: datetime = T0) -> tuple[Article, str]:
    """A labelled fixture article as the crawler stores it: HTML body, first-sentences summary."""
    data = json.loads((LABELLED / f"{case}.json").read_text(encoding="utf-8"))
    paragraphs = [line for line in data["text"].splitlines() if line.strip()]
    article = Article(
        article_id=article_id,
        source_id="toss",
        canonical_url=f"https://toss.tech/article/{article_id}",
        url=f"https://toss.tech/article/{article_id}",
        title=data["title"],
        published_at=published_at,
        fetched_at=published_at,
        summary=paragraphs[0][:120],
    )
    return article, "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def save(store: Store, case: str, article_id: str, published_at: datetime = T0) -> Article:
    article, content = labelled(case, article_id, published_at)
    assert store.save_article(article, content_html=content, raw_html=None)
    return article


def scan() -> list[dict[str, Any]]:
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=TABLE)
    items = [item for page in pages for item in page["Items"]]
    return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


def no_kiwi() -> KeywordExtractor:
    raise AssertionError("the tokenizer was loaded")


def test_tagging_writes_keywords_summary_postings_counts_and_frequencies(
    store: Store, extractor: KeywordExtractor
) -> None:
    article = save(store, "kafka-migration", "a1")

    outcome = tag_article("a1", store=store, extractor=lambda: extractor, now=NOW)

    assert outcome.status is TagStatus.TAGGED
    assert 3 <= len(outcome.keywords) <= 10 and outcome.keywords[0] == "Kafka"
    assert {"RabbitMQ", "컨슈머 랙"} <= set(outcome.keywords)
    stored = store.get_article("a1")
    assert stored is not None
    assert stored.keywords == outcome.keywords and stored.tagged_at == NOW
    assert stored.summary != article.summary and len(stored.summary) > 60
    for keyword in outcome.keywords:
        listed = store.list_articles(keyword=keyword).items
        assert [(a.article_id, a.keywords, a.summary) for a in listed] == [
            ("a1", outcome.keywords, stored.summary)
        ]
    counts = {k.keyword: k.count for k in store.top_keywords(limit=50)}
    assert counts == {keyword: 1 for keyword in outcome.keywords}  # named as the article names them
    assert store.corpus_documents() == 1
    assert store.document_frequencies(["kafka", "rabbitmq", "no-such-term"]) == {
        "kafka": 1,
        "rabbitmq": 1,
    }


def test_an_english_article_is_listed_under_the_topics_of_its_english_names(
    store: Store, extractor: KeywordExtractor
) -> None:
    """The extractor names 피처 스토어 "Feature Store" in an English article; the article is
    stored and listed under the topic, on the same page as Korean articles about it."""
    article = save(store, "en-feature-store-redis", "e1")
    text = json.loads((LABELLED / "en-feature-store-redis.json").read_text(encoding="utf-8"))[
        "text"
    ]
    shown = [k.name for k in extractor.extract(article.title, text)]
    assert "Feature Store" in shown and "피처 스토어" not in shown

    outcome = tag_article("e1", store=store, extractor=lambda: extractor, now=NOW)

    assert "피처 스토어" in outcome.keywords and "Feature Store" not in outcome.keywords
    assert [a.article_id for a in store.list_articles(keyword="피처 스토어").items] == ["e1"]


def test_a_second_article_is_scored_against_the_first_and_shares_its_keywords(
    store: Store, extractor: KeywordExtractor
) -> None:
    save(store, "kafka-migration", "a1")
    save(store, "cdc-search-sync", "a2", T0 + timedelta(days=1))
    first = tag_article("a1", store=store, extractor=lambda: extractor)
    second = tag_article("a2", store=store, extractor=lambda: extractor)

    shared = {k.casefold() for k in first.keywords} & {k.casefold() for k in second.keywords}
    assert "kafka" in shared
    assert store.corpus_documents() == 2
    assert store.document_frequencies(["kafka"]) == {"kafka": 2}
    counts = {k.keyword.casefold(): k.count for k in store.top_keywords(limit=50)}
    assert all(counts[k] == 2 for k in shared)
    assert [a.article_id for a in store.list_articles(keyword="Kafka").items] == ["a2", "a1"]


def test_the_first_articles_of_a_new_corpus_are_weighed_against_the_reference(
    store: Store, extractor: KeywordExtractor
) -> None:
    """With nothing stored yet, the extractor's reference frequencies say how common a term is:
    where every reference article names Kafka, Kafka no longer leads a Kafka migration story."""
    save(store, "kafka-migration", "a1")
    save(store, "kafka-migration", "a2", T0 + timedelta(days=1))
    kept = extractor.frequencies
    try:
        extractor.frequencies = DocumentFrequencies(1000, {"kafka": 1000})
        common = tag_article("a1", store=store, extractor=lambda: extractor)
    finally:
        extractor.frequencies = kept
    usual = tag_article("a2", store=store, extractor=lambda: extractor)
    assert usual.keywords[0] == "Kafka"
    assert common.keywords[0] != "Kafka"


def test_a_redelivered_record_reads_one_item_and_changes_nothing(
    store: Store, extractor: KeywordExtractor
) -> None:
    save(store, "kafka-migration", "a1")
    tag_article("a1", store=store, extractor=lambda: extractor, now=NOW)
    before = scan()

    again = tag_article("a1", store=store, extractor=no_kiwi, now=NOW + timedelta(hours=1))

    assert again.status is TagStatus.ALREADY_TAGGED
    assert scan() == before


@pytest.mark.parametrize("stale_keywords", [False, True], ids=["fresh", "after-keywords-write"])
def test_a_concurrent_second_tagging_loses_and_counts_nothing_twice(
    store: Store,
    extractor: KeywordExtractor,
    monkeypatch: pytest.MonkeyPatch,
    stale_keywords: bool,
) -> None:
    original = save(store, "kafka-migration", "a1")
    winner = tag_article("a1", store=store, extractor=lambda: extractor, now=NOW)
    before = scan()
    # The loser read the article before the winner committed: either before anything was
    # written, or after the winner's first step put the keywords on the untagged item.
    stale = replace(original, keywords=winner.keywords if stale_keywords else [])
    reads = iter([stale])
    real = store.get_article
    monkeypatch.setattr(store, "get_article", lambda *a, **k: next(reads, None) or real(*a, **k))

    loser = tag_article("a1", store=store, extractor=lambda: extractor, now=NOW + timedelta(1))

    assert loser.status is TagStatus.ALREADY_TAGGED and loser.keywords == winner.keywords
    assert scan() == before  # document frequencies, corpus size, postings and counts alike


def test_an_interrupted_tagging_is_redone_and_takes_back_postings_it_no_longer_wants(
    store: Store, extractor: KeywordExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    save(store, "kafka-migration", "a1")
    with monkeypatch.context() as patch:
        patch.setattr(store, "record_tagging", lambda *a, **k: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            tag_article("a1", store=store, extractor=lambda: extractor)
    # The first attempt chose one more keyword than the retry will (the frequencies moved).
    stored = store.get_article("a1")
    assert stored is not None and stored.tagged_at is None and stored.keywords
    store.set_article_keywords("a1", [*stored.keywords, "Stale"])
    store.put_keyword_posting("Stale", replace(stored, keywords=[*stored.keywords, "Stale"]))
    store.set_keyword_count("Stale", 1)

    retried = tag_article("a1", store=store, extractor=lambda: extractor)

    assert retried.status is TagStatus.TAGGED and retried.keywords == stored.keywords
    assert store.list_articles(keyword="Stale").items == []
    assert "stale" not in {k.keyword for k in store.top_keywords(limit=50)}
    assert store.corpus_documents() == 1


def test_an_article_without_a_body_is_tagged_from_its_title_and_description(
    store: Store, extractor: KeywordExtractor
) -> None:
    article = replace(
        labelled("kafka-migration", "a1")[0],
        title="쿠버네티스 HPA로 Kafka 컨슈머 오토스케일링",
        summary="컨슈머 랙을 지표로 Kubernetes HPA가 컨슈머 파드를 늘립니다. 랙이 줄면 다시 줄입니다.",
    )
    assert store.save_article(article, content_html="", raw_html=None)

    outcome = tag_article("a1", store=store, extractor=lambda: extractor)

    assert {"Kubernetes", "Kafka"} <= set(outcome.keywords)
    stored = store.get_article("a1")
    assert stored is not None and stored.summary == article.summary


def test_a_missing_article_is_reported_not_raised(store: Store) -> None:
    assert tag_article("nope", store=store, extractor=no_kiwi).status is TagStatus.MISSING


def renamed(taxonomy: Taxonomy, old: str, new: str) -> Taxonomy:
    terms = tuple(
        replace(t, name=new, aliases=(*[a for a in t.aliases if a != new], old))
        if t.name == old
        else t
        for t in taxonomy.terms
    )
    return Taxonomy(terms)


def test_retag_after_a_taxonomy_change_moves_postings_and_counts(
    store: Store, extractor: KeywordExtractor
) -> None:
    save(store, "kafka-migration", "a1")
    save(store, "cdc-search-sync", "a2", T0 + timedelta(days=1))
    save(store, "k8s-cost", "a3", T0 + timedelta(days=2))
    for article_id in ("a1", "a2"):
        tag_article(article_id, store=store, extractor=lambda: extractor, now=NOW)
    summaries = {a.article_id: a.summary for a in store.iterate_articles()}
    frequencies = store.document_frequencies(["kafka", "rabbitmq"])
    # A new extractor, as a new release's process has: nothing cached from the old taxonomy.
    retagger = KeywordExtractor(renamed(extractor.taxonomy, "Kafka", "Apache Kafka"))
    seen: list[TagOutcome] = []

    done = retag_all(store=store, extractor=lambda: retagger, progress=seen.append)

    assert done.articles == 3
    assert {o.article_id: o.status for o in seen} == {
        "a3": TagStatus.TAGGED,  # never tagged (a lost stream record): tagged now
        "a2": TagStatus.RETAGGED,
        "a1": TagStatus.RETAGGED,
    }
    assert [a.article_id for a in store.list_articles(keyword="Apache Kafka").items] == ["a2", "a1"]
    assert store.list_articles(keyword="Kafka").items == []
    counts = {k.keyword: k.count for k in store.top_keywords(limit=100)}
    assert counts["Apache Kafka"] == 2 and "Kafka" not in counts
    for article in store.iterate_articles():
        assert "Kafka" not in article.keywords and article.tagged_at is not None
        if article.article_id != "a3":
            assert "Apache Kafka" in article.keywords
            assert article.summary == summaries[article.article_id]
            assert article.tagged_at == NOW
    # The recount moved Kafka's frequency to its new name (a3 names neither).
    assert store.document_frequencies(["kafka", "apachekafka", "rabbitmq"]) == {
        "apachekafka": frequencies["kafka"],
        "rabbitmq": frequencies["rabbitmq"],
    }
    assert store.corpus_documents() == 3
    assert store.stored_document_frequencies() == tagged_afresh(store, retagger)
    assert done.recounted_terms >= 2  # at least kafka (taken away) and apachekafka (added)


def tagged_afresh(store: Store, extractor: KeywordExtractor) -> dict[str, int]:
    """The document frequencies that tagging the store's articles in a new table gives."""
    client = boto3.client("dynamodb")
    ensure_table(client, "tagging-afresh")
    ensure_bucket(boto3.client("s3"), "tagging-afresh-bodies")
    fresh = Store(
        table_name="tagging-afresh", bucket="tagging-afresh-bodies", s3_client=boto3.client("s3")
    )
    articles = list(store.iterate_articles())
    for article in articles:
        content = store.get_content(article.article_id)
        assert content is not None
        untagged = replace(article, keywords=[], tagged_at=None)
        assert fresh.save_article(untagged, content_html=content, raw_html=None)
        tag_article(article.article_id, store=fresh, extractor=lambda: extractor)
    assert fresh.corpus_documents() == len(articles)
    found = fresh.stored_document_frequencies()
    client.delete_table(TableName="tagging-afresh")
    return found


def test_retag_counts_the_articles_the_stream_tags_while_the_recount_runs(
    store: Store, extractor: KeywordExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recount passes a2 untagged, and a3 is stored after it passed; the stream tags both
    before the recount reads the stored frequencies, so it takes back what those taggings
    added and must add it again."""
    save(store, "kafka-migration", "a1")
    save(store, "cdc-search-sync", "a2", T0 + timedelta(days=1))
    tag_article("a1", store=store, extractor=lambda: extractor)
    iterate = store.iterate_articles
    passes = 0

    def the_stream_tags_after_the_first_pass() -> Iterator[Article]:
        nonlocal passes
        passes += 1
        yield from iterate()
        if passes == 1:
            save(store, "k8s-cost", "a3", T0 + timedelta(days=2))
            for article_id in ("a2", "a3"):
                tag_article(article_id, store=store, extractor=lambda: extractor)

    monkeypatch.setattr(store, "iterate_articles", the_stream_tags_after_the_first_pass)
    seen: list[TagOutcome] = []

    retag_all(store=store, extractor=lambda: extractor, progress=seen.append)

    assert {o.article_id: o.status for o in seen} == dict.fromkeys(
        ("a1", "a2", "a3"), TagStatus.UNCHANGED
    )
    assert store.corpus_documents() == 3
    assert store.stored_document_frequencies() == tagged_afresh(store, extractor)
    assert store.document_frequencies(["kafka"]) == {"kafka": 2}


def test_a_frequency_the_recount_takes_to_zero_is_removed(store: Store) -> None:
    store.add_document_frequencies({"kafka": 2, "redis": 1}, documents=2)
    store.add_document_frequencies({"kafka": -1, "redis": -1}, documents=-1)

    assert store.stored_document_frequencies() == {"kafka": 1}
    assert store.corpus_documents() == 1
    assert [i["pk"]["S"] for i in scan()] == ["STATS", "TERM#kafka"]


def test_retag_rewrites_a_summary_an_earlier_release_made(
    store: Store, extractor: KeywordExtractor
) -> None:
    """A summary stored by an older summarizer (here: the crawler's first sentences) is
    recomputed on the article and on every keyword posting; the keywords stay."""
    save(store, "kafka-migration", "a1")
    tag_article("a1", store=store, extractor=lambda: extractor, now=NOW)
    tagged = store.get_article("a1")
    assert tagged is not None
    stale = "그래서 카프카로 옮겼습니다."
    assert store.set_article_keywords("a1", tagged.keywords, summary=stale)
    for keyword in tagged.keywords:
        store.put_keyword_posting(keyword, replace(tagged, summary=stale))
    seen: list[TagOutcome] = []

    retag_all(store=store, extractor=lambda: extractor, progress=seen.append)

    assert [(o.status, o.keywords) for o in seen] == [(TagStatus.RETAGGED, tagged.keywords)]
    retagged = store.get_article("a1")
    assert retagged is not None
    assert retagged.summary == tagged.summary != stale
    assert retagged.keywords == tagged.keywords and retagged.tagged_at == NOW
    for keyword in tagged.keywords:
        assert [a.summary for a in store.list_articles(keyword=keyword).items] == [tagged.summary]


def test_retag_with_an_unchanged_taxonomy_writes_nothing(
    store: Store, extractor: KeywordExtractor
) -> None:
    for n, case in enumerate(("kafka-migration", "cdc-search-sync")):
        save(store, case, f"a{n}", T0 + timedelta(days=n))
        tag_article(f"a{n}", store=store, extractor=lambda: extractor)
    before = scan()
    seen: list[TagOutcome] = []

    retag_all(store=store, extractor=lambda: extractor, progress=seen.append)

    assert {o.status for o in seen} == {TagStatus.UNCHANGED}
    assert scan() == before


def test_retag_reads_bodies_ahead_and_each_reaches_its_own_article(
    store: Store, extractor: KeywordExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = ("kafka-migration", "cdc-search-sync", "k8s-cost", "fds-realtime", "design-system")
    for n, case in enumerate(cases):
        save(store, case, f"a{n}", T0 + timedelta(days=n))
        tag_article(f"a{n}", store=store, extractor=lambda: extractor)
    # Tagged one by one, the first saw fewer document frequencies than a retag does: settle them.
    retag_all(store=store, extractor=lambda: extractor)
    before = scan()
    read = store.get_content
    lock = threading.Lock()
    reading: list[int] = [0]
    most: list[int] = [0]

    def slow(article_id: str) -> str | None:
        with lock:
            reading[0] += 1
            most[0] = max(most[0], reading[0])
        # Newest first, and the newer the slower: reads finish out of order.
        time.sleep(0.01 * int(article_id[1:]))
        with lock:
            reading[0] -= 1
        return read(article_id)

    monkeypatch.setattr(store, "get_content", slow)
    seen: list[TagOutcome] = []

    retag_all(store=store, extractor=lambda: extractor, progress=seen.append, read_ahead=3)

    # A body given to the wrong article would change its keywords or summary.
    assert [o.article_id for o in seen] == [f"a{n}" for n in reversed(range(len(cases)))]
    assert [o.status for o in seen] == [TagStatus.UNCHANGED] * len(cases)
    assert scan() == before
    assert most[0] == 3  # three reads at once
    most[0] = 0
    retag_all(store=store, extractor=lambda: extractor, read_ahead=0)
    assert most[0] == 1


# --- the handler


@pytest.fixture
def handler_module(aws: None, extractor: KeywordExtractor, monkeypatch: pytest.MonkeyPatch) -> Any:
    # The function reads its environment at import, as in Lambda: import it afresh here.
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "techfeed")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "techfeed-keywords")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
    monkeypatch.delitem(sys.modules, "techfeed_function_keywords", raising=False)
    module = load_function("keywords")
    monkeypatch.setattr(module, "_extractor", lambda: extractor)
    # Powertools configures a service's logger once per process: undo an earlier WARNING.
    library = logging.getLogger("techfeed")
    level = library.level
    library.setLevel(logging.INFO)
    yield module
    library.setLevel(level)
    del sys.modules["techfeed_function_keywords"]


def sample_article(store: Store) -> Article:
    """The article of events/keywords_stream.json, stored as the crawler would."""
    image = SAMPLE_EVENT["Records"][0]["dynamodb"]["NewImage"]
    article, content = labelled("kafka-migration", SAMPLE_ID)
    article = replace(
        article,
        title=image["title"]["S"],
        summary=image["summary"]["S"],
        source_id=image["source_id"]["S"],
    )
    assert store.save_article(article, content_html=content, raw_html=None)
    return article


def test_the_sample_event_is_a_new_article_record() -> None:
    record = SAMPLE_EVENT["Records"][0]
    assert matches(NEW_ARTICLE_FILTER, record)
    assert not matches(NEW_ARTICLE_FILTER, {**record, "eventName": "MODIFY"})
    posting = copy.deepcopy(record)
    posting["dynamodb"]["NewImage"]["sk"] = {"S": "2024-03-05T01:00:00Z#6b86b273ff34fce1"}
    assert not matches(NEW_ARTICLE_FILTER, posting)
    count = copy.deepcopy(record)
    count["dynamodb"]["NewImage"]["pk"] = {"S": "KEYWORDS"}
    assert not matches(NEW_ARTICLE_FILTER, count)
    with pytest.raises(ValueError, match="exact values and prefixes"):
        matches({"eventName": [{"anything-but": "REMOVE"}]}, record)


def test_the_handler_tags_the_sample_event_and_a_redelivery_is_a_no_op(
    handler_module: Any,
    store: Store,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sample_article(store)
    # Log lines go to the stream Powertools bound at import; metrics are printed.
    stream = io.StringIO()
    for handler in logging.getLogger("techfeed").handlers:
        monkeypatch.setattr(handler, "stream", stream)

    first = invoke("keywords", SAMPLE_EVENT)
    tagged = scan()
    second = invoke("keywords", SAMPLE_EVENT)

    assert first == second == {"batchItemFailures": []}
    assert scan() == tagged
    stored = store.get_article(SAMPLE_ID)
    assert stored is not None and stored.tagged_at is not None and "Kafka" in stored.keywords
    logs = [json.loads(line) for line in stream.getvalue().splitlines() if line[:1] == "{"]
    assert [line["article_id"] for line in logs if line["message"] == "tagged"] == [SAMPLE_ID]
    printed = capsys.readouterr().out.splitlines()
    metrics = [json.loads(line) for line in printed if line.startswith('{"_aws"')]
    assert [m.get("ArticlesTagged") for m in metrics] == [[1.0], None]
    assert [m.get("ArticlesSkipped") for m in metrics] == [None, [1.0]]


def test_a_failing_record_is_reported_and_a_missing_article_is_not(
    handler_module: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample_article(store)
    record = SAMPLE_EVENT["Records"][0]

    def variant(article_id: str, sequence: str) -> dict[str, Any]:
        other: dict[str, Any] = copy.deepcopy(record)
        other["dynamodb"]["Keys"]["pk"] = {"S": f"ARTICLE#{article_id}"}
        other["dynamodb"]["SequenceNumber"] = sequence
        return other

    real = handler_module.tag_article

    def flaky(article_id: str, **kwargs: Any) -> Any:
        if article_id == "broken":
            raise RuntimeError("S3 is down")
        return real(article_id, **kwargs)

    monkeypatch.setattr(handler_module, "tag_article", flaky)
    batch = {"Records": [record, variant("gone", "2"), variant("broken", "3")]}

    assert invoke("keywords", batch) == {"batchItemFailures": [{"itemIdentifier": "3"}]}
    stored = store.get_article(SAMPLE_ID)
    assert stored is not None and stored.tagged_at is not None
