"""The streamer's operational edges: reconnect backoff, quote-session messages and fields,
the health endpoint, EMF metric lines and the ``streamer`` command."""

from __future__ import annotations

import argparse
import asyncio
import io
from typing import Any

import orjson
import pytest

from adapters.tradingview.quote_session import (
    QUOTE_FIELDS,
    quote_add_symbols,
    quote_create_session,
    quote_error,
    quote_set_fields,
)
from domain import quotes
from domain.quotes import LatestQuote, latest_quote
from domain.symbols import Symbol
from streamer.cli import add_streamer_command, run_streamer_command
from streamer.health import HealthServer
from streamer.metrics import Counters, MetricsReporter
from streamer.reconnect import Backoff

NUMBERS = [
    name for name in LatestQuote.__dataclass_fields__ if name not in ("symbol", "received_at")
]

# --- backoff -------------------------------------------------------------------------------


def test_backoff_doubles_its_ceiling_up_to_the_cap_with_full_jitter() -> None:
    drawn: list[tuple[float, float]] = []

    def highest(low: float, high: float) -> float:
        drawn.append((low, high))
        return high

    backoff = Backoff(1.0, 60.0, healthy_after=30.0, rand=highest)
    delays = [backoff.next_delay() for _ in range(9)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert all(low == 0.0 for low, _ in drawn)  # full jitter: anywhere from zero


def test_a_healthy_connection_resets_the_backoff() -> None:
    backoff = Backoff(1.0, 60.0, healthy_after=30.0, rand=lambda low, high: high)
    for _ in range(5):
        backoff.next_delay(lived=2.0)
    assert backoff.next_delay(lived=29.0) == 32
    assert backoff.next_delay(lived=30.0) == 1


def test_the_real_jitter_stays_in_range() -> None:
    backoff = Backoff(0.5, 4.0)
    for _ in range(200):
        ceiling = backoff.ceiling()
        assert 0.0 <= backoff.next_delay() <= ceiling <= 4.0


def test_backoff_survives_a_very_long_outage() -> None:
    backoff = Backoff(1.0, 60.0, rand=lambda low, high: high)
    for _ in range(5000):
        backoff.next_delay()
    assert backoff.next_delay() == 60.0


def test_backoff_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="base"):
        Backoff(0.0, 1.0)


# --- quote session -------------------------------------------------------------------------


def test_quote_messages_carry_no_permission_flags() -> None:
    assert quote_create_session("qs_a") == ("quote_create_session", ["qs_a"])
    assert quote_add_symbols("qs_a", ["BINANCE:BTCUSDT", "NASDAQ:AAPL"]) == (
        "quote_add_symbols",
        ["qs_a", "BINANCE:BTCUSDT", "NASDAQ:AAPL"],
    )
    method, params = quote_set_fields("qs_a")
    assert method == "quote_set_fields" and params[0] == "qs_a"
    assert {"lp", "lp_time", "volume", "ch", "chp", "bid", "ask"} <= set(params[1:])
    assert {"open_price", "high_price", "low_price", "prev_close_price"} <= set(params[1:])
    assert {"current_session", "update_mode", "description"} <= set(params[1:])


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"n": "X:Y", "s": "ok", "v": {}}, None),
        ({"n": "X:Y", "v": {}}, None),
        ({"n": "X:Y", "s": "error", "errmsg": "invalid symbol"}, ("X:Y", "invalid symbol")),
        ({"n": "X:Y", "s": "error", "v": {}}, ("X:Y", "quote error")),
    ],
)
def test_quote_errors(payload: dict[str, Any], expected: tuple[str, str] | None) -> None:
    found = quote_error(["qs", payload])
    assert (None if found is None else tuple(found)) == expected


def test_the_latest_quote_maps_tradingview_fields_and_drops_placeholders() -> None:
    values = {
        "lp": 5100.25,
        "lp_time": 1_710_532_799,
        "ch": 12.5,
        "chp": 0.25,
        "volume": 1e100,  # an index's placeholder
        "open_price": 5090.0,
        "high_price": 5110.0,
        "low_price": 5080.0,
        "prev_close_price": 5087.75,
        "bid": "n/a",
        "description": "S&P 500",
    }
    quote = latest_quote(Symbol("SP", "SPX"), values, 123.0)
    assert quote == LatestQuote(
        symbol=Symbol("SP", "SPX"),
        timestamp=1_710_532_799,
        last_price=5100.25,
        bid=None,
        ask=None,
        volume=None,
        change=12.5,
        change_percent=0.25,
        open_price=5090.0,
        high_price=5110.0,
        low_price=5080.0,
        prev_close=5087.75,
        received_at=123.0,
    )


