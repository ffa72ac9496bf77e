"""The HTTP API at 100,000 articles: what one list request costs, and how `techfeed run` serves.

Starts `techfeed run --port 0 --no-schedule` on a fresh state dir, seeds ARTICLES articles
straight into its embedded DynamoDB (BatchWriteItem of the Store's own items), then prints:
- seeding time;
- DynamoDB calls and items read (ScannedCount) for one list request on the first page and on
  the 500th (--page) (its cursor signed exactly as paging would have made it), counted with botocore
  event hooks on the Store's client, beside the wall time of each;
- CLIENTS concurrent HTTP clients for SECONDS on loopback against the running API (half first
  pages, half 500th pages): requests per second, p50 / p99 latency, errors.

    .venv/bin/python bench/api.py [--articles 100000] [--clients 8] [--seconds 30] [--page 500]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx

from techfeed.api.config import ApiConfig
from techfeed.api.cursors import CursorCodec
from techfeed.api.service import Api
from techfeed.local.aws import client_environment
from techfeed.models import Article
from techfeed.sources import load_sources
from techfeed.store import Store
from techfeed.store.models import sort_key

LIMIT = 20
T0 = datetime(2020, 1, 1, tzinfo=UTC)


@contextmanager
def running_stack(state_dir: Path) -> Iterator[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "techfeed",
            "run",
            "--port",
            "0",
            "--no-schedule",
            "--state-dir",
            str(state_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    banner = ""
    while "running" not in banner:
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"techfeed run ended:\n{banner}")
        banner += line
    match = re.search(r"API on (http://127\.0\.0\.1:\d+)", banner)
    assert match is not None
    try:
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=30)


def article(n: int, sources: list[str]) -> Article:
    published = T0 + timedelta(minutes=n)
    return Article(
        article_id=f"{n:016x}",
        source_id=sources[n % len(sources)],
        canonical_url=f"https://blog.example.kr/posts/{n}",
        url=f"https://blog.example.kr/posts/{n}",
        title=f"벤치마크 글 {n}: 대규모 트래픽을 견디는 설계",
        published_at=published,
        fetched_at=published,
        summary="요약 " * 40,
        keywords=["kafka", "kubernetes"],
    )


def seed(store: Store, table: str, count: int, sources: list[str]) -> float:
    client = boto3.client("dynamodb")
    started = time.perf_counter()

    def write(start: int) -> None:
        requests = [
            {"PutRequest": {"Item": store._article_item(article(n, sources)).serialize()}}
            for n in range(start, min(start + 25, count))
        ]
        while requests:
            answer = client.batch_write_item(RequestItems={table: requests})
            requests = answer.get("UnprocessedItems", {}).get(table, [])

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(0, count, 25)))
    return time.perf_counter() - started


class DynamoCounter:
    """Counts DynamoDB calls and the items they read, from botocore's after-call events."""

    def __init__(self, client: Any) -> None:
        self.calls: list[tuple[str, int]] = []
        client.meta.events.register("after-call.dynamodb", self._seen)

    def _seen(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, int(parsed.get("ScannedCount", parsed.get("Count", 0)))))


def cost_of(counter: DynamoCounter, request: Any) -> tuple[list[tuple[str, int]], float]:
    counter.calls.clear()
    started = time.perf_counter()
    request()
    return list(counter.calls), time.perf_counter() - started


def load(url: str, cursor: str, clients: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client_loop(k: int) -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        with httpx.Client(base_url=url, timeout=30) as http:
            n = k
            while time.monotonic() < deadline:
                params: dict[str, str | int] = {"limit": LIMIT}
                if n % 2 == 0:
                    params["cursor"] = cursor
                n += 1
                started = time.perf_counter()
                try:
                    ok = http.get("/articles", params=params).status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine.append(time.perf_counter() - started)
                failed += not ok
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client_loop, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--page", type=int, default=500, help="the deep page to compare")
    args = parser.parse_args()
    if args.page * LIMIT > args.articles:
        parser.error(f"--page {args.page} needs at least {args.page * LIMIT} articles")

    with tempfile.TemporaryDirectory() as home:
        state_dir = Path(home) / "state"
        with running_stack(state_dir) as url:
            endpoint = json.loads((state_dir / "endpoint.json").read_text())["endpoint_url"]
            os.environ.update(client_environment(endpoint))
            secret = (state_dir / "cursor.key").read_text().strip()
            os.environ["TECHFEED_CURSOR_SECRET"] = secret
            store = Store.from_env()
            sources = [s.id for s in load_sources()]
            seconds = seed(store, os.environ["TECHFEED_TABLE"], args.articles, sources)
            print(
                f"seeded {args.articles:,} articles in {seconds:.1f} s "
                f"({args.articles / seconds:,.0f}/s, BatchWriteItem x25, 4 threads)"
            )

            api = Api(store, ApiConfig.from_env(), load_sources())
            # The client pynamodb's models query through (not the transactions' one).
            counter = DynamoCounter(store._articles._get_connection().connection.client)
            # Page --page starts after the (page - 1) * LIMIT newest articles: the cursor paging
            # there would carry, signed the same way.
            last_before = args.articles - 1 - (args.page - 1) * LIMIT + 1
            newest = article(last_before, sources)
            cursor = CursorCodec(secret.encode()).encode(
                "articles", sort_key(newest.published_at, newest.article_id)
            )
            first_page = api.articles(source=None, keyword=None, limit=LIMIT, cursor=None)
            for label, page_cursor in (("page 1", None), (f"page {args.page}", cursor)):
                calls, took = cost_of(
                    counter,
                    lambda c=page_cursor: api.articles(
                        source=None, keyword=None, limit=LIMIT, cursor=c
                    ),
                )
                print(
                    f"{label:>9}: {len(calls)} DynamoDB call(s) {[c[0] for c in calls]}, "
                    f"{sum(c[1] for c in calls)} items read, {took * 1000:.0f} ms in-process"
                )
            page = api.articles(source=None, keyword=None, limit=LIMIT, cursor=cursor)
            assert page.items[0].id == f"{last_before - 1:016x}", page.items[0].id
            assert first_page.items[0].id == f"{args.articles - 1:016x}"

            figures = load(url, cursor, args.clients, args.seconds)
            print(
                f"{args.clients} clients x {args.seconds:.0f} s on loopback, GET /articles "
                f"(half page 1, half page {args.page}): {figures['requests']:,.0f} requests, "
                f"{figures['rps']:.1f} req/s, p50 {figures['p50_ms']:.0f} ms, "
                f"p99 {figures['p99_ms']:.0f} ms, errors {figures['errors']:.0f}"
            )


if __name__ == "__main__":
    main()
