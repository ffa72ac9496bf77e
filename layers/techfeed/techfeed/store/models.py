"""PynamoDB models of the techfeed table, bound to a table, host and region at runtime."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from pynamodb.attributes import Attribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.constants import STRING
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from techfeed.models import to_iso
from techfeed.store.schema import FEED_INDEX, SOURCE_INDEX

FEED_PK = "FEED"
STATE_SK = "STATE"
ARTICLE_SK = "META"
KEYWORDS_PK = "KEYWORDS"
SOURCES_PK = "SOURCES"
STATS_PK = "STATS"
DOCUMENTS_SK = "DOCUMENTS"
DF_SK = "DF"


def to_iso_ms(value: datetime) -> str:
    """Like to_iso but to the millisecond, e.g. "2024-03-05T01:00:00.123Z" (still fixed width)."""
    utc = value.astimezone(UTC)
    return to_iso(utc)[:-1] + f".{utc.microsecond // 1000:03d}Z"


def from_iso(value: str) -> datetime:
    """Parse a string written by to_iso or to_iso_ms back to an aware UTC datetime."""
    return datetime.fromisoformat(value).astimezone(UTC)


def sort_key(published_at: datetime, article_id: str) -> str:
    """The sort key of an article in every newest-first list: "<published_at>#<article_id>"."""
    return f"{to_iso(published_at)}#{article_id}"


def normalize_keyword(keyword: str) -> str:
    """The one spelling of a keyword in keys: NFC, case-folded, trimmed."""
    return unicodedata.normalize("NFC", keyword).strip().casefold()


def source_pk(source_id: str) -> str:
    """Partition key of a source (its state item, and its articles in gsi2)."""
    return f"SOURCE#{source_id}"


def article_pk(article_id: str) -> str:
    """Partition key of an article item."""
    return f"ARTICLE#{article_id}"


def keyword_pk(keyword: str) -> str:
    """Partition key of a keyword's postings (sort key: the article's sort_key)."""
    return f"KEYWORD#{normalize_keyword(keyword)}"


def term_pk(term: str) -> str:
    """Partition key of a term's document frequency item (sort key DF_SK)."""
    return f"TERM#{term}"


def user_pk(user_id: str) -> str:
    """Partition key of a user's items."""
    return f"USER#{user_id}"


def bookmark_sk(article_id: str) -> str:
    """Sort key of a bookmark under its user: one bookmark per user and article."""
    return f"BOOKMARK#{article_id}"


def bookmarks_pk(user_id: str) -> str:
    """gsi2 partition of a user's bookmarks, sorted by "<bookmarked_at>#<article_id>"."""
    return f"BOOKMARKS#{user_id}"


def keyword_rank(count: int, keyword: str) -> str:
    """gsi1 sort key of a keyword's count item: the count zero-padded, so strings sort by it."""
    return f"{max(count, 0):010d}#{normalize_keyword(keyword)}"


class IsoDateTimeAttribute(Attribute[datetime]):
    """A datetime stored as an ISO 8601 UTC string (see to_iso)."""

    attr_type = STRING

    def serialize(self, value: datetime) -> str:
        """Datetime to its stored string."""
        return to_iso(value)

    def deserialize(self, value: str) -> datetime:
        """Stored string to an aware UTC datetime."""
        return from_iso(value)


# PynamoDB leaves Index.__init_subclass__ untyped.
class FeedIndex(GlobalSecondaryIndex["ArticleModel"]):  # type: ignore[no-untyped-call]
    """gsi1: every article, newest first by gsi1sk."""

    class Meta:  # noqa: D106
        index_name = FEED_INDEX
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class SourceIndex(GlobalSecondaryIndex["ArticleModel"]):  # type: ignore[no-untyped-call]
    """gsi2: one source's articles, newest first by gsi2sk."""

    class Meta:  # noqa: D106
        index_name = SOURCE_INDEX
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class ArticleFieldsModel(Model):
    """What every item that lists an article carries: the article's own fields, denormalized."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    article_id = UnicodeAttribute()
    source_id = UnicodeAttribute()
    canonical_url = UnicodeAttribute()
    url = UnicodeAttribute()
    title = UnicodeAttribute()
    published_at = IsoDateTimeAttribute()
    fetched_at = IsoDateTimeAttribute()
    summary = UnicodeAttribute(default="")
    author = UnicodeAttribute(null=True)
    image = UnicodeAttribute(null=True)
    # PynamoDB types `of` as the element's Python type, though it takes the attribute class.
    keywords: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]


class ArticleModel(ArticleFieldsModel):
    """An article item; unbound (no table) until bind_models subclasses it."""

    sk = UnicodeAttribute(range_key=True, default=ARTICLE_SK)
    item_type = UnicodeAttribute(attr_name="type", default="article")
    gsi1pk = UnicodeAttribute(default=FEED_PK)
    gsi1sk = UnicodeAttribute()
    gsi2pk = UnicodeAttribute()
    gsi2sk = UnicodeAttribute()
    content_key = UnicodeAttribute(null=True)
    raw_key = UnicodeAttribute(null=True)
    word_count = NumberAttribute(default=0)
    # Set once, with the keywords and the extractive summary, when the article is first tagged.
    tagged_at = IsoDateTimeAttribute(null=True)

    feed_index = FeedIndex()
    source_index = SourceIndex()


class KeywordPostingModel(ArticleFieldsModel):
    """An article under a keyword: pk keyword_pk, sk the article's sort_key; no index."""

    item_type = UnicodeAttribute(attr_name="type", default="keyword_posting")


