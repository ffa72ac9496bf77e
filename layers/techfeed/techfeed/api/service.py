"""The API's use cases over the Store: our types in, wire schemas out; no HTTP here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from techfeed.api.config import ApiConfig
from techfeed.api.cursors import CursorCodec, InvalidCursor
from techfeed.api.schemas import (
    ArticleDetail,
    ArticleItem,
    ArticlePage,
    BookmarkItem,
    BookmarkPage,
    KeywordItem,
    KeywordPage,
    SourceItem,
    SourcePage,
)
from techfeed.models import Article, Source
from techfeed.store import Store
from techfeed.store.models import normalize_keyword
from techfeed.syndication import FeedFormat, FeedInfo, render_feed
from techfeed.topics import topic_name


class ApiError(Exception):
    """An answer other than success: an HTTP status, a stable code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_found(message: str) -> ApiError:
    """A 404."""
    return ApiError(404, "not_found", message)


class Api:
    """Every endpoint's logic, over one Store and the sources registry."""

    def __init__(
        self,
        store: Store,
        config: ApiConfig,
        sources: Sequence[Source],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._sources = {source.id: source for source in sources}
        # The registry's names, and those learned of sources crawled but no longer listed.
        self._names = {source.id: source.name for source in sources}
        self._cursors = CursorCodec(config.cursor_secret, config.cursor_max_age)
        self._clock = clock

    def sources(self) -> SourcePage:
        """Every source in the registry with its article count and last crawl, and every source
        crawled before that the registry no longer lists (its articles are still served)."""
        states = self._store.crawled_states()
        # A state saved before states were listed is read by its key.
        states |= self._store.get_states(self._sources.keys() - states.keys())
        items = [SourceItem.of(s, states.get(s.id)) for s in self._sources.values()]
        for state in states.values():
            if state.source_id not in self._sources:
                items.append(SourceItem.of_unlisted(state))
                self._learn_name(state.source_id, state.name)
        return SourcePage(items=sorted(items, key=lambda item: item.id))

    def articles(
        self, *, source: str | None, keyword: str | None, limit: int, cursor: str | None
    ) -> ArticlePage:
        """A page of articles, newest first, of all sources, one source or one keyword (any
        spelling of a taxonomy term: "ML" lists 머신러닝)."""
        self._check_filters(source, keyword)
        keyword = _topic(keyword)
        scope = _scope("articles", source=source, keyword=keyword)
        page = self._store.list_articles(
            source_id=source,
            keyword=keyword,
            limit=limit,
            before=self._position(scope, cursor),
        )
        names = self._names_of(page.items)
        return ArticlePage(
            items=[ArticleItem.of(a, names) for a in page.items],
            next_cursor=self._cursor(scope, page.next_cursor),
        )

    def article(self, article_id: str) -> ArticleDetail:
        """One article with its sanitized body and related articles; 404 if there is none."""
        article = self._store.get_article(article_id)
        if article is None:
            raise not_found(f"no article {article_id}")
        content = self._store.get_content(article_id) or ""
        others = self._store.related_articles(article)
        names = self._names_of([article, *others])
        related = [ArticleItem.of(a, names) for a in others]
        return ArticleDetail.of_full(article, names, content, related=related)

    def keywords(self, limit: int) -> KeywordPage:
        """The most used keywords."""
        return KeywordPage(items=[KeywordItem.of(k) for k in self._store.top_keywords(limit)])

    def bookmarks(self, user_id: str, *, limit: int, cursor: str | None) -> BookmarkPage:
        """A page of the user's bookmarks, newest bookmark first."""
        scope = _scope("bookmarks", user=user_id)
        page = self._store.list_bookmarks(
            user_id, limit=limit, before=self._position(scope, cursor)
        )
        names = self._names_of(b.article for b in page.items)
        return BookmarkPage(
            items=[BookmarkItem.of_bookmark(b, names) for b in page.items],
            next_cursor=self._cursor(scope, page.next_cursor),
        )

    def bookmark(self, user_id: str, article_id: str) -> tuple[BookmarkItem, bool]:
        """Bookmark an article (404 if there is none); True when it was not bookmarked yet."""
        article = self._store.get_article(article_id)
        if article is None:
            raise not_found(f"no article {article_id}")
        bookmark, created = self._store.add_bookmark(user_id, article, self._clock())
        return BookmarkItem.of_bookmark(bookmark, self._names_of([article])), created

    def bookmark_of(self, user_id: str, article_id: str) -> BookmarkItem:
        """The user's bookmark of an article; 404 when the user has not bookmarked it."""
        bookmark = self._store.get_bookmark(user_id, article_id)
        if bookmark is None:
            raise not_found(f"article {article_id} is not bookmarked")
        return BookmarkItem.of_bookmark(bookmark, self._names_of([bookmark.article]))

    def unbookmark(self, user_id: str, article_id: str) -> None:
        """Remove a bookmark; removing one that is not there is fine."""
        self._store.remove_bookmark(user_id, article_id)

    def feed(
        self,
        kind: FeedFormat,
        *,
        source: str | None,
        keyword: str | None,
        limit: int,
        self_url: str,
        home_url: str,
    ) -> str:
        """The newest articles (with the list's filters) as a feed document."""
        self._check_filters(source, keyword)
        keyword = _topic(keyword)
        page = self._store.list_articles(source_id=source, keyword=keyword, limit=limit)
        title = "techfeed"
        if source is not None:
            title = f"techfeed: {self._names.get(source, source)}"
        elif keyword is not None:
            title = f"techfeed: {keyword}"
        info = FeedInfo(
            title=title,
            description="한국 IT 기업 기술 블로그의 새 글 (Korean tech companies' engineering blogs)",
            self_url=self_url,
            home_url=home_url,
        )
        return render_feed(kind, info, page.items, self._names_of(page.items))

    def _check_filters(self, source: str | None, keyword: str | None) -> None:
        if source is not None and keyword is not None:
            raise ApiError(400, "bad_request", "filter by source or by keyword, not both")
        if source is not None and source not in self._sources:
            # Crawled once, perhaps from another sources file, or since left the registry.
            state = self._store.load_state(source)
            if state.last_crawl_at is None and not state.article_count:
                raise not_found(f"no source {source} (see /sources)")
            self._learn_name(source, state.name)

    def _names_of(self, articles: Iterable[Article]) -> dict[str, str]:
        """Source names for these articles: the registry's, else those their crawls saved."""
        unknown = {a.source_id for a in articles} - self._names.keys()
        if unknown:
            for source_id, state in self._store.get_states(unknown).items():
                self._learn_name(source_id, state.name)
        return self._names

    def _learn_name(self, source_id: str, name: str | None) -> None:
        if name and source_id not in self._sources:
            self._names[source_id] = name

    def _position(self, scope: str, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        try:
            return self._cursors.decode(scope, cursor, now=self._clock())
        except InvalidCursor as exc:
            raise ApiError(400, "invalid_cursor", str(exc)) from None

    def _cursor(self, scope: str, position: str | None) -> str | None:
        return None if position is None else self._cursors.encode(scope, position, self._clock())


def _topic(keyword: str | None) -> str | None:
    """The keyword page a keyword filter asks for: a taxonomy alias asks for its term's."""
    return None if keyword is None else topic_name(keyword)


def _scope(kind: str, **filters: str | None) -> str:
    """The name a cursor is bound to: the list and its filters."""
    if filters.get("keyword") is not None:
        filters["keyword"] = normalize_keyword(str(filters["keyword"]))
    return kind + "".join(f"&{k}={v}" for k, v in sorted(filters.items()) if v is not None)
