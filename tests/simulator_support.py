"""Requests a raw client makes of the simulator, and readers of its replies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from adapters.tradingview import codec
from domain.bars import Bar, clean_volume
from tests.fixtures.simulator import RawClient


def spec(symbol: str, **extra: str) -> str:
    return "=" + json.dumps({"symbol": symbol, "adjustment": "splits", **extra})


async def request(
    client: RawClient,
    symbol: str,
    resolution: str,
    count: Any,
    *,
    cs: str = "cs_test",
    symbol_spec: str | None = None,
) -> list[codec.Message]:
    """One pipelined history request; the messages up to its end (completion or error)."""
    await client.send(
        ("chart_create_session", [cs, ""]),
        ("switch_timezone", [cs, "Etc/UTC"]),
        ("resolve_symbol", [cs, "sds_sym_1", symbol_spec or spec(symbol)]),
        ("create_series", [cs, "sds_1", "s1", "sds_sym_1", resolution, count, ""]),
    )
    return await client.until("series_completed", "series_error", "critical_error")


def bars_of(messages: list[codec.Message]) -> list[Bar]:
    bars: list[Bar] = []
    for message in messages:
        if message.method == "timescale_update":
            for series in message.params[1].values():
                for item in series["s"]:
                    v = item["v"]
                    volume = clean_volume(v[5]) if len(v) > 5 else None
                    bars.append(Bar(int(v[0]), v[1], v[2], v[3], v[4], volume))
    return bars


def rows_of(messages: list[codec.Message]) -> list[list[float]]:
    """The raw ``v`` rows of the replies' ``timescale_update``s, as TradingView sent them."""
    return [
        item["v"]
        for message in messages
        if message.method == "timescale_update"
        for series in message.params[1].values()
        for item in series["s"]
    ]


def utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def completed(messages: list[codec.Message]) -> dict[str, Any]:
    last = messages[-1]
    assert last.method == "series_completed"
    extra: dict[str, Any] = last.params[4]
    return extra


async def subscribe(client: RawClient, *symbols: Any, qs: str = "qs_test") -> None:
    await client.send(("quote_create_session", [qs]), ("quote_add_symbols", [qs, *symbols]))


async def updates_of(client: RawClient, name: str, count: int) -> list[dict[str, Any]]:
    """The next ``count`` ``v`` objects sent for ``name``."""
    found: list[dict[str, Any]] = []
    while len(found) < count:
        message = await client.next()
        if message.method == "qsd" and message.params[1]["n"] == name:
            found.append(message.params[1]["v"])
    return found


async def snapshot(client: RawClient, name: str, qs: str = "qs_snap") -> dict[str, Any]:
    """The first ``qsd`` of a new quote session for ``name``."""
    await subscribe(client, name, qs=qs)
    for message in await client.until("quote_completed"):
        if message.method == "qsd" and message.params[1]["n"] == name:
            values: dict[str, Any] = message.params[1]["v"]
            return values
    raise AssertionError(f"no snapshot of {name}")
