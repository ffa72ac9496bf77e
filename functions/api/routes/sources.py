"""GET /sources."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from routes import service
from techfeed.api.http import documented
from techfeed.api.schemas import SourcePage

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]


@router.get(
    "/sources",
    tags=["sources"],
    summary="Every company blog, with its article count and last crawl",
    responses=documented("The registry, by id."),
)
def list_sources() -> SourcePage:
    """Every source in the registry; a failing source shows its last error here."""
    return service().sources()
