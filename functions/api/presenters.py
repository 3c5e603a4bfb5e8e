"""Domain values as the API's JSON records (the shapes of ``models/responses.py``)."""

from __future__ import annotations

from typing import Any

from application.bulk_sync import SyncOutcome
from application.queries import iso_utc
from application.sync import SyncResult
from domain.series import SymbolInfo, SyncStatus


def _time(epoch: int | None) -> str | None:
    return None if epoch is None else iso_utc(epoch)


def sync_record(result: SyncResult) -> dict[str, Any]:
    symbol = result.key.symbol
    return {
        "symbol": symbol.ticker,
        "exchange": symbol.exchange,
        "interval": result.key.interval.value,
        "status": result.status.value,
        "bars_synced": result.bars_synced,
        "total_bars": result.total_bars,
        "last_bar_at": _time(result.last_bar_at),
    }


def bulk_item(outcome: SyncOutcome) -> dict[str, Any]:
    if outcome.result is not None:
        return sync_record(outcome.result)
    key = outcome.request.key
    error = outcome.error
    return {
        "symbol": key.symbol.ticker,
        "exchange": key.symbol.exchange,
        "interval": key.interval.value,
        "status": "failed",
        "bars_synced": 0,
        "total_bars": None,
        "last_bar_at": None,
        "error": {"code": error.code, "message": error.message} if error else None,
    }


def status_record(status: SyncStatus) -> dict[str, Any]:
    symbol = status.key.symbol
    return {
        "symbol": symbol.ticker,
        "exchange": symbol.exchange,
        "interval": status.key.interval.value,
        "status": status.status.value,
        "bar_count": status.bar_count,
        "last_sync_at": _time(status.last_sync_at),
        "last_bar_at": _time(status.last_bar_at),
        "error_message": status.error_message,
    }


def symbol_record(info: SymbolInfo) -> dict[str, Any]:
    return {
        "symbol": info.symbol.ticker,
        "exchange": info.symbol.exchange,
        "name": info.name,
        "description": info.description,
        "type": info.type,
        "currency": info.currency,
        "timezone": info.timezone,
    }
