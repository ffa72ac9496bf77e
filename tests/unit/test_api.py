"""The API handler in-process on moto, driven by the sample events in events/."""

from __future__ import annotations

import copy
import io
import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from pynamodb.exceptions import QueryError

from techfeed.api.config import ApiConfig, ConfigError
from techfeed.local.invoke import invoke, load_function
from techfeed.models import Article, CrawlStatus, SourceState
from techfeed.store import Store
from techfeed.store.schema import ensure_bucket, ensure_table

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
SAMPLE_ID = "6b86b273ff34fce1"
ORIGIN = "https://web.techfeed.example"
T0 = datetime(2024, 3, 5, 1, 0, tzinfo=UTC)
CONTRACT = {
    ("get", "/health"),
    ("get", "/sources"),
    ("get", "/articles"),
    ("get", "/articles/{article_id}"),
    ("get", "/keywords"),
    ("get", "/me/bookmarks"),
    ("get", "/me/bookmarks/{article_id}"),
    ("put", "/me/bookmarks/{article_id}"),
    ("delete", "/me/bookmarks/{article_id}"),
    ("get", "/feed.xml"),
    ("get", "/feed.atom"),
    ("get", "/feed.json"),
}

Call = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "ap-northeast-2",
            "AWS_REGION": "ap-northeast-2",
            "TECHFEED_TABLE": "api-test",
            "TECHFEED_BUCKET": "api-test",
            "TECHFEED_CURSOR_SECRET": "unit-test-secret",
            "TECHFEED_CORS_ORIGINS": ORIGIN,
        }.items():
            patch.setenv(name, value)
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "TECHFEED_SOURCES_FILE"):
            patch.delenv(name, raising=False)
        with mock_aws():
            ensure_table(boto3.client("dynamodb"), "api-test")
            ensure_bucket(boto3.client("s3"), "api-test")
            # The function reads its environment at import: import it afresh for this one.
            for name in [
                n for n in sys.modules if n.split(".")[0] in ("routes", "techfeed_function_api")
            ]:
                del sys.modules[name]
            load_function("api")
            store = Store.from_env()
            for n in range(3):
                store.save_article(
                    _article(f"{n:016x}", T0 + timedelta(hours=n)),
                    content_html="<p>x</p>",
                    raw_html=None,
                )
            sample = _article(SAMPLE_ID, T0 - timedelta(days=1), author="김토스")
            store.save_article(sample, content_html="<p>본문</p>", raw_html=None)
            yield store


def _article(article_id: str, published_at: datetime, **fields: Any) -> Article:
    return Article(
        article_id=article_id,
        source_id="toss",
        canonical_url=f"https://toss.tech/article/{article_id}",
        url=f"https://toss.tech/article/{article_id}",
        title=f"토스의 글 {article_id}",
        published_at=published_at,
        fetched_at=published_at,
        summary="요약",
        **{"keywords": ["kotlin"], **fields},
    )


@pytest.fixture
def call(store: Store) -> Call:
    return lambda event: invoke("api", event)


def sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def request(
    method: str,
    path: str,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    sub: str | None = None,
) -> dict[str, Any]:
    event = copy.deepcopy(sample("api_put_bookmark.json" if sub else "api_get_article.json"))
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    event.pop("queryStringParameters", None)
    if query:
        event["queryStringParameters"] = query
    event["headers"].update(headers or {})
    if sub:
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = sub
    return event


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def test_the_sample_list_event_answers_a_page_of_the_source(call: Call) -> None:
    event = sample("api_get_articles.json")

    response = call(event)

    assert response["statusCode"] == 200
    page = body(response)
    assert [item["id"] for item in page["items"]] == ["0000000000000002", "0000000000000001"]
    assert page["items"][0] == {
        "id": "0000000000000002",
        "source": "toss",
        "source_name": "토스 (Toss)",
        "title": "토스의 글 0000000000000002",
        "url": "https://toss.tech/article/0000000000000002",
        "published_at": "2024-03-05T03:00:00Z",
        "summary": "요약",
        "keywords": ["kotlin"],
        "image": None,
    }
    headers = response["headers"]
    assert headers["X-Request-Id"] == event["requestContext"]["requestId"]
    assert headers["Cache-Control"] == "public, max-age=60"
    assert headers["ETag"].startswith('"')

    rest = body(
        call(request("GET", "/articles", {"source": "toss", "cursor": page["next_cursor"]}))
    )
    assert [item["id"] for item in rest["items"]] == ["0000000000000000", SAMPLE_ID]
    assert rest["next_cursor"] is None


