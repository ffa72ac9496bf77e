"""Crawl throughput end to end on loopback, and what an unchanged recrawl costs.

Serves BLOGS synthetic blogs from a separate process, each on its own loopback address
(127.0.0.k) so per-host politeness applies per blog as it would on the internet. Article pages are real pages from
../shared/data/wcxb-dev-articles when present (a fixture page otherwise). The store is the local
stack's embedded DynamoDB + S3 with its journal, as `techfeed run` uses it.

Prints, as medians over ROUNDS fresh runs:
- first crawl: new articles per second through fetch, extract and store, beside the same pages
  through extract alone in-process (the CPU ceiling), and the ratio of the two;
- an unchanged recrawl: HTTP requests, bytes received and DynamoDB/S3 writes, for feeds that
  answer 304 to their validators and for feeds that have none (full feed, zero pages).

    .venv/bin/python bench/crawl.py [--blogs 8] [--articles 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import Process, Queue
from pathlib import Path

import httpx

from techfeed.crawl import crawl_source
from techfeed.extract import extract_article
from techfeed.fetch import FetchConfig, Fetcher, decode_html
from techfeed.local.aws import EmbeddedAWS, _ensure_resources, client_environment
from techfeed.local.journal import Journal
from techfeed.models import CrawlResult, Source
from techfeed.store import Store

WCXB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wcxb-dev-articles" / "html"
FALLBACK_PAGE = (
    Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "blogs" / "good-post.html"
)


def _pages(count: int) -> list[bytes]:
    if WCXB.is_dir():
        files = sorted(WCXB.glob("*.html.gz"))[:count]
        return [gzip.decompress(f.read_bytes()) for f in files]
    page = FALLBACK_PAGE.read_bytes().replace(b"{title}", b"Bench").replace(b"{n}", b"1")
    return [page] * count


class Blog:
    """One blog on its own loopback address: an RSS feed of `articles` links and their pages."""

    def __init__(self, host: str, pages: list[bytes], with_validators: bool) -> None:
        self.pages = pages
        self.with_validators = with_validators
        self.requests = 0
        self.server = ThreadingHTTPServer((host, 0), self._handler())
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_address[1]}"
        now = datetime(2026, 11, 1, tzinfo=UTC)
        items = "".join(
            f"<item><title>Post {i}</title><link>{self.base}/posts/{i}</link>"
            f"<pubDate>{format_datetime(now - timedelta(hours=i))}</pubDate></item>"
            for i in range(len(pages))
        )
        self.feed = (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>{host}</title>'
            f"<link>{self.base}/</link>{items}</channel></rss>"
        ).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        blog = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                body: bytes | None = str(blog.requests).encode()
                kind = "text/plain"
                if self.path != "/__requests":
                    blog.requests += 1
                    body, kind = self._content()
                if body is None:
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                if blog.with_validators:
                    self.send_header("ETag", '"v1"')
                self.end_headers()
                self.wfile.write(body)

            def _content(self) -> tuple[bytes | None, str]:
                if self.path == "/feed.xml":
                    if blog.with_validators and self.headers.get("If-None-Match") == '"v1"':
                        self.send_response(304)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return None, ""
                    return blog.feed, "application/rss+xml"
                if self.path.startswith("/posts/"):
                    return blog.pages[int(self.path.rsplit("/", 1)[1])], "text/html"
                return b"", "text/plain"

        return Handler


def _serve_blogs(count: int, pages: list[bytes], bases: Queue[list[str]]) -> None:
    """In a process of its own, so serving pages does not share the crawler's GIL."""
    blogs = [Blog(f"127.0.0.{k + 2}", pages, with_validators=k % 2 == 0) for k in range(count)]
    for blog in blogs[1:]:
        threading.Thread(target=blog.server.serve_forever, daemon=True).start()
    bases.put([b.base for b in blogs])
    blogs[0].server.serve_forever()


@contextmanager
def _blogs(count: int, pages: list[bytes]) -> Iterator[list[str]]:
    bases: Queue[list[str]] = Queue()
    process = Process(target=_serve_blogs, args=(count, pages, bases), daemon=True)
    process.start()
    try:
        yield bases.get(timeout=60)
    finally:
        process.terminate()
        process.join()


def _requests(base: str) -> int:
    return int(httpx.get(base + "/__requests").text)


@contextmanager
def _stack() -> Iterator[tuple[Store, Path]]:
    with tempfile.TemporaryDirectory() as state_dir:
        aws = EmbeddedAWS(Path(state_dir))
        os.environ.update(client_environment(aws.start()))
        try:
            _ensure_resources()
            yield Store.from_env(), Path(state_dir) / "journal.bin"
        finally:
            aws.stop()


