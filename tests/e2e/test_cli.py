"""The `techfeed` command as a user runs it: real processes, a real fixture-blog server."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from techfeed.local.aws import EmbeddedAWS, _ensure_resources, client_environment
from techfeed.models import Article
from techfeed.store import Store
from tests.integration.blogserver import BlogServer

ROOT = Path(__file__).resolve().parents[2]
TECHFEED = [sys.executable, "-m", "techfeed"]
T = TypeVar("T")


@pytest.fixture(scope="module")
def blogs() -> Iterator[BlogServer]:
    with BlogServer(stall_seconds=0.5) as server:
        yield server


@pytest.fixture
def env(blogs: BlogServer, tmp_path: Path) -> dict[str, str]:
    sources = tmp_path / "sources.yaml"
    calm = [
        blog
        for blog in blogs.sources_yaml().split("  - id: ")
        if blog.startswith(("good", "medium", "gone"))
    ]
    # The sample events name "toss": here the well-behaved fixture blog, disabled so that
    # crawls of the whole file leave it alone.
    toss = (
        f"  - id: toss\n    name: Toss\n    homepage: {blogs.base}/good/\n"
        f"    feed_url: {blogs.base}/good/feed.xml\n    enabled: false\n"
    )
    sources.write_text("sources:\n" + "".join("  - id: " + blog for blog in calm) + toss)
    return {
        **os.environ,
        "TECHFEED_ALLOW_HOSTS": f"127.0.0.1:{blogs.port}",
        "TECHFEED_SOURCES_FILE": str(sources),
    }


def _techfeed(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TECHFEED, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _with_store(state_dir: Path, use: Callable[[Store], T]) -> T:
    """Run `use` on a Store over state_dir's embedded AWS, started for the purpose."""
    aws = EmbeddedAWS(state_dir)
    saved = dict(os.environ)
    try:
        os.environ.update(client_environment(aws.start()))
        _ensure_resources()
        return use(Store.from_env())
    finally:
        aws.stop()
        os.environ.clear()
        os.environ.update(saved)


def _articles(state_dir: Path) -> list[str]:
    return _with_store(
        state_dir, lambda store: sorted(a.source_id for a in store.recent_articles(limit=100))
    )


def test_sources_lists_the_registry(tmp_path: Path) -> None:
    result = _techfeed("sources", env=dict(os.environ), cwd=tmp_path)
    assert result.returncode == 0
    assert "naver-d2" in result.stdout and "https://d2.naver.com/d2.atom" in result.stdout
    assert len(result.stdout.splitlines()) > 25


def test_a_bad_sources_file_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "sources:\n  - id: toss\n    name: Toss\n    homepage: https://toss.tech\n    feed_ulr: x\n"
    )
    result = _techfeed("crawl", "--sources-file", str(bad), env=dict(os.environ), cwd=tmp_path)
    assert result.returncode == 2
    assert "feed_ulr" in result.stderr and "Traceback" not in result.stderr


