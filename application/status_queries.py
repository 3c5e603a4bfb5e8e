"""Reading what is tracked: the sync status of each series, its latest background job, and
the symbols' metadata."""

from __future__ import annotations

from dataclasses import dataclass

from application.background import JobBoard, JobView
from domain.bars import SeriesKey
from domain.errors import SeriesNotTracked
from domain.intervals import ALL_INTERVALS
from domain.ports import BarStore
from domain.series import SymbolInfo, SyncStatus


@dataclass(frozen=True, slots=True)
class SeriesSyncState:
    """A series as the sync status shows it: its latest sync and its latest job, either of
    which may be missing (a job queued for a series never synced has no status yet)."""

    key: SeriesKey
    status: SyncStatus | None
    job: JobView | None


def _order(state: SeriesSyncState) -> tuple[str, str, int]:
    key = state.key
    return (key.symbol.exchange, key.symbol.ticker, ALL_INTERVALS.index(key.interval))


def list_sync_statuses(store: BarStore, jobs: JobBoard) -> list[SeriesSyncState]:
    """Every series synced or with a job, by exchange, symbol and interval (shortest first)."""
    statuses = {status.key: status for status in store.list_statuses()}
    latest = jobs.latest_jobs()
    keys = statuses.keys() | latest.keys()
    return sorted(
        (SeriesSyncState(key, statuses.get(key), latest.get(key)) for key in keys), key=_order
    )


def sync_status(store: BarStore, key: SeriesKey, jobs: JobBoard) -> SeriesSyncState:
    """One series; ``SeriesNotTracked`` (a 404) when it was never synced nor queued."""
    status = store.get_status(key)
    job = jobs.latest_jobs().get(key)
    if status is None and job is None:
        raise SeriesNotTracked(f"{key} is not tracked; sync it first")
    return SeriesSyncState(key, status, job)


def tracked_symbols(store: BarStore, exchange: str | None = None) -> list[SymbolInfo]:
    """Symbols seen by a sync, with what TradingView says of them."""
    return sorted(store.list_symbols(exchange), key=lambda info: info.symbol)
