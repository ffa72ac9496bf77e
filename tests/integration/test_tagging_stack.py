"""New articles get keywords on the embedded stack: crawl -> stream -> pump -> keywords handler."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from techfeed.local.aws import EmbeddedAWS, _ensure_resources, client_environment
from techfeed.local.invoke import load_function
from techfeed.local.runtime import crawler, keywords_pump
from techfeed.sources import load_sources
from techfeed.store import Store
from tests.integration.blogserver import GOOD_TITLES, BlogServer

pytestmark = pytest.mark.integration


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An embedded AWS on tmp_path/state, the environment pointing at it; restartable."""
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "techfeed")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "techfeed-keywords")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    # A handler module and Store bound to this test's endpoint.
    monkeypatch.delitem(sys.modules, "techfeed_function_keywords", raising=False)
    saved = dict(os.environ)
    yield tmp_path / "state"
    os.environ.clear()
    os.environ.update(saved)
    sys.modules.pop("techfeed_function_keywords", None)


def start(state: Path) -> EmbeddedAWS:
    aws = EmbeddedAWS(state)
    os.environ.update(client_environment(aws.start()))
    _ensure_resources()
    return aws


def scan() -> list[dict[str, Any]]:
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName="techfeed")
    return sorted(
        (i for p in pages for i in p["Items"]), key=lambda i: (i["pk"]["S"], i["sk"]["S"])
    )


def test_a_crawl_then_the_pump_fills_the_keyword_index_and_a_restart_adds_nothing(
    stack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with BlogServer(stall_seconds=0.5) as blogs:
        monkeypatch.setenv("TECHFEED_ALLOW_HOSTS", f"127.0.0.1:{blogs.port}")
        good = next(b for b in blogs.sources_yaml().split("  - id: ") if b.startswith("good"))
        (tmp_path / "sources.yaml").write_text("sources:\n  - id: " + good)
        aws = start(stack)
        try:
            store = Store.from_env()
            crawler(store)(load_sources(tmp_path / "sources.yaml")[0])
            assert keywords_pump().drain() == 3

            kafka = store.list_articles(keyword="kafka").items
            assert [a.title for a in kafka] == [GOOD_TITLES["1"]]
            assert "Kafka" in kafka[0].keywords and kafka[0].tagged_at is None  # a posting
            top = {k.keyword: k.count for k in store.top_keywords()}
            assert top["Kafka"] == 1 and top["Kubernetes"] == 1  # the names readers know
            assert max(top.values()) == 3  # the fixture pages share most of their text
            related = store.related_articles(store.get_article(kafka[0].article_id))  # type: ignore[arg-type]
            assert {a.title for a in related} == {GOOD_TITLES["2"], GOOD_TITLES["3"]}
            tagged = scan()
        finally:
            aws.stop()

    # A restart replays the journal into a fresh stream: every article arrives again.
    aws = start(stack)
    try:
        del sys.modules["techfeed_function_keywords"]  # its Store is on the old endpoint
        module = load_function("keywords")
        monkeypatch.setattr(module, "_extractor", lambda: pytest.fail("Kiwi loaded"))
        assert keywords_pump().drain() == 3
        assert scan() == tagged
    finally:
        aws.stop()
