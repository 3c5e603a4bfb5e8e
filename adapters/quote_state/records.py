"""How quotes, bars in progress and the streamer's status are encoded in the hot state.

Compact JSON (orjson): a quote is an object with the API's field names, a bar is the array
``[time, open, high, low, close, volume]``. Redis and the in-process state use the same
encoding, so both hold exactly what the API returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from application.quote_ports import StreamerStatus
from domain.bars import Bar
from domain.quotes import LatestQuote
from domain.symbols import Symbol

_QUOTE_NUMBERS = tuple(name for name in LatestQuote.__dataclass_fields__ if name != "symbol")


def encode_quote(quote: LatestQuote) -> bytes:
    record: dict[str, Any] = {"symbol": quote.symbol.ticker, "exchange": quote.symbol.exchange}
    record.update((name, getattr(quote, name)) for name in _QUOTE_NUMBERS)
    return orjson.dumps(record)


def decode_quote(raw: bytes | str) -> LatestQuote:
    record = orjson.loads(raw)
    get = record.get
    return LatestQuote(
        Symbol(exchange=str(record["exchange"]), ticker=str(record["symbol"])),
        **{name: get(name) for name in _QUOTE_NUMBERS},
    )


def encode_bar(bar: Bar) -> bytes:
    return orjson.dumps([bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume])


def decode_bar(raw: bytes | str) -> Bar:
    time, open_, high, low, close, volume = orjson.loads(raw)
    return Bar(int(time), open_, high, low, close, volume)


def encode_status(status: StreamerStatus) -> bytes:
    return orjson.dumps(
        {
            "connected": status.connected,
            "updated_at": status.updated_at,
            "running": status.running,
            "last_tick_at": status.last_tick_at,
            "active_symbols": list(status.active_symbols),
            "unknown_symbols": dict(status.unknown_symbols),
            "reconnects": status.reconnects,
            "connected_since": status.connected_since,
        }
    )


def decode_status(raw: bytes | str) -> StreamerStatus:
    record = orjson.loads(raw)
    return StreamerStatus(
        connected=bool(record.get("connected")),
        updated_at=float(record.get("updated_at") or 0.0),
        running=bool(record.get("running")),
        last_tick_at=record.get("last_tick_at"),
        active_symbols=tuple(record.get("active_symbols") or ()),
        unknown_symbols=dict(record.get("unknown_symbols") or {}),
        reconnects=int(record.get("reconnects") or 0),
        connected_since=record.get("connected_since"),
    )


def encode_snapshot(snapshot: Mapping[str, Any]) -> bytes:
    return orjson.dumps(dict(snapshot))


def decode_snapshot(raw: bytes | str) -> dict[str, Any] | None:
    value = orjson.loads(raw)
    return value if isinstance(value, dict) else None
