"""The local stand-in for EventBridge + SQS: crawl each due source on its interval."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from techfeed.models import CrawlResult, Source
from techfeed.schedule import due_sources
from techfeed.store import Store

log = logging.getLogger(__name__)


class Scheduler:
    """Every tick, crawl the due sources a few at a time, as dispatch + crawl do in AWS."""

    def __init__(
        self,
        sources: Sequence[Source],
        store: Store,
        crawl_one: Callable[[Source], CrawlResult],
        *,
        tick_seconds: float = 30.0,
        workers: int = 4,
        on_result: Callable[[CrawlResult], None] | None = None,
    ) -> None:
        self._sources = list(sources)
        self._store = store
        self._crawl_one = crawl_one
        self._tick = tick_seconds
        self._workers = workers
        self._on_result = on_result
        self._stop = threading.Event()

    def run_once(self, now: datetime | None = None) -> list[CrawlResult]:
        """Crawl every source that is due now; one failing source never stops the others."""
        states = self._store.get_states(s.id for s in self._sources).values()
        due = due_sources(self._sources, states, now or datetime.now(UTC))
        results: list[CrawlResult] = []
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            for result in pool.map(self._safe_crawl, due):
                if result is None:
                    continue
                results.append(result)
                if self._on_result is not None:
                    self._on_result(result)
        return results

    def _safe_crawl(self, source: Source) -> CrawlResult | None:
        if self._stop.is_set():
            return None  # shutting down: the source stays due for the next start
        try:
            return self._crawl_one(source)
        except Exception:
            if not self._stop.is_set():
                log.exception("crawl of %s failed unexpectedly", source.id)
            return None

    def run_forever(self) -> None:
        """Tick until stop() is called."""
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self._tick)

    def stop(self) -> None:
        """Ask run_forever to return once the crawls in flight end; the rest stay due."""
        self._stop.set()