def test_a_keyword_filter_in_any_spelling_of_a_term_lists_its_topic(
    call: Call, store: Store
) -> None:
    article = _article("00000000000000aa", T0 + timedelta(days=1), keywords=["머신러닝"])
    store.save_article(article, content_html="<p>x</p>", raw_html=None)
    store.put_keyword_posting("머신러닝", article)

    for spelling in ("머신러닝", "ML", "machine learning"):
        page = body(call(request("GET", "/articles", {"keyword": spelling})))
        assert [item["id"] for item in page["items"]] == ["00000000000000aa"], spelling
    feed = call(request("GET", "/feed.json", {"keyword": "ML"}))
    assert json.loads(feed["body"])["title"] == "techfeed: 머신러닝"


def test_a_source_crawled_but_not_in_the_registry_is_listed_and_filters(
    call: Call, store: Store
) -> None:
    """Crawled from another sources file (or since removed from the registry)."""
    assert call(request("GET", "/articles", {"source": "gone-blog"}))["statusCode"] == 404
    old = replace(_article("00000000000000bb", T0 - timedelta(days=30)), source_id="gone-blog")
    store.save_article(old, content_html="<p>x</p>", raw_html=None)
    store.save_state(
        SourceState(
            "gone-blog",
            name="떠난 블로그",
            homepage="https://gone.example",
            last_crawl_at=T0,
            last_status=CrawlStatus.OK,
        )
    )

    page = body(call(request("GET", "/articles", {"source": "gone-blog"})))
    assert [(i["id"], i["source_name"]) for i in page["items"]] == [(old.article_id, "떠난 블로그")]
    listed = {item["id"]: item for item in body(call(request("GET", "/sources")))["items"]}
    assert listed["gone-blog"] == {
        "id": "gone-blog",
        "name": "떠난 블로그",
        "homepage": "https://gone.example",
        "article_count": 1,
        "last_crawl": {"at": "2024-03-05T01:00:00Z", "status": "ok", "error": None},
    }
    assert "toss" in listed  # the registry's sources are all still there
    feed = json.loads(call(request("GET", "/feed.json", {"source": "gone-blog"}))["body"])
    assert feed["title"] == "techfeed: 떠난 블로그"
    assert call(request("GET", "/articles", {"source": "never-crawled"}))["statusCode"] == 404


def test_a_head_is_the_get_without_its_body(call: Call) -> None:
    for path in ("/feed.xml", "/articles", "/health"):
        get, head = call(request("GET", path)), call(request("HEAD", path))
        assert (head["statusCode"], head["body"]) == (200, ""), path
        assert head["headers"]["ETag"] == get["headers"]["ETag"] and get["body"], path
        assert head["headers"]["Content-Type"] == get["headers"]["Content-Type"], path
        assert head["headers"]["Content-Length"] == str(len(get["body"].encode())), path
    private = call(request("HEAD", "/me/bookmarks"))  # no claims: no peek at anyone's list
    assert (private["statusCode"], private["body"]) == (401, "")


def test_a_method_a_path_does_not_serve_is_a_405_naming_those_it_does(call: Call) -> None:
    response = call(request("POST", "/articles"))
    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "GET, HEAD"
    assert body(response)["error"]["code"] == "method_not_allowed"
    bookmark = call(request("POST", f"/me/bookmarks/{SAMPLE_ID}", sub="alice"))
    assert bookmark["headers"]["Allow"] == "GET, HEAD, PUT, DELETE"
    assert call(request("POST", "/nowhere"))["statusCode"] == 404


def test_a_current_etag_is_a_304_and_a_stale_one_is_not(call: Call) -> None:
    first = call(request("GET", "/articles"))
    etag = first["headers"]["ETag"]

    again = call(request("GET", "/articles", headers={"if-none-match": f'W/"old", {etag}'}))
    stale = call(request("GET", "/articles", headers={"if-none-match": '"old"'}))

    assert again["statusCode"] == 304 and not again["body"]
    assert again["headers"]["ETag"] == etag
    assert stale["statusCode"] == 200


def test_the_sample_article_event_answers_the_article_in_full(call: Call) -> None:
    response = call(sample("api_get_article.json"))

    assert response["statusCode"] == 200
    article = body(response)
    assert article["id"] == SAMPLE_ID
    assert article["content_html"] == "<p>본문</p>"
    assert article["author"] == "김토스"
    assert article["url"] == f"https://toss.tech/article/{SAMPLE_ID}"
    assert article["related"] == []


