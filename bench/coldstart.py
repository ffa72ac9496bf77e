"""Cold start: each Lambda handler imported in a fresh interpreter, beside `import boto3` alone.

    .venv/bin/python bench/coldstart.py [--runs 7]

Each figure is the median over --runs fresh interpreters of the time to import the handler module
(what Lambda's init phase pays before the first event), measured inside the child process, so
interpreter start-up itself is excluded. The baseline, `import boto3`, is what every function
pays anyway. Heavy third-party packages each handler pulls in are listed, to catch an import that
leaks into the wrong function (lxml, readability or kiwipiepy in the API, say).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WATCHED = (
    "boto3",
    "pynamodb",
    "pydantic",
    "httpx",
    "feedparser",
    "lxml",
    "readability",
    "nh3",
    "kiwipiepy",
)
ENV = {
    "TECHFEED_TABLE": "techfeed",
    "TECHFEED_BUCKET": "techfeed",
    "TECHFEED_CURSOR_SECRET": "bench",
    "TECHFEED_QUEUE_URL": "http://127.0.0.1/queue",
    "AWS_DEFAULT_REGION": "ap-northeast-2",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "techfeed",
}
CHILD = """
import json, sys, time
started = time.perf_counter()
{statement}
elapsed = time.perf_counter() - started
watched = {watched!r}
print(json.dumps({{"seconds": elapsed, "modules": sorted(m for m in watched if m in sys.modules)}}))
"""


def measure(statement: str, cwd: Path, runs: int) -> tuple[float, list[str]]:
    """Median seconds of `statement` in fresh interpreters, and the watched modules it loaded."""
    seconds: list[float] = []
    modules: list[str] = []
    env = {**os.environ, **ENV, "PYTHONPATH": str(cwd)}
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", CHILD.format(statement=statement, watched=WATCHED)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        seconds.append(result["seconds"])
        modules = result["modules"]
    return statistics.median(seconds), modules


def main() -> None:
    """Print one row per handler module and the baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rows = [("import boto3 (baseline)", "import boto3", ROOT)]
    for directory in sorted(
        p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()
    ):
        rows.append((f"functions/{directory}/app.py", "import app", ROOT / "functions" / directory))
    baseline = 0.0
    print(f"median of {args.runs} fresh interpreters")
    print(f"{'module':<28} {'import ms':>10} {'x boto3':>8}  heavy packages loaded")
    for label, statement, cwd in rows:
        seconds, modules = measure(statement, cwd, args.runs)
        baseline = baseline or seconds
        print(
            f"{label:<28} {seconds * 1000:>10.0f} {seconds / baseline:>8.2f}  {', '.join(modules)}"
        )


if __name__ == "__main__":
    main()