def test_the_quote_reads_exactly_the_fields_the_feed_asks_for() -> None:
    """``QUOTE_FIELDS`` names what ``latest_quote`` reads; the quote session asks for them."""
    every = {name: float(index + 1) for index, name in enumerate(quotes.QUOTE_FIELDS)}
    full = latest_quote(Symbol("SP", "SPX"), every, 0.0)
    assert all(getattr(full, name) is not None for name in NUMBERS)
    for missing in quotes.QUOTE_FIELDS:
        partial = {name: value for name, value in every.items() if name != missing}
        found = latest_quote(Symbol("SP", "SPX"), partial, 0.0)
        assert sum(getattr(found, name) is None for name in NUMBERS) == 1, missing
    assert set(quotes.QUOTE_FIELDS) <= set(QUOTE_FIELDS)


# --- health --------------------------------------------------------------------------------


async def _get(port: int, request: bytes) -> tuple[int, dict[str, Any]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    assert b"Content-Type: application/json" in head
    return status, orjson.loads(body)


async def test_health_answers_200_503_and_refuses_the_rest() -> None:
    verdict: list[tuple[bool, dict[str, Any]]] = [(True, {"connected": True})]
    server = HealthServer(lambda: verdict[0], "127.0.0.1", 0)
    await server.start()
    try:
        request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        assert await _get(server.port, request) == (200, {"status": "ok", "connected": True})
        verdict[0] = (False, {"reasons": ["not connected to TradingView for 130s"]})
        status, body = await _get(server.port, request)
        assert status == 503 and body["status"] == "unhealthy" and body["reasons"]
        assert (await _get(server.port, b"GET /nope HTTP/1.1\r\n\r\n"))[0] == 404
        assert (await _get(server.port, b"POST /health HTTP/1.1\r\n\r\n"))[0] == 405
        assert (await _get(server.port, b"\r\n"))[0] == 400
    finally:
        await server.close()


# --- metrics -------------------------------------------------------------------------------


def test_metric_lines_are_embedded_metric_format() -> None:
    now = [1000.0]
    counters = Counters(ticks=0)
    reporter = MetricsReporter(lambda: counters, clock=lambda: now[0], out=io.StringIO())
    counters = Counters(
        ticks=600,
        reconnects=2,
        subscriptions=3,
        bars_completed=5,
        lag_samples=[0.25] * 150,
        flush_ms=[1.5, 2.5],
    )
    now[0] = 1060.0
    line = reporter.line()
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "PocketQuant" and directive["Dimensions"] == [["Service"]]
    units = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert units["StreamerTicks"] == "Count" and units["StreamerLagMs"] == "Milliseconds"
    assert line["Service"] == "streamer"
    assert line["StreamerTicks"] == 600 and line["StreamerTicksPerSecond"] == 10.0
    assert line["StreamerReconnects"] == 2 and line["StreamerSubscriptions"] == 3
    assert line["StreamerLagMs"] == [250.0] * 100  # at most 100 values per metric
    assert line["StreamerFlushMs"] == [1.5, 2.5]
    assert all(name in line for name in units)
    counters = Counters(ticks=900, reconnects=2, subscriptions=3, bars_completed=5)
    now[0] = 1120.0
    second = reporter.line()
    assert second["StreamerTicks"] == 300 and second["StreamerReconnects"] == 0
    assert "StreamerLagMs" not in second


def test_emit_writes_one_json_line() -> None:
    out = io.StringIO()
    MetricsReporter(Counters, clock=lambda: 5.0, out=out).emit()
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and orjson.loads(lines[0])["_aws"]["Timestamp"] == 5000


# --- command -------------------------------------------------------------------------------


def test_the_streamer_command_registers_with_its_options() -> None:
    parser = argparse.ArgumentParser(prog="pocketquant")
    add_streamer_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["streamer", "--health-port", "9090"])
    assert args.handler is run_streamer_command
    assert args.health_port == 9090 and args.health_host == "0.0.0.0"
