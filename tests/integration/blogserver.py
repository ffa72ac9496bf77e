"""A real HTTP server on 127.0.0.1 that serves fixture blogs, well-behaved and hostile."""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "blogs"
GOOD_TITLES = {
    "1": "Kafka 컨슈머 지연을 줄인 방법",
    "2": "Kubernetes 비용 최적화",
    "3": "상대 링크로 된 글",
}
GOOD_ETAG = '"good-v1"'
GOOD_LAST_MODIFIED = formatdate(1709600000, usegmt=True)
LONG_ARTICLE = (
    "<h2>배경</h2>"
    + "".join(
        f"<p>문단 {i}: 추천 시스템은 사용자의 행동 데이터를 바탕으로 콘텐츠를 고릅니다. "
        "우리는 모델을 다시 학습시키고, 피처 저장소를 새로 만들었습니다.</p>"
        for i in range(12)
    )
    + '<figure><img src="https://cdn-images-1.medium.com/max/1024/diagram.png" alt="구조">'
    "<figcaption>새 구조</figcaption></figure>"
    + "<pre><code>SELECT user_id, item_id\n  FROM events\n WHERE ts > now() - interval '1 day';</code></pre>"
    + '<img src="https://medium.com/_/stat?event=post.clientViewed" width="1" height="1" alt="">'
)
# 64 MiB of zeros gzip to about 64 KiB: inflating it all would blow the 5 MB cap many times over.
BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


