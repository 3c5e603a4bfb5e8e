"""Reading what is tracked: the sync status of each series and the symbols' metadata."""

from __future__ import annotations

from domain.bars import SeriesKey
from domain.errors import SeriesNotTracked
from domain.intervals import ALL_INTERVALS, Interval
from domain.ports import BarStore
from domain.series import SymbolInfo, SyncStatus
from domain.symbols import Symbol


def _order(status: SyncStatus) -> tuple[str, str, int]:
    key = status.key
    return (key.symbol.exchange, key.symbol.ticker, ALL_INTERVALS.index(key.interval))


def list_sync_statuses(store: BarStore) -> list[SyncStatus]:
    """Every tracked series, by exchange, symbol and interval (shortest first)."""
    return sorted(store.list_statuses(), key=_order)


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
