"""HTTP manners on Powertools: one error shape, ETag / 304 and caching, the caller, request ids."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from techfeed.api.schemas import ErrorDetail, ErrorResponse
from techfeed.api.service import ApiError
from techfeed.store import is_throttling

log = logging.getLogger(__name__)

# Compact, and UTF-8 rather than \\u escapes: most titles are Korean.
serialize_json = partial(json.dumps, separators=(",", ":"), ensure_ascii=False)

REQUEST_ID_HEADER = "X-Request-Id"
PRIVATE_PREFIX = "/me/"

_STATUS_TEXT = {
    400: "Bad request: a malformed cursor or a combination of filters the API does not serve.",
    401: "No valid bearer token.",
    404: "No such resource.",
    422: "A parameter is out of range or malformed.",
    429: "Too many requests; retry after the Retry-After seconds.",
    500: "Our fault; quote the X-Request-Id header when reporting it.",
}
_STRING = {"type": "string"}
_HEADER_DOCS: dict[str, Any] = {
    REQUEST_ID_HEADER: {
        "description": "This request's id, also in every log line about it.",
        "schema": _STRING,
    },
}
_CACHE_HEADER_DOCS: dict[str, Any] = {
    "ETag": {
        "description": "Send it back as If-None-Match to get a 304 when nothing changed.",
        "schema": _STRING,
    },
    "Cache-Control": {"description": "public, max-age=N", "schema": _STRING},
}


def documented(
    ok: str, *errors: int, cached: bool = True, content_type: str | None = None
) -> dict[int, OpenAPIResponse]:
    """The OpenAPI responses of a route: its success (schema from the return type) and errors."""
    success: OpenAPIResponse = {
        "description": ok,
        "headers": {**_HEADER_DOCS, **(_CACHE_HEADER_DOCS if cached else {})},
    }
    if content_type is not None:
        kind = "object" if content_type.endswith("json") else "string"
        success["content"] = {content_type: {"schema": {"type": kind}}}
    answers: dict[int, OpenAPIResponse] = {200: success}
    if cached:
        answers[304] = {
            "description": "Not Modified: the If-None-Match ETag is current.",
            "headers": {**_HEADER_DOCS, **_CACHE_HEADER_DOCS},
        }
    for status in sorted({*errors, 422, 429, 500}):
        answers[status] = {
            "description": _STATUS_TEXT[status],
            "headers": _HEADER_DOCS,
            "content": {"application/json": {"model": ErrorResponse}},
        }
    return answers


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response[str]:
    """The one error shape: {"error": {"code", "message"}}."""
    body = ErrorResponse(error=ErrorDetail(code=code, message=message))
    return Response(status, "application/json", body.model_dump_json(), headers=headers)


def install(app: APIGatewayHttpResolver, cache_max_age: int) -> None:
    """Give the app its error handlers and conditional-GET caching."""

    @app.exception_handler(ApiError)  # type: ignore[untyped-decorator]
    def _api_error(error: ApiError) -> Response[str]:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return error_response(error.status, error.code, error.message, headers)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid(error: RequestValidationError) -> Response[str]:
        problems = error.errors()
        if any(problem.get("type") == "json_invalid" for problem in problems):
            return error_response(400, "bad_request", "the body is not valid JSON")
        return error_response(422, "validation_error", _describe(problems))

    routes: list[tuple[re.Pattern[str], list[str]]] = []

    @app.not_found
    def _no_route(_: NotFoundError) -> Response[str]:
        event = app.current_event
        if not routes:  # built once, from the document the routes declare
            routes.extend(_route_table(app))
        allowed = next((methods for rule, methods in routes if rule.fullmatch(event.path)), None)
        if allowed:
            return error_response(
                405,
                "method_not_allowed",
                f"{event.http_method} is not served on {event.path}; use {', '.join(allowed)}",
                {"Allow": ", ".join(allowed)},
            )
        return error_response(404, "not_found", f"no route {event.http_method} {event.path}")

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def _unexpected(error: Exception) -> Response[str]:
        if is_throttling(error):
            return error_response(429, "throttled", "too many requests", {"Retry-After": "1"})
        log.exception("unexpected error")
        return error_response(500, "internal", "internal error; quote the X-Request-Id header")

    def conditional_get(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Any:
        return _conditional_get(app, next_middleware, max_age=cache_max_age)

    app.use([conditional_get])


def _route_table(app: APIGatewayHttpResolver) -> list[tuple[re.Pattern[str], list[str]]]:
    """Each documented path as a pattern, with the methods it answers (HEAD wherever GET)."""
    table = []
    for path, operations in (app.get_openapi_schema().paths or {}).items():
        methods = [m.upper() for m in ("get", "put", "delete", "post") if getattr(operations, m)]
        if "GET" in methods:
            methods.insert(1, "HEAD")
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))
        table.append((re.compile(pattern), methods))
    return table


def as_get(event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A HEAD request as the GET it asks the headers of, and whether it was a HEAD."""
    context = event.get("requestContext") or {}
    method = (context.get("http") or {}).get("method")
    if method != "HEAD":
        return event, False
    context = {**context, "http": {**context["http"], "method": "GET"}}
    return {**event, "requestContext": context}, True


