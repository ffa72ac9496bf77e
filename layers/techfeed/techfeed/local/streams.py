"""The local stand-in for Lambda's DynamoDB stream event source (I/O).

Reads the table's stream from the embedded AWS, keeps the records template.yaml's FilterCriteria
keeps (techfeed.tagging.NEW_ARTICLE_FILTER), and hands them to the keywords handler in batches
of 10, retrying reported failures as the event source mapping would. The embedded AWS replays
its journal into a fresh stream at start, so a first drain sees every stored article again;
the handler finds those tagged and skips them with one read each.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from techfeed.tagging import NEW_ARTICLE_FILTER

log = logging.getLogger(__name__)

BATCH_SIZE = 10
MAXIMUM_RETRY_ATTEMPTS = 3  # as the template's event source mapping
POLL_SECONDS = 2.0

Handler = Callable[[dict[str, Any]], Any]


def matches(pattern: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Whether a record matches a Lambda event filter pattern (exact values and prefixes)."""
    for key, rule in pattern.items():
        value = record.get(key)
        if isinstance(rule, Mapping):
            if not isinstance(value, Mapping) or not matches(rule, value):
                return False
        elif not any(_matches_value(alternative, value) for alternative in rule):
            return False
    return True


def _matches_value(rule: Any, value: Any) -> bool:
    if isinstance(rule, Mapping):
        if set(rule) != {"prefix"}:
            raise ValueError(f"filter rule {rule!r}: only exact values and prefixes are supported")
        return isinstance(value, str) and value.startswith(rule["prefix"])
    return bool(value == rule)


class StreamPump:
    """Delivers a table's new stream records to a handler, each once per pump."""

    def __init__(
        self,
        dynamodb: Any,
        streams: Any,
        table_name: str,
        handler: Handler,
        *,
        pattern: Mapping[str, Any] = NEW_ARTICLE_FILTER,
    ) -> None:
        self._dynamodb = dynamodb
        self._streams = streams
        self._table_name = table_name
        self._handler = handler
        self._pattern = pattern
        self._after: dict[str, str] = {}  # shard id -> sequence number of the last record read

    def drain(self, stop: threading.Event | None = None) -> int:
        """Deliver every matching record written since the last drain (or, once stop is set,
        up to the batch in hand); returns how many."""
        table = self._dynamodb.describe_table(TableName=self._table_name)["Table"]
        arn = table.get("LatestStreamArn")
        if arn is None:
            return 0
        delivered = 0
        for shard_id in self._shards(arn):
            records = self._read(arn, shard_id)
            wanted = [r for r in records if matches(self._pattern, r)]
            for start in range(0, len(wanted), BATCH_SIZE):
                if stop is not None and stop.is_set():
                    return delivered  # the rest waits for the next drain
                batch = wanted[start : start + BATCH_SIZE]
                self._deliver([_lambda_record(r, arn) for r in batch])
                delivered += len(batch)
                # Only once delivered: a handler that raises gets the records again next time.
                self._after[shard_id] = batch[-1]["dynamodb"]["SequenceNumber"]
            if records:
                self._after[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
        return delivered

    def run(self, stop: threading.Event, poll_seconds: float = POLL_SECONDS) -> None:
        """Drain every `poll_seconds` until stop is set; a failing drain is logged and retried."""
        while not stop.is_set():
            try:
                self.drain(stop)
            except Exception:
                log.exception("stream pump: drain failed; retrying")
            stop.wait(poll_seconds)

    def _shards(self, arn: str) -> list[str]:
        shards: list[str] = []
        request: dict[str, Any] = {"StreamArn": arn}
        while True:
            description = self._streams.describe_stream(**request)["StreamDescription"]
            shards += [shard["ShardId"] for shard in description["Shards"]]
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            request["ExclusiveStartShardId"] = last

    def _read(self, arn: str, shard_id: str) -> list[dict[str, Any]]:
        # A fresh iterator per drain, from the last sequence number: iterators expire (after
        # 15 minutes in AWS, and moto's go stale when a failed transaction rolls the table back).
        after = self._after.get(shard_id)
        position: dict[str, str] = {"ShardIteratorType": "TRIM_HORIZON"}
        if after is not None:
            position = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
        iterator = self._streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **position)[
            "ShardIterator"
        ]
        records: list[dict[str, Any]] = []
        while iterator:
            page = self._streams.get_records(ShardIterator=iterator, Limit=1000)
            if not page["Records"]:
                break
            records += page["Records"]
            iterator = page.get("NextShardIterator")
        return records

    def _deliver(self, records: list[dict[str, Any]]) -> None:
        for _ in range(1 + MAXIMUM_RETRY_ATTEMPTS):
            answer = self._handler({"Records": records})
            failures = answer.get("batchItemFailures", []) if isinstance(answer, dict) else []
            failed = {failure["itemIdentifier"] for failure in failures}
            records = [r for r in records if r["dynamodb"]["SequenceNumber"] in failed]
            if not records:
                return
        # Where AWS would send them to the keywords dead-letter queue; `techfeed retag` redoes them.
        log.warning("stream pump: gave up on %d records after retries", len(records))


def _lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda delivers it: epoch seconds, the stream's ARN."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


def stream_pump(handler: Handler) -> StreamPump:
    """A pump on the table the environment names (TECHFEED_TABLE at AWS_ENDPOINT_URL)."""
    import boto3

    return StreamPump(
        boto3.client("dynamodb"),
        boto3.client("dynamodbstreams"),
        os.environ["TECHFEED_TABLE"],
        handler,
    )
