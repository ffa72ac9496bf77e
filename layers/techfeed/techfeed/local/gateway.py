"""The local API Gateway (I/O): HTTP on 127.0.0.1 -> the HTTP API v2 events AWS sends -> the handler.

It does what API Gateway does in front of the API function: builds the payload v2 event
(rawPath, rawQueryString, cookies, lower-cased headers, queryStringParameters, requestContext
with a request id, base64 for binary bodies), runs the JWT authorizer on /me/* (here: dev tokens
from POST /dev/token, verified with the state dir's key) and turns the handler's answer back into
HTTP. One event is handled at a time, as by one warm Lambda instance. Beside the API it serves
the static web app (the repo's web/ directory) for GET paths naming one of its files, and the
app's config.json: the API on this origin, dev sign-in.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.security import safe_join
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from techfeed.local.tokens import DevTokens, InvalidToken

Handler = Callable[[dict[str, Any]], dict[str, Any]]
PRIVATE_PREFIX = "/me/"
_TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded")
# Text types get "; charset=utf-8" from send_file. Fixed here rather than read from the host's mime.types, which differs between systems.
STATIC_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
}
# What tools/publish-web.sh writes for a deployed site, for this origin and its dev tokens.
WEB_CONFIG = b'{"api": "", "auth": {"kind": "dev"}}'
# Article bodies are inserted as HTML; the policy keeps any script in them from running.
_PAGE_POLICY = (
    "default-src 'self'; img-src 'self' https: http: data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def new_request_id() -> str:
    """An id shaped like API Gateway's (16 base64 characters)."""
    return base64.b64encode(os.urandom(12)).decode()[:15] + "="


def build_event(request: Request, request_id: str, claims: dict[str, str] | None) -> dict[str, Any]:
    """The API Gateway HTTP API payload v2 event for one request."""
    headers: dict[str, str] = {}
    for key, value in request.headers.items():
        name = key.lower()
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
    headers.setdefault("x-forwarded-proto", request.scheme)
    headers.setdefault("x-forwarded-for", request.remote_addr or "127.0.0.1")
    raw_query = request.query_string.decode("latin-1")
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    raw_path = request.environ.get("RAW_URI", request.path).partition("?")[0] or "/"
    now = datetime.now(UTC)
    context: dict[str, Any] = {
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": headers.get("host", "127.0.0.1"),
        "domainPrefix": headers.get("host", "127.0.0.1").split(".")[0],
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "sourceIp": request.remote_addr or "127.0.0.1",
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    body = request.get_data()
    if body:
        textual = request.mimetype.startswith(_TEXT_TYPES) or request.mimetype.endswith("+json")
        if textual:
            try:
                event["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                textual = False
        if not textual:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def to_response(result: dict[str, Any]) -> Response:
    """The HTTP response for a Lambda proxy integration answer (payload v2)."""
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    response = Response(data, status=int(result.get("statusCode", 200)))
    response.headers.remove("Content-Type")
    for key, value in (result.get("headers") or {}).items():
        response.headers[key] = str(value)
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    return response


class Gateway:
    """Serves the API on host:port through a handler that takes one v2 event."""

    def __init__(
        self,
        handler: Handler,
        tokens: DevTokens,
        *,
        host: str = "127.0.0.1",
        port: int = 3000,
        web_dir: Path | None = None,
    ) -> None:
        self._handler = handler
        self._tokens = tokens
        self._web_dir = web_dir
        self._lock = threading.Lock()
        self._server = make_server(host, port, self._wsgi, threaded=True, request_handler=_Quiet)
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> str:
        """Serve in a background thread; returns the base URL."""
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        request_id = new_request_id()
        static = self._static_file(request)
        if request.path == "/dev/token" and request.method == "POST":
            response = self._issue(request)
        elif request.path == "/config.json" and self._web_dir and request.method in ("GET", "HEAD"):
            response = Response(WEB_CONFIG, mimetype="application/json")
        elif static is not None:
            response = send_file(static, environ, mimetype=STATIC_TYPES[static.suffix])
            response.headers["X-Content-Type-Options"] = "nosniff"
            if static.suffix == ".html":
                response.headers["Content-Security-Policy"] = _PAGE_POLICY
        else:
            response = self._invoke(request, request_id)
        response.headers.setdefault("X-Request-Id", request_id)
        return response(environ, start_response)

    def _static_file(self, request: Request) -> Path | None:
        """The web app file a GET names, if any; other paths (and unknown files) go to the API."""
        if self._web_dir is None or request.method not in ("GET", "HEAD"):
            return None
        name = safe_join(str(self._web_dir), request.path.lstrip("/") or "index.html")
        if name is None:
            return None
        path = Path(name)
        root = self._web_dir.resolve()
        if path.suffix not in STATIC_TYPES or not path.is_file():
            return None
        # A symlink must not lead out of the web directory either.
        return path if path.resolve().is_relative_to(root) else None

    def _issue(self, request: Request) -> Response:
        payload = request.get_json(force=True, silent=True)
        user = payload.get("user") if isinstance(payload, dict) else None
        try:
            token = self._tokens.issue(user if isinstance(user, str) else "")
        except ValueError as exc:
            return _error(400, "bad_request", f'send {{"user": "alice"}}; {exc}')
        return Response(json.dumps({"token": token}), mimetype="application/json")

    def _invoke(self, request: Request, request_id: str) -> Response:
        claims = None
        if request.path.startswith(PRIVATE_PREFIX) and request.method != "OPTIONS":
            # What API Gateway's JWT authorizer does before the function ever runs.
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            try:
                if scheme.lower() != "bearer" or not token:
                    raise InvalidToken("no bearer token")
                claims = self._tokens.verify(token.strip())
            except InvalidToken as exc:
                response = _error(401, "unauthorized", f"invalid token: {exc}")
                response.headers["WWW-Authenticate"] = "Bearer"
                return response
        event = build_event(request, request_id, claims)
        with self._lock:
            result = self._handler(event)
        return to_response(result)


def _error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(body, status=status, mimetype="application/json")
