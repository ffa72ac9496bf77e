"""The storage layer (I/O): articles and source states in DynamoDB, article bodies in S3."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import boto3
from botocore.config import Config
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from techfeed.models import Article, CrawlStatus, SourceState
from techfeed.store.blobs import Blobs
from techfeed.store.models import (
    ARTICLE_SK,
    FEED_PK,
    STATE_SK,
    ArticleModel,
    SourceStateModel,
    article_pk,
    bind_models,
    source_pk,
    to_iso,
)

__all__ = ["Store"]


class Store:
    """The one object the crawler and handlers read and write through; speaks only our types."""

    def __init__(
        self,
        *,
        table_name: str,
        bucket: str,
        s3_client: Any,
        dynamodb_host: str | None = None,
        region: str = "ap-northeast-2",
    ) -> None:
        models = bind_models(table_name, dynamodb_host, region)
        self._articles = models.article
        self._states = models.state
        self._blobs = Blobs(s3_client, bucket)
        self._connection = models.connection

    @classmethod
    def from_env(cls) -> Store:
        """Build a Store from TECHFEED_TABLE, TECHFEED_BUCKET, AWS_ENDPOINT_URL and AWS_REGION."""
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
        region = (
            os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-northeast-2"
        )
        # A local endpoint (moto on 127.0.0.1) has no per-bucket DNS names.
        config = Config(s3={"addressing_style": "path"}) if endpoint else None
        s3_client = boto3.client("s3", region_name=region, endpoint_url=endpoint, config=config)
        return cls(
            table_name=os.environ["TECHFEED_TABLE"],
            bucket=os.environ["TECHFEED_BUCKET"],
            s3_client=s3_client,
            dynamodb_host=endpoint,
            region=region,
        )

    def existing_article_ids(self, article_ids: Iterable[str]) -> set[str]:
        """Which of these article ids are stored (batched by 100, unprocessed keys retried)."""
        keys = [(article_pk(article_id), ARTICLE_SK) for article_id in set(article_ids)]
        found = self._articles.batch_get(keys, attributes_to_get=["pk"])
        return {item.pk.removeprefix(article_pk("")) for item in found}

    def save_article(self, article: Article, *, content_html: str, raw_html: bytes | None) -> bool:
        """Store an article's bodies, then its item and count at once; False if already stored."""
        # S3 first, under keys fixed by the ids: a crash before the transaction leaves only
        # objects that a retry overwrites, never an item pointing at missing bodies.
        raw_key = None
        if raw_html is not None:
            raw_key = self._blobs.put_raw(article.source_id, article.article_id, raw_html)
        content_key = self._blobs.put_content(article.article_id, content_html)
        item = self._article_item(replace(article, content_key=content_key, raw_key=raw_key))
        states = self._states
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.save(item, condition=self._articles.pk.does_not_exist())
                transaction.update(
                    states(source_pk(article.source_id), STATE_SK),
                    actions=[
                        states.source_id.set(article.source_id),
                        states.item_type.set("source_state"),
                        states.article_count.add(1),
                    ],
                )
        except TransactWriteError as error:
            if any(
                reason is not None and reason.code == "ConditionalCheckFailed"
                for reason in error.cancellation_reasons
            ):
                return False
            raise
        return True

    def get_article(self, article_id: str) -> Article | None:
        """The stored article, or None."""
        try:
            item = self._articles.get(article_pk(article_id), ARTICLE_SK)
        except self._articles.DoesNotExist:
            return None
        return _to_article(item)

    def get_content(self, article_id: str) -> str | None:
        """The clean HTML of an article, or None."""
        return self._blobs.get_content(article_id)

    def load_state(self, source_id: str) -> SourceState:
        """The crawl state of a source; a fresh one if it was never saved."""
        try:
            item = self._states.get(source_pk(source_id), STATE_SK)
        except self._states.DoesNotExist:
            return SourceState(source_id)
        return _to_state(item)

    def save_state(self, state: SourceState) -> None:
        """Write every field of the state but article_count, which only save_article changes."""
        states = self._states
        # One UpdateItem with SET/REMOVE per field rather than a PutItem, so an article
        # counted between load_state and now is not overwritten.
        fields: list[tuple[Any, object]] = [
            (states.etag, state.etag),
            (states.last_modified, state.last_modified),
            (states.last_crawl_at, state.last_crawl_at),
            (states.last_status, None if state.last_status is None else state.last_status.value),
            (states.last_error, state.last_error),
            (states.consecutive_failures, state.consecutive_failures),
            (states.next_due_at, state.next_due_at),
            (states.pages_fetched, state.pages_fetched),
            (states.not_modified_count, state.not_modified_count),
            (states.failure_count, state.failure_count),
        ]
        actions: list[Action] = [
            states.source_id.set(state.source_id),
            states.item_type.set("source_state"),
        ]
        actions += [attr.remove() if value is None else attr.set(value) for attr, value in fields]
        states(source_pk(state.source_id), STATE_SK).update(actions=actions)

    def list_states(self) -> list[SourceState]:
        """Every saved source state, by source id."""
        # A Scan is fine while there are tens of sources; articles are filtered out server-side.
        items = self._states.scan(filter_condition=self._states.sk == STATE_SK)
        return sorted((_to_state(item) for item in items), key=lambda state: state.source_id)

    def recent_articles(self, *, source_id: str | None = None, limit: int = 20) -> list[Article]:
        """The newest articles, of one source or of all, in one query of `limit` items."""
        if source_id is None:
            items = self._articles.feed_index.query(FEED_PK, scan_index_forward=False, limit=limit)
        else:
            items = self._articles.source_index.query(
                source_pk(source_id), scan_index_forward=False, limit=limit
            )
        return [_to_article(item) for item in items]

    def _article_item(self, article: Article) -> ArticleModel:
        sort_key = f"{to_iso(article.published_at)}#{article.article_id}"
        return self._articles(
            article_pk(article.article_id),
            ARTICLE_SK,
            gsi1pk=FEED_PK,
            gsi1sk=sort_key,
            gsi2pk=source_pk(article.source_id),
            gsi2sk=sort_key,
            article_id=article.article_id,
            source_id=article.source_id,
            canonical_url=article.canonical_url,
            url=article.url,
            title=article.title,
            published_at=article.published_at,
            fetched_at=article.fetched_at,
            summary=article.summary,
            author=article.author,
            image=article.image,
            keywords=list(article.keywords),
            content_key=article.content_key,
            raw_key=article.raw_key,
            word_count=article.word_count,
        )


def _to_article(item: ArticleModel) -> Article:
    return Article(
        article_id=item.article_id,
        source_id=item.source_id,
        canonical_url=item.canonical_url,
        url=item.url,
        title=item.title,
        published_at=item.published_at,
        fetched_at=item.fetched_at,
        summary=item.summary or "",
        author=item.author,
        image=item.image,
        keywords=list(item.keywords or []),
        content_key=item.content_key,
        raw_key=item.raw_key,
        word_count=int(item.word_count or 0),
    )


def _to_state(item: SourceStateModel) -> SourceState:
    return SourceState(
        source_id=item.source_id,
        etag=item.etag,
        last_modified=item.last_modified,
        last_crawl_at=item.last_crawl_at,
        last_status=None if item.last_status is None else CrawlStatus(item.last_status),
        last_error=item.last_error,
        consecutive_failures=int(item.consecutive_failures or 0),
        next_due_at=item.next_due_at,
        article_count=int(item.article_count or 0),
        pages_fetched=int(item.pages_fetched or 0),
        not_modified_count=int(item.not_modified_count or 0),
        failure_count=int(item.failure_count or 0),
    )
