"""The local API Gateway: the v2 events it builds, its JWT authorizer, and dev tokens."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from techfeed.local.gateway import STATIC_TYPES, Gateway, build_event, to_response
from techfeed.local.runtime import WEB_DIR
from techfeed.local.tokens import AUDIENCE, ISSUER, DevTokens, InvalidToken

TOKENS = DevTokens("s" * 32)


def _request(path: str, **kwargs: Any) -> Request:
    return Request(
        EnvironBuilder(path=path, base_url="http://127.0.0.1:3000", **kwargs).get_environ()
    )


def test_an_event_has_what_api_gateway_sends() -> None:
    request = _request(
        "/articles",
        query_string="source=toss&limit=2&keyword=a&keyword=b",
        headers={"X-Custom": "1", "Cookie": "a=1; b=2", "User-Agent": "ua"},
    )

    event = build_event(request, "req-1", None)

    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/articles"
    assert event["rawQueryString"] == "source=toss&limit=2&keyword=a&keyword=b"
    assert event["queryStringParameters"] == {"source": "toss", "limit": "2", "keyword": "a,b"}
    assert event["headers"]["x-custom"] == "1" and "cookie" not in event["headers"]
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-forwarded-proto"] == "http"
    context = event["requestContext"]
    assert context["requestId"] == "req-1"
    assert context["http"] == {
        "method": "GET",
        "path": "/articles",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "ua",
    }
    assert "authorizer" not in context and "body" not in event


def test_bodies_are_text_or_base64_and_claims_go_where_the_authorizer_puts_them() -> None:
    text = build_event(_request("/x", method="PUT", json={"a": "한"}), "r", {"sub": "alice"})
    binary = build_event(
        _request("/x", method="PUT", data=b"\xff\x00", content_type="application/octet-stream"),
        "r",
        None,
    )

    assert json.loads(text["body"]) == {"a": "한"} and text["isBase64Encoded"] is False
    assert text["requestContext"]["authorizer"] == {
        "jwt": {"claims": {"sub": "alice"}, "scopes": None}
    }
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == b"\xff\x00"


def test_a_proxy_answer_becomes_http() -> None:
    response = to_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "ETag": '"x"'},
            "cookies": ["a=1", "b=2"],
            "body": base64.b64encode(b"{}").decode(),
            "isBase64Encoded": True,
        }
    )

    assert response.status_code == 201 and response.get_data() == b"{}"
    assert response.headers["ETag"] == '"x"'
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]


def test_dev_tokens_round_trip_as_string_claims() -> None:
    now = datetime.now(UTC)
    claims = TOKENS.verify(TOKENS.issue("alice", now))

    assert claims["sub"] == "alice" and claims["iss"] == ISSUER and claims["aud"] == AUDIENCE
    assert claims["exp"] == str(int((now + TOKENS.lifetime).timestamp()))


@pytest.mark.parametrize(
    "token",
    [
        TOKENS.issue("alice", datetime.now(UTC) - timedelta(days=1)),
        DevTokens("other-secret" * 3).issue("alice"),
        jwt.encode({"sub": "a", "iss": ISSUER, "aud": "elsewhere", "exp": 2**40}, "s" * 32),
        jwt.encode({"sub": "a", "iss": ISSUER, "aud": AUDIENCE}, "s" * 32),
        "not.a.token",
        "",
    ],
)
def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        TOKENS.verify(token)


@pytest.fixture
def gateway() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        events.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}

    server = Gateway(handler, TOKENS, port=0)
    url = server.start()
    try:
        yield url, events
    finally:
        server.stop()


def test_personal_routes_need_a_valid_dev_token(gateway: tuple[str, list[dict[str, Any]]]) -> None:
    url, events = gateway
    with httpx.Client(base_url=url) as client:
        token = client.post("/dev/token", json={"user": "alice"}).json()["token"]
        bad_user = client.post("/dev/token", json={"user": "a b"})
        missing = client.get("/me/bookmarks")
        forged = client.get("/me/bookmarks", headers={"Authorization": "Bearer x.y.z"})
        ok = client.get("/me/bookmarks", headers={"Authorization": f"Bearer {token}"})
        public = client.get("/articles")

    assert bad_user.status_code == 400
    for refused in (missing, forged):
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        assert refused.headers["X-Request-Id"]
    assert ok.status_code == 200 and public.status_code == 200
    assert [e["rawPath"] for e in events] == ["/me/bookmarks", "/articles"]
    claims = events[0]["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["sub"] == "alice" and claims["iss"] == ISSUER
    assert "authorizer" not in events[1]["requestContext"]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>홈</title>", encoding="utf-8")
    (web / "app.js").write_text("export {};")
    (web / "styles.css").write_text("body{}")
    (web / "notes.txt").write_text("not part of the app")
    (tmp_path / "secret.html").write_text("outside")
    (web / "link.html").symlink_to(tmp_path / "secret.html")
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        events.append(event)
        return {"statusCode": 404, "headers": {"Content-Type": "application/json"}, "body": "{}"}

    server = Gateway(handler, TOKENS, port=0, web_dir=web)
    try:
        yield server.start(), events
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/", "text/html; charset=utf-8", "<title>홈</title>"),
        ("/index.html", "text/html; charset=utf-8", "<title>홈</title>"),
        ("/app.js", "text/javascript; charset=utf-8", "export"),
        ("/styles.css", "text/css; charset=utf-8", "body{}"),
    ],
)
def test_the_web_app_is_served_with_its_content_types(
    site: tuple[str, list[dict[str, Any]]], path: str, content_type: str, body: str
) -> None:
    url, events = site
    response = httpx.get(url + path)

    assert response.status_code == 200 and body in response.text
    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert ("Content-Security-Policy" in response.headers) == content_type.startswith("text/html")
    assert events == []


@pytest.mark.parametrize(
    "raw_path",
    [
        "/../secret.html",
        "/%2e%2e/secret.html",
        "/..%2fsecret.html",
        "/link.html",
        "/notes.txt",
        "//etc/passwd",
    ],
)
def test_nothing_outside_the_app_is_served(
    site: tuple[str, list[dict[str, Any]]], raw_path: str
) -> None:
    url, events = site
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as conn:
        conn.sendall(f"GET {raw_path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        answer = b"".join(iter(lambda: conn.recv(65536), b""))

    assert b"outside" not in answer and b"not part of the app" not in answer
    assert answer.startswith(b"HTTP/1.1 404") or answer.startswith(b"HTTP/1.0 404")
    assert len(events) == 1  # the API answered, as for any other unknown path


def test_api_routes_and_other_methods_still_reach_the_api(
    site: tuple[str, list[dict[str, Any]]],
) -> None:
    url, events = site
    with httpx.Client(base_url=url) as client:
        for path in ("/articles", "/health", "/openapi.json", "/feed.json", "/docs"):
            client.get(path)
        client.post("/index.html")
        token = client.post("/dev/token", json={"user": "alice"})

    assert [e["rawPath"] for e in events] == [
        "/articles",
        "/health",
        "/openapi.json",
        "/feed.json",
        "/docs",
        "/index.html",
    ]
    assert events[-1]["requestContext"]["http"]["method"] == "POST"
    assert token.status_code == 200 and "token" in token.json()


def test_the_repository_web_app_names_no_api_route() -> None:
    files = {p.name for p in WEB_DIR.iterdir()}
    api = {"articles", "sources", "keywords", "health", "docs", "me", "dev"}
    feeds = {"feed.xml", "feed.atom", "feed.json", "openapi.json"}

    assert {"index.html", "app.js", "styles.css"} <= files
    assert not files & (api | feeds)
    assert all(p.suffix in STATIC_TYPES for p in WEB_DIR.iterdir())
