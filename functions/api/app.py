"""The HTTP API Lambda: Powertools' APIGatewayHttpResolver (payload v2), one Router per resource.

The same code answers API Gateway in AWS and the local shim of `techfeed run`.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.typing import LambdaContext
from routes import articles, bookmarks, config, feeds, health, keywords, sources

from techfeed.api import http

logger = Logger()
copy_config_to_registered_loggers(source_logger=logger, include={"techfeed"})

_origins = config().cors_origins
app = APIGatewayHttpResolver(
    cors=CORSConfig(
        allow_origin=_origins[0],
        extra_origins=list(_origins[1:]),
        expose_headers=["ETag", http.REQUEST_ID_HEADER],
        max_age=600,
    )
    if _origins
    else None,
    serializer=http.serialize_json,
    enable_validation=True,
)
for resource in (health, sources, articles, keywords, bookmarks, feeds):
    app.include_router(resource.router)
http.install(app, cache_max_age=config().cache_max_age)
app.configure_openapi(
    title="techfeed API",
    version="1.0.0",
    description="Engineering blogs of Korean tech companies in one feed. Lists are newest "
    'first with opaque `next_cursor` paging; errors are `{"error": {"code", "message"}}`.',
    security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
)
app.enable_swagger(path="/docs")


# The two routes that describe the API, described too (Powertools leaves them out).
_SELF_DESCRIBED = {
    "/openapi.json": (
        "This API's OpenAPI 3.1 document.",
        {"application/json": {"schema": {"type": "object"}}},
    ),
    "/docs": ("Swagger UI over this document.", {"text/html": {"schema": {"type": "string"}}}),
}


@cache
def _openapi_json() -> str:
    document = json.loads(app.get_openapi_json_schema())
    for path, (summary, content) in _SELF_DESCRIBED.items():
        document["paths"][path] = {
            "get": {
                "tags": ["docs"],
                "summary": summary,
                "operationId": "get_" + path.strip("/").replace(".", "_"),
                "responses": {"200": {"description": summary, "content": content}},
            }
        }
    return json.dumps(document, ensure_ascii=False)


@app.get("/openapi.json", include_in_schema=False)
def openapi_json() -> Response[str]:
    """This API's OpenAPI 3.1 document."""
    return Response(200, "application/json", _openapi_json())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer one API Gateway HTTP API (v2) event; a HEAD is answered as its GET, bodiless."""
    request, head = http.as_get(event)
    response = http.with_request_id(app.resolve(request, context), event)
    return http.without_body(response) if head else response
