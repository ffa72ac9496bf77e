"""When sources are due, and how far a failing source backs off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from techfeed.models import Source, SourceState
from techfeed.schedule import MAX_BACKOFF, backoff, due_sources, is_due

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _source(sid: str, *, enabled: bool = True, interval: timedelta = timedelta(hours=1)) -> Source:
    return Source(
        sid, sid, "https://x.kr/", "https://x.kr/feed", interval=interval, enabled=enabled
    )


@pytest.mark.parametrize(
    ("failures", "expected"),
    [
        (1, timedelta(hours=2)),
        (2, timedelta(hours=4)),
        (4, timedelta(hours=16)),
        (5, MAX_BACKOFF),
        (400, MAX_BACKOFF),
    ],
)
def test_backoff_doubles_per_failure_and_is_capped(failures: int, expected: timedelta) -> None:
    assert backoff(timedelta(hours=1), failures) == expected


def test_a_source_slower_than_the_cap_keeps_its_own_interval() -> None:
    assert backoff(timedelta(days=2), 3) == timedelta(days=2)


def test_never_crawled_and_overdue_sources_are_due_but_disabled_ones_never() -> None:
    assert is_due(_source("a"), None, NOW)
    assert is_due(_source("a"), SourceState("a", next_due_at=NOW), NOW)
    assert not is_due(_source("a"), SourceState("a", next_due_at=NOW + timedelta(seconds=1)), NOW)
    assert not is_due(_source("a", enabled=False), None, NOW)


def test_due_sources_come_most_overdue_first() -> None:
    sources = [_source("later"), _source("new"), _source("waiting"), _source("off", enabled=False)]
    states = [
        SourceState("later", next_due_at=NOW - timedelta(minutes=1)),
        SourceState("waiting", next_due_at=NOW - timedelta(hours=3)),
        SourceState("future", next_due_at=NOW + timedelta(hours=1)),
    ]
    assert [s.id for s in due_sources(sources, states, NOW)] == ["new", "waiting", "later"]


class _States:
    """The one Store method the scheduler reads."""

    def __init__(self, states: list[SourceState]) -> None:
        self.states = states

    def get_states(self, source_ids: object) -> dict[str, SourceState]:
        return {state.source_id: state for state in self.states}


def test_the_local_scheduler_crawls_due_sources_and_survives_a_crashing_one() -> None:
    from techfeed.local.scheduler import Scheduler
    from techfeed.models import CrawlResult, CrawlStatus

    crawled: list[str] = []

    def crawl_one(source: Source) -> CrawlResult:
        crawled.append(source.id)
        if source.id == "boom":
            raise RuntimeError("store unreachable")
        return CrawlResult(source.id, CrawlStatus.OK, new=1)

    states = _States([SourceState("fresh", next_due_at=NOW + timedelta(hours=1))])
    sources = [_source("boom"), _source("ok"), _source("fresh")]
    scheduler = Scheduler(sources, states, crawl_one, workers=1)  # type: ignore[arg-type]
    results = scheduler.run_once(NOW)
    assert sorted(crawled) == ["boom", "ok"]
    assert [r.source_id for r in results] == ["ok"]