def test_crawl_json_then_an_unchanged_recrawl_in_a_new_process(
    env: dict[str, str], tmp_path: Path
) -> None:
    args = ["crawl", "--json", "--sources-file", env["TECHFEED_SOURCES_FILE"]]
    first = _techfeed(*args, "--state-dir", "state", env=env, cwd=tmp_path)
    assert first.returncode == 1, first.stderr  # "gone" fails
    lines = {row["source"]: row for row in map(json.loads, first.stdout.splitlines())}
    assert set(lines) == {"good", "medium", "gone"}
    assert lines["good"] == {"source": "good", "status": "ok", "new": 3, "error": None}
    assert lines["gone"]["status"] == "failed" and "404" in lines["gone"]["error"]

    second = _techfeed(*args, "--source", "good", "--state-dir", "state", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == {
        "source": "good",
        "status": "not_modified",
        "new": 0,
        "error": None,
    }


def test_crawl_prints_progress_and_a_summary_table(env: dict[str, str], tmp_path: Path) -> None:
    result = _techfeed(
        "crawl", "--sources-file", env["TECHFEED_SOURCES_FILE"], env=env, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "[3/3]" in result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["source", "status", "new", "unchanged", "failed", "reason"]
    gone = next(row for row in rows if row.startswith("gone"))
    assert "failed" in gone and "404" in gone
    assert "3 sources: 5 new articles, 1 failed" in result.stdout


def test_retag_recounts_a_wrong_document_frequency_and_else_changes_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    state = ["--state-dir", "state"]
    crawl = ["crawl", "--source", "good", "--sources-file", env["TECHFEED_SOURCES_FILE"]]
    assert _techfeed(*crawl, *state, env=env, cwd=tmp_path).returncode == 0  # and tags them
    unchanged = (
        "3 articles: 0 with new keywords or summary, 0 tagged for the first time; "
        "document frequencies recounted for {} terms"
    )

    first = _techfeed("retag", *state, env=env, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == unchanged.format(0)

    def corrupt(store: Store) -> tuple[dict[str, int], list[Article]]:
        counted = store.stored_document_frequencies()
        store.add_document_frequencies({"bogus": 5, next(iter(counted)): 1}, documents=0)
        return counted, list(store.iterate_articles())

    counted, articles = _with_store(tmp_path / "state", corrupt)
    second = _techfeed("retag", *state, env=env, cwd=tmp_path)

    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == unchanged.format(2)
    after = _with_store(
        tmp_path / "state",
        lambda store: (store.stored_document_frequencies(), list(store.iterate_articles())),
    )
    assert after == (counted, articles)


def test_an_unknown_source_is_a_usage_error(env: dict[str, str], tmp_path: Path) -> None:
    result = _techfeed(
        "crawl",
        "--source",
        "nope",
        "--sources-file",
        env["TECHFEED_SOURCES_FILE"],
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "unknown source nope" in result.stderr


def _start_run(
    env: dict[str, str], tmp_path: Path, *, ignoring_interrupts: bool = False
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*TECHFEED, "run", "--sources-file", env["TECHFEED_SOURCES_FILE"], "--state-dir", "state"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # How a shell without job control starts a background job (`techfeed run &`).
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        if ignoring_interrupts
        else None,
    )


def _wait_for(process: subprocess.Popen[str], needle: str, seconds: float = 60) -> str:
    assert process.stdout is not None
    seen = ""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen += line
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} never appeared in:\n{seen}")


def _interrupt_and_expect_a_clean_stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    output = _wait_for(process, "stopped", seconds=20)
    assert "Traceback" not in output
    assert process.wait(timeout=10) == 0


def test_run_crawls_on_schedule_and_a_kill_loses_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    process = _start_run(env, tmp_path)
    try:
        _wait_for(process, "good: 3 new")
        _wait_for(process, "medium: 2 new")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert _articles(tmp_path / "state") == ["good"] * 3 + ["medium"] * 2

    # A restarted stack keeps the crawl state too: the feed's ETag makes this a 304.
    again = _techfeed(
        "crawl",
        "--json",
        "--source",
        "good",
        "--sources-file",
        env["TECHFEED_SOURCES_FILE"],
        "--state-dir",
        "state",
        env=env,
        cwd=tmp_path,
    )
    assert json.loads(again.stdout)["status"] == "not_modified"


def test_run_stops_cleanly_on_ctrl_c_and_crawl_reuses_it_while_running(
    env: dict[str, str], tmp_path: Path
) -> None:
    process = _start_run(env, tmp_path)
    try:
        _wait_for(process, "good: 3 new")
        # A second process on the same state dir talks to the running stack.
        during = _techfeed(
            "crawl",
            "--json",
            "--source",
            "good",
            "--sources-file",
            env["TECHFEED_SOURCES_FILE"],
            "--state-dir",
            "state",
            env=env,
            cwd=tmp_path,
        )
        assert json.loads(during.stdout)["status"] == "not_modified", during.stderr
        # A second stack on the same state dir is refused in one line.
        second = _techfeed("run", "--port", "0", "--state-dir", "state", env=env, cwd=tmp_path)
        assert second.returncode == 1
        assert second.stderr.strip().endswith("is in use by another techfeed process")
        assert "Traceback" not in second.stderr
        _interrupt_and_expect_a_clean_stop(process)
    finally:
        if process.poll() is None:
            process.kill()


def test_run_started_in_the_background_stops_on_an_interrupt_signal(
    env: dict[str, str], tmp_path: Path
) -> None:
    """`techfeed run &` from a script inherits SIGINT ignored; `kill -INT` still stops it."""
    process = _start_run(env, tmp_path, ignoring_interrupts=True)
    try:
        _wait_for(process, "good: 3 new")
        _interrupt_and_expect_a_clean_stop(process)
    finally:
        if process.poll() is None:
            process.kill()


def test_extract_prints_the_contract_fields(tmp_path: Path) -> None:
    page = ROOT / "tests" / "fixtures" / "blogs" / "euckr-post.html"
    encoded = tmp_path / "page.html"
    encoded.write_bytes(page.read_text(encoding="utf-8").encode("cp949"))
    result = _techfeed(
        "extract",
        str(encoded),
        "--url",
        "https://blog.example.kr/1",
        env=dict(os.environ),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert set(record) == {
        "file",
        "title",
        "author",
        "published",
        "text",
        "content_html",
        "summary",
    }
    assert record["title"] == "한글 인코딩 이야기"
    assert "똠방각하" in record["text"]


def test_extract_reads_a_gzipped_page_and_refuses_binary_files(tmp_path: Path) -> None:
    page = (ROOT / "tests" / "fixtures" / "pages" / "nextjs_jsonld.html").read_bytes()
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(page))
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tmp_path / "broken.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    files = ["image.png", "page.html.gz", "broken.gz"]

    result = _techfeed("extract", *files, env=dict(os.environ), cwd=tmp_path)

    assert result.returncode == 1
    assert "image.png: binary data, not text or HTML" in result.stderr
    assert "broken.gz: a broken gzip file" in result.stderr
    assert "Traceback" not in result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    expected = json.loads((ROOT / "tests/fixtures/pages/nextjs_jsonld.expected.json").read_text())
    assert (record["file"], record["title"]) == ("page.html.gz", expected["title"])
    assert record["published"] == expected["published"].replace("+00:00", "Z")
    assert record["published"].endswith("Z")  # as the API writes times


def test_aws_commands_without_the_stack_names_say_what_is_missing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TECHFEED_")}
    for command in (["crawl", "--aws", "--source", "toss"], ["retag", "--aws"]):
        result = _techfeed(*command, env=env, cwd=tmp_path)
        assert result.returncode == 1, command
        assert "--aws needs TECHFEED_TABLE and TECHFEED_BUCKET" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_handler_failing_on_its_event_answers_as_lambda_does(
    env: dict[str, str], tmp_path: Path
) -> None:
    event = tmp_path / "empty.json"
    event.write_text("{}")
    result = _techfeed("invoke", "api", str(event), env=env, cwd=tmp_path)
    assert result.returncode == 1
    failure = json.loads(result.stdout)
    assert failure["errorType"] == "KeyError" and "requestContext" in failure["errorMessage"]
    assert failure["stackTrace"]


@pytest.mark.parametrize(
    ("function", "event", "expected"),
    [
        ("dispatch", "dispatch_schedule.json", {"dispatched": ["gone", "good", "medium"]}),
        ("crawl", "crawl_source.json", {"source": "toss", "status": "ok", "new": 3, "error": None}),
        ("crawl", "crawl_sqs.json", {"batchItemFailures": []}),
        ("keywords", "keywords_stream.json", {"batchItemFailures": []}),
    ],
)
def test_every_sample_event_runs_its_handler(
    env: dict[str, str], tmp_path: Path, function: str, event: str, expected: dict[str, object]
) -> None:
    if function == "keywords":
        # The stream event announces a stored article: store it, with a body, first.
        _with_store(tmp_path / ".techfeed", _save_sample_article)
    result = _techfeed("invoke", function, str(ROOT / "events" / event), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    if function == "dispatch":
        output["dispatched"].sort()
    assert output == expected
    if function == "keywords":
        tagged = _with_store(tmp_path / ".techfeed", lambda s: s.get_article(SAMPLE_ARTICLE))
        assert tagged is not None and tagged.tagged_at is not None
        assert "Kafka" in tagged.keywords and tagged.summary != "컨슈머 랙 이야기"


SAMPLE_ARTICLE = "6b86b273ff34fce1"


def _sample_article(title: str = "토스의 글", **fields: Any) -> Article:
    return Article(
        article_id=SAMPLE_ARTICLE,
        source_id="toss",
        canonical_url="https://toss.tech/article/1",
        url="https://toss.tech/article/1",
        title=title,
        published_at=datetime(2024, 3, 5, tzinfo=UTC),
        fetched_at=datetime(2024, 3, 5, tzinfo=UTC),
        **fields,
    )


def _save_sample_article(store: Store) -> None:
    labelled = json.loads((ROOT / "tests/fixtures/keywords/kafka-migration.json").read_text())
    body = "".join(f"<p>{p}</p>" for p in labelled["text"].splitlines() if p.strip())
    article = _sample_article(title=labelled["title"], summary="컨슈머 랙 이야기")
    assert store.save_article(article, content_html=body, raw_html=None)


@pytest.mark.parametrize(
    ("event", "status", "field", "value"),
    [
        ("api_get_articles.json", 200, "items", [SAMPLE_ARTICLE]),
        ("api_get_article.json", 200, "id", SAMPLE_ARTICLE),
        ("api_put_bookmark.json", 201, "id", SAMPLE_ARTICLE),
        ("api_get_bookmarks.json", 200, "items", [SAMPLE_ARTICLE]),
    ],
)
def test_every_sample_api_event_runs_the_api_handler(
    env: dict[str, str], tmp_path: Path, event: str, status: int, field: str, value: object
) -> None:
    def seed(store: Store) -> None:
        article = _sample_article()
        store.save_article(article, content_html="<p>본문</p>", raw_html=None)
        if event == "api_get_bookmarks.json":
            # The sample's JWT claims are alice's: her list holds what she bookmarked.
            store.add_bookmark("alice", article, datetime(2024, 3, 6, tzinfo=UTC))

    _with_store(tmp_path / "state", seed)

    event_file = str(ROOT / "events" / event)
    result = _techfeed("invoke", "api", event_file, "--state-dir", "state", env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["statusCode"] == status
    answer = json.loads(response["body"])[field]
    assert [item["id"] for item in answer] == value if field == "items" else answer == value


def test_every_sample_event_is_covered() -> None:
    assert sorted(p.name for p in (ROOT / "events").glob("*.json")) == [
        "api_get_article.json",
        "api_get_articles.json",
        "api_get_bookmarks.json",
        "api_put_bookmark.json",
        "crawl_source.json",
        "crawl_sqs.json",
        "dispatch_schedule.json",
        "keywords_stream.json",
    ]


def test_keywords_prints_one_json_line_per_file_and_reports_bad_files(tmp_path: Path) -> None:
    labelled = json.loads((ROOT / "tests/fixtures/keywords/k8s-cost.json").read_text())
    text = tmp_path / "post.txt"
    text.write_text(labelled["title"] + "\n" + labelled["text"], encoding="utf-8")
    page = tmp_path / "post.html"
    body = "".join(f"<p>{p}</p>" for p in labelled["text"].splitlines() if p.strip())
    page.write_bytes(
        f"<html><head><title>{labelled['title']} | 블로그</title></head><body>"
        f"<nav>홈 소개</nav><article><h1>{labelled['title']}</h1>{body}</article></body></html>".encode(
            "cp949"
        )
    )
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    args = [str(text), "missing.txt", "logo.png", str(page)]
    result = _techfeed("keywords", *args, env=dict(os.environ), cwd=tmp_path)

    assert result.returncode == 1
    assert "missing.txt" in result.stderr and "Traceback" not in result.stderr
    assert "logo.png: binary data, not text or HTML" in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(text), str(page)]
    assert all(set(line) == {"file", "keywords"} for line in lines)
    from_text, from_html = (line["keywords"] for line in lines)
    assert 3 <= len(from_text) <= 10 and from_text[0] in labelled["keywords"]
    assert "Kubernetes" in from_text
    assert from_html == from_text  # the same article, whatever its wrapping


def test_crawl_handler_logs_carry_the_source_id(env: dict[str, str], tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"source": "good"}')
    result = _techfeed("invoke", "crawl", str(event), env=env, cwd=tmp_path)
    assert json.loads(result.stdout)["status"] == "ok"
    logs = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    crawled = [line for line in logs if line.get("message") == "crawled"]
    assert crawled and crawled[0]["source"] == "good" and crawled[0]["new"] == 3
    assert any(line.get("_aws", {}).get("CloudWatchMetrics") for line in logs)


def test_an_sqs_message_for_an_unknown_source_is_a_batch_item_failure(
    env: dict[str, str], tmp_path: Path
) -> None:
    batch = json.loads((ROOT / "events" / "crawl_sqs.json").read_text())
    good = dict(batch["Records"][0], messageId="ok-1")
    bad = dict(batch["Records"][0], messageId="bad-1", body='{"source": "nope"}')
    event = tmp_path / "batch.json"
    event.write_text(json.dumps({"Records": [good, bad]}))
    result = _techfeed("invoke", "crawl", str(event), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"batchItemFailures": [{"itemIdentifier": "bad-1"}]}
