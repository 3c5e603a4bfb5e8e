"""Reading what is tracked: the sync status of each series and the symbols' metadata."""

from __future__ import annotations

from domain.bars import SeriesKey
from domain.errors import SeriesNotTracked
from domain.intervals import ALL_INTERVALS
from domain.ports import BarStore
from domain.series import SymbolInfo, SyncStatus


def _order(status: SyncStatus) -> tuple[str, str, int]:
    key = status.key
    return (key.symbol.exchange, key.symbol.ticker, ALL_INTERVALS.index(key.interval))


def list_sync_statuses(store: BarStore) -> list[SyncStatus]:
    """Every tracked series, by exchange, symbol and interval (shortest first)."""
    return sorted(store.list_statuses(), key=_order)


def sync_status(store: BarStore, key: SeriesKey) -> SyncStatus:
    """The status of one series; ``SeriesNotTracked`` (a 404) when it was never synced."""
    status = store.get_status(key)
    if status is None:
        raise SeriesNotTracked(f"{key} is not tracked; sync it first")
    return status


def tracked_symbols(store: BarStore, exchange: str | None = None) -> list[SymbolInfo]:
    """Symbols seen by a sync, with what TradingView says of them."""
    return sorted(store.list_symbols(exchange), key=lambda info: info.symbol)
