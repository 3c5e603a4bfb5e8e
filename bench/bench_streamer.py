"""Streamer throughput: ticks through parse → 13-interval aggregation → flushed Redis state.

Real ``qsd`` frames (framed by the codec, several per websocket message, partial updates
as TradingView sends them) for 50 symbols (24x7 crypto and NASDAQ stocks inside their
session) are parsed with ``codec.parse_message``, dispatched as the quote connection does
(``quote_session.dispatch_qsd`` to the feed, whose quotes go to its ``LiveBook``), merged
and aggregated for all 13 intervals, and flushed by its ``Flusher`` every 250 ms into a
private ``redis-server`` on loopback (one pipeline per flush), completed bars into a SQLite
store. The process is pinned to one core; the best of three runs counts. Metric
``streamer_ticks_per_s``, target 50,000.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import tempfile
import time
from pathlib import Path

import orjson

from adapters.events.in_process import InProcessEventBus
from adapters.quote_state.redis_state import RedisQuoteWriter, async_client
from adapters.stores.sqlite_store import SqliteBarStore
from adapters.tradingview import codec
from adapters.tradingview.quote_session import dispatch_qsd
from application.quote_ports import QuoteConnection, StreamerStatus
from bench.redis_server import private_redis
from bench.report import report
from domain.intervals import ALL_INTERVALS
from domain.sessions import TradingSession
from domain.symbols import Symbol
from streamer.book import LiveBook
from streamer.config import StreamerConfig
from streamer.feed import QuoteFeed
from streamer.flusher import Flusher

TICKS = 200_000
RUNS = 3
SYMBOLS = 50
FRAMES_PER_MESSAGE = 10
FLUSH_EVERY = 0.25
START = 1_710_509_400  # 2024-03-15 13:30 UTC: NASDAQ open, crypto trading
SECONDS_PER_TICK = 0.05
"""Exchange time between two ticks of one symbol: a 1m bar completes every 1,200 ticks."""
QUOTE_SESSION = "qs_benchbenchben"


def _symbols() -> list[tuple[Symbol, TradingSession]]:
    crypto = TradingSession()
    nasdaq = TradingSession("America/New_York", "0930-1600")
    chosen: list[tuple[Symbol, TradingSession]] = []
    for index in range(SYMBOLS):
        if index % 2:
            chosen.append((Symbol("BINANCE", f"COIN{index}USDT"), crypto))
        else:
            chosen.append((Symbol("NASDAQ", f"STK{index}"), nasdaq))
    return chosen


def _messages(symbols: list[tuple[Symbol, TradingSession]]) -> list[str]:
    """Websocket messages of ``FRAMES_PER_MESSAGE`` frames, each one tick of one symbol:
    the trade fields changed (as TradingView's partial ``qsd``), now and then the book."""
    rng = random.Random(7)
    prices = [100.0 + 10 * i for i in range(len(symbols))]
    volumes = [1_000.0 * (i + 1) for i in range(len(symbols))]
    frames: list[str] = []
    for tick in range(TICKS):
        index = tick % len(symbols)
        symbol = symbols[index][0]
        prices[index] = round(prices[index] * (1 + rng.uniform(-0.0005, 0.0005)), 2)
        volumes[index] += rng.randint(1, 50)
        values: dict[str, object] = {
            "lp": prices[index],
            "lp_time": START + int((tick // len(symbols)) * SECONDS_PER_TICK),
            "volume": volumes[index],
            "ch": round(prices[index] - 100.0, 2),
            "chp": 0.5,
        }
        if tick % 7 == 0:
            values["bid"] = round(prices[index] - 0.01, 2)
            values["ask"] = round(prices[index] + 0.01, 2)
        update = {"m": "qsd", "p": [QUOTE_SESSION, {"n": symbol.key, "s": "ok", "v": values}]}
        frames.append(codec.frame(orjson.dumps(update).decode()))
    return [
        "".join(frames[i : i + FRAMES_PER_MESSAGE])
        for i in range(0, len(frames), FRAMES_PER_MESSAGE)
    ]


async def _run(url: str, directory: Path, messages: list[str]) -> tuple[int, float]:
    symbols = _symbols()
    book = LiveBook(ALL_INTERVALS)
    config = StreamerConfig(snapshot_interval=3600.0)
    feed = QuoteFeed(book, _no_connection, config)
    for symbol, session in symbols:
        book.add(symbol, session)
        book.on_quote(symbol.key, {"lp": 100.0, "lp_time": START}, time.time())
    writer = RedisQuoteWriter(async_client(url))
    store = SqliteBarStore(directory / "bench.sqlite3")
    status = StreamerStatus(connected=True, updated_at=time.time(), running=True)
    flusher = Flusher(
        book,
        writer,
        store,
        InProcessEventBus(),
        lambda: status,
        config=config,
    )
    await flusher.flush()
    ticks_before = book.ticks
    parse, clock = codec.parse_message, time.time
    on_quote, on_refused = feed.on_quote, feed.on_quote_refused
    started = time.perf_counter()
    next_flush = started + FLUSH_EVERY
    for count, text in enumerate(messages):
        received = clock()
        for payload in parse(text):
            if payload.method == "qsd":  # type: ignore[union-attr]
                dispatch_qsd(payload.params, received, on_quote, on_refused)  # type: ignore[union-attr]
        if not count & 15 and time.perf_counter() >= next_flush:
            await flusher.flush()
            next_flush = time.perf_counter() + FLUSH_EVERY
    await flusher.flush()
    elapsed = time.perf_counter() - started
    ticks = book.ticks - ticks_before
    if flusher.state_outage.failing or flusher.store_outage.failing or book.completed_count:
        raise SystemExit("the flush failed during the benchmark")
    await writer.aclose()
    store.close()
    return ticks, elapsed


async def _no_connection() -> QuoteConnection:
    raise SystemExit("the benchmark feeds the book itself; it never connects")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, private_redis(Path(tmp)) as url:
        with contextlib.suppress(AttributeError, OSError):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        messages = _messages(_symbols())
        # Best of a few runs: the figure is what one core can do, not what a busy machine
        # left over for it.
        best = max(_rate(*asyncio.run(_run(url, Path(tmp), messages))) for _ in range(RUNS))
    report("streamer_ticks_per_s", best, "ticks/s", 50_000)


def _rate(ticks: int, elapsed: float) -> float:
    return ticks / elapsed


if __name__ == "__main__":
    main()