def test_the_sample_bookmark_event_bookmarks_for_the_token_sub_once(call: Call) -> None:
    event = sample("api_put_bookmark.json")

    first = call(event)
    second = call(event)

    assert first["statusCode"] == 201 and second["statusCode"] == 200
    assert body(first) == body(second)
    assert body(first)["id"] == SAMPLE_ID
    mine = call(request("GET", "/me/bookmarks", sub="alice"))
    assert [b["id"] for b in body(mine)["items"]] == [SAMPLE_ID]
    assert mine["headers"]["Cache-Control"] == "private, no-store"
    assert body(call(request("GET", "/me/bookmarks", sub="bob")))["items"] == []
    one = call(request("GET", f"/me/bookmarks/{SAMPLE_ID}", sub="alice"))
    assert one["statusCode"] == 200 and body(one) == body(first)
    assert one["headers"]["Cache-Control"] == "private, no-store"
    assert call(request("GET", f"/me/bookmarks/{SAMPLE_ID}", sub="bob"))["statusCode"] == 404
    # Bob's DELETE does not touch Alice's bookmark.
    assert call(request("DELETE", f"/me/bookmarks/{SAMPLE_ID}", sub="bob"))["statusCode"] == 204
    assert len(body(call(request("GET", "/me/bookmarks", sub="alice")))["items"]) == 1
    for _ in range(2):
        gone = call(request("DELETE", f"/me/bookmarks/{SAMPLE_ID}", sub="alice"))
        assert gone["statusCode"] == 204
    assert body(call(request("GET", "/me/bookmarks", sub="alice")))["items"] == []
    after = call(request("GET", f"/me/bookmarks/{SAMPLE_ID}", sub="alice"))
    assert after["statusCode"] == 404 and body(after)["error"]["code"] == "not_found"


def test_without_claims_a_personal_route_is_a_401(call: Call) -> None:
    event = sample("api_put_bookmark.json")
    del event["requestContext"]["authorizer"]

    response = call(event)

    assert response["statusCode"] == 401
    assert body(response)["error"]["code"] == "unauthorized"
    assert response["headers"]["WWW-Authenticate"] == "Bearer"


def test_a_cursor_of_another_users_bookmarks_is_refused(call: Call) -> None:
    for n in range(2):
        call(request("PUT", f"/me/bookmarks/{n:016x}", sub="carol"))
    page = body(call(request("GET", "/me/bookmarks", {"limit": "1"}, sub="carol")))

    stolen = call(request("GET", "/me/bookmarks", {"cursor": page["next_cursor"]}, sub="dave"))

    assert stolen["statusCode"] == 400
    assert body(stolen)["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    ("method", "path", "query", "status", "code"),
    [
        ("GET", "/articles", {"limit": "0"}, 422, "validation_error"),
        ("GET", "/articles", {"limit": "101"}, 422, "validation_error"),
        ("GET", "/articles", {"limit": "lots"}, 422, "validation_error"),
        ("GET", "/articles", {"source": "No Such!"}, 422, "validation_error"),
        ("GET", "/articles", {"cursor": "forged.cursor"}, 400, "invalid_cursor"),
        ("GET", "/articles", {"source": "toss", "keyword": "kotlin"}, 400, "bad_request"),
        ("GET", "/articles", {"source": "nope"}, 404, "not_found"),
        ("GET", "/articles/not-an-id", None, 422, "validation_error"),
        ("GET", "/articles/ffffffffffffffff", None, 404, "not_found"),
        ("GET", "/nothing/here", None, 404, "not_found"),
        ("POST", "/articles", None, 405, "method_not_allowed"),
        ("GET", "/feed.xml", {"limit": "-1"}, 422, "validation_error"),
        ("GET", "/keywords", {"limit": "1000"}, 422, "validation_error"),
    ],
)
def test_bad_input_is_a_4xx_in_the_one_error_shape(
    call: Call, method: str, path: str, query: dict[str, str] | None, status: int, code: str
) -> None:
    event = request(method, path, query)

    response = call(event)

    assert response["statusCode"] == status
    assert body(response)["error"]["code"] == code
    assert body(response)["error"]["message"]
    assert response["headers"]["X-Request-Id"] == event["requestContext"]["requestId"]


