"""When each source is due: the interval after a success, a capped backoff after failures."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from techfeed.models import Source, SourceState

MAX_BACKOFF = timedelta(hours=24)


def backoff(interval: timedelta, consecutive_failures: int) -> timedelta:
    """Delay before retrying a failing source: doubling per failure, capped at a day."""
    return min(interval * (1 << min(consecutive_failures, 16)), max(MAX_BACKOFF, interval))


def is_due(source: Source, state: SourceState | None, now: datetime) -> bool:
    """Whether the scheduler should crawl this source now."""
    if not source.enabled:
        return False
    return state is None or state.next_due_at is None or state.next_due_at <= now


def due_sources(
    sources: Iterable[Source], states: Iterable[SourceState], now: datetime
) -> list[Source]:
    """The enabled sources whose next crawl time has come, most overdue first."""
    by_id = {state.source_id: state for state in states}
    due = [s for s in sources if is_due(s, by_id.get(s.id), now)]
    far_past = datetime.min.replace(tzinfo=now.tzinfo)
    return sorted(
        due, key=lambda s: (st.next_due_at or far_past) if (st := by_id.get(s.id)) else far_past
    )
