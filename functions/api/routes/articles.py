"""GET /articles and GET /articles/{article_id}."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from routes import ARTICLE_ID, SOURCE_ID, service
from techfeed.api.cursors import MAX_CURSOR_CHARS
from techfeed.api.http import documented
from techfeed.api.schemas import ArticleDetail, ArticlePage

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]

SourceFilter = Annotated[
    str | None,
    Query(
        description="Only this source's articles (an id from /sources).",
        pattern=SOURCE_ID,
        max_length=64,
    ),
]
KeywordFilter = Annotated[
    str | None,
    Query(
        description="Only articles with this keyword (not with `source`).",
        min_length=1,
        max_length=64,
    ),
]
Limit = Annotated[int, Query(description="Items per page.", ge=1, le=100)]
Cursor = Annotated[
    str | None,
    Query(
        description="`next_cursor` of the previous page.", min_length=1, max_length=MAX_CURSOR_CHARS
    ),
]


@router.get(
    "/articles",
    tags=["articles"],
    summary="Articles, newest first",
    responses=documented("A page of articles.", 400, 404),
)
def list_articles(
    source: SourceFilter = None,
    keyword: KeywordFilter = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> ArticlePage:
    """A page of articles; follow `next_cursor` for older ones. New articles never shift pages."""
    return service().articles(source=source, keyword=keyword, limit=limit, cursor=cursor)


@router.get(
    "/articles/<article_id>",
    tags=["articles"],
    summary="One article with its sanitized HTML body",
    responses=documented("The article.", 404),
)
def get_article(
    article_id: Annotated[str, Path(description="An article id.", pattern=ARTICLE_ID)],
) -> ArticleDetail:
    """Metadata, `content_html`, keywords, the original `url` and up to 5 related articles."""
    return service().article(article_id)
