"""``TradingViewHistoryClient`` against the TradingView simulator over real websockets."""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from websockets.asyncio.server import ServerConnection, serve

from adapters.tradingview import codec
from adapters.tradingview.auth import TradingViewAuth, clear_token_cache
from adapters.tradingview.client import TradingViewHistoryClient
from domain.errors import AuthenticationRejected, FeedUnavailable, SymbolNotFound
from domain.intervals import Interval
from domain.ports import History
from domain.signin import SignedInToken
from domain.symbols import Symbol
from simulator.config import SimulatorConfig
from simulator.server import Simulator

NOW = 1_710_532_800  # 2024-03-15 20:00 UTC, a Friday after the US close
AAPL = Symbol.parse("NASDAQ:AAPL")
BTC = Symbol.parse("BITSTAMP:BTCUSD")


@asynccontextmanager
async def simulator(**options: Any) -> AsyncIterator[Simulator]:
    async with Simulator(SimulatorConfig(now=NOW, **options)) as sim:
        yield sim


def client_for(url: str, *, timeout: float = 5.0, **options: Any) -> TradingViewHistoryClient:
    return TradingViewHistoryClient(url=url, timeout=timeout, **options)


def assert_clean_series(history: History) -> None:
    times = [bar.time for bar in history.bars]
    assert all(a < b for a, b in itertools.pairwise(times)), "times must strictly increase"
    assert all(not bar.problems() for bar in history.bars)


async def test_5000_daily_aapl_bars_open_at_the_new_york_session_open() -> None:
    calls: list[tuple[int, int]] = []
    async with simulator() as sim:
        history = await client_for(sim.url).fetch_history(
            AAPL, Interval.D1, 5000, progress=lambda got, wanted: calls.append((got, wanted))
        )

    assert len(history.bars) == 5000
    assert_clean_series(history)
    assert history.info.symbol == AAPL
    assert history.info.timezone == "America/New_York"
    assert not history.reached_limit
    opens = {datetime.fromtimestamp(bar.time, UTC).strftime("%H:%M") for bar in history.bars}
    assert opens <= {"13:30", "14:30"}  # 09:30 New York in summer and in winter
    assert history.bars[-1].time <= NOW
    assert calls == [(5000, 5000)]


async def test_50000_minute_bars_are_paged_without_duplicates() -> None:
    calls: list[tuple[int, int]] = []
    async with simulator() as sim:
        history = await client_for(sim.url).fetch_history(
            BTC, Interval.M1, 50_000, progress=lambda got, wanted: calls.append((got, wanted))
        )
        requests = sim.stats.messages_received["request_more_data"]

    assert len(history.bars) == 50_000
    assert len({bar.time for bar in history.bars}) == 50_000
    assert_clean_series(history)
    assert requests >= 9
    assert calls[-1] == (50_000, 50_000)
    assert [got for got, _ in calls] == sorted(got for got, _ in calls)


async def test_since_fetches_only_the_pages_it_needs() -> None:
    async with simulator(max_bars_per_request=1000) as sim:
        client = client_for(sim.url)
        full = await client.fetch_history(BTC, Interval.M1, 5000)
        since = full.bars[-2500].time
        before = sim.stats.messages_received["request_more_data"]
        recent = await client.fetch_history(BTC, Interval.M1, 50_000, since=since)
        pages = sim.stats.messages_received["request_more_data"] - before

    assert recent.bars[0].time == since
    assert [b.time for b in recent.bars] == [b.time for b in full.bars[-2500:]]
    assert pages <= 2  # 1000 + 2 x 1000 reach 2,500 bars back; no more


async def test_history_limit_is_reported_as_reached_limit() -> None:
    async with simulator(history_limit=1200, max_bars_per_request=500) as sim:
        history = await client_for(sim.url).fetch_history(BTC, Interval.H1, 5000)

    assert history.reached_limit
    assert len(history.bars) == 1200
    assert_clean_series(history)


async def test_unknown_symbol_fails_fast_naming_it() -> None:
    unknown = Symbol.parse("NASDAQ:NOPE")
    async with simulator() as sim:
        started = time.monotonic()
        with pytest.raises(SymbolNotFound) as caught:
            await client_for(sim.url, timeout=10.0).fetch_history(unknown, Interval.D1, 100)
        elapsed = time.monotonic() - started

    assert caught.value.symbol == "NASDAQ:NOPE"
    assert "NASDAQ:NOPE" in str(caught.value)
    assert elapsed < 2.0


