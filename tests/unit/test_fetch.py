"""Tests for techfeed.fetch: mock transports for the logic, a 127.0.0.1 server for the real path."""

from __future__ import annotations

import codecs
import gzip
import http.server
import threading
import time
import tracemalloc
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from techfeed.fetch import FetchConfig, Fetcher, FetchError, decode_html

PUBLIC_IP = "93.184.216.34"
Handler = Callable[[httpx.Request], httpx.Response]


def public(host: str, port: int) -> list[str]:
    return [PUBLIC_IP]


def make_fetcher(
    handler: Handler,
    sleeps: list[float] | None = None,
    resolver: Callable[[str, int], list[str]] = public,
    **config: Any,
) -> Fetcher:
    config.setdefault("per_host_delay", 0.0)
    return Fetcher(
        FetchConfig(**config),
        transport=httpx.MockTransport(handler),
        resolver=resolver,
        sleep=(sleeps if sleeps is not None else []).append,
    )


def fetch_error(fetcher: Fetcher, url: str, **kwargs: Any) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url, **kwargs)
    return caught.value


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text="<p>ok</p>")


def scripted(*steps: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler answering each request with the next step; the last one repeats."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        step = steps[min(len(calls), len(steps)) - 1]
        if isinstance(step, Exception):
            raise step
        return step

    return handler, calls


# --- headers and conditional GET ---------------------------------------------------------------


def test_plain_get_sends_our_headers_and_returns_the_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            content=b"<p>hello</p>",
            headers={"content-type": "text/html", "etag": '"v1"', "last-modified": "Mon, 1 Jan"},
        )

    response = make_fetcher(handler).fetch("https://blog.example/post")

    headers = seen[0].headers
    assert headers["user-agent"] == FetchConfig().user_agent
    assert headers["accept-encoding"] == "gzip, deflate"
    assert "text/html" in headers["accept"]
    assert "if-none-match" not in headers and "if-modified-since" not in headers
    assert response.status == 200 and not response.not_modified
    assert response.content == b"<p>hello</p>"
    assert response.text() == "<p>hello</p>"
    assert (response.content_type, response.etag, response.last_modified) == (
        "text/html",
        '"v1"',
        "Mon, 1 Jan",
    )
    assert (response.url, response.requests, response.bytes_received) == (
        "https://blog.example/post",
        1,
        12,
    )


def test_user_agent_can_be_overridden_per_call() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["user-agent"])
        return httpx.Response(200)

    make_fetcher(handler).fetch("https://blog.example/", user_agent="Mozilla/5.0 special")
    assert seen == ["Mozilla/5.0 special"]


def test_conditional_get_sends_validators_and_304_is_not_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["if-none-match"] == '"abc"'
        assert request.headers["if-modified-since"] == "Tue, 02 Jan 2024 00:00:00 GMT"
        return httpx.Response(304)

    response = make_fetcher(handler).fetch(
        "https://blog.example/rss", etag='"abc"', last_modified="Tue, 02 Jan 2024 00:00:00 GMT"
    )
    assert response.status == 304 and response.not_modified
    assert response.content == b""
    # A 304 without validators keeps the ones we sent, so callers can store them as they are.
    assert response.etag == '"abc"'
    assert response.last_modified == "Tue, 02 Jan 2024 00:00:00 GMT"


# --- redirects and URLs ------------------------------------------------------------------------


def redirect_chain(hops: int) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.path.strip("/") or 0)
        if n < hops:
            return httpx.Response(302, headers={"location": f"/{n + 1}"})
        return httpx.Response(200, text=f"end {n}")

    return handler


def test_redirects_are_followed_and_relative_locations_resolved() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "blog.example" and request.url.path == "/a/b":
            return httpx.Response(301, headers={"location": "../c?x=1"})
        if request.url.path == "/c":
            return httpx.Response(308, headers={"location": "https://cdn.example/final"})
        return httpx.Response(200, text="final")

    response = make_fetcher(handler).fetch("http://blog.example/a/b")
    assert response.url == "https://cdn.example/final"
    assert response.content == b"final"
    assert response.requests == 3


