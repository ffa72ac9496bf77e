"""A real `techfeed run --port 0 --no-schedule` for end-to-end tests, started and stopped."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


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
    try:
        assert process.stdout is not None
        banner = ""
        while "running" not in banner:
            line = process.stdout.readline()
            assert line, f"techfeed run ended:\n{banner}"
            banner += line
        url = re.search(r"API on (http://127\.0\.0\.1:\d+)", banner)
        assert url is not None, banner
        yield {"url": url.group(1), "banner": banner, "home": home, "env": env, "args": args}
    finally:
        process.terminate()
        process.wait(timeout=20)
