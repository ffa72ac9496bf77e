"""The storage layer (I/O): articles, source states, keyword postings and bookmarks in DynamoDB,
article bodies in S3.

Items (pk / sk), besides the article `ARTICLE#<id>` / `META` and the source state
`SOURCE#<id>` / `STATE` (also on gsi1 under `SOURCES`, so every crawled source can be listed):
a keyword posting `KEYWORD#<keyword>` / `<published_at>#<id>` (the
article's list fields denormalized), a keyword count `KEYWORDS` / `<keyword>` (ranked on gsi1),
a term's document frequency `TERM#<term>` / `DF` and the number of tagged articles
`STATS` / `DOCUMENTS` (both {"documents": n}), a bookmark `USER#<sub>` / `BOOKMARK#<id>`.

Every newest-first list is one Query of `limit` items on a sort key "<time>#<article_id>";
a page's Page.next_cursor is the last item's sort key (a raw position, which the API signs),
and the next page is the items strictly before it, so paging stays exact while items arrive.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from pynamodb.exceptions import (
    DeleteError,
    PutError,
    PynamoDBException,
    TransactWriteError,
    UpdateError,
)
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from techfeed.models import Article, Bookmark, CrawlStatus, KeywordCount, Page, SourceState
from techfeed.store.blobs import Blobs
from techfeed.store.models import (
    ARTICLE_SK,
    DF_SK,
    DOCUMENTS_SK,
    FEED_PK,
    KEYWORDS_PK,
    SOURCES_PK,
    STATE_SK,
    STATS_PK,
    ArticleFieldsModel,
    ArticleModel,
    BookmarkModel,
    FeedIndex,
    SourceIndex,
    SourceStateModel,
    article_pk,
    bind_models,
    bookmark_sk,
    bookmarks_pk,
    from_iso,
    keyword_pk,
    keyword_rank,
    normalize_keyword,
    sort_key,
    source_pk,
    term_pk,
    to_iso_ms,
    user_pk,
)

__all__ = ["Store", "is_throttling"]

_THROTTLING = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)


def is_throttling(error: BaseException) -> bool:
    """Whether an error raised by a Store method means AWS asked us to slow down."""
    if isinstance(error, PynamoDBException):
        return error.cause_response_code in _THROTTLING
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") in _THROTTLING
    return False


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
        self._postings = models.posting
        self._bookmarks = models.bookmark
        self._keyword_counts = models.keyword_count
        self._counters = models.counter
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
            if _refused_by_condition(error):
                return False
            raise
        return True

    def get_article(self, article_id: str, *, consistent: bool = False) -> Article | None:
        """The stored article, or None; `consistent` also sees a write made just before."""
        try:
            item = self._articles.get(
                article_pk(article_id), ARTICLE_SK, consistent_read=consistent
            )
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
            (states.name, state.name),
            (states.homepage, state.homepage),
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
            states.gsi1pk.set(SOURCES_PK),
            states.gsi1sk.set(state.source_id),
        ]
        actions += [attr.remove() if value is None else attr.set(value) for attr, value in fields]
        states(source_pk(state.source_id), STATE_SK).update(actions=actions)

    def get_states(self, source_ids: Iterable[str]) -> dict[str, SourceState]:
        """The saved states of these sources, by id, in one batch read (no scan)."""
        keys = [(source_pk(source_id), STATE_SK) for source_id in set(source_ids)]
        if not keys:
            return {}
        return {item.source_id: _to_state(item) for item in self._states.batch_get(keys)}

    def crawled_states(self) -> dict[str, SourceState]:
        """The saved state of every source crawled since states were listed, by id: one query
        (of one page for any real number of sources), whatever the registry says."""
        items = self._states.crawled.query(SOURCES_PK)
        return {item.source_id: _to_state(item) for item in items}

    def recent_articles(self, *, source_id: str | None = None, limit: int = 20) -> list[Article]:
        """The newest articles, of one source or of all, in one query of `limit` items."""
        return self.list_articles(source_id=source_id, limit=limit).items

    def list_articles(
        self,
        *,
        source_id: str | None = None,
        keyword: str | None = None,
        limit: int = 20,
        before: str | None = None,
    ) -> Page[Article]:
        """Newest first, all or one source's or one keyword's, strictly before a position.

        One Query of at most `limit` items whatever the table holds: the feed reads gsi1,
        a source gsi2, a keyword its postings in the table itself.
        """
        if keyword is not None:
            if source_id is not None:
                raise ValueError("filter by a source or a keyword, not both")
            postings = self._postings
            items: Iterable[ArticleFieldsModel] = postings.query(
                keyword_pk(keyword),
                range_key_condition=None if before is None else postings.sk < before,
                scan_index_forward=False,
                limit=limit,
                page_size=limit,
            )
            return _page(((_to_article(item), item.sk) for item in items), limit)
        articles = self._articles
        index: FeedIndex | SourceIndex
        if source_id is None:
            index, partition, range_key = articles.feed_index, FEED_PK, articles.gsi1sk
        else:
            index, partition, range_key = (
                articles.source_index,
                source_pk(source_id),
                articles.gsi2sk,
            )
        found = index.query(
            partition,
            range_key_condition=None if before is None else range_key < before,
            scan_index_forward=False,
            limit=limit,
            page_size=limit,
        )
        rows = ((_to_article(item), sort_key(item.published_at, item.article_id)) for item in found)
        return _page(rows, limit)

    def put_keyword_posting(self, keyword: str, article: Article) -> None:
        """List an article under a keyword (idempotent), with its list fields denormalized."""
        self._postings(
            keyword_pk(keyword),
            sort_key(article.published_at, article.article_id),
            **_article_fields(article),
        ).save()

    def iterate_articles(self) -> Iterator[Article]:
        """Every article, newest first, a page of the feed index at a time."""
        articles = self._articles
        for item in articles.feed_index.query(FEED_PK, scan_index_forward=False, page_size=100):
            yield _to_article(item)

    def related_articles(
        self, article: Article, *, limit: int = 5, keywords: int = 5, per_keyword: int = 20
    ) -> list[Article]:
        """Articles sharing the most keywords with this one, newest first among equals.

        One query of the newest `per_keyword` postings for each of its first `keywords`
        keywords (the strongest); shared keywords are counted on the postings' denormalized
        keyword lists, so an article found under one keyword scores all it shares.
        """
        mine = {normalize_keyword(k) for k in article.keywords}
        found: dict[str, tuple[int, str, Article]] = {}
        for keyword in article.keywords[:keywords]:
            postings = self._postings.query(
                keyword_pk(keyword),
                scan_index_forward=False,
                limit=per_keyword,
                page_size=per_keyword,
            )
            for item in postings:
                if item.article_id == article.article_id or item.article_id in found:
                    continue
                other = _to_article(item)
                shared = len(mine & {normalize_keyword(k) for k in other.keywords})
                found[other.article_id] = (shared, item.sk, other)
        ranked = sorted(found.values(), key=lambda row: (row[0], row[1]), reverse=True)
        return [other for _, _, other in ranked[:limit]]

    def delete_keyword_posting(self, keyword: str, article: Article) -> None:
        """Take an article off a keyword's list; nothing happens if it is not there."""
        self._postings(
            keyword_pk(keyword), sort_key(article.published_at, article.article_id)
        ).delete()

    def count_keyword_postings(self, keyword: str) -> int:
        """How many articles a keyword lists: a strongly consistent, paginated COUNT query."""
        return self._postings.count(keyword_pk(keyword), consistent_read=True)

    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """How many tagged articles contain each term (batched by 100); absent terms are 0."""
        keys = [(term_pk(term), DF_SK) for term in set(terms)]
        found = self._counters.batch_get(keys)
        return {item.pk.removeprefix(term_pk("")): int(item.documents) for item in found}

    def stored_document_frequencies(self) -> dict[str, int]:
        """Every term's stored document frequency: a scan of the whole table (the retag's)."""
        counters = self._counters
        found = counters.scan(counters.item_type == "document_frequency")
        return {item.pk.removeprefix(term_pk("")): int(item.documents) for item in found}

    def add_document_frequencies(self, changes: Mapping[str, int], *, documents: int) -> None:
        """Add to terms' document frequencies and to the corpus size (a negative change takes
        away); a term that reaches 0 is removed. By ADD, so concurrent taggings add their own."""
        counters = self._counters
        moved = [(term_pk(t), DF_SK, "document_frequency", n) for t, n in changes.items() if n]
        if documents:
            moved.append((STATS_PK, DOCUMENTS_SK, "corpus", documents))
        for pk, sk, kind, change in moved:
            item = counters(pk, sk)
            item.update(actions=[counters.item_type.set(kind), counters.documents.add(change)])
            if kind == "document_frequency" and int(item.documents) <= 0:
                try:
                    item.delete(condition=counters.documents <= 0)
                except DeleteError as error:
                    if error.cause_response_code != "ConditionalCheckFailedException":
                        raise  # else a tagging counted it again meanwhile: it stays

    def corpus_documents(self) -> int:
        """How many articles the document frequencies count."""
        try:
            return int(self._counters.get(STATS_PK, DOCUMENTS_SK).documents)
        except self._counters.DoesNotExist:
            return 0

    def record_tagging(
        self,
        article_id: str,
        *,
        keywords: Sequence[str],
        summary: str,
        tagged_at: datetime,
        terms: Sequence[str],
    ) -> bool:
        """Tag an article and count its terms in one transaction; False if it was tagged already.

        At most 98 terms: a transaction holds 100 actions, two of them the article and the
        corpus counter.
        """
        if len(terms) > 98:
            raise ValueError(f"{len(terms)} terms: a transaction counts at most 98")
        articles, counters = self._articles, self._counters
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.update(
                    articles(article_pk(article_id), ARTICLE_SK),
                    actions=[
                        articles.keywords.set(list(keywords)),
                        articles.summary.set(summary),
                        articles.tagged_at.set(tagged_at),
                    ],
                    condition=articles.pk.exists() & articles.tagged_at.does_not_exist(),
                )
                counted = [(STATS_PK, DOCUMENTS_SK, "corpus")]
                counted += [(term_pk(t), DF_SK, "document_frequency") for t in terms]
                for pk, sk, kind in counted:
                    transaction.update(
                        counters(pk, sk),
                        actions=[counters.item_type.set(kind), counters.documents.add(1)],
                    )
        except TransactWriteError as error:
            if _refused_by_condition(error):
                return False
            raise
        return True

    def set_article_keywords(
        self,
        article_id: str,
        keywords: Sequence[str],
        *,
        summary: str | None = None,
        untagged_only: bool = False,
    ) -> bool:
        """Replace a stored article's keywords, and its summary when given (its tagging time
        stays).

        False when there is no such article, or with `untagged_only` when it is tagged.
        """
        articles = self._articles
        condition = articles.pk.exists()
        if untagged_only:
            condition &= articles.tagged_at.does_not_exist()
        actions: list[Action] = [articles.keywords.set(list(keywords))]
        if summary is not None:
            actions.append(articles.summary.set(summary))
        try:
            articles(article_pk(article_id), ARTICLE_SK).update(
                actions=actions, condition=condition
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def set_keyword_count(self, keyword: str, count: int) -> None:
        """Record how many articles carry a keyword (what top_keywords ranks by); 0 removes it."""
        if count <= 0:
            self._keyword_counts(KEYWORDS_PK, normalize_keyword(keyword)).delete()
            return
        self._keyword_counts(
            KEYWORDS_PK,
            normalize_keyword(keyword),
            gsi1sk=keyword_rank(count, keyword),
            keyword=unicodedata.normalize("NFC", keyword).strip(),  # as readers see it: "Kafka"
            article_count=count,
        ).save()

    def top_keywords(self, limit: int = 20) -> list[KeywordCount]:
        """The most used keywords, most used first, in one query of `limit` items."""
        counts = self._keyword_counts
        found = counts.by_count.query(
            KEYWORDS_PK, scan_index_forward=False, limit=limit, page_size=limit
        )
        return [KeywordCount(item.keyword, int(item.article_count)) for item in found]

    def add_bookmark(self, user_id: str, article: Article, at: datetime) -> tuple[Bookmark, bool]:
        """Bookmark an article for a user; (the bookmark, True) if new, else the first one kept."""
        bookmarks = self._bookmarks
        stamp = to_iso_ms(at)
        item = bookmarks(
            user_pk(user_id),
            bookmark_sk(article.article_id),
            gsi2pk=bookmarks_pk(user_id),
            gsi2sk=f"{stamp}#{article.article_id}",
            user_id=user_id,
            bookmarked_at=stamp,
            **_article_fields(article),
        )
        try:
            item.save(condition=bookmarks.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            kept = bookmarks.get(user_pk(user_id), bookmark_sk(article.article_id))
            return _to_bookmark(kept), False
        return _to_bookmark(item), True

    def get_bookmark(self, user_id: str, article_id: str) -> Bookmark | None:
        """A user's bookmark of an article, or None; one strongly consistent GetItem."""
        bookmarks = self._bookmarks
        try:
            item = bookmarks.get(user_pk(user_id), bookmark_sk(article_id), consistent_read=True)
        except bookmarks.DoesNotExist:
            return None
        return _to_bookmark(item)

    def remove_bookmark(self, user_id: str, article_id: str) -> None:
        """Remove a user's bookmark of an article; nothing happens if there is none."""
        self._bookmarks(user_pk(user_id), bookmark_sk(article_id)).delete()

    def list_bookmarks(
        self, user_id: str, *, limit: int = 20, before: str | None = None
    ) -> Page[Bookmark]:
        """A user's bookmarks, newest bookmark first, strictly before a position; one query."""
        bookmarks = self._bookmarks
        found = bookmarks.by_user.query(
            bookmarks_pk(user_id),
            range_key_condition=None if before is None else bookmarks.gsi2sk < before,
            scan_index_forward=False,
            limit=limit,
            page_size=limit,
        )
        return _page(((_to_bookmark(item), item.gsi2sk) for item in found), limit)

    def _article_item(self, article: Article) -> ArticleModel:
        key = sort_key(article.published_at, article.article_id)
        return self._articles(
            article_pk(article.article_id),
            ARTICLE_SK,
            gsi1pk=FEED_PK,
            gsi1sk=key,
            gsi2pk=source_pk(article.source_id),
            gsi2sk=key,
            content_key=article.content_key,
            raw_key=article.raw_key,
            word_count=article.word_count,
            **_article_fields(article),
        )


_T = TypeVar("_T")


def _page(rows: Iterable[tuple[_T, str]], limit: int) -> Page[_T]:
    """A page of (item, position) rows; only a full page has a next position, its last."""
    pairs = list(rows)
    more = len(pairs) == limit and limit > 0
    return Page([item for item, _ in pairs], pairs[-1][1] if more else None)


def _article_fields(article: Article) -> dict[str, Any]:
    return {
        "article_id": article.article_id,
        "source_id": article.source_id,
        "canonical_url": article.canonical_url,
        "url": article.url,
        "title": article.title,
        "published_at": article.published_at,
        "fetched_at": article.fetched_at,
        "summary": article.summary,
        "author": article.author,
        "image": article.image,
        "keywords": list(article.keywords),
    }


def _refused_by_condition(error: TransactWriteError) -> bool:
    """Whether a transaction was cancelled because one of its conditions did not hold."""
    return any(
        reason is not None and reason.code == "ConditionalCheckFailed"
        for reason in error.cancellation_reasons
    )


def _to_bookmark(item: BookmarkModel) -> Bookmark:
    return Bookmark(item.user_id, _to_article(item), from_iso(item.bookmarked_at))


def _to_article(item: ArticleFieldsModel) -> Article:
    stored = item if isinstance(item, ArticleModel) else None
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
        content_key=None if stored is None else stored.content_key,
        raw_key=None if stored is None else stored.raw_key,
        word_count=0 if stored is None else int(stored.word_count or 0),
        tagged_at=None if stored is None else stored.tagged_at,
    )


def _to_state(item: SourceStateModel) -> SourceState:
    return SourceState(
        source_id=item.source_id,
        name=item.name,
        homepage=item.homepage,
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
