"""Tests for techfeed.sources: the packaged registry, validation errors, intervals."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from techfeed.models import Source
from techfeed.sources import SourcesError, load_sources, parse_interval, parse_sources

REQUIRED_IDS = {
    "naver-d2",
    "kakao",
    "line",
    "coupang",
    "woowahan",
    "toss",
    "daangn",
    "kakaobank",
    "kakaopay",
    "socar",
    "yanolja",
    "musinsa",
    "hyperconnect",
    "kurly",
    "banksalad",
    "nhn-cloud",
    "29cm",
    "watcha",
    "ab180",
}

TOSS = """\
sources:
  - id: toss
    name: 토스 (Toss)
    homepage: https://toss.tech
    feed_url: https://toss.tech/rss.xml
"""
KURLY = """\
  - id: kurly
    name: 컬리 (Kurly)
    homepage: https://helloworld.kurly.com
    feed_url: https://helloworld.kurly.com/rss.xml
"""


def toss(old: str = "", new: str = "") -> str:
    """The valid one-entry file with one piece of text replaced (or a line appended)."""
    if not old:
        return TOSS + new
    assert old in TOSS
    return TOSS.replace(old, new)


# --- the packaged registry ------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> list[Source]:
    return load_sources()


def test_registry_is_large_with_unique_ids(registry: list[Source]) -> None:
    ids = [source.id for source in registry]
    assert len(ids) >= 25
    assert len(set(ids)) == len(ids)


def test_registry_has_required_companies(registry: list[Source]) -> None:
    assert {source.id for source in registry} >= REQUIRED_IDS


def test_registry_naver_d2_uses_its_atom_feed(registry: list[Source]) -> None:
    naver = next(source for source in registry if source.id == "naver-d2")
    assert naver.feed_url == "https://d2.naver.com/d2.atom"


def test_registry_medium_blogs_never_fetch_pages(registry: list[Source]) -> None:
    medium = [source for source in registry if "medium.com/" in source.feed_url]
    assert len(medium) >= 5
    assert [s.id for s in medium if s.full_content != "always"] == []


def test_registry_names_are_korean_with_english_in_parentheses(registry: list[Source]) -> None:
    # A name without Hangul (29CM, LG CNS) is the same in both languages.
    bad = [
        source.name
        for source in registry
        if re.search(r"[가-힣]", source.name) and not re.fullmatch(r".+ \([^()]+\)", source.name)
    ]
    assert bad == []


# --- valid input ----------------------------------------------------------------------------


def test_defaults_apply_when_optional_fields_are_absent() -> None:
    assert parse_sources(toss()) == [
        Source(
            id="toss",
            name="토스 (Toss)",
            homepage="https://toss.tech",
            feed_url="https://toss.tech/rss.xml",
        )
    ]


def test_optional_fields_are_read() -> None:
    text = toss(
        new='    interval: 2h30m\n    enabled: false\n    user_agent: "Bot/1.0"\n'
        "    full_content: never\n"
    )
    [source] = parse_sources(text)
    assert source.interval == timedelta(hours=2, minutes=30)
    assert source.enabled is False
    assert source.user_agent == "Bot/1.0"
    assert source.full_content == "never"


def test_entries_keep_file_order() -> None:
    assert [s.id for s in parse_sources(toss() + KURLY)] == ["toss", "kurly"]


def test_empty_list_is_an_empty_registry() -> None:
    assert parse_sources("sources: []\n") == []


def test_load_sources_reads_a_given_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(toss(), encoding="utf-8")
    assert [s.id for s in load_sources(path)] == ["toss"]
    assert [s.id for s in load_sources(str(path))] == ["toss"]


# --- invalid input: yaml -> a piece of the error message ------------------------------------

BAD = [
    # the file's shape
    ("- id: toss\n", 'top level must be a mapping with a "sources" list, got a list'),
    ("", "top level must be a mapping"),
    ("{}\n", "sources.yaml: sources: required field is missing"),
    (toss() + "extra: 1\n", "sources.yaml: extra: unknown field; allowed: sources"),
    ("sources: {id: toss}\n", "sources: must be a list, got a mapping"),
    ("sources:\n", "sources: must be a list, got nothing"),
    ("sources:\n  - toss\n", "sources.yaml: sources[0]: must be a mapping, got a string"),
    # YAML syntax, reported with its line
    (toss("name: 토스 (Toss)", "name: [토스"), "sources.yaml: line 4, column 13: invalid YAML"),
    ("sources:\n  - id: toss\n   name: x\n", "line 3"),
    # required fields
    (toss("id: toss\n    ", ""), "sources[0]: id: required field is missing"),
    (
        toss("    name: 토스 (Toss)\n", ""),
        'sources[0] (id "toss"): name: required field is missing',
    ),
    (toss("    homepage: https://toss.tech\n", ""), "homepage: required field is missing"),
    (toss("    feed_url: https://toss.tech/rss.xml\n", ""), "feed_url: required field is missing"),
    # id
    (toss("id: toss", "id: Toss"), 'id: must match [a-z0-9]+(-[a-z0-9]+)* (like "kakao-pay")'),
    (toss("id: toss", "id: toss-"), 'got "toss-"'),
    (toss("id: toss", "id: toss--tech"), 'got "toss--tech"'),
    (toss("id: toss", "id: toss_tech"), 'got "toss_tech"'),
    (toss("id: toss", "id: 토스"), 'got "토스"'),
    (toss("id: toss", "id: 42"), "sources[0]: id: must match"),
    (toss() + KURLY + TOSS[9:], 'sources[2] (id "toss"): id: duplicate of sources[0]'),
    # name
    (toss("name: 토스 (Toss)", 'name: ""'), 'name: must be a non-empty string, got ""'),
    (toss("name: 토스 (Toss)", 'name: "  "'), "name: must be a non-empty string"),
    (toss("name: 토스 (Toss)", "name: 7"), "name: must be a non-empty string, got 7"),
    # URLs
    (toss("https://toss.tech/rss.xml", "toss.tech/rss"), 'got "toss.tech/rss"'),
    (toss("https://toss.tech/rss.xml", "/rss.xml"), "feed_url: must be an absolute http(s) URL"),
    (toss("https://toss.tech/rss.xml", "ftp://toss.tech/rss"), "feed_url: must be an absolute"),
    (toss("https://toss.tech/rss.xml", "file:///etc/passwd"), "feed_url: must be an absolute"),
    (toss("https://toss.tech/rss.xml", "https://"), "feed_url: must be an absolute"),
    (toss("https://toss.tech/rss.xml", '"https://toss.tech/a b"'), "feed_url: must be an"),
    (toss("https://toss.tech/rss.xml", "[]"), "feed_url: must be an absolute http(s) URL, got []"),
    (toss("homepage: https://toss.tech", "homepage: toss.tech"), "homepage: must be an absolute"),
    # interval
    (toss(new="    interval: soon\n"), 'interval: must be a duration like "30m"'),
    (toss(new="    interval: 3600\n"), "interval: must be a duration like"),
    (toss(new="    interval: 30m2h\n"), "interval: must be a duration like"),
    (toss(new="    interval: 1m\n"), 'interval: must be between 5m and 7d, got "1m"'),
    (toss(new="    interval: 8d\n"), "interval: must be between 5m and 7d"),
    # enabled
    (toss(new='    enabled: "yes"\n'), 'enabled: must be true or false, got "yes"'),
    (toss(new='    enabled: "false"\n'), "enabled: must be true or false"),
    (toss(new="    enabled: 1\n"), "enabled: must be true or false, got 1"),
    # full_content
    (toss(new="    full_content: sometimes\n"), "full_content: must be one of auto, always, never"),
    (toss(new="    full_content: true\n"), "full_content: must be one of"),
    # user_agent
    (toss(new='    user_agent: ""\n'), "user_agent: must be a non-empty single-line string"),
    (toss(new="    user_agent: 5\n"), "user_agent: must be a non-empty single-line string"),
    (toss(new='    user_agent: "a\\r\\nX-Evil: 1"\n'), "user_agent: must be a non-empty single"),
    # unknown fields: typos are named, with what is allowed
    (
        toss("feed_url:", "feed_ulr:"),
        "feed_ulr: unknown field; allowed: id, name, homepage, feed_url, interval, enabled, "
        "user_agent, full_content",
    ),
    (toss(new="    intervall: 1h\n"), 'sources[0] (id "toss"): intervall: unknown field'),
    # the failing entry is named by its index even when earlier ones are fine
    (toss() + KURLY.replace("kurly.com/rss", "kurly.com rss"), 'sources[1] (id "kurly"): feed'),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_input_names_entry_and_field(text: str, expected: str) -> None:
    with pytest.raises(SourcesError) as caught:
        parse_sources(text)
    assert expected in str(caught.value)
    assert str(caught.value).startswith("sources.yaml: ")


def test_error_message_in_full() -> None:
    text = toss() + KURLY + toss("https://toss.tech/rss.xml", "toss.tech/rss")[9:]
    with pytest.raises(SourcesError) as caught:
        parse_sources(text)
    assert str(caught.value) == (
        'sources.yaml: sources[2] (id "toss"): feed_url: '
        'must be an absolute http(s) URL, got "toss.tech/rss"'
    )


def test_errors_name_the_file_they_come_from(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(toss("id: toss", "id: Toss"), encoding="utf-8")
    with pytest.raises(SourcesError, match=rf"^{re.escape(str(path))}: sources\[0\]"):
        load_sources(path)


def test_unreadable_file_is_a_sources_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(SourcesError, match=rf"^{re.escape(str(missing))}: cannot read"):
        load_sources(missing)


# --- intervals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        ("2h30m", timedelta(hours=2, minutes=30)),
        ("1d", timedelta(days=1)),
        ("1d6h", timedelta(days=1, hours=6)),
        ("600s", timedelta(minutes=10)),
        ("90m", timedelta(minutes=90)),
        ("5m", timedelta(minutes=5)),
        ("4m60s", timedelta(minutes=5)),
        ("7d", timedelta(days=7)),
        ("1h0m0s", timedelta(hours=1)),
    ],
)
def test_parse_interval(text: str, expected: timedelta) -> None:
    assert parse_interval(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "1", "h", "1x", "1.5h", "-1h", "1h 30m", " 1h", "30m2h", "1h1h", "1H", "٣h", "h1"],
)
def test_parse_interval_rejects_bad_syntax(text: str) -> None:
    with pytest.raises(ValueError, match="must be a duration like"):
        parse_interval(text)


@pytest.mark.parametrize("text", ["90s", "0h", "4m59s", "7d1s", "8d", "99999999999999999999d"])
def test_parse_interval_rejects_out_of_range(text: str) -> None:
    with pytest.raises(ValueError, match="must be between 5m and 7d"):
        parse_interval(text)
