"""Opaque list cursors: a position in a list, signed with HMAC so a forged one is refused.

A cursor is "<payload>.<mac>", both base64url: the payload is "1|<issued epoch s>|<position>"
and the MAC covers the list's scope too, so a cursor of one list (say alice's bookmarks, or
the articles of one source) is refused by every other list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_VERSION = "1"
_MAC_BYTES = 16
MAX_CURSOR_CHARS = 512


class InvalidCursor(ValueError):
    """A cursor that is garbled, forged, of another list, or too old."""


@dataclass(frozen=True)
class CursorCodec:
    """Signs positions into cursors and checks cursors back into positions."""

    secret: bytes
    max_age: timedelta = timedelta(days=1)

    def encode(self, scope: str, position: str, now: datetime | None = None) -> str:
        """The cursor for `position` in the list named by `scope`."""
        issued = int((now or datetime.now(UTC)).timestamp())
        payload = f"{_VERSION}|{issued}|{position}".encode()
        return f"{_b64(payload)}.{_b64(self._mac(scope, payload))}"

    def decode(self, scope: str, cursor: str, now: datetime | None = None) -> str:
        """The position a cursor of this list stands for; InvalidCursor otherwise."""
        if len(cursor) > MAX_CURSOR_CHARS or cursor.count(".") != 1:
            raise InvalidCursor("malformed cursor")
        encoded_payload, encoded_mac = cursor.split(".")
        try:
            payload = _unb64(encoded_payload)
            mac = _unb64(encoded_mac)
        except (binascii.Error, ValueError):
            raise InvalidCursor("malformed cursor") from None
        if not hmac.compare_digest(mac, self._mac(scope, payload)):
            raise InvalidCursor("cursor not issued for this list")
        version, issued, position = payload.decode().split("|", 2)
        if version != _VERSION:
            raise InvalidCursor("cursor of an older version")
        age = (now or datetime.now(UTC)) - datetime.fromtimestamp(int(issued), UTC)
        if age > self.max_age:
            raise InvalidCursor("cursor expired; start again from the first page")
        return position

    def _mac(self, scope: str, payload: bytes) -> bytes:
        message = scope.encode() + b"\n" + payload
        return hmac.new(self.secret, message, hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """The bytes of unpadded base64url text written by _b64, and of no other spelling: a
    changed last character that decodes to the same bytes is refused as any change is."""
    if not text.isascii():
        raise ValueError("not base64url")
    data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    if _b64(data) != text:
        raise ValueError("not the canonical base64url of its bytes")
    return data