def without_body(response: dict[str, Any]) -> dict[str, Any]:
    """A HEAD's answer: the GET's status and headers, with the Content-Length of the body it
    leaves out (a 304 has none to announce)."""
    body = response.get("body") or ""
    headers = dict(response.get("headers") or {})
    if response.get("statusCode") not in (204, 304):
        size = (
            len(base64.b64decode(body)) if response.get("isBase64Encoded") else len(body.encode())
        )
        headers["Content-Length"] = str(size)
    return {**response, "headers": headers, "body": "", "isBase64Encoded": False}


def _describe(problems: Sequence[Any]) -> str:
    parts = []
    for problem in problems[:5]:
        where = ".".join(str(part) for part in problem.get("loc", ()))
        parts.append(f"{where}: {problem.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def _conditional_get(
    app: APIGatewayHttpResolver, next_middleware: NextMiddleware, *, max_age: int
) -> Response[Any]:
    """ETag and Cache-Control on public GETs, 304 for a matching If-None-Match."""
    response = next_middleware(app)
    event = app.current_event
    if event.http_method != "GET" or response.status_code != 200:
        return response
    if event.path.startswith(PRIVATE_PREFIX):
        response.headers["Cache-Control"] = "private, no-store"
        return response
    body = response.body
    if not isinstance(body, str | bytes):
        body = response.body = serialize_json(body)
    data = body.encode() if isinstance(body, str) else body
    etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", "Vary": "Origin"}
    if _matches(event.headers.get("if-none-match"), etag):
        return Response(304, headers=headers)
    response.headers.update(headers)
    return response


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    # Weak comparison, as RFC 9110 asks for If-None-Match.
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def caller(event: Mapping[str, Any]) -> str:
    """The signed-in user: the JWT `sub` the authorizer (or the local shim) put in the event."""
    context = event.get("requestContext") or {}
    claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise ApiError(401, "unauthorized", "sign in: send Authorization: Bearer <token>")
    return sub


def public_url(event: Mapping[str, Any]) -> str:
    """The URL this request was made to, as the client saw it (for a feed's self link)."""
    headers = event.get("headers") or {}
    context = event.get("requestContext") or {}
    scheme = headers.get("x-forwarded-proto", "https")
    host = headers.get("host") or context.get("domainName", "localhost")
    query = event.get("rawQueryString") or ""
    return f"{scheme}://{host}{event.get('rawPath', '/')}" + (f"?{query}" if query else "")


def with_request_id(response: dict[str, Any], event: Mapping[str, Any]) -> dict[str, Any]:
    """Stamp the API Gateway request id on a Lambda proxy response, whatever produced it."""
    request_id = (event.get("requestContext") or {}).get("requestId")
    if request_id:
        response.setdefault("headers", {})[REQUEST_ID_HEADER] = str(request_id)
    return response
