"""Conversions between domain objects and the flat records both bar stores keep.

Records are dicts keyed by the names in ``names``; MongoDB stores them as documents and
SQLite binds them as named parameters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

from adapters.stores import names
from domain.bars import Bar, SeriesKey
from domain.errors import InvalidBar
from domain.intervals import Interval
from domain.series import SymbolInfo, SyncState, SyncStatus
from domain.sessions import Subsession
from domain.symbols import Symbol

BarValues = tuple[int, float, float, float, float, float | None]
"""``(time, open, high, low, close, volume)`` as plain Python numbers."""


def bar_values(bar: Bar) -> BarValues:
    """The bar as plain numbers a store can keep exactly; ``InvalidBar`` when it cannot.

    Stores check this much themselves because a value that is not a finite number would not
    round-trip (SQLite turns NaN into NULL and keeps strings as text in a REAL column).
    """
    time, open_, high, low, close, volume = (
        bar.time,
        bar.open,
        bar.high,
        bar.low,
        bar.close,
        bar.volume,
    )
    if type(time) is not int:
        if isinstance(time, bool) or not isinstance(time, int):
            raise InvalidBar(f"bar at {time!r}: time must be an integer (epoch seconds)")
        time = int(time)
    if volume is not None:
        volume = _number(bar, "volume", volume)
    return (
        time,
        _number(bar, "open", open_),
        _number(bar, "high", high),
        _number(bar, "low", low),
        _number(bar, "close", close),
        volume,
    )


def _number(bar: Bar, field: str, value: object) -> float:
    if type(value) is not float:
        if isinstance(value, bool) or not isinstance(value, Real):
            raise InvalidBar(f"bar at {bar.time!r}: {field} {value!r} is not a number")
        value = float(value)
    if not math.isfinite(value):
        raise InvalidBar(f"bar at {bar.time!r}: {field} {value!r} is not a finite number")
    return value


def series_record(key: SeriesKey) -> dict[str, Any]:
    return {
        names.EXCHANGE: key.symbol.exchange,
        names.SYMBOL: key.symbol.ticker,
        names.INTERVAL: key.interval.value,
    }


def series_from_record(record: Mapping[str, Any]) -> SeriesKey:
    symbol = Symbol(exchange=record[names.EXCHANGE], ticker=record[names.SYMBOL])
    return SeriesKey(symbol, Interval(record[names.INTERVAL]))


def status_record(status: SyncStatus) -> dict[str, Any]:
    return {
        **series_record(status.key),
        names.STATUS: status.status.value,
        names.BAR_COUNT: status.bar_count,
        names.LAST_SYNC_AT: status.last_sync_at,
        names.LAST_BAR_AT: status.last_bar_at,
        names.FIRST_BAR_AT: status.first_bar_at,
        names.ERROR_CODE: status.error_code,
        names.ERROR_MESSAGE: status.error_message,
        names.EXTRA: dict(status.extra),
    }


def status_from_record(record: Mapping[str, Any]) -> SyncStatus:
    return SyncStatus(
        key=series_from_record(record),
        status=SyncState(record[names.STATUS]),
        bar_count=int(record[names.BAR_COUNT]),
        last_sync_at=record.get(names.LAST_SYNC_AT),
        last_bar_at=record.get(names.LAST_BAR_AT),
        first_bar_at=record.get(names.FIRST_BAR_AT),
        error_code=record.get(names.ERROR_CODE),
        error_message=record.get(names.ERROR_MESSAGE),
        extra=dict(record.get(names.EXTRA) or {}),
    )


def symbol_record(info: SymbolInfo) -> dict[str, Any]:
    return {
        names.EXCHANGE: info.symbol.exchange,
        names.SYMBOL: info.symbol.ticker,
        names.NAME: info.name,
        names.DESCRIPTION: info.description,
        names.TYPE: info.type,
        names.CURRENCY: info.currency,
        names.TIMEZONE: info.timezone,
        names.SESSION: info.session,
        names.SESSION_HOLIDAYS: info.session_holidays,
        names.PRICESCALE: info.pricescale,
        names.HAS_VOLUME: info.has_volume,
        names.CORRECTIONS: info.corrections,
        names.SUBSESSION_ID: info.subsession_id,
        names.SUBSESSIONS: [
            {name: getattr(sub, name) for name in names.SUBSESSION_FIELDS}
            for sub in info.subsessions
        ],
    }


def symbol_from_record(record: Mapping[str, Any]) -> SymbolInfo:
    """A symbol record; records stored before corrections and subsessions were kept read
    with none."""
    return SymbolInfo(
        symbol=Symbol(exchange=record[names.EXCHANGE], ticker=record[names.SYMBOL]),
        name=record[names.NAME],
        description=record[names.DESCRIPTION],
        type=record[names.TYPE],
        currency=record.get(names.CURRENCY),
        timezone=record[names.TIMEZONE],
        session=record[names.SESSION],
        session_holidays=record[names.SESSION_HOLIDAYS],
        pricescale=record.get(names.PRICESCALE),
        has_volume=bool(record[names.HAS_VOLUME]),
        corrections=record.get(names.CORRECTIONS) or "",
        subsession_id=record.get(names.SUBSESSION_ID) or "",
        subsessions=tuple(
            Subsession(**{name: entry.get(name) or "" for name in names.SUBSESSION_FIELDS})
            for entry in record.get(names.SUBSESSIONS) or ()
        ),
    )