@pytest.mark.parametrize(("hops", "fails"), [(2, False), (3, True)])
def test_redirect_limit(hops: int, fails: bool) -> None:
    fetcher = make_fetcher(redirect_chain(hops), max_redirects=2)
    if fails:
        assert fetch_error(fetcher, "https://blog.example/").reason == "too_many_redirects"
    else:
        assert fetcher.fetch("https://blog.example/").content == f"end {hops}".encode()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://blog.example/feed", "bad_scheme"),
        ("file:///etc/passwd", "bad_scheme"),
        ("javascript:alert(1)", "bad_scheme"),
        ("not a url", "invalid_url"),
        ("http:///no-host", "invalid_url"),
    ],
)
def test_only_absolute_http_urls_are_fetched(url: str, reason: str) -> None:
    error = fetch_error(make_fetcher(ok), url)
    assert error.reason == reason
    assert url in str(error)


def test_redirect_to_a_bad_scheme_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "file:///etc/passwd"})

    assert fetch_error(make_fetcher(handler), "https://blog.example/").reason == "bad_scheme"


# --- SSRF guard --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]:8080/"],
)
def test_redirect_to_a_private_address_is_refused_before_connecting(target: str) -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(302, headers={"location": target})

    error = fetch_error(make_fetcher(handler), "https://blog.example/")
    assert error.reason == "blocked_address"
    assert hosts == ["blog.example"]


@pytest.mark.parametrize(
    "addresses",
    [
        ["127.0.0.1"],
        ["10.1.2.3"],
        ["172.16.0.1"],
        ["192.168.0.10"],
        ["169.254.169.254"],
        ["100.64.0.1"],
        ["0.0.0.0"],
        ["224.0.0.251"],
        ["255.255.255.255"],
        ["::1"],
        ["::"],
        ["fe80::1"],
        ["fc00::1"],
        ["fec0::1"],
        ["ff02::1"],
        ["::ffff:127.0.0.1"],
        ["::ffff:169.254.169.254"],
        ["64:ff9b::a00:1"],
        ["2002:a00:1::1"],
        [PUBLIC_IP, "10.0.0.5"],  # any bad address blocks the host
    ],
)
def test_hosts_resolving_to_non_public_addresses_are_refused(addresses: list[str]) -> None:
    handler, calls = scripted(httpx.Response(200))
    fetcher = make_fetcher(handler, resolver=lambda h, p: addresses)
    error = fetch_error(fetcher, "https://blog.example/")
    assert error.reason == "blocked_address"
    assert calls == []


@pytest.mark.parametrize("addresses", [[PUBLIC_IP], ["2606:2800:220:1:248:1893:25c8:1946"]])
def test_hosts_resolving_to_public_addresses_are_fetched(addresses: list[str]) -> None:
    fetcher = make_fetcher(ok, resolver=lambda h, p: addresses)
    assert fetcher.fetch("https://blog.example/").status == 200


def test_resolver_gets_host_and_default_port() -> None:
    asked: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return [PUBLIC_IP]

    fetcher = make_fetcher(ok, resolver=resolver)
    fetcher.fetch("https://blog.example/")
    fetcher.fetch("http://blog.example:8080/")
    assert asked == [("blog.example", 443), ("blog.example", 8080)]


def test_allow_hosts_exempts_a_host_or_one_port_of_it() -> None:
    private = lambda host, port: ["10.0.0.1"]  # noqa: E731
    by_host = make_fetcher(ok, resolver=private, allow_hosts=frozenset({"intranet.example"}))
    assert by_host.fetch("http://intranet.example:9000/").status == 200

    by_port = make_fetcher(ok, resolver=private, allow_hosts=frozenset({"intranet.example:8080"}))
    assert by_port.fetch("http://intranet.example:8080/").status == 200
    assert fetch_error(by_port, "http://intranet.example/").reason == "blocked_address"


def test_config_from_env_reads_allow_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TECHFEED_ALLOW_HOSTS", " 127.0.0.1:8000, Localhost ,")
    config = FetchConfig.from_env(retries=0)
    assert config.allow_hosts == frozenset({"127.0.0.1:8000", "localhost"})
    assert config.retries == 0
    monkeypatch.delenv("TECHFEED_ALLOW_HOSTS")
    assert FetchConfig.from_env().allow_hosts == frozenset()