async def test_rejected_token_is_authentication_rejected() -> None:
    async with simulator(reject_token=True) as sim:
        with pytest.raises(AuthenticationRejected):
            await client_for(sim.url).fetch_history(AAPL, Interval.D1, 100)


async def test_connection_dropped_mid_sync_is_feed_unavailable() -> None:
    async with simulator(drop_after_messages=3, max_bars_per_request=1000) as sim:
        with pytest.raises(FeedUnavailable):
            await client_for(sim.url).fetch_history(BTC, Interval.M1, 20_000)


async def test_reply_slower_than_the_timeout_is_feed_unavailable_quickly() -> None:
    async with simulator(reply_delay=2.0) as sim:
        started = time.monotonic()
        with pytest.raises(FeedUnavailable):
            await client_for(sim.url, timeout=0.2).fetch_history(AAPL, Interval.D1, 100)
        elapsed = time.monotonic() - started

    assert elapsed < 1.5


async def test_nothing_listening_is_feed_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is closed again: connecting is refused.
    with pytest.raises(FeedUnavailable):
        await client_for(f"ws://127.0.0.1:{port}/socket.io/websocket").fetch_history(
            AAPL, Interval.D1, 10
        )


async def test_heartbeats_are_echoed_so_a_long_exchange_survives() -> None:
    async with simulator(
        heartbeat_interval=0.05,
        heartbeat_timeout=0.3,
        max_bars_per_request=200,
        reply_delay=0.05,
    ) as sim:
        history = await client_for(sim.url).fetch_history(BTC, Interval.M15, 3000)
        stats = sim.stats

    assert len(history.bars) == 3000
    assert stats.heartbeats_sent >= 5
    assert stats.heartbeats_echoed >= stats.heartbeats_sent - 1
    assert stats.heartbeat_timeouts == 0


async def test_history_shorter_than_asked_ends_when_a_page_adds_nothing() -> None:
    async with simulator() as sim:
        history = await client_for(sim.url).fetch_history(AAPL, Interval.W1, 5000)
        requests = sim.stats.messages_received["request_more_data"]

    assert 2000 < len(history.bars) < 5000  # weekly bars since the 1980 listing
    assert not history.reached_limit
    assert_clean_series(history)
    assert requests == 1


async def test_expired_signed_in_token_is_replaced_by_signing_in_again() -> None:
    tokens = iter(["fresh.jwt"])

    def signin(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"user": {"auth_token": next(tokens)}})

    clear_token_cache()
    auth = TradingViewAuth(username="quant", password="pw", transport=httpx.MockTransport(signin))
    # Kept from a sign-in long ago, and expired at TradingView sooner than its claims said.
    now = time.time()
    auth.store.write(SignedInToken("expired.jwt", issued_at=now - 1000, expires_at=now + 3000))
    try:
        async with simulator(rejected_tokens={"expired.jwt"}) as sim:
            history = await client_for(sim.url, auth=auth).fetch_history(AAPL, Interval.D1, 10)
            used = list(sim.stats.auth_tokens)
    finally:
        clear_token_cache()

    assert len(history.bars) == 10
    assert used == ["expired.jwt", "fresh.jwt"]


async def test_silence_after_request_more_data_ends_paging_with_what_arrived() -> None:
    """No capture shows TradingView's answer when nothing older exists: silence ends it."""

    async def quiet_after_first_page(connection: ServerConnection) -> None:
        await connection.send(codec.encode_json({"session_id": "x", "javastudies": []}))
        async for text in connection:
            for payload in codec.parse_message(str(text)):
                if not isinstance(payload, codec.Message):
                    continue
                cs = payload.params[0]
                if payload.method == "resolve_symbol":
                    await connection.send(
                        codec.encode("symbol_resolved", [cs, "sds_sym_1", {"name": "BTCUSD"}])
                    )
                elif payload.method == "create_series":
                    rows = [{"i": i, "v": [60.0 * (i + 1), 1, 2, 0.5, 1.5, 3]} for i in range(10)]
                    await connection.send(
                        codec.encode("timescale_update", [cs, {"sds_1": {"s": rows}}, {}])
                        + codec.encode("series_completed", [cs, "sds_1", "streaming", "s1", {}])
                    )

    async with serve(quiet_after_first_page, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        client = client_for(f"ws://127.0.0.1:{port}", timeout=2.0, more_data_timeout=0.2)
        history = await client.fetch_history(BTC, Interval.M1, 100)

    assert [bar.time for bar in history.bars] == [60 * (i + 1) for i in range(10)]
