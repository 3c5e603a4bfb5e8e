"""The feed's connection lifecycle on a scripted stand-in for TradingView's websocket (behind
the real quote connection): sessions, subscriptions, resolution, unknown symbols,
reconnects and stopping."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import pytest

from adapters.tradingview.codec import Message
from adapters.tradingview.connection import ReplyTimeout
from adapters.tradingview.quote_connection import TradingViewQuoteConnection
from application.quote_ports import DesiredQuotes, QuoteConnection
from domain.errors import AuthenticationRejected, FeedUnavailable
from domain.intervals import Interval
from domain.sessions import TradingSession
from domain.symbols import Symbol
from streamer.book import LiveBook
from streamer.config import StreamerConfig
from streamer.feed import QuoteFeed

BTC = Symbol("BINANCE", "BTCUSDT")
ETH = Symbol("BINANCE", "ETHUSDT")
NOPE = Symbol("NASDAQ", "NOPE")
T0 = 1_710_460_800
WAIT = 5.0
CONFIG = StreamerConfig(
    intervals=(Interval.M1,),
    backoff_base=0.001,
    backoff_cap=0.01,
    idle_timeout=0.2,
    resolve_timeout=1.0,
)


def _message(method: str, *params: Any) -> Message:
    return Message(method, list(params), {"m": method, "p": list(params)})


class FakeTradingView:
    """Answers like TradingView: ``symbol_resolved`` (or ``symbol_error``) for
    ``resolve_symbol``, a ``qsd`` snapshot per added symbol (or ``s: "error"``)."""

    def __init__(self, *, unknown: Iterable[str] = (), quote_errors: Iterable[str] = ()) -> None:
        self.unknown = set(unknown)
        self.quote_errors = set(quote_errors)
        self.connections: list[FakeConnection] = []
        self.refuse: Exception | None = None

    async def connect(self) -> QuoteConnection:
        """A quote connection over a new scripted websocket."""
        if self.refuse is not None:
            raise self.refuse
        connection = FakeConnection(self)
        self.connections.append(connection)
        return TradingViewQuoteConnection(connection)

    @property
    def current(self) -> FakeConnection:
        return self.connections[-1]

    def sent(self, method: str) -> list[list[Any]]:
        return [p for c in self.connections for m, p in c.sent if m == method]


class FakeConnection:
    def __init__(self, server: FakeTradingView) -> None:
        self.server = server
        self.sent: list[tuple[str, list[Any]]] = []
        self.inbox: asyncio.Queue[Message | Exception] = asyncio.Queue()
        self.heartbeats_echoed = 0
        self.closed = False

    async def send(self, method: str, params: list[Any]) -> None:
        self.sent.append((method, params))
        if method == "resolve_symbol":
            session, symbol_id, spec = params
            name = spec.split('"symbol":"')[1].split('"')[0]
            if name in self.server.unknown:
                self.push("symbol_error", session, symbol_id, "invalid symbol")
            else:
                meta = {"name": name, "timezone": "Etc/UTC", "session": "24x7"}
                self.push("symbol_resolved", session, symbol_id, meta)
        elif method == "quote_add_symbols":
            session, *names = params
            for name in names:
                if name in self.server.quote_errors:
                    self.push("qsd", session, {"n": name, "s": "error", "errmsg": "denied"})
                else:
                    values = {"lp": 100.0, "lp_time": T0, "volume": 1.0}
                    self.push("qsd", session, {"n": name, "s": "ok", "v": values})

    def push(self, method: str, *params: Any) -> None:
        self.inbox.put_nowait(_message(method, *params))

    def drop(self) -> None:
        self.inbox.put_nowait(FeedUnavailable("TradingView closed the connection"))

    async def receive(self, within: float | None = None) -> Message:
        try:
            async with asyncio.timeout(within):
                item = await self.inbox.get()
        except TimeoutError:
            raise ReplyTimeout("nothing") from None
        if isinstance(item, Exception):
            raise item
        return item

    async def close(self) -> None:
        self.closed = True

    @property
    def quote_session(self) -> str:
        return str(next(p[0] for m, p in self.sent if m == "quote_create_session"))


async def eventually(predicate: Callable[[], bool], what: str) -> None:
    """Wait until ``predicate()`` holds, checking every 5 ms, for at most ``WAIT`` s."""
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


@pytest.fixture
def server() -> FakeTradingView:
    return FakeTradingView(unknown={"NASDAQ:NOPE"}, quote_errors={"BINANCE:DENIED"})


@pytest.fixture
async def running(server: FakeTradingView) -> AsyncIterator[tuple[QuoteFeed, LiveBook]]:
    book = LiveBook(CONFIG.intervals)
    feed = QuoteFeed(book, server.connect, CONFIG)
    stop = asyncio.Event()
    task = asyncio.create_task(feed.run(stop))
    yield feed, book
    stop.set()
    async with asyncio.timeout(WAIT):
        await task


async def test_sessions_first_then_resolved_symbols_without_flags(
    server: FakeTradingView, running: tuple[QuoteFeed, LiveBook]
) -> None:
    feed, book = running
    feed.apply(DesiredQuotes(True, (BTC, ETH)))
    await eventually(lambda: feed.active_symbols() == [BTC.key, ETH.key], "both subscribed")
    methods = [m for m, _ in server.current.sent]
    assert methods[:3] == ["quote_create_session", "quote_set_fields", "chart_create_session"]
    fields = server.sent("quote_set_fields")[0]
    assert {"lp", "lp_time", "volume", "bid", "ask", "ch", "chp", "prev_close_price"} <= set(fields)
    for params in server.sent("quote_add_symbols"):
        assert all(isinstance(p, str) for p in params), "no force_permission flags object"
    assert len(server.sent("resolve_symbol")) == 2
    await eventually(lambda: book.ticks == 2, "the snapshots as ticks")
    assert feed.connected and feed.connected_since is not None


async def test_the_stores_session_saves_a_resolve(server: FakeTradingView) -> None:
    book = LiveBook(CONFIG.intervals)
    asked: list[Symbol] = []

    async def lookup(symbol: Symbol) -> TradingSession | None:
        asked.append(symbol)
        return TradingSession() if symbol == BTC else None

    feed = QuoteFeed(book, server.connect, CONFIG, lookup_session=lookup)
    stop = asyncio.Event()
    task = asyncio.create_task(feed.run(stop))
    feed.apply(DesiredQuotes(True, (BTC, ETH)))
    await eventually(lambda: len(feed.active_symbols()) == 2, "both subscribed")
    stop.set()
    await task
    assert asked == [BTC, ETH]
    assert [p[2] for p in server.sent("resolve_symbol")] == [
        '={"adjustment":"splits","session":"regular","symbol":"BINANCE:ETHUSDT"}'
    ]


async def test_unknown_symbols_are_reported_and_never_asked_for_again(
    server: FakeTradingView, running: tuple[QuoteFeed, LiveBook]
) -> None:
    feed, book = running
    denied = Symbol("BINANCE", "DENIED")
    feed.apply(DesiredQuotes(True, (BTC, NOPE, denied)))
    await eventually(lambda: len(feed.unknown) == 2, "two unknown symbols")
    assert feed.unknown == {NOPE: "invalid symbol", denied: "denied"}
    assert denied not in book
    server.current.drop()
    await eventually(lambda: len(server.connections) == 2 and feed.connected, "a reconnect")
    feed.apply(DesiredQuotes(True, (BTC, NOPE, denied)))
    await eventually(lambda: feed.active_symbols() == [BTC.key], "BTC again")
    resolved = [p[2] for p in server.sent("resolve_symbol")]
    assert sum("NASDAQ:NOPE" in spec for spec in resolved) == 1
    assert sum("BINANCE:DENIED" in p for p in server.sent("quote_add_symbols")) == 1

    feed.apply(DesiredQuotes(True, (BTC,)))  # unsubscribed: forgotten
    assert feed.unknown == {}
    server.unknown.clear()
    feed.apply(DesiredQuotes(True, (BTC, NOPE)))
    await eventually(lambda: NOPE.key in feed.active_symbols(), "NOPE tried again")


async def test_a_drop_reconnects_with_new_sessions_and_resubscribes(
    server: FakeTradingView, running: tuple[QuoteFeed, LiveBook]
) -> None:
    feed, _ = running
    feed.apply(DesiredQuotes(True, (BTC, ETH)))
    await eventually(lambda: len(feed.active_symbols()) == 2, "subscribed")
    first = server.current
    first.drop()
    await eventually(
        lambda: len(server.connections) == 2 and len(feed.active_symbols()) == 2, "resubscribed"
    )
    assert first.closed
    second = server.current
    assert second.quote_session != first.quote_session
    added = [p for m, p in second.sent if m == "quote_add_symbols"]
    assert sorted(name for p in added for name in p[1:]) == [BTC.key, ETH.key]
    assert [m for m, _ in second.sent].count("resolve_symbol") == 0  # sessions are cached
    assert feed.reconnects == 1 and feed.last_error is not None


async def test_silence_without_heartbeats_is_a_dead_connection(
    server: FakeTradingView, running: tuple[QuoteFeed, LiveBook]
) -> None:
    feed, _ = running
    feed.apply(DesiredQuotes(True, ()))
    await eventually(lambda: len(server.connections) >= 2, "a reconnect after silence")
    assert "neither messages nor heartbeats" in (feed.last_error or "")


async def test_heartbeats_alone_keep_the_connection(
    server: FakeTradingView, running: tuple[QuoteFeed, LiveBook]
) -> None:
    feed, _ = running
    feed.apply(DesiredQuotes(True, ()))
    await eventually(lambda: feed.connected, "connected")
    for _ in range(4):
        server.current.heartbeats_echoed += 1
        await asyncio.sleep(CONFIG.idle_timeout * 0.7)  # the time passing is the test
    assert len(server.connections) == 1


async def test_a_critical_error_on_our_session_reconnects(
    server: FakeTradingView, running: tuple[QuoteFeed, LiveBook]
) -> None:
    feed, _ = running
    feed.apply(DesiredQuotes(True, (BTC,)))
    await eventually(lambda: feed.active_symbols() == [BTC.key], "subscribed")
    connection = server.current
    connection.push("critical_error", "cs_other", "invalid_parameters", "x")  # not ours
    connection.push("critical_error", connection.quote_session, "invalid_parameters", "x")
    await eventually(lambda: len(server.connections) == 2 and feed.connected, "a reconnect")
    assert "invalid_parameters" in (feed.last_error or "")


async def test_stopping_closes_the_connection_and_starting_opens_one(
    server: FakeTradingView, running: tuple[QuoteFeed, LiveBook]
) -> None:
    feed, book = running
    feed.apply(DesiredQuotes(True, (BTC,)))
    await eventually(lambda: feed.active_symbols() == [BTC.key], "subscribed")
    feed.apply(DesiredQuotes(False, (BTC,)))
    await eventually(lambda: server.current.closed, "the connection closed")
    assert not feed.connected and feed.reconnects == 0 and BTC in book
    feed.apply(DesiredQuotes(True, (BTC,)))
    await eventually(lambda: len(server.connections) == 2 and feed.connected, "reconnected")


async def test_refused_connections_back_off_and_report(server: FakeTradingView) -> None:
    rejected: list[bool] = []
    server.refuse = AuthenticationRejected("TradingView rejected the auth token")
    feed = QuoteFeed(
        LiveBook(CONFIG.intervals),
        server.connect,
        CONFIG,
        on_auth_rejected=lambda: rejected.append(True),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(feed.run(stop))
    feed.apply(DesiredQuotes(True, (BTC,)))
    await eventually(lambda: feed.reconnects >= 3, "three attempts")
    server.refuse = None
    await eventually(lambda: feed.connected, "connected once TradingView accepts")
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert len(rejected) >= 3
    assert feed.seconds_unconnected() > 0