# --- retries -----------------------------------------------------------------------------------


def test_5xx_is_retried_with_jittered_backoff() -> None:
    handler, calls = scripted(httpx.Response(500), httpx.Response(200, text="fine"))
    sleeps: list[float] = []
    response = make_fetcher(handler, sleeps).fetch("https://blog.example/")
    assert response.content == b"fine"
    assert response.requests == len(calls) == 2
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 0.5


def test_retries_exhausted_raise_the_last_status() -> None:
    handler, calls = scripted(httpx.Response(503))
    sleeps: list[float] = []
    error = fetch_error(make_fetcher(handler, sleeps, retries=2), "https://blog.example/")
    assert (error.reason, error.status) == ("http_status", 503)
    assert "503" in str(error)
    assert len(calls) == 3
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        ("7", 7, 7),
        ("120", 30, 30),  # capped at retry_after_cap
        ("in 10 s", 8, 10),  # an HTTP date ten seconds from when the test runs
        ("soon", 0, 0.5),  # unreadable: ordinary backoff
    ],
)
def test_429_honours_retry_after_within_the_cap(retry_after: str, low: float, high: float) -> None:
    if retry_after == "in 10 s":
        retry_after = format_datetime(datetime.now(UTC) + timedelta(seconds=10), usegmt=True)
    handler, _ = scripted(
        httpx.Response(429, headers={"retry-after": retry_after}), httpx.Response(200)
    )
    sleeps: list[float] = []
    make_fetcher(handler, sleeps).fetch("https://blog.example/")
    assert len(sleeps) == 1 and low <= sleeps[0] <= high


@pytest.mark.parametrize("status", [403, 404, 410])
def test_other_4xx_fail_at_once(status: int) -> None:
    handler, calls = scripted(httpx.Response(status))
    sleeps: list[float] = []
    error = fetch_error(make_fetcher(handler, sleeps), "https://blog.example/")
    assert (error.reason, error.status) == ("http_status", status)
    assert len(calls) == 1 and sleeps == []


def test_connection_errors_are_retried() -> None:
    handler, calls = scripted(httpx.ConnectError("refused"), httpx.Response(200))
    assert make_fetcher(handler).fetch("https://blog.example/").requests == 2
    handler, calls = scripted(httpx.ConnectError("refused"))
    error = fetch_error(make_fetcher(handler, retries=1), "https://blog.example/")
    assert error.reason == "connection" and len(calls) == 2


def test_read_timeouts_are_not_retried() -> None:
    handler, calls = scripted(httpx.ReadTimeout("slow"), httpx.Response(200))
    error = fetch_error(make_fetcher(handler), "https://blog.example/")
    assert error.reason == "timeout" and len(calls) == 1


# --- size cap and decompression ---------------------------------------------------------------


