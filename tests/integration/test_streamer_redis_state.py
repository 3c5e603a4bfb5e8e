"""The quote state and the control signal on a real Redis: one pipeline per flush, reads
from another client, pub/sub signals, and outages reported as ``QuoteStateUnavailable``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis

from adapters.cache.redis_client import redis_client
from adapters.quote_state import names
from adapters.quote_state.redis_control import RedisControlListener, RedisControlNotifier
from adapters.quote_state.redis_state import RedisQuoteReader, RedisQuoteWriter, async_client
from application.quote_ports import QuoteStateUnavailable, StateBatch, StreamerStatus
from domain.bars import Bar
from domain.intervals import ALL_INTERVALS, Interval
from domain.quotes import LatestQuote
from domain.symbols import Symbol
from tests.fixtures.redis_server import RedisServer

BTC = Symbol("BINANCE", "BTCUSDT")
ETH = Symbol("BINANCE", "ETHUSDT")


@pytest.fixture
async def writer(redis_url: str) -> AsyncIterator[RedisQuoteWriter]:
    made = RedisQuoteWriter(async_client(redis_url))
    yield made
    await made.aclose()


@pytest.fixture
def reader(redis_url: str) -> RedisQuoteReader:
    return RedisQuoteReader(redis_client(redis_url))


class CountingPipelines:
    """Counts the commands sent by each ``execute`` of the writer's pipelines."""

    def __init__(self, writer: RedisQuoteWriter, monkeypatch: pytest.MonkeyPatch) -> None:
        self.executions: list[list[str]] = []
        client = writer._client
        original = client.pipeline

        def pipeline(*args: object, **kwargs: object) -> object:
            pipe = original(*args, **kwargs)  # type: ignore[arg-type]
            execute = pipe.execute

            async def counted(raise_on_error: bool = True) -> list[Any]:
                self.executions.append([str(c[0][0]) for c in pipe.command_stack])
                return await execute(raise_on_error)

            pipe.execute = counted  # type: ignore[method-assign]
            return pipe

        monkeypatch.setattr(client, "pipeline", pipeline)


async def test_a_flush_is_one_pipeline_and_reads_see_it(
    writer: RedisQuoteWriter, reader: RedisQuoteReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = CountingPipelines(writer, monkeypatch)
    quotes = [
        LatestQuote(Symbol("BINANCE", "BTCUSDT"), timestamp=1.0, last_price=68000.0),
        LatestQuote(Symbol("BINANCE", "ETHUSDT"), timestamp=2.0, last_price=3700.0),
    ]
    bars = {
        (BTC.key, interval): Bar(60, 1.0, 2.0, 0.5, 1.5, float(index))
        for index, interval in enumerate(ALL_INTERVALS)
    }
    status = StreamerStatus(connected=True, updated_at=5.0, active_symbols=(BTC.key, ETH.key))
    await writer.write(StateBatch(quotes=quotes, bars=bars, status=status))
    assert counting.executions == [["HSET", "HSET", "SET"]]

    assert reader.latest(BTC) == quotes[0]
    assert reader.latest(Symbol("X", "Y")) is None
    assert reader.latest_many([ETH, Symbol("X", "Y"), BTC]) == [quotes[1], quotes[0]]
    assert reader.current_bar(BTC, Interval.H4) == bars[(BTC.key, Interval.H4)]
    assert reader.streamer_status() == status

    await writer.write(StateBatch(cleared_bars=[(BTC.key, Interval.M1)], removed_symbols=[ETH.key]))
    assert counting.executions[-1] == ["HDEL", "HDEL", "HDEL"]
    assert reader.current_bar(BTC, Interval.M1) is None
    assert reader.current_bar(BTC, Interval.M5) is not None
    assert reader.latest(ETH) is None
    await writer.write(StateBatch())
    assert len(counting.executions) == 2  # nothing to write: no round trip


async def test_the_snapshot_round_trips(writer: RedisQuoteWriter, redis_url: str) -> None:
    assert await writer.load_snapshot() is None
    await writer.save_snapshot({"version": 1, "symbols": {"A:B": {"values": {"lp": 1.5}}}})
    assert await writer.load_snapshot() == {
        "version": 1,
        "symbols": {"A:B": {"values": {"lp": 1.5}}},
    }
    raw = redis.Redis.from_url(redis_url).get(names.STREAMER_SNAPSHOT)
    assert isinstance(raw, bytes) and raw.startswith(b"{")


async def test_signals_reach_the_listener_and_a_new_subscription_reconciles(
    redis_url: str,
) -> None:
    listener = RedisControlListener(async_client(redis_url))
    notifier = RedisControlNotifier(redis_client(redis_url))
    try:
        assert await listener.wait(1.0) is True  # just subscribed: reconcile once
        assert await listener.wait(0.05) is False
        waiting = asyncio.ensure_future(listener.wait(5.0))
        await asyncio.sleep(0.05)  # the wait is listening before the publish
        await asyncio.to_thread(notifier.notify)
        assert await waiting is True
    finally:
        await listener.aclose()
        notifier.close()


async def test_an_outage_is_reported_and_recovered_from(
    redis_server: RedisServer, redis_url: str, writer: RedisQuoteWriter, reader: RedisQuoteReader
) -> None:
    listener = RedisControlListener(async_client(redis_url))
    notifier = RedisControlNotifier(redis_client(redis_url))
    assert await listener.wait(1.0)
    redis_server.stop()
    try:
        batch = StateBatch(quotes=[LatestQuote(Symbol("BINANCE", "BTCUSDT"), last_price=1.0)])
        with pytest.raises(QuoteStateUnavailable, match="Redis could not write"):
            await writer.write(batch)
        with pytest.raises(QuoteStateUnavailable):
            await writer.load_snapshot()
        with pytest.raises(QuoteStateUnavailable, match="latest quote"):
            reader.latest(BTC)
        with pytest.raises(QuoteStateUnavailable, match="signal the streamer"):
            notifier.notify()
        with pytest.raises(QuoteStateUnavailable, match="listen"):
            await listener.wait(1.0)
    finally:
        redis_server.start()
    await writer.write(batch)
    assert reader.latest(BTC) == batch.quotes[0]
    assert await listener.wait(1.0) is True  # re-subscribed: signals may have been lost
    await listener.aclose()
    notifier.close()