def test_aws_throttling_is_a_429(call: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    def throttled(*args: Any, **kwargs: Any) -> Any:
        cause = ClientError({"Error": {"Code": "ThrottlingException"}}, "Query")
        raise QueryError("slow down", cause=cause)

    monkeypatch.setattr(Store, "list_articles", throttled)

    response = call(request("GET", "/articles"))

    assert response["statusCode"] == 429
    assert response["headers"]["Retry-After"] == "1"


def test_an_unexpected_error_is_a_json_500_logged_with_the_request_id(
    call: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Store, "top_keywords", broken)
    # The handler's JSON log lines go to the stream Powertools bound at import; read them here.
    stream = io.StringIO()
    for handler in logging.getLogger("techfeed").handlers:
        monkeypatch.setattr(handler, "stream", stream)
    event = request("GET", "/keywords")

    response = call(event)

    assert response["statusCode"] == 500
    assert body(response)["error"]["code"] == "internal"
    assert "disk on fire" not in response["body"]
    lines = stream.getvalue().splitlines()
    logs = [json.loads(line) for line in lines if line.startswith('{"level"')]
    failure = next(line for line in logs if line["message"] == "unexpected error")
    assert failure["correlation_id"] == event["requestContext"]["requestId"]
    assert "disk on fire" in failure["exception"]


def test_cors_answers_only_the_configured_origin(call: Call) -> None:
    allowed = call(request("GET", "/health", headers={"origin": ORIGIN}))
    other = call(request("GET", "/health", headers={"origin": "https://evil.example"}))
    preflight = call(
        request(
            "OPTIONS",
            "/me/bookmarks/0000000000000001",
            headers={"origin": ORIGIN, "access-control-request-method": "PUT"},
        )
    )

    assert allowed["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    assert "ETag" in allowed["headers"]["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in other["headers"]
    assert preflight["statusCode"] == 204
    assert "PUT" in preflight["headers"]["Access-Control-Allow-Methods"]


def test_feeds_link_to_themselves_at_the_requested_host(call: Call) -> None:
    response = call(request("GET", "/feed.atom", {"source": "toss", "limit": "2"}))

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/atom+xml; charset=utf-8"
    host = sample("api_get_article.json")["headers"]["host"]
    assert f'href="https://{host}/feed.atom?source=toss&amp;limit=2"' in response["body"]
    assert response["body"].count("<entry>") == 2


def test_the_openapi_document_covers_every_route_parameter_and_error(call: Call) -> None:
    response = call(request("GET", "/openapi.json"))

    assert response["statusCode"] == 200
    spec = body(response)
    assert spec["openapi"].startswith("3.1")
    operations = {(m, p): op for p, ops in spec["paths"].items() for m, op in ops.items()}
    assert set(operations) == CONTRACT | {("get", "/openapi.json"), ("get", "/docs")}
    assert "200" in operations[("get", "/docs")]["responses"]
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    for (method, path), operation in operations.items():
        if path in ("/openapi.json", "/docs"):
            continue
        assert operation["summary"], path
        assert operation["responses"]["422"]["content"]["application/json"]["schema"] == error
        assert "429" in operation["responses"] and "500" in operation["responses"]
        if path.startswith("/me/"):
            assert operation["security"] == [{"bearerAuth": []}]
            assert "401" in operation["responses"]
        elif method == "get":
            assert "304" in operation["responses"]
    parameters = {p["name"] for p in operations[("get", "/articles")]["parameters"]}
    assert parameters == {"source", "keyword", "limit", "cursor"}
    docs = call(request("GET", "/docs"))
    assert docs["statusCode"] == 200 and "swagger" in docs["body"].lower()


def test_config_reads_the_secret_from_env_or_the_named_ssm_parameter() -> None:
    asked: list[str] = []

    def read(name: str) -> str:
        asked.append(name)
        return "from-ssm"

    direct = ApiConfig.from_env({"TECHFEED_CURSOR_SECRET": "s", "TECHFEED_CORS_ORIGINS": "a, b,"})
    via_ssm = ApiConfig.from_env({"TECHFEED_CURSOR_SECRET_PARAM": "/techfeed/k"}, read)

    assert direct.cursor_secret == b"s" and direct.cors_origins == ("a", "b")
    assert via_ssm.cursor_secret == b"from-ssm" and asked == ["/techfeed/k"]
    with pytest.raises(ConfigError):
        ApiConfig.from_env({})