class BookmarkIndex(GlobalSecondaryIndex["BookmarkModel"]):  # type: ignore[no-untyped-call]
    """gsi2 again: one user's bookmarks, newest first by gsi2sk."""

    class Meta:  # noqa: D106
        index_name = SOURCE_INDEX
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class BookmarkModel(ArticleFieldsModel):
    """A user's bookmark: pk user_pk, sk bookmark_sk, listed through gsi2 by bookmarked_at."""

    item_type = UnicodeAttribute(attr_name="type", default="bookmark")
    gsi2pk = UnicodeAttribute()
    gsi2sk = UnicodeAttribute()
    user_id = UnicodeAttribute()
    bookmarked_at = UnicodeAttribute()

    by_user = BookmarkIndex()


class KeywordRankIndex(GlobalSecondaryIndex["KeywordCountModel"]):  # type: ignore[no-untyped-call]
    """gsi1 again: keyword count items, most used first by gsi1sk."""

    class Meta:  # noqa: D106
        index_name = FEED_INDEX
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class KeywordCountModel(Model):
    """How many articles carry a keyword: pk KEYWORDS, sk the keyword; gsi1sk keyword_rank."""

    pk = UnicodeAttribute(hash_key=True, default=KEYWORDS_PK)
    sk = UnicodeAttribute(range_key=True)
    item_type = UnicodeAttribute(attr_name="type", default="keyword_count")
    gsi1pk = UnicodeAttribute(default=KEYWORDS_PK)
    gsi1sk = UnicodeAttribute()
    keyword = UnicodeAttribute()
    article_count = NumberAttribute(default=0)

    by_count = KeywordRankIndex()


class CounterModel(Model):
    """A number of tagged articles: a term's document frequency or the corpus size.

    Term: pk term_pk(term), sk DF_SK, type "document_frequency". Corpus: pk STATS_PK,
    sk DOCUMENTS_SK, type "corpus". `documents` changes only by ADD: +1 in the tagging
    transaction, and by what the retag's recount finds it off by.
    """

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    item_type = UnicodeAttribute(attr_name="type")
    documents = NumberAttribute(default=0)


class CrawledIndex(GlobalSecondaryIndex["SourceStateModel"]):  # type: ignore[no-untyped-call]
    """gsi1 again: every crawled source's state item, by source id."""

    class Meta:  # noqa: D106
        index_name = FEED_INDEX
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class SourceStateModel(Model):
    """A source's crawl state item; unbound (no table) until bind_models subclasses it.

    A saved state is also listed on gsi1 under SOURCES_PK, by source id, with the name and
    homepage the source had when crawled: a source no longer in the registry stays known.
    """

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=STATE_SK)
    item_type = UnicodeAttribute(attr_name="type", default="source_state")
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    source_id = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    homepage = UnicodeAttribute(null=True)
    etag = UnicodeAttribute(null=True)
    last_modified = UnicodeAttribute(null=True)
    last_crawl_at = IsoDateTimeAttribute(null=True)
    last_status = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    consecutive_failures = NumberAttribute(default=0)
    next_due_at = IsoDateTimeAttribute(null=True)
    article_count = NumberAttribute(default=0)
    pages_fetched = NumberAttribute(default=0)
    not_modified_count = NumberAttribute(default=0)
    failure_count = NumberAttribute(default=0)

    crawled = CrawledIndex()


@dataclass(frozen=True)
class BoundModels:
    """The models of one table at one endpoint."""

    article: type[ArticleModel]
    state: type[SourceStateModel]
    posting: type[KeywordPostingModel]
    bookmark: type[BookmarkModel]
    keyword_count: type[KeywordCountModel]
    counter: type[CounterModel]
    # For transactions, which span models; kept here so a process builds its client once.
    connection: Connection


@cache
def bind_models(table_name: str, host: str | None, region: str) -> BoundModels:
    """Subclass the models with their own Meta, since PynamoDB reads the table from the class."""
    meta: Any = type("Meta", (), {"table_name": table_name, "host": host, "region": region})

    class BoundArticle(ArticleModel):
        Meta = meta

    class BoundSourceState(SourceStateModel):
        Meta = meta

    class BoundPosting(KeywordPostingModel):
        Meta = meta

    class BoundBookmark(BookmarkModel):
        Meta = meta

    class BoundKeywordCount(KeywordCountModel):
        Meta = meta

    class BoundCounter(CounterModel):
        Meta = meta

    return BoundModels(
        article=BoundArticle,
        state=BoundSourceState,
        posting=BoundPosting,
        bookmark=BoundBookmark,
        keyword_count=BoundKeywordCount,
        counter=BoundCounter,
        connection=Connection(region=region, host=host),
    )
