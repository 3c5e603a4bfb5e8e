"""Which series a schedule syncs, as sync jobs (the ``scheduler`` function's rules).

The tracked series are those the store has a sync status for (what
``GET /market-data/sync-status`` lists: every series synced at least once), plus the
series the schedule's input names (``"symbols": ["NASDAQ:AAPL", ...]`` at each of
``"intervals": ["1d", ...]``, from the stack's context: ``ScheduleDefinition.target_input``),
so a new deployment keeps its configured symbols fresh before anyone syncs by hand.

A series whose last sync found no such symbol is left out: syncing it again on every
schedule would only fail again. The schedule's ``intervals`` limit which series it syncs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from application.background import SyncJob
from domain.bars import SeriesKey
from domain.errors import DomainError, SymbolNotFound
from domain.intervals import Interval
from domain.series import SyncState, SyncStatus
from domain.symbols import Symbol

logger = logging.getLogger("pocketquant.scheduler")

DEFAULT_SEED_INTERVAL = "1d"
"""The interval of named symbols when the input names no intervals and the schedule covers
every interval."""


class Schedule(Protocol):
    """What the rules need of a schedule (``config.schedules.ScheduleDefinition``)."""

    @property
    def name(self) -> str: ...

    @property
    def intervals(self) -> tuple[str, ...] | None: ...

    def applies_to(self, interval: str) -> bool: ...


def _gave_up(status: SyncStatus) -> bool:
    return status.status is SyncState.FAILED and status.error_code == SymbolNotFound.code


def _named_intervals(schedule: Schedule, target_input: Mapping[str, Any]) -> list[Interval]:
    named = target_input.get("intervals")
    if named is None:
        named = schedule.intervals or (DEFAULT_SEED_INTERVAL,)
    intervals: list[Interval] = []
    for text in named:
        try:
            intervals.append(Interval.parse(str(text)))
        except DomainError as error:
            logger.warning("schedule %s: ignoring interval %r: %s", schedule.name, text, error)
    return intervals


def _named_series(schedule: Schedule, target_input: Mapping[str, Any]) -> set[SeriesKey]:
    intervals = _named_intervals(schedule, target_input)
    keys: set[SeriesKey] = set()
    for text in target_input.get("symbols") or ():
        try:
            symbol = Symbol.parse(str(text))
        except DomainError as error:
            logger.warning("schedule %s: ignoring symbol %r: %s", schedule.name, text, error)
            continue
        keys.update(SeriesKey(symbol, interval) for interval in intervals)
    return keys


def series_to_sync(
    schedule: Schedule,
    statuses: Iterable[SyncStatus],
    target_input: Mapping[str, Any],
) -> list[SeriesKey]:
    """The series ``schedule`` syncs, in a stable order."""
    keys = {status.key for status in statuses if not _gave_up(status)}
    keys |= _named_series(schedule, target_input)
    chosen = [key for key in keys if schedule.applies_to(key.interval.value)]
    # Interval members do not order; sort by name and length instead.
    return sorted(chosen, key=lambda key: (key.symbol.key, key.interval.minutes))


def sync_jobs(keys: Iterable[SeriesKey]) -> list[SyncJob]:
    """Incremental syncs: the use case fetches only what is newer than the stored bars."""
    return [
        SyncJob(symbol=key.symbol.ticker, exchange=key.symbol.exchange, interval=key.interval.value)
        for key in keys
    ]
