"""Polite, guarded HTTP (does I/O): conditional GET, limits, retries, robots.txt, SSRF guard."""

from __future__ import annotations

import codecs
import contextlib
import contextvars
import email.utils
import ipaddress
import os
import random
import re
import socket
import ssl
import threading
import time
import urllib.robotparser
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, Self

import charset_normalizer
import httpcore
import httpx

FetchErrorReason = Literal[
    "blocked_address",
    "bad_scheme",
    "too_large",
    "timeout",
    "too_many_redirects",
    "http_status",
    "connection",
    "robots_disallowed",
    "invalid_url",
]
Resolver = Callable[[str, int], list[str]]

ROBOTS_AGENT = "techfeed"
_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,*/*;q=0.8"
)
# We inflate bodies ourselves in bounded steps (see _inflate), so we offer only what zlib decodes.
_ACCEPT_ENCODING = "gzip, deflate"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_INFLATE_STEP = 64 * 1024
# Connection-level failures worth another try. A read timeout is not: the server is up but slow,
# and waiting for it again would only burn the crawl's time; the next scheduled crawl retries.
_RETRYABLE_ERRORS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True)
class FetchConfig:
    """Limits and manners of the fetcher; built once per crawl."""

    user_agent: str = "techfeed/0.1 (+https://github.com/techfeed-kr/techfeed)"
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0  # wall clock for one HTTP request, body included
    max_bytes: int = 5 * 1024 * 1024  # counted after decompression
    max_redirects: int = 5
    retries: int = 2  # extra attempts after the first
    backoff_base: float = 0.5  # exponential backoff with full jitter
    retry_after_cap: float = 30.0
    per_host_concurrency: int = 2
    per_host_delay: float = 0.25  # min seconds between request starts to one host
    allow_hosts: frozenset[str] = frozenset()  # "host" or "host:port" exempt from the SSRF guard

    @classmethod
    def from_env(cls, **overrides: Any) -> FetchConfig:
        """Config with allow_hosts from TECHFEED_ALLOW_HOSTS (comma-separated host[:port])."""
        listed = os.environ.get("TECHFEED_ALLOW_HOSTS", "").split(",")
        allow_hosts = frozenset(h.strip().lower() for h in listed if h.strip())
        return cls(**{"allow_hosts": allow_hosts, **overrides})


@dataclass(frozen=True)
class FetchResponse:
    """A successful (2xx) or not-modified (304) response, body read and decompressed."""

    url: str  # final URL after redirects
    status: int
    content: bytes  # decompressed body; b"" for 304
    content_type: str | None
    etag: str | None  # for a 304 without validators, the ones we sent
    last_modified: str | None
    requests: int  # HTTP requests made, redirects, retries and robots.txt included
    bytes_received: int  # body bytes as received on the wire (before decompression)

    @property
    def not_modified(self) -> bool:
        """True when the server answered 304 to our validators."""
        return self.status == 304

    def text(self) -> str:
        """The body decoded as HTML would be (see decode_html)."""
        return decode_html(self.content, self.content_type)


class FetchError(Exception):
    """A fetch that failed: .reason is a short machine code, str() says what happened."""

    def __init__(
        self, reason: FetchErrorReason, message: str | None = None, *, status: int | None = None
    ) -> None:
        super().__init__(message or reason.replace("_", " "))
        self.reason: FetchErrorReason = reason
        self.status = status


def _resolve(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver, in its order of preference."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_public(address: str) -> bool:
    """True when an address is globally routable: not private, loopback, link-local, etc."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:
            return False
        # These carry an IPv4 address and reach that host; judge the IPv4 address.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            ip = embedded
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


class _Guard:
    """The SSRF guard: resolves a host and refuses it if any address is not public."""

    def __init__(self, allow_hosts: frozenset[str], resolver: Resolver) -> None:
        self._allow_hosts = frozenset(h.strip().lower() for h in allow_hosts)
        self._resolver = resolver

    def addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to; raises FetchError if blocked, OSError if unresolvable."""
        host = host.lower().strip("[]")
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = self._resolver(host, port)
        if not addresses:
            raise OSError(f"{host} has no address")
        netloc = f"[{host}]" if ":" in host else host
        if self._allow_hosts & {host, netloc, f"{netloc}:{port}"}:
            return addresses
        blocked = next((a for a in addresses if not _is_public(a)), None)
        if blocked is not None:
            raise FetchError(
                "blocked_address",
                f"refusing {netloc}:{port}: address {blocked} is not public "
                "(list the host in TECHFEED_ALLOW_HOSTS to allow it)",
            )
        return addresses


# The deadline of the request this thread is making; sockets never wait past it.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


def _within_deadline(timeout: float | None) -> float | None:
    """A socket timeout shrunk so that no single connect, read or write outlives the deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = max(deadline - time.monotonic(), 0.001)  # 0 would make the socket non-blocking
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes end at the current request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _within_deadline(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _within_deadline(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, _within_deadline(timeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Vets every TCP connect and dials the vetted address, so DNS rebinding cannot slip in."""

    def __init__(self, guard: _Guard) -> None:
        self._guard = guard
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self._guard.addresses(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        options = list(socket_options or ())

        def dial(address: str) -> httpcore.NetworkStream:
            stream = self._backend.connect_tcp(
                address, port, _within_deadline(timeout), local_address, options
            )
            return _DeadlineStream(stream)

        for address in addresses[:-1]:
            with contextlib.suppress(httpcore.ConnectError, httpcore.ConnectTimeout):
                return dial(address)
        return dial(addresses[-1])


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool rebuilt over the guarded network backend."""

    def __init__(self, guard: _Guard) -> None:
        ssl_context = httpx.create_ssl_context(trust_env=False)
        super().__init__(verify=ssl_context, trust_env=False)
        # HTTPTransport takes no network backend, so we replace its pool with one that has ours.
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(guard),
        )


class _HostGate:
    """One host's politeness: bounded requests in flight, spaced request starts."""

    def __init__(self, concurrency: int, delay: float, sleep: Callable[[float], None]) -> None:
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._next_start = 0.0
        self._delay = delay
        self._sleep = sleep

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Holds one of the host's slots, starting no sooner than the delay after the last start."""
        with self._slots:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start)
                self._next_start = start + self._delay
            if start > now:
                self._sleep(start - now)
            yield


@dataclass
class _Tally:
    """What one fetch call cost, across redirects, retries and robots.txt."""

    requests: int = 0
    wire_bytes: int = 0


@dataclass(frozen=True)
class _Reply:
    """One HTTP response, its body read only when it is a success."""

    status: int
    headers: httpx.Headers
    content: bytes = b""

    @property
    def location(self) -> str | None:
        """Where a redirect points, or None when this is not one."""
        return self.headers.get("location") if self.status in _REDIRECTS else None

    @property
    def final(self) -> bool:
        """True for the replies a fetch ends with rather than fails or retries on."""
        return 200 <= self.status < 300 or self.status == 304 or self.location is not None


class Fetcher:
    """Fetches URLs politely and safely; one per crawl, shared by the crawl's threads."""

    def __init__(
        self,
        config: FetchConfig | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config or FetchConfig()
        self._guard = _Guard(self._config.allow_hosts, resolver or _resolve)
        # Our own transport vets addresses as it connects; an injected one cannot, so we vet
        # each hop before sending instead (tests use this, with fake resolvers).
        self._precheck = transport is not None
        self._client = httpx.Client(
            transport=transport or _GuardedTransport(self._guard),
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=self._config.connect_timeout,
                read=self._config.read_timeout,
                write=self._config.read_timeout,
                pool=self._config.total_timeout,
            ),
        )
        self._sleep = sleep
        self._lock = threading.Lock()
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        user_agent: str | None = None,
        check_robots: bool = False,
    ) -> FetchResponse:
        """GETs url (conditionally when given validators); raises FetchError on any failure."""
        headers = self._headers(user_agent)
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        tally = _Tally()
        reply, final_url = self._follow(_parse_url(url), headers, tally, check_robots)
        not_modified = reply.status == 304
        return FetchResponse(
            url=str(final_url),
            status=reply.status,
            content=reply.content,
            content_type=reply.headers.get("content-type"),
            etag=reply.headers.get("etag") or (etag if not_modified else None),
            last_modified=reply.headers.get("last-modified")
            or (last_modified if not_modified else None),
            requests=tally.requests,
            bytes_received=tally.wire_bytes,
        )

    def close(self) -> None:
        """Closes the pooled connections."""
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _headers(self, user_agent: str | None) -> dict[str, str]:
        return {
            "User-Agent": user_agent or self._config.user_agent,
            "Accept": _ACCEPT,
            "Accept-Encoding": _ACCEPT_ENCODING,
        }

    def _follow(
        self, url: httpx.URL, headers: dict[str, str], tally: _Tally, check_robots: bool
    ) -> tuple[_Reply, httpx.URL]:
        """Requests url and the redirects it leads to; returns the last reply and its URL."""
        for _ in range(self._config.max_redirects + 1):
            if check_robots:
                self._check_robots(url, headers["User-Agent"], tally)
            reply = self._get(url, headers, tally)
            if reply.location is None:
                return reply, url
            url = _parse_url(reply.location, base=url)
        raise FetchError(
            "too_many_redirects", f"{url}: more than {self._config.max_redirects} redirects"
        )

    def _get(self, url: httpx.URL, headers: dict[str, str], tally: _Tally) -> _Reply:
        """One request, retried with backoff on connection failures, 429 and 5xx."""
        config = self._config
        attempt = 0
        while True:
            attempt += 1
            wait: float | None = None
            try:
                reply = self._send(url, headers, tally)
            except _RETRYABLE_ERRORS as exc:
                error = _transport_error(url, exc)
            except httpx.HTTPError as exc:
                raise _transport_error(url, exc) from exc
            else:
                if reply.final:
                    return reply
                error = FetchError(
                    "http_status", f"{url}: HTTP {reply.status}", status=reply.status
                )
                if reply.status != 429 and reply.status < 500:
                    raise error
                wait = _retry_after(reply.headers.get("retry-after"))
            if attempt > config.retries:
                raise error
            if wait is None:
                wait = random.uniform(0, config.backoff_base * 2 ** (attempt - 1))
            self._sleep(min(wait, config.retry_after_cap))

    def _send(self, url: httpx.URL, headers: dict[str, str], tally: _Tally) -> _Reply:
        """Makes one HTTP request within the host's politeness limits and the total deadline."""
        if self._precheck:
            try:
                self._guard.addresses(url.host, url.port or _DEFAULT_PORTS[url.scheme])
            except OSError as exc:
                raise httpx.ConnectError(f"cannot resolve {url.host}: {exc}") from exc
        with self._gate(url.host).slot():
            tally.requests += 1
            deadline = time.monotonic() + self._config.total_timeout
            token = _deadline.set(deadline)
            try:
                with self._client.stream("GET", url, headers=headers) as response:
                    if not 200 <= response.status_code < 300:
                        return _Reply(response.status_code, response.headers)
                    content = self._read_body(response, deadline, tally)
                    return _Reply(response.status_code, response.headers, content)
            finally:
                _deadline.reset(token)

    def _read_body(self, response: httpx.Response, deadline: float, tally: _Tally) -> bytes:
        """Streams and inflates the body, stopping at the size cap or the deadline."""
        limit = self._config.max_bytes
        url = response.url
        if response.is_stream_consumed:
            # A ready-made response from a mock transport: httpx has already read and decoded it.
            tally.wire_bytes += len(response.content)
            if len(response.content) > limit:
                raise FetchError("too_large", f"{url}: body exceeds {limit} bytes")
            return response.content
        encoding = response.headers.get("content-encoding", "").lower()
        codings = [c.strip() for c in encoding.split(",") if c.strip() not in ("", "identity")]
        declared = response.headers.get("content-length", "")
        if not codings and declared.isdigit() and int(declared) > limit:
            raise FetchError("too_large", f"{url}: body of {declared} bytes exceeds {limit}")

        def received() -> Iterator[bytes]:
            for chunk in response.iter_raw():
                tally.wire_bytes += len(chunk)
                # Read timeouts bound each wait; this bounds a server that trickles forever.
                if time.monotonic() > deadline:
                    raise FetchError("timeout", f"{url}: no complete response within the deadline")
                yield chunk

        chunks: Iterator[bytes] = received()
        for coding in reversed(codings):
            chunks = _inflate(chunks, coding, url)
        body = bytearray()
        for chunk in chunks:
            body += chunk
            if len(body) > limit:
                raise FetchError("too_large", f"{url}: body exceeds {limit} bytes")
        return bytes(body)

    def _gate(self, host: str) -> _HostGate:
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                config = self._config
                gate = _HostGate(config.per_host_concurrency, config.per_host_delay, self._sleep)
                self._gates[host] = gate
            return gate

    def _check_robots(self, url: httpx.URL, user_agent: str, tally: _Tally) -> None:
        """Raises FetchError if the origin's robots.txt (fetched once, then cached) forbids url."""
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        with self._lock:
            origin_lock = self._robots_locks.setdefault(origin, threading.Lock())
        with origin_lock:
            if origin not in self._robots:
                self._robots[origin] = self._fetch_robots(origin, user_agent, tally)
        rules = self._robots[origin]
        if rules is not None and not rules.can_fetch(ROBOTS_AGENT, str(url)):
            raise FetchError("robots_disallowed", f"{url}: disallowed by {origin}/robots.txt")

    def _fetch_robots(
        self, origin: str, user_agent: str, tally: _Tally
    ) -> urllib.robotparser.RobotFileParser | None:
        """The origin's robots.txt rules, or None (allow all) when it has none we can read."""
        try:
            reply, _ = self._follow(
                _parse_url(f"{origin}/robots.txt"), self._headers(user_agent), tally, False
            )
        except FetchError:
            # A 4xx means no rules (RFC 9309). For 5xx and failures RFC 9309 says to assume
            # disallow; we allow instead: a blog crawl is a handful of polite requests, and a
            # broken robots.txt should not silence a source. The page fetch will fail anyway if
            # the host is really down.
            return None
        rules = urllib.robotparser.RobotFileParser()
        rules.parse(reply.content.decode("utf-8", errors="replace").splitlines())
        return rules


def _parse_url(raw: str, base: httpx.URL | None = None) -> httpx.URL:
    """Parses (and resolves against base) a URL, accepting only absolute http(s) URLs."""
    try:
        url = base.join(raw) if base is not None else httpx.URL(raw)
    except httpx.InvalidURL as exc:
        raise FetchError("invalid_url", f"invalid URL {raw!r}: {exc}") from exc
    if not url.scheme:
        raise FetchError("invalid_url", f"invalid URL {raw!r}: not absolute")
    if url.scheme not in _DEFAULT_PORTS:
        raise FetchError("bad_scheme", f"refusing {raw!r}: only http and https are fetched")
    if not url.host:
        raise FetchError("invalid_url", f"invalid URL {raw!r}: no host")
    return url


def _transport_error(url: httpx.URL, exc: httpx.HTTPError) -> FetchError:
    if isinstance(exc, httpx.TimeoutException):
        return FetchError("timeout", f"{url}: timed out ({type(exc).__name__})")
    return FetchError("connection", f"{url}: connection failed: {exc or type(exc).__name__}")


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), if readable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _inflate(chunks: Iterable[bytes], coding: str, url: httpx.URL) -> Iterator[bytes]:
    """Decompresses lazily, a bounded step at a time, so a gzip bomb stops at the size cap."""
    if coding not in ("gzip", "x-gzip", "deflate"):
        raise FetchError("connection", f"{url}: unsupported Content-Encoding {coding!r}")
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib, told by the header
    started = False
    try:
        for chunk in chunks:
            data = chunk
            while data:
                try:
                    piece = inflater.decompress(data, _INFLATE_STEP)
                except zlib.error:
                    if started:
                        raise
                    # Some servers send raw deflate, without the zlib header the RFC asks for.
                    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    started = True
                    continue
                started = True
                data = inflater.unconsumed_tail
                if piece:
                    yield piece
        tail = inflater.flush()
        if tail:
            yield tail
    except zlib.error as exc:
        raise FetchError("connection", f"{url}: corrupt {coding} body ({exc})") from exc


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:+-]+)""", re.IGNORECASE)
# WHATWG labels for EUC-KR that Python does not know; like "euc-kr" itself we read them as cp949.
_EUC_KR_LABELS = frozenset(
    {
        "cseuckr",
        "csksc56011987",
        "iso-ir-149",
        "ks_c_5601-1989",
        "ksc_5601",
        "windows-949",
        "x-windows-949",
    }
)


# UTF-8 bytes read as Latin-1 or cp1252 and saved again: a lead byte's character (Â … ô)
# before a continuation byte's (a C1 control, or what cp1252 puts at 0x80–0x9F or 0xA0–0xBF).
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122]"
)


def decode_html(content: bytes, content_type: str | None) -> str:
    """Decodes a page by BOM, header charset, <meta> charset or detection, then repairs text
    that its own site encoded twice ("â€™" for ’, "ì¹´í”„ì¹´" for 카프카); never raises."""
    text = _decode(content, content_type)
    return _repaired(text) if _MOJIBAKE.search(text) else text


def _repaired(text: str) -> str:
    # Imported here: only the few pages with a telltale pay its ~50 ms import.
    import ftfy

    return ftfy.fix_encoding(text)


def _decode(content: bytes, content_type: str | None) -> str:
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content.decode(encoding, errors="replace")
    declared = [_codec(_header_charset(content_type)), _codec(_meta_charset(content))]
    for encoding in dict.fromkeys(e for e in declared if e):
        text = content.decode(encoding, errors="replace")
        # A few bad bytes (one broken paste) do not make a declared charset wrong; many do.
        if text.count("\ufffd") <= len(text) // 200:
            return text
    best = charset_normalizer.from_bytes(content).best()
    detected = _codec(best.encoding) if best else None
    fallback = next((e for e in declared if e), "utf-8")
    return content.decode(detected or fallback, errors="replace")


def _header_charset(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value
    return None


def _meta_charset(content: bytes) -> str | None:
    match = _META_CHARSET.search(content[:4096])
    return match.group(1).decode("ascii") if match else None


def _codec(label: str | None) -> str | None:
    """Python's text codec for a charset label (EUC-KR read as cp949), None if unknown."""
    label = (label or "").strip().strip("\"'").lower()
    if label in _EUC_KR_LABELS:
        return "cp949"
    try:
        name = codecs.lookup(label).name
        b"a".decode(name, errors="ignore")  # refuses codecs that are not text ones, like base64
    except (LookupError, ValueError):
        return None
    return "cp949" if name == "euc_kr" else name
