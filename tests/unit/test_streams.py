"""The local stream pump against moto's DynamoDB stream, and moto's patched transaction backup."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from techfeed.local.streams import StreamPump
from techfeed.models import Article
from techfeed.store import Store
from techfeed.store.schema import ensure_bucket, ensure_table

TABLE = "streams-test"
BUCKET = "streams-test-bodies"
T0 = datetime(2024, 3, 5, 1, 0, tzinfo=UTC)


@pytest.fixture
def store(local_moto: None) -> Store:
    ensure_table(boto3.client("dynamodb"), TABLE)
    s3 = boto3.client("s3")
    ensure_bucket(s3, BUCKET)
    return Store(table_name=TABLE, bucket=BUCKET, s3_client=s3, region="ap-northeast-2")


class Recorder:
    """A stand-in keywords handler: records batches, fails the sequence numbers it is told to."""

    def __init__(self, failing: set[str] | None = None) -> None:
        self.batches: list[list[str]] = []
        self.failing = failing or set()

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        records = event["Records"]
        self.batches.append([r["dynamodb"]["Keys"]["pk"]["S"] for r in records])
        failed = [
            {"itemIdentifier": r["dynamodb"]["SequenceNumber"]}
            for r in records
            if r["dynamodb"]["NewImage"]["article_id"]["S"] in self.failing
        ]
        return {"batchItemFailures": failed}


class Stopping(Recorder):
    """A handler during whose first batch the pump is told to stop."""

    def __init__(self, stop: threading.Event) -> None:
        super().__init__()
        self.stop = stop

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.stop.set()
        return super().__call__(event)


def pump(handler: Recorder) -> StreamPump:
    # botocore's account-based streams endpoint is unknown to moto's in-process mock.
    streams = boto3.client(
        "dynamodbstreams", endpoint_url="https://streams.dynamodb.ap-northeast-2.amazonaws.com"
    )
    return StreamPump(boto3.client("dynamodb"), streams, TABLE, handler)


def article(n: int) -> Article:
    at = T0 + timedelta(hours=n)
    return Article(f"a{n:02d}", "toss", f"https://t/{n}", f"https://t/{n}", f"글 {n}", at, at)


def test_new_article_items_are_delivered_once_in_batches_of_ten(store: Store) -> None:
    for n in range(12):
        store.save_article(article(n), content_html="<p>x</p>", raw_html=None)
    store.put_keyword_posting("kafka", article(0))
    store.set_keyword_count("kafka", 1)
    handler = Recorder()
    local = pump(handler)

    assert local.drain() == 12
    assert [len(batch) for batch in handler.batches] == [10, 2]
    assert handler.batches[0][0] == "ARTICLE#a00"
    assert local.drain() == 0

    store.save_article(article(12), content_html="<p>x</p>", raw_html=None)
    store.set_article_keywords("a12", ["kafka"])  # a MODIFY: not for the keywords handler
    assert local.drain() == 1 and handler.batches[-1] == ["ARTICLE#a12"]


def test_a_stopped_drain_ends_after_its_batch_and_the_next_drain_goes_on(store: Store) -> None:
    for n in range(25):
        store.save_article(article(n), content_html="<p>x</p>", raw_html=None)
    stop = threading.Event()
    handler = Stopping(stop)  # `techfeed run` told to stop while it tags a long backlog
    local = pump(handler)

    assert local.drain(stop) == 10
    assert local.drain() == 15  # nothing lost, nothing twice
    delivered = [pk for batch in handler.batches for pk in batch]
    assert delivered == [f"ARTICLE#a{n:02d}" for n in range(25)]


def test_reported_failures_are_retried_three_times_then_left(store: Store) -> None:
    for n in range(3):
        store.save_article(article(n), content_html="<p>x</p>", raw_html=None)
    handler = Recorder(failing={"a01"})

    pump(handler).drain()

    assert (
        handler.batches == [["ARTICLE#a00", "ARTICLE#a01", "ARTICLE#a02"]] + [["ARTICLE#a01"]] * 3
    )


def test_a_cancelled_transaction_leaves_items_and_stream_as_they_were(store: Store) -> None:
    assert store.save_article(article(0), content_html="<p>x</p>", raw_html=None)
    handler = Recorder()
    local = pump(handler)
    local.drain()

    # The same article again: its put is refused, and the source count added with it undone.
    assert not store.save_article(article(0), content_html="<p>y</p>", raw_html=None)

    assert store.load_state("toss").article_count == 1
    assert local.drain() == 0
    streams = boto3.client(
        "dynamodbstreams", endpoint_url="https://streams.dynamodb.ap-northeast-2.amazonaws.com"
    )
    arn = boto3.client("dynamodb").describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    # The first save's writes only: the article, and the source state (moto logs its ADD twice).
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == [
        "ARTICLE#a00",
        "SOURCE#toss",
        "SOURCE#toss",
    ]
