"""Quote control and reads (``application.quotes``) on the embedded adapters: the desired
state in SQLite (and MongoDB, on mongomock), the hot state and the signal in process."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mongomock
import pytest

from adapters.quote_state.in_process import InProcessControl, InProcessQuoteState
from adapters.quote_state.mongo_subscriptions import MongoSubscriptionStore
from adapters.quote_state.sqlite_subscriptions import SqliteSubscriptionStore
from application.quote_ports import (
    DesiredQuotes,
    QuoteStateUnavailable,
    StateBatch,
    StreamerStatus,
    SubscriptionStore,
)
from application.quotes import QuoteNotFound, QuoteService
from domain.bars import Bar
from domain.errors import InvalidInput
from domain.intervals import Interval
from domain.quotes import LatestQuote
from domain.symbols import Symbol
from functions.api.models.fields import ApiModel
from functions.api.models.quotes import (
    CurrentBarResponse,
    QuoteControlResponse,
    QuoteResponse,
    QuoteStatusResponse,
)

BTC = Symbol("BINANCE", "BTCUSDT")
AAPL = Symbol("NASDAQ", "AAPL")
NOW = 1_710_532_800.0


def body(response: ApiModel) -> Any:
    """What the route answers for the use case's value."""
    return json.loads(response.body())


@pytest.fixture(params=["sqlite", "mongodb"])
def subscriptions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SubscriptionStore]:
    store: SubscriptionStore
    if request.param == "sqlite":
        store = SqliteSubscriptionStore(tmp_path / "quote_control.sqlite3")
    else:
        store = MongoSubscriptionStore(mongomock.MongoClient(), "pocketquant")
    yield store
    store.close()


class RecordingControl(InProcessControl):
    def __init__(self) -> None:
        super().__init__()
        self.signals = 0
        self.fail = False

    def notify(self) -> None:
        if self.fail:
            raise QuoteStateUnavailable("Redis could not signal the streamer: refused")
        self.signals += 1
        super().notify()


@pytest.fixture
def state() -> InProcessQuoteState:
    return InProcessQuoteState()


@pytest.fixture
def control() -> RecordingControl:
    return RecordingControl()


@pytest.fixture
def quotes(
    subscriptions: SubscriptionStore, state: InProcessQuoteState, control: RecordingControl
) -> QuoteService:
    return QuoteService(subscriptions, state, control, clock=lambda: NOW)


def test_the_desired_state_is_durable_and_set_like(subscriptions: SubscriptionStore) -> None:
    assert subscriptions.desired() == DesiredQuotes(False, ())
    assert subscriptions.add_symbol(BTC) and not subscriptions.add_symbol(BTC)
    assert subscriptions.add_symbol(AAPL)
    subscriptions.set_running(True)
    assert subscriptions.desired() == DesiredQuotes(True, (BTC, AAPL))
    assert subscriptions.remove_symbol(BTC) and not subscriptions.remove_symbol(BTC)
    assert subscriptions.desired() == DesiredQuotes(True, (AAPL,))


def test_sqlite_subscriptions_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "quote_control.sqlite3"
    first = SqliteSubscriptionStore(path)
    first.add_symbol(BTC)
    first.set_running(True)
    first.close()
    again = SqliteSubscriptionStore(path)
    assert again.desired() == DesiredQuotes(True, (BTC,))
    again.close()


def test_control_answers_and_signals_only_changes(
    quotes: QuoteService, control: RecordingControl
) -> None:
    first = body(QuoteControlResponse.of(quotes.subscribe(Symbol("binance", "btcusdt"))))
    assert first == {
        "running": False,
        "subscription_count": 1,
        "changed": True,
        "symbol": "BTCUSDT",
        "exchange": "BINANCE",
        "subscribed": True,
    }
    assert quotes.subscribe(Symbol("BINANCE", "BTCUSDT")).changed is False
    started = body(QuoteControlResponse.of(quotes.start()))
    assert started == {"running": True, "subscription_count": 1, "changed": True}
    assert quotes.start().changed is False
    gone = quotes.unsubscribe(Symbol("BINANCE", "BTCUSDT"))
    assert gone.subscribed is False and gone.subscription_count == 0 and gone.running
    assert quotes.stop().running is False
    assert control.signals == 5  # subscribe, start twice, unsubscribe, stop


def test_bad_names_are_refused_before_anything_is_stored(
    quotes: QuoteService, subscriptions: SubscriptionStore
) -> None:
    with pytest.raises(InvalidInput) as raised:
        quotes.subscribe(Symbol("BINANCE", "BTC/USDT"))
    assert raised.value.field == "symbol"
    assert subscriptions.desired().symbols == ()


