"""Keywords Lambda: new article items (DynamoDB stream) -> keywords, summary, keyword index."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from techfeed.keywords import KeywordExtractor
from techfeed.store import Store
from techfeed.tagging import TagStatus, tag_article

logger = Logger()
copy_config_to_registered_loggers(source_logger=logger, include={"techfeed"})
metrics = Metrics()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def _store() -> Store:
    return Store.from_env()


@cache
def _extractor() -> KeywordExtractor:
    # Kiwi takes seconds to load: once per container, and only when an article needs it.
    return KeywordExtractor()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Tag the new articles of a stream batch; failed records are reported for a retry."""
    response = process_partial_response(
        event=event, record_handler=_tag_record, processor=processor, context=context
    )
    return dict(response)


def _tag_record(record: DynamoDBRecord) -> None:
    keys = record.dynamodb.keys if record.dynamodb is not None else {}
    article_id = str(keys.get("pk", "")).removeprefix("ARTICLE#")
    logger.append_keys(article_id=article_id)
    try:
        outcome = tag_article(article_id, store=_store(), extractor=_extractor)
        if outcome.status is TagStatus.MISSING:
            # Deleted after its INSERT: no retry can bring it back, so the record succeeds.
            logger.warning("no such article; skipped")
        tagged = outcome.status is TagStatus.TAGGED
        # Skips are redeliveries (or deletions): worth seeing beside the real work.
        metrics.add_metric(
            name="ArticlesTagged" if tagged else "ArticlesSkipped", unit=MetricUnit.Count, value=1
        )
    except Exception:
        metrics.add_metric(name="TaggingFailures", unit=MetricUnit.Count, value=1)
        logger.exception("tagging failed")
        raise
    finally:
        logger.remove_keys(["article_id"])
