"""Crawl Lambdas: `dispatch` (schedule -> one SQS message per due source) and `crawl` (one source)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from techfeed.crawl import crawl_source
from techfeed.fetch import FetchConfig, Fetcher
from techfeed.models import CrawlResult, CrawlStatus, Source
from techfeed.schedule import due_sources
from techfeed.sources import load_sources
from techfeed.store import Store

logger = Logger()
# The library logs through `techfeed.*` loggers; give them this logger's JSON format and keys,
# so the source id appended below is on their lines too.
copy_config_to_registered_loggers(source_logger=logger, include={"techfeed"})
metrics = Metrics()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def _sources() -> dict[str, Source]:
    return {s.id: s for s in load_sources(os.environ.get("TECHFEED_SOURCES_FILE"))}


@cache
def _store() -> Store:
    return Store.from_env()


@cache
def _fetcher() -> Fetcher:
    return Fetcher(FetchConfig.from_env())


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def dispatch(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Send one SQS message per enabled source whose next crawl time has come."""
    sources = _sources()
    # One batch read of the registry's states: the table's size never matters.
    states = _store().get_states(sources).values()
    due = due_sources(sources.values(), states, datetime.now(UTC))
    queue_url = os.environ["TECHFEED_QUEUE_URL"]
    sqs = boto3.client("sqs")
    for start in range(0, len(due), 10):
        batch = due[start : start + 10]
        sqs.send_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": s.id, "MessageBody": json.dumps({"source": s.id})} for s in batch],
        )
    metrics.add_metric(name="SourcesDispatched", unit=MetricUnit.Count, value=len(due))
    logger.info("dispatched", extra={"sources": [s.id for s in due]})
    return {"dispatched": [s.id for s in due]}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def crawl(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Crawl the sources of an SQS batch (partial batch failures) or a direct {"source": id}.

    Its figures are per source (`_emit`), so the handler itself publishes none."""
    if "source" in event:
        return _crawl_one(str(event["source"]))
    response = process_partial_response(
        event=event, record_handler=_crawl_record, processor=processor, context=context
    )
    return dict(response)


def _crawl_record(record: SQSRecord) -> dict[str, Any]:
    return _crawl_one(str(json.loads(record.body)["source"]))


@tracer.capture_method
def _crawl_one(source_id: str) -> dict[str, Any]:
    source = _sources().get(source_id)
    if source is None:
        raise ValueError(f"unknown source {source_id!r}")
    logger.append_keys(source=source_id)
    try:
        result = crawl_source(source, store=_store(), fetcher=_fetcher())
    finally:
        logger.remove_keys(["source"])
    _emit(result)
    return {
        "source": source_id,
        "status": result.status.value,
        "new": result.new,
        "error": result.error,
    }


def _emit(result: CrawlResult) -> None:
    # One flush per source, so each crawl's figures carry its own `source` dimension.
    per_source = EphemeralMetrics()
    per_source.add_dimension(name="source", value=result.source_id)
    failed = result.status is CrawlStatus.FAILED
    not_modified = result.status is CrawlStatus.NOT_MODIFIED
    for name, value in (
        ("NewArticles", result.new),
        ("PagesFetched", result.pages_fetched),
        ("NotModified", int(not_modified)),
        ("CrawlFailures", int(failed)),
        ("ArticleFailures", result.failed_entries),
        ("ConsecutiveFailures", result.consecutive_failures),
    ):
        per_source.add_metric(name=name, unit=MetricUnit.Count, value=value)
    per_source.flush_metrics()
