"""What the API sends, as pydantic models: they validate responses and document the OpenAPI spec.

Our own types (Article, Bookmark, SourceState, ...) become these only here, at the HTTP edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

from techfeed.models import Article, Bookmark, KeywordCount, Source, SourceState, to_iso
from techfeed.store.models import to_iso_ms

_CURSOR = Field(
    description="Pass as `cursor` to get the next page; null on the last page.",
    examples=["MXwxNzYzODU2MDAwfDIwMjQtMDMtMDVUMDE6MDA6MDBaIzEyMzQ.q8J4tHc0tKqH5vlqZ3d4bA"],
)


class ArticleItem(BaseModel):
    """An article in a list."""

    id: str = Field(description="Stable article id.", examples=["9f86d081884c7d65"])
    source: str = Field(description="The source (blog) id.", examples=["toss"])
    source_name: str = Field(description="The source's display name.", examples=["토스 (Toss)"])
    title: str
    url: str = Field(description="The original article on the company's blog.")
    published_at: str = Field(
        description="ISO 8601 UTC, to the second.",
        json_schema_extra={"format": "date-time"},
        examples=["2024-03-05T01:00:00Z"],
    )
    summary: str = Field(description="A plain-text summary; may be empty.")
    keywords: list[str]
    image: str | None = Field(description="A lead image URL, when the article has one.")

    @classmethod
    def of(cls, article: Article, source_names: Mapping[str, str]) -> ArticleItem:
        """The list view of an article."""
        return cls(**_list_fields(article, source_names))


class ArticleDetail(ArticleItem):
    """One article in full."""

    content_html: str = Field(description="The article body, sanitized HTML.")
    author: str | None
    related: list[ArticleItem] = Field(
        description="Up to 5 articles sharing the most keywords with this one (newest first "
        "among equals); empty until the article is tagged.",
        max_length=5,
    )

    @classmethod
    def of_full(
        cls,
        article: Article,
        source_names: Mapping[str, str],
        content_html: str,
        related: list[ArticleItem],
    ) -> ArticleDetail:
        """The full view of an article."""
        return cls(
            **_list_fields(article, source_names),
            content_html=content_html,
            author=article.author,
            related=related,
        )


class BookmarkItem(ArticleItem):
    """A bookmarked article, as it was when bookmarked."""

    bookmarked_at: str = Field(
        description="ISO 8601 UTC, to the millisecond.",
        json_schema_extra={"format": "date-time"},
        examples=["2024-03-05T01:00:00.123Z"],
    )

    @classmethod
    def of_bookmark(cls, bookmark: Bookmark, source_names: Mapping[str, str]) -> BookmarkItem:
        """The list view of a bookmark."""
        return cls(
            **_list_fields(bookmark.article, source_names),
            bookmarked_at=to_iso_ms(bookmark.bookmarked_at),
        )


class LastCrawl(BaseModel):
    """How a source's last crawl went."""

    at: str = Field(json_schema_extra={"format": "date-time"}, examples=["2024-03-05T01:00:00Z"])
    status: Literal["ok", "not_modified", "failed"]
    error: str | None = Field(description="Why it failed, or what went partly wrong.")


class SourceItem(BaseModel):
    """A company blog and how crawling it goes."""

    id: str = Field(examples=["toss"])
    name: str = Field(examples=["토스 (Toss)"])
    homepage: str = Field(examples=["https://toss.tech"])
    article_count: int = Field(ge=0)
    last_crawl: LastCrawl | None = Field(description="Null until the source is first crawled.")

    @classmethod
    def of(cls, source: Source, state: SourceState | None) -> SourceItem:
        """A registry entry with its crawl state."""
        last = None
        if state is not None and state.last_crawl_at is not None and state.last_status:
            last = LastCrawl(
                at=to_iso(state.last_crawl_at),
                status=state.last_status.value,
                error=state.last_error,
            )
        return cls(
            id=source.id,
            name=source.name,
            homepage=source.homepage,
            article_count=0 if state is None else state.article_count,
            last_crawl=last,
        )

    @classmethod
    def of_unlisted(cls, state: SourceState) -> SourceItem:
        """A source crawled before but not in the registry: as its last crawl named it."""
        unlisted = Source(
            id=state.source_id,
            name=state.name or state.source_id,
            homepage=state.homepage or "",
            feed_url="",
        )
        return cls.of(unlisted, state)


class KeywordItem(BaseModel):
    """A keyword and how many articles carry it."""

    keyword: str = Field(examples=["Kubernetes"])
    count: int = Field(ge=0)

    @classmethod
    def of(cls, keyword: KeywordCount) -> KeywordItem:
        """The wire form of a keyword count."""
        return cls(keyword=keyword.keyword, count=keyword.count)


class ArticlePage(BaseModel):
    """A page of articles, newest first."""

    items: list[ArticleItem]
    next_cursor: str | None = _CURSOR


class BookmarkPage(BaseModel):
    """A page of bookmarks, newest bookmark first."""

    items: list[BookmarkItem]
    next_cursor: str | None = _CURSOR


class SourcePage(BaseModel):
    """Every source in the registry, by id (one page)."""

    items: list[SourceItem]
    next_cursor: None = Field(default=None, description="Always null: one page holds them all.")


class KeywordPage(BaseModel):
    """The most used keywords, most used first (one page)."""

    items: list[KeywordItem]
    next_cursor: None = Field(default=None, description="Always null: ask for a larger limit.")


class Health(BaseModel):
    """The API answers."""

    status: Literal["ok"] = "ok"


class ErrorDetail(BaseModel):
    """What went wrong, for people and for code."""

    code: str = Field(
        description="Stable, machine-readable: bad_request, invalid_cursor, unauthorized, "
        "not_found, validation_error, throttled, internal.",
        examples=["not_found"],
    )
    message: str = Field(examples=["no article 9f86d081884c7d65"])


class ErrorResponse(BaseModel):
    """Every error the API answers."""

    error: ErrorDetail


def _list_fields(article: Article, source_names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": article.article_id,
        "source": article.source_id,
        "source_name": source_names.get(article.source_id, article.source_id),
        "title": article.title,
        "url": article.url,
        "published_at": to_iso(article.published_at),
        "summary": article.summary,
        "keywords": list(article.keywords),
        "image": article.image,
    }
