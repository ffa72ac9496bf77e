"""GET /keywords."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from routes import service
from techfeed.api.http import documented
from techfeed.api.schemas import KeywordPage

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]


@router.get(
    "/keywords",
    tags=["keywords"],
    summary="The most used keywords, with their article counts",
    responses=documented("Keywords, most used first."),
)
def top_keywords(
    limit: Annotated[int, Query(description="How many keywords.", ge=1, le=100)] = 20,
) -> KeywordPage:
    """Top keywords; each one filters /articles?keyword=."""
    return service().keywords(limit)