class Chunks(httpx.SyncByteStream):
    """A response body yielding chunks lazily, counting how many were taken."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.taken = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.taken += 1
            yield chunk


def streamed(body: bytes, content_encoding: str | None = None) -> httpx.Response:
    """A response whose body arrives as a stream, as from the network (not pre-read by httpx)."""
    headers = {"content-encoding": content_encoding} if content_encoding else {}
    return httpx.Response(200, headers=headers, stream=Chunks(iter([body])))


def gzip_of_zeros(megabytes: int) -> Iterator[bytes]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    for _ in range(megabytes):
        yield compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)
    yield compressor.flush()


def test_body_over_the_cap_is_refused() -> None:
    for respond in (
        lambda r: httpx.Response(200, content=bytes(1001)),
        lambda r: streamed(bytes(1001)),
    ):
        fetcher = make_fetcher(respond, max_bytes=1000)
        assert fetch_error(fetcher, "https://blog.example/").reason == "too_large"
    fetcher = make_fetcher(lambda r: streamed(bytes(1000)), max_bytes=1000)
    assert len(fetcher.fetch("https://blog.example/").content) == 1000


def test_endless_body_stops_at_the_cap() -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield bytes(64 * 1024)

    body = Chunks(endless())
    fetcher = make_fetcher(lambda r: httpx.Response(200, stream=body), max_bytes=1024 * 1024)
    assert fetch_error(fetcher, "https://blog.example/").reason == "too_large"
    assert body.taken == 17


def test_gzip_bomb_stops_early() -> None:
    body = Chunks(gzip_of_zeros(1024))  # 1 GiB of zeros once inflated
    fetcher = make_fetcher(
        lambda r: httpx.Response(200, headers={"content-encoding": "gzip"}, stream=body),
        max_bytes=1024 * 1024,
    )
    error = fetch_error(fetcher, "https://blog.example/")
    assert error.reason == "too_large"
    assert body.taken <= 2


def test_gzip_bomb_in_one_chunk_is_never_inflated_whole() -> None:
    bomb = b"".join(gzip_of_zeros(64))
    fetcher = make_fetcher(
        lambda r: streamed(bomb, content_encoding="gzip"),
        max_bytes=1024 * 1024,
    )
    tracemalloc.start()
    try:
        assert fetch_error(fetcher, "https://blog.example/").reason == "too_large"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw, as IIS sent
    ],
)
def test_compressed_bodies_are_inflated(coding: str, compress: Callable[[bytes], bytes]) -> None:
    page = "<p>배달의민족 기술 블로그</p>".encode() * 100
    wire = compress(page)
    fetcher = make_fetcher(lambda r: streamed(wire, content_encoding=coding))
    response = fetcher.fetch("https://blog.example/")
    assert response.content == page
    assert response.bytes_received == len(wire)


@pytest.mark.parametrize(("coding", "wire"), [("br", b"\x1b\x00"), ("gzip", b"not gzip at all")])
def test_undecodable_bodies_fail_cleanly(coding: str, wire: bytes) -> None:
    fetcher = make_fetcher(lambda r: streamed(wire, content_encoding=coding))
    error = fetch_error(fetcher, "https://blog.example/")
    assert error.reason == "connection"
    assert coding in str(error)


def test_trickling_body_is_cut_by_the_total_timeout() -> None:
    def trickle() -> Iterator[bytes]:
        while True:
            time.sleep(0.02)
            yield b"x"

    fetcher = make_fetcher(
        lambda r: httpx.Response(200, stream=Chunks(trickle())), total_timeout=0.2
    )
    started = time.monotonic()
    assert fetch_error(fetcher, "https://blog.example/").reason == "timeout"
    assert time.monotonic() - started < 1.0


# --- politeness --------------------------------------------------------------------------------


def test_per_host_concurrency_is_bounded() -> None:
    lock = threading.Lock()
    in_flight: Counter[str] = Counter()
    peak: Counter[str] = Counter()
    peak_total = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal peak_total
        host = request.url.host
        with lock:
            in_flight[host] += 1
            peak[host] = max(peak[host], in_flight[host])
            peak_total = max(peak_total, in_flight.total())
        time.sleep(0.05)
        with lock:
            in_flight[host] -= 1
        return httpx.Response(200)

    fetcher = make_fetcher(handler, per_host_concurrency=2)
    urls = [f"https://{host}/{i}" for i in range(6) for host in ("a.example", "b.example")]
    with ThreadPoolExecutor(max_workers=12) as pool:
        assert all(r.status == 200 for r in pool.map(fetcher.fetch, urls))
    assert peak == Counter({"a.example": 2, "b.example": 2})
    assert peak_total > 2  # the limit is per host, not global


def test_request_starts_to_one_host_are_spaced() -> None:
    sleeps: list[float] = []
    fetcher = make_fetcher(ok, sleeps, per_host_delay=0.25)
    fetcher.fetch("https://a.example/1")
    fetcher.fetch("https://b.example/1")
    assert sleeps == []
    fetcher.fetch("https://a.example/2")
    assert len(sleeps) == 1 and 0.2 < sleeps[0] <= 0.25


# --- robots.txt --------------------------------------------------------------------------------


def robots_site(robots: httpx.Response) -> tuple[Handler, Counter[str]]:
    hits: Counter[str] = Counter()

    def handler(request: httpx.Request) -> httpx.Response:
        hits[request.url.path] += 1
        return robots if request.url.path == "/robots.txt" else httpx.Response(200, text="page")

    return handler, hits


ROBOTS = "User-agent: *\nDisallow: /\n\nUser-agent: techfeed\nDisallow: /private\n"


def test_robots_disallow_is_enforced_and_robots_fetched_once() -> None:
    handler, hits = robots_site(httpx.Response(200, text=ROBOTS))
    fetcher = make_fetcher(handler)

    first = fetcher.fetch("https://blog.example/posts/1", check_robots=True)
    error = fetch_error(fetcher, "https://blog.example/private/2", check_robots=True)
    fetcher.fetch("https://blog.example/posts/3", check_robots=True)

    assert first.requests == 2  # robots.txt, then the page
    assert error.reason == "robots_disallowed"
    assert "robots.txt" in str(error)
    assert hits == Counter({"/robots.txt": 1, "/posts/1": 1, "/posts/3": 1})


def test_robots_for_everyone_applies_to_us() -> None:
    handler, _ = robots_site(httpx.Response(200, text="User-agent: *\nDisallow: /\n"))
    error = fetch_error(make_fetcher(handler), "https://blog.example/a", check_robots=True)
    assert error.reason == "robots_disallowed"


@pytest.mark.parametrize("status", [404, 500])
def test_missing_or_failing_robots_allows_all(status: int) -> None:
    handler, hits = robots_site(httpx.Response(status))
    fetcher = make_fetcher(handler, retries=0)
    assert fetcher.fetch("https://blog.example/a", check_robots=True).content == b"page"
    fetcher.fetch("https://blog.example/b", check_robots=True)
    assert hits["/robots.txt"] == 1


def test_feeds_skip_robots() -> None:
    handler, hits = robots_site(httpx.Response(200, text="User-agent: *\nDisallow: /\n"))
    assert make_fetcher(handler).fetch("https://blog.example/rss").status == 200
    assert hits == Counter({"/rss": 1})


# --- decode_html -------------------------------------------------------------------------------

KOREAN = (
    "우아한형제들 기술 블로그에서는 배달의민족 서비스를 만들며 겪은 경험을 공유합니다. "
    "대규모 트래픽을 안정적으로 처리하기 위한 아키텍처와 장애 대응 경험을 정리했습니다. "
    "똠방각하"  # 똠 is in cp949's extension: its bytes are not valid EUC-KR
)


def page(head: str = "") -> str:
    return f"<html><head>{head}<title>기술 블로그</title></head><body><p>{KOREAN}</p></body></html>"


def test_korean_sample_needs_cp949() -> None:
    with pytest.raises(UnicodeDecodeError):
        KOREAN.encode("cp949").decode("euc_kr")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (page().encode("cp949"), "text/html; charset=EUC-KR"),
        (page().encode("cp949"), 'text/html; charset="ks_c_5601-1987"'),
        (page().encode("cp949"), "text/html; charset=x-windows-949"),
        (page('<meta charset="euc-kr">').encode("cp949"), None),
        (
            page('<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=euc-kr">').encode(
                "cp949"
            ),
            "text/html",
        ),
        (page().encode("cp949"), None),  # no hint at all: detected
        (page().encode("cp949"), "text/html; charset=utf-8"),  # mislabelled
        (page('<meta charset="euc-kr">').encode("utf-8"), "text/html; charset=utf-8"),
        (codecs.BOM_UTF8 + page().encode("utf-8"), "text/html; charset=euc-kr"),
        (page().encode("utf-16"), "text/html; charset=euc-kr"),  # with its BOM
        (page().encode("utf-8"), "text/html; charset=x-bogus"),
        (page('<meta charset="base64">').encode("utf-8"), None),
    ],
)
def test_decode_html_reads_korean_pages(content: bytes, content_type: str | None) -> None:
    text = decode_html(content, content_type)
    assert KOREAN in text
    assert "\ufeff" not in text


def test_a_stray_bad_byte_does_not_overturn_the_declared_charset() -> None:
    content = page().encode("utf-8").replace(b"<p>", b"<p>\xff")
    text = decode_html(content, "text/html; charset=utf-8")
    assert KOREAN in text
    assert text.count("\ufffd") == 1


def _encoded_twice(text: str, codec: str) -> bytes:
    """text as a CMS that read its own UTF-8 as `codec` and saved it again writes it (the web's
    windows-1252: a byte cp1252 leaves undefined reads as the Latin-1 character)."""
    chars = []
    for byte in text.encode("utf-8"):
        try:
            chars.append(bytes([byte]).decode(codec))
        except UnicodeDecodeError:
            chars.append(chr(byte))
    return "".join(chars).encode("utf-8")


@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
def test_decode_html_repairs_text_its_site_encoded_twice(codec: str) -> None:
    original = f"<p>{KOREAN} — Investor’s guide, 카프카 컨슈머 랙</p>"
    text = decode_html(_encoded_twice(original, codec), "text/html; charset=utf-8")
    assert text == original


@pytest.mark.parametrize(
    "text",
    ["<p>Crème brûlée à São Paulo — ¿qué? «oui» naïve</p>", f"<p>{KOREAN} ¡Hola! Ãrea</p>"],
)
def test_decode_html_leaves_right_text_alone(text: str) -> None:
    assert decode_html(text.encode("utf-8"), "text/html; charset=utf-8") == text


@pytest.mark.parametrize("content", [b"", bytes(range(256)) * 4, b"\xff\xfe\x00"])
def test_decode_html_never_raises(content: bytes) -> None:
    assert isinstance(decode_html(content, "text/html; charset=nonsense"), str)


# --- the real transport, against 127.0.0.1 ----------------------------------------------------


class Site(http.server.BaseHTTPRequestHandler):
    stop = threading.Event()

    def do_GET(self) -> None:
        if self.path == "/page":
            body = gzip.compress(page().encode("cp949"))
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=euc-kr")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"x" * 10)
        self.wfile.flush()
        if self.path == "/trickle":
            while not self.stop.wait(0.02):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
        else:  # "/stall": some bytes, then nothing
            self.stop.wait(5)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    server.block_on_close = False
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    Site.stop.set()
    server.shutdown()
    server.server_close()


def real_fetcher(**config: Any) -> Fetcher:
    return Fetcher(FetchConfig(per_host_delay=0, **config))


@pytest.mark.integration
def test_real_fetch_of_an_allowed_local_host(site: str) -> None:
    with real_fetcher(allow_hosts=frozenset({site})) as fetcher:
        response = fetcher.fetch(f"http://{site}/page")
    assert response.status == 200
    assert KOREAN in response.text()
    assert response.bytes_received < len(response.content)  # gzip on the wire


@pytest.mark.integration
def test_real_fetch_of_loopback_is_refused_without_allow_hosts(site: str) -> None:
    with real_fetcher() as fetcher:
        error = fetch_error(fetcher, f"http://{site}/page")
    assert error.reason == "blocked_address"
    assert "127.0.0.1" in str(error)


@pytest.mark.integration
def test_real_transport_vets_the_address_it_connects_to(site: str) -> None:
    port = int(site.rsplit(":", 1)[1])
    to_loopback = lambda host, port: ["127.0.0.1"]  # noqa: E731
    with Fetcher(FetchConfig(per_host_delay=0), resolver=to_loopback) as fetcher:
        error = fetch_error(fetcher, f"http://blog.example:{port}/page")
    assert error.reason == "blocked_address"

    allowed = FetchConfig(per_host_delay=0, allow_hosts=frozenset({f"blog.example:{port}"}))
    with Fetcher(allowed, resolver=to_loopback) as fetcher:
        assert fetcher.fetch(f"http://blog.example:{port}/page").status == 200


@pytest.mark.integration
@pytest.mark.parametrize("path", ["/trickle", "/stall"])
def test_real_slow_responses_are_cut_at_the_total_timeout(site: str, path: str) -> None:
    with real_fetcher(
        allow_hosts=frozenset({site}), total_timeout=0.5, read_timeout=2.0, retries=0
    ) as fetcher:
        started = time.monotonic()
        error = fetch_error(fetcher, f"http://{site}{path}")
        elapsed = time.monotonic() - started
    assert error.reason == "timeout"
    assert 0.4 < elapsed < 1.5  # the read timeout alone would take 2 s for /stall
