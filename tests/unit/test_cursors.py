"""Signed list cursors: round trip, and every way a cursor can be bad is an InvalidCursor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from techfeed.api.cursors import CursorCodec, InvalidCursor

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
POSITION = "2024-03-05T01:00:00Z#9f86d081884c7d65"
CODEC = CursorCodec(b"k" * 32, max_age=timedelta(hours=1))


def test_a_cursor_carries_its_position_back() -> None:
    cursor = CODEC.encode("articles", POSITION, NOW)

    assert CODEC.decode("articles", cursor, NOW + timedelta(minutes=59)) == POSITION
    assert "|" not in cursor and " " not in cursor


def _tamper(cursor: str) -> str:
    payload, mac = cursor.split(".")
    return f"{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{mac}"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda c: _tamper(c), "not issued"),
        (lambda c: CursorCodec(b"x" * 32).encode("articles", POSITION, NOW), "not issued"),
        (lambda c: c + "A", "not issued|malformed"),
        (lambda c: c + "==", "malformed"),
        (lambda c: "." + c, "malformed"),
        (lambda c: "garbage", "malformed"),
        (lambda c: "a.b.c", "malformed"),
        (lambda c: "%%%.###", "malformed"),
        (lambda c: "한글.한글", "malformed"),
        (lambda c: c * 20, "malformed"),
    ],
)
def test_forged_and_garbled_cursors_are_refused(make, reason: str) -> None:
    cursor = make(CODEC.encode("articles", POSITION, NOW))

    with pytest.raises(InvalidCursor, match=reason):
        CODEC.decode("articles", cursor, NOW)


def test_a_cursor_of_another_list_is_refused() -> None:
    cursor = CODEC.encode("bookmarks&user=alice", POSITION, NOW)

    with pytest.raises(InvalidCursor, match="not issued"):
        CODEC.decode("bookmarks&user=bob", cursor, NOW)


def test_a_stale_cursor_is_refused() -> None:
    cursor = CODEC.encode("articles", POSITION, NOW)

    with pytest.raises(InvalidCursor, match="expired"):
        CODEC.decode("articles", cursor, NOW + timedelta(hours=1, seconds=1))


def test_every_one_character_change_is_refused() -> None:
    """Base64 leaves spare bits in the last character: another character with the same
    meaningful bits must not pass as the same cursor."""
    cursor = CODEC.encode("articles", POSITION, NOW)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    accepted = []
    for i, original in enumerate(cursor):
        for char in alphabet.replace(original, ""):
            changed = cursor[:i] + char + cursor[i + 1 :]
            try:
                CODEC.decode("articles", changed, NOW)
            except InvalidCursor:
                continue
            accepted.append(changed)
    assert accepted == []
