"""Reading what is tracked: the sync status of each series and the symbols' metadata."""

from __future__ import annotations

from domain.bars import SeriesKey
from domain.errors import SeriesNotTracked
from domain.intervals import Interval
from domain.ports import BarStore
from domain.series import SymbolInfo, SyncStatus
from domain.symbols import Symbol


def list_sync_statuses(store: BarStore) -> list[SyncStatus]:
    """Every tracked series, ordered by exchange, symbol and interval."""
    return sorted(store.list_statuses(), key=lambda status: status.key)


def symbol_sync_statuses(
    store: BarStore, symbol: Symbol, interval: Interval | None = None
) -> list[SyncStatus]:
    """The statuses of ``symbol`` (every interval, or just ``interval``).

    Raises ``SeriesNotTracked`` when there is none, so a caller can answer 404.
    """
    if interval is not None:
        status = store.get_status(SeriesKey(symbol, interval))
        found = [status] if status is not None else []
    else:
        found = [status for status in list_sync_statuses(store) if status.key.symbol == symbol]
    if not found:
        what = f"{symbol}@{interval.value}" if interval else str(symbol)
        raise SeriesNotTracked(f"{what} is not tracked; sync it first")
    return found


def tracked_symbols(store: BarStore, exchange: str | None = None) -> list[SymbolInfo]:
    """Symbols seen by a sync, with what TradingView says of them."""
    return sorted(store.list_symbols(exchange), key=lambda info: info.symbol)
