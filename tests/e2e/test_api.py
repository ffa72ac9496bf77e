"""The HTTP API over real HTTP: a `techfeed run --port 0 --no-schedule` process on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import httpx
import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from techfeed.models import Article
from tests.e2e.runstack import running_stack, toss
from tests.e2e.runstack import seed as seed_state
from tests.integration.blogserver import BlogServer

ROOT = Path(__file__).resolve().parents[2]
JSON_FEED_SCHEMA = json.loads((ROOT / "tests/fixtures/api/jsonfeed-1.1.schema.json").read_text())
T0 = datetime(2024, 3, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def blogs() -> Iterator[BlogServer]:
    with BlogServer(stall_seconds=0.5) as server:
        yield server


@pytest.fixture(scope="module")
def stack(blogs: BlogServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    good = next(b for b in blogs.sources_yaml().split("  - id: ") if b.startswith("good"))
    sources = (
        "sources:\n  - id: " + good + "  - id: toss\n    name: 토스 (Toss)\n"
        "    homepage: https://toss.tech\n    feed_url: https://toss.tech/rss.xml\n"
        "    enabled: false\n"
    )
    home = tmp_path_factory.mktemp("api")
    with running_stack(home, sources, f"127.0.0.1:{blogs.port}") as stack:
        yield stack


@pytest.fixture(scope="module")
def client(stack: dict[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack["url"], timeout=10) as client:
        yield client


def seed(stack: dict[str, Any], articles: list[Article]) -> None:
    """Store articles through the running stack's embedded AWS, as a crawl would."""
    seed_state(stack["home"] / "state", articles)


def tagged_page(client: httpx.Client, params: dict[str, str]) -> httpx.Response:
    """The /articles page once the stack's stream pump has tagged what it lists: it writes each
    article's keywords, then its summary, so the page (and its ETag) stops changing only then."""
    deadline = time.monotonic() + 30
    page = client.get("/articles", params=params)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        again = client.get("/articles", params=params)
        items = again.json()["items"]
        if again.headers.get("ETag") == page.headers.get("ETag") and all(
            i["keywords"] for i in items
        ):
            return again
        page = again
    return page


def token(client: httpx.Client, user: str) -> dict[str, str]:
    issued = client.post("/dev/token", json={"user": user}).json()["token"]
    return {"Authorization": f"Bearer {issued}"}


def test_run_prints_where_the_api_and_its_docs_are(stack: dict[str, Any]) -> None:
    assert f"API on {stack['url']} (docs: {stack['url']}/docs" in stack["banner"]


