"""Secrets of the local stack, generated once into the state dir (I/O): cursor and token keys."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def state_secret(path: Path) -> str:
    """The secret in `path`, created (random, readable by the owner only) if missing."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process made it first; theirs is the one.
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    return value
