"""A real `techfeed run --port 0 --no-schedule` for end-to-end tests, started and stopped."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from techfeed.local.runtime import local_stack
from techfeed.models import Article


@contextmanager
def running_stack(home: Path, sources_yaml: str, allow_host: str) -> Iterator[dict[str, Any]]:
    """Write the sources file under home, start the stack on a free port, stop it at exit.

    Yields url (the API and web app), banner (what `run` printed up to "running"), home, env
    (with TECHFEED_ALLOW_HOSTS) and args (--sources-file and --state-dir, for other commands).
    """
    (home / "sources.yaml").write_text(sources_yaml)
    env = {**os.environ, "TECHFEED_ALLOW_HOSTS": allow_host}
    args = ["--sources-file", str(home / "sources.yaml"), "--state-dir", str(home / "state")]
    process = subprocess.Popen(
        [sys.executable, "-m", "techfeed", "run", "--port", "0", "--no-schedule", *args],
        env=env,
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log: deque[str] | None = None
    try:
        assert process.stdout is not None
        banner = ""
        while "running" not in banner:
            line = process.stdout.readline()
            assert line, f"techfeed run ended:\n{banner}"
            banner += line
        url = re.search(r"API on (http://127\.0\.0\.1:\d+)", banner)
        assert url is not None, banner
        # Keep reading what it logs: a full pipe would block the server mid-request.
        log = deque(maxlen=200)
        threading.Thread(target=log.extend, args=(process.stdout,), daemon=True).start()
        yield {"url": url.group(1), "banner": banner, "home": home, "env": env, "args": args}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            tail = "".join(log) if log is not None else ""
            message = f"techfeed run did not stop on SIGTERM; its last lines:\n{tail}"
            raise AssertionError(message) from None


def seed(state_dir: Path, articles: list[Article], content_html: str = "<p>본문</p>") -> None:
    """Store articles, each with content_html as its body, as a crawl would (embedded AWS)."""
    saved = dict(os.environ)
    try:
        with local_stack(state_dir) as store:
            for article in articles:
                store.save_article(article, content_html=content_html, raw_html=None)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def toss(n: int, published_at: datetime) -> Article:
    """The n-th article of a "toss" source that is never crawled."""
    return Article(
        article_id=f"{n:016x}",
        source_id="toss",
        canonical_url=f"https://toss.tech/article/{n}",
        url=f"https://toss.tech/article/{n}",
        title=f"토스 글 {n}",
        published_at=published_at,
        fetched_at=published_at,
        summary=f"요약 {n}",
    )