class BlogServer:
    """Serves /<blog>/... on an ephemeral port and counts every request by path."""

    def __init__(self, stall_seconds: float = 5.0) -> None:
        self.hits: Counter[str] = Counter()
        self.stall_seconds = stall_seconds
        self._lock = threading.Lock()
        self._flaky_calls = 0
        self._throttled_calls = 0
        self.throttle_times: list[float] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> BlogServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def page_hits(self, blog: str) -> int:
        """Requests for article pages (anything but the feed and robots.txt) of one blog."""
        return sum(
            n
            for path, n in self.hits.items()
            if path.startswith(f"/{blog}/") and "feed" not in path and "robots" not in path
        )

    def sources_yaml(self) -> str:
        """A sources file naming every fixture blog on this server."""
        blogs = {
            "good": "good/feed.xml",
            "moved": "moved/feed.xml",
            "medium": "medium/feed",
            "euckr": "euckr/feed.xml",
            "stalled": "stalled/feed.xml",
            "flaky": "flaky/feed.xml",
            "throttled": "throttled/feed.xml",
            "bomb": "bomb/feed.xml",
            "endless": "endless/feed.xml",
            "ssrf": "ssrf/feed.xml",
            "truncated": "truncated/feed.xml",
            "gone": "gone/feed.xml",
        }
        lines = ["sources:"]
        for blog, path in blogs.items():
            lines += [
                f"  - id: {blog}",
                f"    name: {blog.title()} Blog",
                f"    homepage: {self.base}/{blog}/",
                f"    feed_url: {self.base}/{path}",
                "    interval: 1h",
            ]
        return "\n".join(lines) + "\n"

    def _fixture(self, name: str) -> bytes:
        text = (FIXTURES / name).read_text(encoding="utf-8")
        return text.replace("{base}", self.base).replace("{long_article}", LONG_ARTICLE).encode()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.partition("?")[0]
                with server._lock:
                    server.hits[path] += 1
                route = getattr(self, "_" + path.strip("/").split("/")[0], None)
                if path.endswith("/robots.txt"):
                    self._send(200, b"User-agent: *\nDisallow: /good/private/\n", "text/plain")
                elif route is None:
                    self._send(404, b"not found", "text/plain")
                else:
                    route(path)

            def _send(
                self,
                status: int,
                body: bytes,
                content_type: str,
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _redirect(self, status: int, location: str) -> None:
                self._send(status, b"", "text/plain", {"Location": location})

            def _good(self, path: str) -> None:
                if path == "/good/feed.xml":
                    if self.headers.get("If-None-Match") == GOOD_ETAG or (
                        self.headers.get("If-Modified-Since") == GOOD_LAST_MODIFIED
                    ):
                        self.send_response(304)
                        self.send_header("ETag", GOOD_ETAG)
                        self.end_headers()
                        return
                    validators = {"ETag": GOOD_ETAG, "Last-Modified": GOOD_LAST_MODIFIED}
                    body = server._fixture("good-feed.xml")
                    self._send(200, body, "application/rss+xml; charset=utf-8", validators)
                elif path.startswith("/good/posts/"):
                    n = path.rsplit("/", 1)[1]
                    page = server._fixture("good-post.html").decode()
                    page = page.replace("{title}", GOOD_TITLES.get(n, "?")).replace("{n}", n)
                    self._send(200, page.encode(), "text/html; charset=utf-8")
                else:
                    self._send(404, b"", "text/plain")

            def _moved(self, path: str) -> None:
                if path == "/moved/feed.xml":
                    self._redirect(301, "/moved/new-feed.xml")
                elif path == "/moved/new-feed.xml":
                    body = server._fixture("good-feed.xml").replace(b"/good/", b"/moved/")
                    self._send(200, body, "application/rss+xml")
                elif path.startswith("/moved/posts/"):
                    self._redirect(302, path.replace("/posts/", "/articles/"))
                elif path.startswith("/moved/articles/"):
                    n = path.rsplit("/", 1)[1]
                    page = server._fixture("good-post.html").decode()
                    page = page.replace("{title}", GOOD_TITLES.get(n, "?")).replace("{n}", n)
                    self._send(200, page.encode(), "text/html; charset=utf-8")
                else:
                    self._send(404, b"", "text/plain")

            def _medium(self, path: str) -> None:
                if path == "/medium/feed":
                    body = server._fixture("medium-feed.xml")
                    self._send(200, body, "text/xml; charset=UTF-8")
                else:
                    # Medium refuses servers: the crawler must not need these pages.
                    self._send(403, b"forbidden", "text/plain")

            def _euckr(self, path: str) -> None:
                if path == "/euckr/feed.xml":
                    self._send(200, server._fixture("euckr-feed.xml"), "application/rss+xml")
                else:
                    page = (FIXTURES / "euckr-post.html").read_text(encoding="utf-8")
                    # Pages labelled "euc-kr" are really CP949, its superset.
                    self._send(200, page.encode("cp949"), "text/html")

            def _stalled(self, path: str) -> None:
                time.sleep(server.stall_seconds)
                self._send(200, server._fixture("good-feed.xml"), "application/rss+xml")

            def _flaky(self, path: str) -> None:
                with server._lock:
                    server._flaky_calls += 1
                    first = server._flaky_calls == 1
                if first:
                    self._send(500, b"oops", "text/plain")
                elif path == "/flaky/feed.xml":
                    body = server._fixture("euckr-feed.xml").replace(b"/euckr/", b"/flaky/")
                    self._send(200, body, "application/rss+xml")
                else:
                    page = server._fixture("good-post.html").decode().replace("{n}", "1")
                    self._send(200, page.replace("{title}", "Flaky").encode(), "text/html")

            def _throttled(self, path: str) -> None:
                with server._lock:
                    server._throttled_calls += 1
                    first = server._throttled_calls == 1
                    server.throttle_times.append(time.monotonic())
                if first:
                    self._send(429, b"slow down", "text/plain", {"Retry-After": "1"})
                else:
                    self._send(200, _EMPTY_FEED, "application/rss+xml")

            def _bomb(self, path: str) -> None:
                self._send(200, BOMB, "application/rss+xml", {"Content-Encoding": "gzip"})

            def _endless(self, path: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.end_headers()
                chunk = b"<item><title>spam</title></item>" * 1024
                deadline = time.monotonic() + 20
                try:
                    self.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
                    while time.monotonic() < deadline:
                        self.wfile.write(chunk)
                except OSError:
                    pass
                self.close_connection = True

            def _ssrf(self, path: str) -> None:
                self._redirect(302, "http://169.254.169.254/latest/meta-data/iam/")

            def _truncated(self, path: str) -> None:
                if path == "/truncated/feed.xml":
                    self._send(200, server._fixture("truncated-feed.xml"), "application/rss+xml")
                else:
                    self._send(404, b"", "text/plain")

        return Handler


_EMPTY_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Throttled</title>'
    b"<link>https://example.com/</link></channel></rss>"
)
