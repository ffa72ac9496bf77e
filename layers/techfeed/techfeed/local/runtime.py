"""Wiring for the command line: a Store on the embedded (or deployed) AWS, a crawler, the stack."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from techfeed.local import StackUnavailable
from techfeed.models import CrawlResult, Source
from techfeed.store import Store

if TYPE_CHECKING:
    from techfeed.local.streams import StreamPump


@contextmanager
def local_stack(state_dir: Path, *, aws: bool = False, own: bool = False) -> Iterator[Store]:
    """A Store on the local stack in state_dir (or on the deployed stack when aws is set).

    With own=True this process must be the one serving state_dir (as `techfeed run` is);
    otherwise a running `techfeed run` is reused, or an embedded AWS is started for the duration.
    """
    if aws:
        missing = [
            name for name in ("TECHFEED_TABLE", "TECHFEED_BUCKET") if not os.environ.get(name)
        ]
        if missing:
            raise StackUnavailable(
                f"--aws needs {' and '.join(missing)}: the deployed stack's TableName and "
                "BucketName outputs (see docs/operations.md)"
            )
        yield Store.from_env()
        return
    from techfeed.local.aws import local_aws

    with local_aws(state_dir, own=own):
        yield Store.from_env()


def crawler(store: Store) -> Callable[[Source], CrawlResult]:
    """A function that crawls one source into store, sharing one polite Fetcher."""
    from techfeed.crawl import crawl_source
    from techfeed.fetch import FetchConfig, Fetcher

    fetcher = Fetcher(FetchConfig.from_env())

    def crawl_one(source: Source) -> CrawlResult:
        return crawl_source(source, store=store, fetcher=fetcher)

    return crawl_one


def keywords_pump() -> StreamPump:
    """The local stand-in for the keywords function's stream trigger: it invokes the handler."""
    from techfeed.local.invoke import invoke
    from techfeed.local.streams import stream_pump

    return stream_pump(lambda event: invoke("keywords", event))


def tag_new_articles(*, verbose: bool = False) -> int:
    """Deliver the new articles on the stream to the keywords handler once (no `techfeed run`)."""
    _quiet_handlers(verbose)
    # Handlers log to stdout, as Lambda expects; here stdout is for the command's own output.
    with contextlib.redirect_stdout(sys.stderr):
        return keywords_pump().drain()


def _quiet_handlers(verbose: bool) -> None:
    """Handlers run in-process print warnings only, and their metrics only when verbose."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO" if verbose else "WARNING")
    if not verbose:
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")


# The static web app in the repository (absent when the package is installed elsewhere).
WEB_DIR = Path(__file__).resolve().parents[4] / "web"
# How long stopping waits for crawls in flight (each bounded by the fetch timeouts).
SHUTDOWN_SECONDS = 60
SIGNAL_POLL_SECONDS = 0.5  # how often the waiting main thread looks for a signal


def run_stack(
    state_dir: Path,
    sources: Sequence[Source],
    *,
    sources_file: Path | None,
    port: int,
    schedule: bool,
    verbose: bool,
    stop: threading.Event,
    on_result: Callable[[CrawlResult], None],
) -> None:
    """`techfeed run`: embedded AWS, the API behind the gateway shim, the scheduler, the tagger.

    The tagger is the stream pump: it gives new articles their keywords, as the keywords
    function does in AWS.

    Returns when stop is set (or on KeyboardInterrupt), after letting crawls in flight end.
    """
    from techfeed.local.gateway import Gateway
    from techfeed.local.invoke import invoke
    from techfeed.local.scheduler import Scheduler
    from techfeed.local.secrets import state_secret
    from techfeed.local.tokens import DevTokens

    # What template.yaml gives the API function in AWS, for the handler to read at import.
    if sources_file is not None:
        os.environ["TECHFEED_SOURCES_FILE"] = str(sources_file.resolve())
    os.environ.setdefault("TECHFEED_CORS_ORIGINS", "*")
    _quiet_handlers(verbose)
    with local_stack(state_dir, own=True) as store:
        print(f"techfeed: state in {state_dir.resolve()}", flush=True)
        tokens = DevTokens(state_secret(state_dir / "token.key"))
        web = WEB_DIR if WEB_DIR.is_dir() else None
        gateway = Gateway(lambda event: invoke("api", event), tokens, port=port, web_dir=web)
        url = gateway.start()
        print(f"techfeed: API on {url} (docs: {url}/docs, OpenAPI: {url}/openapi.json)")
        if web is not None:
            print(f"techfeed: web app on {url}/")
        print(f'techfeed: dev token: curl -X POST {url}/dev/token -d \'{{"user": "alice"}}\'')
        scheduler = Scheduler(sources, store, crawler(store), on_result=on_result)
        worker = threading.Thread(target=scheduler.run_forever, daemon=True)
        if schedule:
            worker.start()
            print(f"techfeed: crawling {sum(s.enabled for s in sources)} sources on schedule")
        stop_tagging = threading.Event()
        tagger = threading.Thread(target=keywords_pump().run, args=(stop_tagging,), daemon=True)
        tagger.start()
        print("techfeed: tagging new articles from the table's stream")
        print("techfeed: running; Ctrl-C to stop", flush=True)
        try:
            # Waking now and then runs the SIGTERM handler: the kernel may deliver the signal to
            # any thread, and a main thread blocked in an untimed wait would never run it.
            while not stop.wait(timeout=SIGNAL_POLL_SECONDS):
                pass
        finally:
            gateway.stop()
            scheduler.stop()
            stop_tagging.set()
            if worker.is_alive():
                print("techfeed: stopping; letting crawls in flight finish", flush=True)
                with contextlib.suppress(KeyboardInterrupt):
                    worker.join(timeout=SHUTDOWN_SECONDS)
            with contextlib.suppress(KeyboardInterrupt):
                tagger.join(timeout=SHUTDOWN_SECONDS)
