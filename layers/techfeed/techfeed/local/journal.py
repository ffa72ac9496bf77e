"""A write-ahead journal for the embedded AWS: every acknowledged write, replayed on start."""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_HEADER = struct.Struct(">II")  # payload length, crc32 of payload


@dataclass(frozen=True)
class Request:
    """One HTTP request as the embedded AWS received it."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes

    def encode(self) -> bytes:
        """Serialize to one journal payload: a JSON header line, then the body."""
        head = {"m": self.method, "p": self.path, "q": self.query, "h": self.headers}
        return json.dumps(head, separators=(",", ":")).encode() + b"\n" + self.body

    @classmethod
    def decode(cls, payload: bytes) -> Request:
        """Parse one journal payload."""
        head_line, _, body = payload.partition(b"\n")
        head = json.loads(head_line)
        headers = [(str(k), str(v)) for k, v in head["h"]]
        return cls(head["m"], head["p"], head["q"], headers, body)


class Journal:
    """An append-only file of length-prefixed, checksummed records; fsync'd per append."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO | None = None

    def replay(self) -> Iterator[Request]:
        """Yield every complete record; a torn tail (a kill mid-write) is cut off the file."""
        if not self.path.exists():
            return
        good = 0
        with self.path.open("rb") as f:
            while True:
                header = f.read(_HEADER.size)
                if len(header) < _HEADER.size:
                    break
                length, crc = _HEADER.unpack(header)
                payload = f.read(length)
                if len(payload) < length or zlib.crc32(payload) != crc:
                    break
                good = f.tell()
                yield Request.decode(payload)
        if good != self.path.stat().st_size:
            with self.path.open("r+b") as f:
                f.truncate(good)

    def append(self, request: Request) -> None:
        """Write one record and make it durable before the write is acknowledged."""
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("ab")
        payload = request.encode()
        self._file.write(_HEADER.pack(len(payload), zlib.crc32(payload)) + payload)
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file; appends reopen it."""
        if self._file is not None:
            self._file.close()
            self._file = None
