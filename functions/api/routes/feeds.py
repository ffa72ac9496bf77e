"""GET /feed.xml, /feed.atom and /feed.json: the articles list as RSS 2.0, Atom 1.0, JSON Feed 1.1."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from routes import SOURCE_ID, service
from techfeed.api.http import documented, public_url
from techfeed.syndication import CONTENT_TYPES, FeedFormat

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]

SourceFilter = Annotated[
    str | None, Query(description="Only this source's articles.", pattern=SOURCE_ID, max_length=64)
]
KeywordFilter = Annotated[
    str | None, Query(description="Only articles with this keyword.", min_length=1, max_length=64)
]
Limit = Annotated[int, Query(description="How many articles.", ge=1, le=100)]


def _feed(kind: FeedFormat, source: str | None, keyword: str | None, limit: int) -> Response[str]:
    event = router.current_event.raw_event
    self_url = public_url(event)
    body = service().feed(
        kind,
        source=source,
        keyword=keyword,
        limit=limit,
        self_url=self_url,
        home_url=self_url.split("/feed.", 1)[0] + "/",
    )
    return Response(200, CONTENT_TYPES[kind], body)


@router.get(
    "/feed.xml",
    tags=["feeds"],
    summary="RSS 2.0 feed of the newest articles",
    responses=documented("RSS 2.0.", 400, 404, content_type="application/rss+xml"),
)
def rss(
    source: SourceFilter = None, keyword: KeywordFilter = None, limit: Limit = 20
) -> Response[str]:
    """The same articles as /articles, for feed readers."""
    return _feed("rss", source, keyword, limit)


@router.get(
    "/feed.atom",
    tags=["feeds"],
    summary="Atom 1.0 feed of the newest articles",
    responses=documented("Atom 1.0.", 400, 404, content_type="application/atom+xml"),
)
def atom(
    source: SourceFilter = None, keyword: KeywordFilter = None, limit: Limit = 20
) -> Response[str]:
    """The same articles as /articles, for feed readers."""
    return _feed("atom", source, keyword, limit)


@router.get(
    "/feed.json",
    tags=["feeds"],
    summary="JSON Feed 1.1 of the newest articles",
    responses=documented("JSON Feed 1.1.", 400, 404, content_type="application/feed+json"),
)
def json_feed(
    source: SourceFilter = None, keyword: KeywordFilter = None, limit: Limit = 20
) -> Response[str]:
    """The same articles as /articles, for feed readers."""
    return _feed("json", source, keyword, limit)
