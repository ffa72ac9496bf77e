"""GET /health."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from techfeed.api.http import documented
from techfeed.api.schemas import Health

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]


@router.get("/health", tags=["health"], summary="Is the API up?", responses=documented("Up."))
def health() -> Health:
    """Answers while the API runs; touches no storage."""
    return Health()
