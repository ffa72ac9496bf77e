"""GET /me/bookmarks, GET, PUT and DELETE /me/bookmarks/{article_id}: the caller's own bookmarks."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from routes import ARTICLE_ID, BEARER, service
from techfeed.api.cursors import MAX_CURSOR_CHARS
from techfeed.api.http import caller, documented
from techfeed.api.schemas import BookmarkItem, BookmarkPage

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]

ArticleId = Annotated[str, Path(description="The bookmarked article's id.", pattern=ARTICLE_ID)]


@router.get(
    "/me/bookmarks",
    tags=["bookmarks"],
    summary="My bookmarks, newest bookmark first",
    security=BEARER,
    responses=documented("A page of bookmarks.", 400, 401, cached=False),
)
def list_bookmarks(
    limit: Annotated[int, Query(description="Items per page.", ge=1, le=100)] = 20,
    cursor: Annotated[
        str | None,
        Query(
            description="`next_cursor` of the previous page.",
            min_length=1,
            max_length=MAX_CURSOR_CHARS,
        ),
    ] = None,
) -> BookmarkPage:
    """The signed-in user's bookmarks; nobody else's are ever listed."""
    return service().bookmarks(caller(router.current_event.raw_event), limit=limit, cursor=cursor)


@router.get(
    "/me/bookmarks/<article_id>",
    tags=["bookmarks"],
    summary="Whether I bookmarked an article",
    security=BEARER,
    responses=documented("Bookmarked: the bookmark.", 401, 404, cached=False),
)
def get_bookmark(article_id: ArticleId) -> BookmarkItem:
    """The signed-in user's bookmark of an article; 404 when not bookmarked (by this user)."""
    return service().bookmark_of(caller(router.current_event.raw_event), article_id)


@router.put(
    "/me/bookmarks/<article_id>",
    tags=["bookmarks"],
    summary="Bookmark an article (idempotent)",
    security=BEARER,
    responses={
        **documented("Already bookmarked: the first bookmark is kept.", 401, 404, cached=False),
        201: {
            "description": "Bookmarked.",
            "content": {"application/json": {"model": BookmarkItem}},
        },
    },
)
def put_bookmark(article_id: ArticleId) -> Response[BookmarkItem]:
    """Bookmark an article; doing it again changes nothing (201 the first time, then 200)."""
    item, created = service().bookmark(caller(router.current_event.raw_event), article_id)
    return Response(201 if created else 200, "application/json", item)


@router.delete(
    "/me/bookmarks/<article_id>",
    tags=["bookmarks"],
    summary="Remove a bookmark (idempotent)",
    security=BEARER,
    status_code=204,
    responses={
        204: {"description": "Not bookmarked (any more).", "content": {}},
        **{k: v for k, v in documented("", 401, cached=False).items() if k != 200},
    },
)
def delete_bookmark(article_id: ArticleId) -> Response[None]:
    """Remove a bookmark; removing one that is not there is a 204 too."""
    service().unbookmark(caller(router.current_event.raw_event), article_id)
    return Response(204)
