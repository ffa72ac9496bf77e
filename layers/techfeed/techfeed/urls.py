"""Canonical article URLs (tracking parameters stripped) and the article ids derived from them."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_hsenc",
        "_hsmkt",
        "yclid",
        "ref_src",
    }
)
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters that may stand literally in a path or query; everything else is percent-encoded.
_ALLOWED = _UNRESERVED | frozenset(":/?#[]@!$&'()*+,;=")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def canonical_url(url: str, base: str | None = None) -> str:
    """Return the canonical form of an http(s) URL, resolved against ``base`` when relative.

    Scheme and host are lower-cased (non-ASCII hosts IDNA-encoded), the default port and the
    fragment dropped, tracking query parameters removed (others keep their order), an empty
    path becomes "/", and percent-encoding is normalised: upper-case hex, unreserved characters
    decoded, non-ASCII and other unsafe characters encoded as UTF-8. Nothing else changes: path
    case, trailing slashes and dot segments stay as given. Raises ValueError for anything that
    is not an absolute http(s) URL with a host.
    """
    raw = url.strip()
    if base:
        raw = urljoin(base.strip(), raw)
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid URL {url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if not scheme:
        raise ValueError(f"not an absolute URL: {url!r}")
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {url!r}")
    userinfo, at, _ = parts.netloc.rpartition("@")
    netloc = userinfo + at + _host(parts.hostname, url)
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = _normalise_escapes(parts.path) or "/"
    query = "&".join(
        _normalise_escapes(param)
        for param in parts.query.split("&")
        if param and not _is_tracking(param)
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def article_id(canonical: str) -> str:
    """Return the article id for a canonical URL: the first 16 hex digits (64 bits) of its SHA-256.

    Pass the output of canonical_url, so every variant of one article shares one id; 64 bits keep
    accidental collisions negligible for any realistic number of articles.
    """
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def resolve_link(href: str, *bases: str | None) -> str | None:
    """Resolve a possibly relative link against the first usable absolute http(s) base.

    Returns None when no absolute http(s) URL (one that canonical_url accepts) can be made.
    """
    link = href.strip()
    if not link:
        return None
    if _is_web_url(link):
        return link
    if _SCHEME.match(link):  # mailto:, javascript:, tag:, ... never lead to a web page
        return None
    for base in bases:
        if base and _is_web_url(base):
            joined = urljoin(base.strip(), link)
            if _is_web_url(joined):
                return joined
    return None


def _is_web_url(url: str) -> bool:
    try:
        canonical_url(url)
    except ValueError:
        return False
    return True


def _host(hostname: str, url: str) -> str:
    if ":" in hostname:  # IPv6 literal; urlsplit strips its brackets
        return f"[{hostname}]"
    try:
        return hostname.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"invalid host in URL {url!r}") from exc


def _is_tracking(param: str) -> bool:
    key, _, value = param.partition("=")
    name = unquote_plus(key).lower()
    if name.startswith("utm_") or name in _TRACKING_PARAMS:
        return True
    # Medium appends ?source=rss----<publication id>---4 to every link in its feeds.
    return name == "source" and unquote_plus(value).lower().startswith("rss")


def _normalise_escapes(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        match = _PERCENT.match(text, i)
        if match:
            char = chr(int(match.group(1), 16))
            out.append(char if char in _UNRESERVED else f"%{match.group(1).upper()}")
            i += 3
            continue
        char = text[i]
        if char in _ALLOWED:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
        i += 1
    return "".join(out)