def test_too_many_subscriptions_are_refused(
    quotes: QuoteService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("application.quotes.MAX_SUBSCRIPTIONS", 3)
    for index in range(3):
        quotes.subscribe(Symbol("X", f"S{index}"))
    with pytest.raises(InvalidInput, match="at most 3"):
        quotes.subscribe(Symbol("X", "ONE_MORE"))
    assert quotes.subscribe(Symbol("X", "S0")).changed is False


def test_a_lost_signal_does_not_fail_the_request(
    quotes: QuoteService, control: RecordingControl, caplog: pytest.LogCaptureFixture
) -> None:
    control.fail = True
    assert quotes.subscribe(Symbol("BINANCE", "BTCUSDT")).changed
    assert "periodic reconcile" in caplog.text


async def test_reads_come_from_what_the_streamer_wrote(
    quotes: QuoteService, state: InProcessQuoteState
) -> None:
    quotes.subscribe(Symbol("BINANCE", "BTCUSDT"))
    quotes.subscribe(Symbol("NASDAQ", "AAPL"))
    quotes.start()
    quote = LatestQuote(
        Symbol("BINANCE", "BTCUSDT"), timestamp=NOW - 1, last_price=68000.5, bid=68000.0
    )
    bar = Bar(int(NOW) - 60, 1.0, 2.0, 0.5, 1.5, 10.0)
    status = StreamerStatus(
        connected=True,
        updated_at=NOW - 2,
        running=True,
        last_tick_at=NOW - 1,
        active_symbols=(BTC.key, "OLD:GONE"),
        unknown_symbols={AAPL.key: "invalid symbol"},
    )
    await state.write(StateBatch(quotes=[quote], bars={(BTC.key, Interval.M5): bar}, status=status))

    latest = body(QuoteResponse.of(quotes.latest(Symbol("binance", "btcusdt"))))
    assert latest["timestamp"] == "2024-03-15T19:59:59Z" and latest["last_price"] == 68000.5
    assert latest["ask"] is None and latest["prev_close"] is None
    assert [q.symbol for q in quotes.all_latest()] == [BTC]
    current = body(
        CurrentBarResponse.of(quotes.current_bar(Symbol("BINANCE", "BTCUSDT"), Interval.M5))
    )
    assert current == {
        "symbol": "BTCUSDT",
        "exchange": "BINANCE",
        "interval": "5m",
        "datetime": "2024-03-15T19:59:00Z",
        "open": 1.0,
        "high": 2.0,
        "low": 0.5,
        "close": 1.5,
        "volume": 10.0,
    }
    assert body(QuoteStatusResponse.of(quotes.status())) == {
        "running": True,
        "subscription_count": 2,
        "active_symbols": [BTC.key],
        "connected": True,
        "last_tick_at": "2024-03-15T19:59:59Z",
        "unknown_symbols": {AAPL.key: "invalid symbol"},
    }
    with pytest.raises(QuoteNotFound, match="TradingView does not know it"):
        quotes.latest(Symbol("NASDAQ", "AAPL"))
    with pytest.raises(QuoteNotFound, match="no 1h bar in progress"):
        quotes.current_bar(Symbol("BINANCE", "BTCUSDT"), Interval.parse("1h"))
    with pytest.raises(InvalidInput):
        quotes.current_bar(Symbol("BINANCE", "BTCUSDT"), Interval.parse("7m"))


async def test_a_stale_status_means_no_streamer(
    subscriptions: SubscriptionStore, state: InProcessQuoteState, control: RecordingControl
) -> None:
    status = StreamerStatus(connected=True, updated_at=NOW, active_symbols=(BTC.key,))
    await state.write(StateBatch(status=status))
    subscriptions.add_symbol(BTC)
    later = QuoteService(subscriptions, state, control, clock=lambda: NOW + 60)
    report = later.status()
    assert report.connected is False and report.active_symbols == ()


def test_why_there_is_no_quote(quotes: QuoteService) -> None:
    with pytest.raises(QuoteNotFound, match="not subscribed"):
        quotes.latest(Symbol("BINANCE", "BTCUSDT"))
    quotes.subscribe(Symbol("BINANCE", "BTCUSDT"))
    with pytest.raises(QuoteNotFound, match="the feed is stopped"):
        quotes.latest(Symbol("BINANCE", "BTCUSDT"))
    quotes.start()
    with pytest.raises(QuoteNotFound, match="has not received one"):
        quotes.latest(Symbol("BINANCE", "BTCUSDT"))


async def test_unsubscribed_symbols_leave_the_in_process_state(state: InProcessQuoteState) -> None:
    quote = LatestQuote(Symbol("BINANCE", "BTCUSDT"), last_price=1.0)
    bar = Bar(0, 1.0, 1.0, 1.0, 1.0)
    await state.write(StateBatch(quotes=[quote], bars={(BTC.key, Interval.M1): bar}))
    await state.write(StateBatch(cleared_bars=[(BTC.key, Interval.M1)]))
    assert state.current_bar(BTC, Interval.M1) is None and state.latest(BTC) is not None
    await state.write(StateBatch(removed_symbols=[BTC.key]))
    assert state.latest(BTC) is None


async def test_the_snapshot_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "streamer-snapshot.json"
    state = InProcessQuoteState(path)
    assert await state.load_snapshot() is None
    await state.save_snapshot({"version": 1, "symbols": {}})
    await state.save_snapshot({"version": 1, "symbols": {"A:B": {}}})
    assert await InProcessQuoteState(path).load_snapshot() == {"version": 1, "symbols": {"A:B": {}}}
    left = await asyncio.to_thread(lambda: [p.name for p in tmp_path.iterdir()])
    assert left == ["streamer-snapshot.json"]


async def test_the_in_process_signal_crosses_threads() -> None:
    control = InProcessControl()
    listener = control.listener()
    assert await listener.wait(0.01) is False
    thread = threading.Thread(target=control.notify)
    waiting = asyncio.ensure_future(listener.wait(5.0))
    await asyncio.sleep(0)  # let the wait begin before the signal
    thread.start()
    assert await waiting is True
    thread.join()
    control.notify()  # before a wait: kept until the next one
    assert await listener.wait(0.01) is True
    assert await listener.wait(0.01) is False
    await listener.aclose()
    control.notify()
    assert await listener.wait(0.01) is False