def _writes(journal: Path) -> Counter[str]:
    """Journaled writes by kind: the DynamoDB operation, or "S3 <method>"."""
    kinds: Counter[str] = Counter()
    for request in Journal(journal).replay():
        headers = dict(request.headers)
        target = headers.get("X-Amz-Target", "")
        kinds[target.rpartition(".")[2] if target else f"S3 {request.method}"] += 1
    return kinds


def _crawl(sources: list[Source], store: Store, fetcher: Fetcher) -> list[CrawlResult]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda s: crawl_source(s, store=store, fetcher=fetcher), sources))


def one_round(
    pages: list[bytes], blogs: int, per_host_delay: float
) -> tuple[dict[str, float], str]:
    """One fresh stack, one first crawl and two kinds of unchanged recrawl."""
    with _blogs(blogs, pages) as bases, _stack() as (store, journal):
        config = FetchConfig(
            per_host_delay=per_host_delay,
            allow_hosts=frozenset(base.removeprefix("http://") for base in bases),
        )
        fetcher = Fetcher(config)
        sources = [
            Source(
                id=f"blog-{k}", name=f"Blog {k}", homepage=base + "/", feed_url=base + "/feed.xml"
            )
            for k, base in enumerate(bases)
        ]
        started = time.perf_counter()
        first = _crawl(sources, store, fetcher)
        elapsed = time.perf_counter() - started
        new = sum(r.new for r in first)
        assert new == blogs * len(pages), [r.error for r in first]

        writes_before = _writes(journal)
        requests_before = [_requests(base) for base in bases]
        again = _crawl(sources, store, fetcher)
        writes = _writes(journal) - writes_before
        write_kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(writes.items())) or "none"
        requests = [
            _requests(base) - before for base, before in zip(bases, requests_before, strict=True)
        ]
        with_v = [i for i in range(blogs) if i % 2 == 0]
        without_v = [i for i in range(blogs) if i % 2 == 1]

        def mean(indices: list[int], values: list[int]) -> float:
            return sum(values[i] for i in indices) / len(indices)

        return {
            "articles_per_s": new / elapsed,
            "first_seconds": elapsed,
            "recrawl_writes": writes.total(),
            "recrawl_new": sum(r.new for r in again),
            "req_304": mean(with_v, requests),
            "bytes_304": mean(with_v, [r.bytes_received for r in again]),
            "req_no_validators": mean(without_v, requests),
            "bytes_no_validators": mean(without_v, [r.bytes_received for r in again]),
            "pages_no_validators": mean(without_v, [r.pages_fetched for r in again]),
        }, write_kinds


def extract_only(pages: list[bytes], blogs: int) -> float:
    """Articles per second through decode + extract alone, the same pages in-process."""
    started = time.perf_counter()
    for _ in range(blogs):
        for i, page in enumerate(pages):
            extract_article(decode_html(page, "text/html"), f"http://127.0.0.1/posts/{i}")
    rate: float = blogs * len(pages) / (time.perf_counter() - started)
    return rate


def main() -> None:
    """Run the rounds and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blogs", type=int, default=8)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages = _pages(args.articles)
    source = "wcxb-dev-articles" if WCXB.is_dir() else "a fixture page"
    print(
        f"{args.blogs} blogs x {args.articles} articles ({source}), {args.rounds} rounds, medians"
    )
    for delay, label in ((0.0, "no per-host delay"), (0.25, "default politeness (0.25 s/host)")):
        outcomes = [one_round(pages, args.blogs, delay) for _ in range(args.rounds)]
        rounds = [figures for figures, _ in outcomes]
        last_kinds = outcomes[-1][1]
        ceiling = [extract_only(pages, 1) for _ in range(args.rounds)]
        m = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
        c = statistics.median(ceiling)
        print(f"\n[{label}]")
        print(
            f"first crawl           {m['articles_per_s']:7.1f} new articles/s ({m['first_seconds']:.1f} s)"
        )
        print(f"extract alone         {c:7.1f} articles/s (one thread, same pages)")
        print(f"pipeline / extract    {m['articles_per_s'] / c:7.2f}")
    print("\nunchanged recrawl, per source (last round set):")
    print(f"  feed with ETag:     {m['req_304']:.0f} request, {m['bytes_304']:.0f} bytes, 0 pages")
    print(
        f"  feed without:       {m['req_no_validators']:.0f} request, "
        f"{m['bytes_no_validators']:.0f} bytes, {m['pages_no_validators']:.0f} pages"
    )
    print(
        f"  store writes:       {m['recrawl_writes']:.0f} ({last_kinds}), new articles {m['recrawl_new']:.0f}"
    )


if __name__ == "__main__":
    main()