def test_crawled_articles_are_served_with_etags(
    stack: dict[str, Any], client: httpx.Client
) -> None:
    crawl = subprocess.run(
        [sys.executable, "-m", "techfeed", "crawl", "--source", "good", *stack["args"]],
        env=stack["env"],
        cwd=stack["home"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crawl.returncode == 0, crawl.stderr

    page = tagged_page(client, {"source": "good"})
    assert page.status_code == 200
    items = page.json()["items"]
    assert len(items) == 3 and {i["source_name"] for i in items} == {"Good Blog"}
    article = client.get(f"/articles/{items[0]['id']}").json()
    assert "<p>" in article["content_html"] and article["url"].startswith("http://127.0.0.1")
    again = client.get(
        "/articles", params={"source": "good"}, headers={"If-None-Match": page.headers["ETag"]}
    )
    assert again.status_code == 304 and again.content == b""


def test_the_running_stack_tags_crawled_articles(
    stack: dict[str, Any], client: httpx.Client
) -> None:
    # Crawled here or by an earlier test: the stack's stream pump tags them either way.
    crawl = subprocess.run(
        [sys.executable, "-m", "techfeed", "crawl", "--source", "good", *stack["args"]],
        env=stack["env"],
        cwd=stack["home"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crawl.returncode == 0, crawl.stderr
    # The three articles are tagged one after another; the last one's postings end it.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        kafka = client.get("/articles", params={"keyword": "kafka"}).json()["items"]
        if kafka and len(client.get(f"/articles/{kafka[0]['id']}").json()["related"]) == 2:
            break
        time.sleep(0.5)

    assert [a["title"] for a in kafka] == ["Kafka 컨슈머 지연을 줄인 방법"]
    assert "Kafka" in kafka[0]["keywords"]
    keywords = client.get("/keywords").json()["items"]
    assert {"keyword": "Kafka", "count": 1} in keywords
    article = client.get(f"/articles/{kafka[0]['id']}").json()
    assert article["keywords"] == kafka[0]["keywords"]
    assert {r["title"] for r in article["related"]} == {
        "Kubernetes 비용 최적화",
        "상대 링크로 된 글",
    }


def test_paging_stays_exact_while_new_articles_arrive(
    stack: dict[str, Any], client: httpx.Client
) -> None:
    seed(stack, [toss(n, T0 + timedelta(hours=n)) for n in range(1, 24)])
    seen: list[str] = []
    params: dict[str, Any] = {"source": "toss", "limit": 5}
    newer = 1000
    while True:
        page = client.get("/articles", params=params).json()
        seen += [item["id"] for item in page["items"]]
        # Between two page requests the crawler stores newer articles.
        seed(stack, [toss(newer, T0 + timedelta(days=30, minutes=newer))])
        newer += 1
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]

    assert seen == [f"{n:016x}" for n in range(23, 0, -1)]
    forged = client.get("/articles", params={"source": "toss", "cursor": params["cursor"] + "x"})
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "invalid_cursor"
    other = client.get("/articles", params={"cursor": params["cursor"]})
    assert other.status_code == 400


def test_bookmarks_are_private_to_each_user(stack: dict[str, Any], client: httpx.Client) -> None:
    seed(stack, [toss(n, T0 - timedelta(days=n)) for n in range(500, 503)])
    alice, bob = token(client, "alice"), token(client, "bob")
    ids = [f"{n:016x}" for n in range(500, 503)]

    for article_id in ids[:2]:
        assert client.put(f"/me/bookmarks/{article_id}", headers=alice).status_code == 201
    assert client.put(f"/me/bookmarks/{ids[0]}", headers=alice).status_code == 200
    assert client.put(f"/me/bookmarks/{ids[2]}", headers=bob).status_code == 201
    assert client.delete(f"/me/bookmarks/{ids[0]}", headers=bob).status_code == 204

    mine = client.get("/me/bookmarks", headers=alice).json()["items"]
    theirs = client.get("/me/bookmarks", headers=bob).json()["items"]
    assert [b["id"] for b in mine] == [ids[1], ids[0]]
    assert [b["id"] for b in theirs] == [ids[2]]
    assert client.get(f"/me/bookmarks/{ids[1]}", headers=alice).json()["id"] == ids[1]
    assert client.get(f"/me/bookmarks/{ids[1]}", headers=bob).status_code == 404
    assert client.get(f"/me/bookmarks/{ids[1]}").status_code == 401
    assert client.get("/me/bookmarks").status_code == 401
    assert (
        client.get("/me/bookmarks", headers={"Authorization": "Bearer forged"}).status_code == 401
    )
    missing = client.put("/me/bookmarks/ffffffffffffffff", headers=alice)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_feeds_parse_back(stack: dict[str, Any], client: httpx.Client) -> None:
    seed(stack, [toss(n, T0 + timedelta(hours=n)) for n in range(1, 4)])
    for path, version in (("/feed.xml", "rss20"), ("/feed.atom", "atom10")):
        response = client.get(path, params={"source": "toss", "limit": 3})
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo and parsed.version == version
        assert len(parsed.entries) == 3
        assert all(entry.link.startswith("https://toss.tech/article/") for entry in parsed.entries)
        # A feed reader's HEAD: the same headers over HTTP, no body.
        head = client.head(path, params={"source": "toss", "limit": 3})
        assert (head.status_code, head.content) == (200, b"")
        assert head.headers["ETag"] == response.headers["ETag"]
        assert head.headers["Content-Length"] == str(len(response.content)) != "0"
        unchanged = client.head(
            path,
            params={"source": "toss", "limit": 3},
            headers={"If-None-Match": response.headers["ETag"]},
        )
        assert unchanged.status_code == 304 and "Content-Length" not in unchanged.headers
    document = client.get("/feed.json", params={"source": "toss", "limit": 3})
    assert document.headers["Content-Type"].startswith("application/feed+json")
    jsonschema.validate(document.json(), JSON_FEED_SCHEMA)
    assert document.json()["feed_url"] == f"{stack['url']}/feed.json?source=toss&limit=3"


def test_the_openapi_document_holds_under_generated_requests(
    stack: dict[str, Any], client: httpx.Client
) -> None:
    schema = schemathesis.openapi.from_url(f"{stack['url']}/openapi.json")
    headers = token(client, "schemathesis")
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    # The 12 operations of the contract and /docs; schemathesis leaves out the document's own
    # path (/openapi.json), which the document lists too.
    assert len(operations) == 13 and "GET /docs" in {o.label for o in operations}

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def holds(case: Any) -> None:
            case.call_and_validate(
                headers=headers,
                checks=[
                    not_a_server_error,
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ],
            )

        holds()
