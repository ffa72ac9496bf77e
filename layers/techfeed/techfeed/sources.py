"""The registry of blogs: read a sources file and validate it into Source objects."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import yaml

from techfeed.models import Source

_FIELDS = (
    "id",
    "name",
    "homepage",
    "feed_url",
    "interval",
    "enabled",
    "user_agent",
    "full_content",
)
_REQUIRED = ("id", "name", "homepage", "feed_url")
_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# One fixed unit order so "2h30m" reads one way and "30m2h" or "1h1h" are typos, not sums.
_INTERVAL = re.compile(r"(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?")
_MIN_INTERVAL = 5 * 60
_MAX_INTERVAL = 7 * 24 * 60 * 60
_KINDS = {"dict": "a mapping", "list": "a list", "str": "a string", "NoneType": "nothing"}


class SourcesError(ValueError):
    """A sources file that cannot be read or breaks the registry's rules."""


def load_sources(path: str | Path | None = None) -> list[Source]:
    """Read and validate a sources file; None reads the packaged sources.yaml."""
    if path is None:
        text = resources.files("techfeed").joinpath("sources.yaml").read_text(encoding="utf-8")
        return parse_sources(text)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: cannot read: {exc}") from exc
    return parse_sources(text, origin=str(path))


def parse_sources(text: str, *, origin: str = "sources.yaml") -> list[Source]:
    """Parse sources YAML into Sources; any problem raises SourcesError naming entry and field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourcesError(f"{origin}: {_yaml_problem(exc)}") from None
    if not isinstance(data, dict):
        raise SourcesError(
            f'{origin}: top level must be a mapping with a "sources" list, got {_kind(data)}'
        )
    for key in data:
        if key != "sources":
            raise SourcesError(f"{origin}: {key}: unknown field; allowed: sources")
    if "sources" not in data:
        raise SourcesError(f"{origin}: sources: required field is missing")
    entries = data["sources"]
    if not isinstance(entries, list):
        raise SourcesError(f"{origin}: sources: must be a list, got {_kind(entries)}")
    sources: list[Source] = []
    index_of: dict[str, int] = {}
    for index, entry in enumerate(entries):
        source = _parse_entry(entry, f"{origin}: sources[{index}]")
        if source.id in index_of:
            raise SourcesError(
                f'{origin}: sources[{index}] (id "{source.id}"): id: '
                f"duplicate of sources[{index_of[source.id]}]"
            )
        index_of[source.id] = index
        sources.append(source)
    return sources


def parse_interval(value: str) -> timedelta:
    """Parse a duration like "15m", "1h", "2h30m", "1d" or "600s", between 5m and 7d."""
    match = _INTERVAL.fullmatch(value)
    if not value or match is None:
        raise ValueError(f'must be a duration like "30m", "1h" or "2h30m", got {_show(value)}')
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    # Bounds are checked on plain seconds: a huge "99999999999d" would overflow timedelta.
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    if not _MIN_INTERVAL <= total <= _MAX_INTERVAL:
        raise ValueError(f"must be between 5m and 7d, got {_show(value)}")
    return timedelta(seconds=total)


def _parse_entry(entry: object, where: str) -> Source:
    if not isinstance(entry, dict):
        raise SourcesError(f"{where}: must be a mapping, got {_kind(entry)}")
    if isinstance(entry.get("id"), str):
        where += f' (id "{entry["id"]}")'

    def fail(field: object, message: str) -> NoReturn:
        raise SourcesError(f"{where}: {field}: {message}") from None

    for field in entry:
        if field not in _FIELDS:
            fail(field, f"unknown field; allowed: {', '.join(_FIELDS)}")
    for field in _REQUIRED:
        if field not in entry:
            fail(field, "required field is missing")
    values: dict[str, Any] = {}
    for field, value in entry.items():
        try:
            values[field] = _CHECKS[field](value)
        except ValueError as exc:
            fail(field, str(exc))
    return Source(**values)


def _source_id(value: object) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValueError(f'must match {_ID.pattern} (like "kakao-pay"), got {_show(value)}')
    return value


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, got {_show(value)}")
    return value


def _http_url(value: object) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        not isinstance(value, str)
        or parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(char.isspace() for char in value)
    ):
        raise ValueError(f"must be an absolute http(s) URL, got {_show(value)}")
    return value


def _interval(value: object) -> timedelta:
    if not isinstance(value, str):
        raise ValueError(f'must be a duration like "30m", "1h" or "2h30m", got {_show(value)}')
    return parse_interval(value)


def _flag(value: object) -> bool:
    # YAML reads unquoted yes/no as booleans; a quoted "yes" or "false" is a string, and a
    # truthy string silently enabling a source is the mistake this refuses.
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {_show(value)}")
    return value


def _full_content(value: object) -> str:
    if value not in ("auto", "always", "never"):
        raise ValueError(f"must be one of auto, always, never, got {_show(value)}")
    return str(value)


def _user_agent(value: object) -> str:
    # A line break would end the User-Agent header early, so it is refused here, not by httpx.
    if not isinstance(value, str) or not value.strip() or "\n" in value or "\r" in value:
        raise ValueError(f"must be a non-empty single-line string, got {_show(value)}")
    return value


_CHECKS: dict[str, Callable[[object], Any]] = {
    "id": _source_id,
    "name": _text,
    "homepage": _http_url,
    "feed_url": _http_url,
    "interval": _interval,
    "enabled": _flag,
    "user_agent": _user_agent,
    "full_content": _full_content,
}


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return f"invalid YAML: {problem}"
    return f"line {mark.line + 1}, column {mark.column + 1}: invalid YAML: {problem}"


def _kind(value: object) -> str:
    return _KINDS.get(type(value).__name__, f"a {type(value).__name__}")


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
