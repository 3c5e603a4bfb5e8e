"""The live book: merging ``qsd`` snapshots and partial updates, ticks for the aggregator,
what the flusher takes, and the snapshot that survives a restart."""

from __future__ import annotations

from typing import Any

import pytest

from domain.bars import Bar, SeriesKey
from domain.intervals import Interval
from domain.sessions import TradingSession
from domain.symbols import Symbol
from streamer.book import LiveBook, PendingBar, pending_from_record, pending_record
from tests.qsd import deliver

QS = "qs_test"
BTC = Symbol("BINANCE", "BTCUSDT")
AAPL = Symbol("NASDAQ", "AAPL")
CRYPTO = TradingSession()
NASDAQ = TradingSession("America/New_York", "0930-1600")
T0 = 1_710_460_800  # 2024-03-15 00:00 UTC
OPEN = 1_710_509_400  # 2024-03-15 13:30 UTC, 09:30 in New York


def qsd(symbol: Symbol, status: str = "ok", **values: Any) -> list[Any]:
    return [QS, {"n": symbol.key, "s": status, "v": values}]


Tick = tuple[Symbol, float, float, float | None]


@pytest.fixture
def recorded() -> list[Tick]:
    return []


@pytest.fixture
def book(recorded: list[Tick]) -> LiveBook:
    made = LiveBook((Interval.M1, Interval.M5, Interval.D1), observer=lambda *t: recorded.append(t))
    made.add(BTC, CRYPTO)
    return made


def test_a_snapshot_then_partial_updates_merge_into_the_last_state(
    book: LiveBook, recorded: list[Tick]
) -> None:
    deliver(book, qsd(BTC, lp=100.0, lp_time=T0, volume=10.0, bid=99.5, ask=100.5, ch=1.0), 1.0)
    deliver(book, qsd(BTC, bid=99.6), 2.0)  # the book only: no tick
    deliver(book, qsd(BTC, lp=101.0, lp_time=T0 + 5), 3.0)  # no volume in this partial
    deliver(book, qsd(BTC, volume=12.5), 4.0)  # the volume only: a tick at the last trade
    feed = book.feed(BTC)
    assert feed is not None
    assert feed.values == {
        "lp": 101.0,
        "lp_time": T0 + 5,
        "volume": 12.5,
        "bid": 99.6,
        "ask": 100.5,
        "ch": 1.0,
    }
    assert recorded == [
        (BTC, T0, 100.0, 10.0),
        (BTC, T0 + 5, 101.0, 10.0),
        (BTC, T0 + 5, 101.0, 12.5),
    ]
    assert book.ticks == 3
    bar = feed.aggregator.current_bar(Interval.M1)
    assert bar == Bar(T0, 100.0, 101.0, 100.0, 101.0, 2.5)


def test_without_lp_time_the_receipt_time_is_the_tick_time(
    book: LiveBook, recorded: list[Tick]
) -> None:
    deliver(book, qsd(BTC, lp=100.0), T0 + 30.5)
    assert recorded == [(BTC, T0 + 30.5, 100.0, None)]


@pytest.mark.parametrize(
    "values",
    [{"lp": "n/a", "lp_time": T0}, {"lp": float("nan"), "lp_time": T0}, {"lp_time": T0}],
)
def test_no_tick_without_a_finite_price(
    book: LiveBook, recorded: list[Tick], values: dict[str, Any]
) -> None:
    deliver(book, qsd(BTC, **values), 1.0)
    assert recorded == [] and book.ticks == 0


def test_a_quote_error_is_reported_and_unknown_names_are_ignored(book: LiveBook) -> None:
    error = deliver(book, [QS, {"n": BTC.key, "s": "error", "errmsg": "no permission", "v": {}}], 1)
    assert error is not None and error.name == BTC.key and error.reason == "no permission"
    assert deliver(book, qsd(Symbol("X", "Y"), lp=1.0, lp_time=T0), 1.0) is None
    assert deliver(book, [QS], 1.0) is None
    assert deliver(book, [QS, "not an object"], 1.0) is None
    assert book.ticks == 0


def test_changes_are_coalesced_per_symbol_and_taken_once(book: LiveBook) -> None:
    for second in range(50):
        deliver(book, qsd(BTC, lp=100.0 + second, lp_time=T0 + second, volume=float(second)), 1)
    changes = book.take_changes()
    assert [q.last_price for q in changes.quotes] == [149.0]
    assert changes.quotes[0].timestamp == T0 + 49 and changes.quotes[0].received_at == 1
    assert set(changes.bars) == {
        (BTC.key, Interval.M1),
        (BTC.key, Interval.M5),
        (BTC.key, Interval.D1),
    }
    assert changes.cleared_bars == [] and changes.removed_symbols == []
    again = book.take_changes()
    assert again.quotes == [] and again.bars == {}


def test_a_failed_write_is_taken_again_with_the_newest_values(book: LiveBook) -> None:
    deliver(book, qsd(BTC, lp=100.0, lp_time=T0), 1.0)
    failed = book.take_changes()
    deliver(book, qsd(BTC, lp=101.0, lp_time=T0 + 1), 2.0)
    book.mark_changed(failed)
    retried = book.take_changes()
    assert [q.last_price for q in retried.quotes] == [101.0]


def test_completed_bars_queue_in_order_and_requeue_in_front(book: LiveBook) -> None:
    deliver(book, qsd(BTC, lp=100.0, lp_time=T0, volume=1.0), 1.0)
    deliver(book, qsd(BTC, lp=102.0, lp_time=T0 + 61, volume=3.0), 2.0)
    deliver(book, qsd(BTC, lp=103.0, lp_time=T0 + 301, volume=4.0), 3.0)
    taken = book.take_completed()
    assert [(p.key.interval, p.bar.time) for p in taken] == [
        (Interval.M1, T0),
        (Interval.M1, T0 + 60),
        (Interval.M5, T0),
    ]
    assert taken[2].bar == Bar(T0, 100.0, 102.0, 100.0, 102.0, 2.0)
    deliver(book, qsd(BTC, lp=104.0, lp_time=T0 + 361, volume=5.0), 4.0)
    book.requeue_completed(taken)
    assert [p.bar.time for p in book.take_completed()] == [T0, T0 + 60, T0, T0 + 300]


def test_flush_due_completes_bars_on_the_symbols_own_feed_clock(book: LiveBook) -> None:
    delayed = Symbol("BINANCE", "ETHUSDT")
    book.add(delayed, CRYPTO)
    deliver(book, qsd(BTC, lp=100.0, lp_time=T0 + 50), 1000.0)
    deliver(book, qsd(delayed, lp=10.0, lp_time=T0 - 900 + 20), 1000.0)  # 15 minutes late
    book.take_changes()
    # 12 s of wall time later BTC's feed is at T0 + 62 (its minute ended 2 s ago, the
    # grace); ETH's is at T0 - 868, inside its minute still.
    assert book.flush_due(1011.0, grace=2.0) == 0
    assert book.flush_due(1012.0, grace=2.0) == 1
    assert [(p.key.symbol, p.bar.time) for p in book.take_completed()] == [(BTC, T0)]
    changes = book.take_changes()
    assert (BTC.key, Interval.M1) in changes.cleared_bars
    assert (BTC.key, Interval.M5) in changes.bars


def test_a_tick_outside_the_session_builds_no_bar(book: LiveBook) -> None:
    book.add(AAPL, NASDAQ)
    deliver(book, qsd(AAPL, lp=170.0, lp_time=OPEN - 60, volume=100.0), 1.0)  # pre-market
    feed = book.feed(AAPL)
    assert feed is not None and feed.aggregator.current_bars() == {}
    deliver(book, qsd(AAPL, lp=171.0, lp_time=OPEN + 1, volume=150.0), 2.0)
    assert feed.aggregator.current_bar(Interval.D1) == Bar(OPEN, 171.0, 171.0, 171.0, 171.0, 50.0)


def test_removing_a_symbol_deletes_its_state_unless_it_came_back(book: LiveBook) -> None:
    eth = Symbol("BINANCE", "ETHUSDT")
    book.add(eth, CRYPTO)
    assert book.remove(eth) and not book.remove(eth)
    assert book.take_changes().removed_symbols == [eth.key]
    book.remove(BTC)
    book.add(BTC, CRYPTO)
    assert book.take_changes().removed_symbols == []
    assert eth not in book and BTC in book


def test_the_snapshot_restores_bars_in_progress_and_quotes(book: LiveBook) -> None:
    book.add(AAPL, NASDAQ)
    deliver(book, qsd(BTC, lp=100.0, lp_time=T0, volume=1.0, bid=99.0), 1.0)
    deliver(book, qsd(BTC, lp=99.0, lp_time=T0 + 30, volume=2.0), 2.0)
    deliver(book, qsd(AAPL, lp=171.0, lp_time=OPEN + 1, volume=150.0), 2.0)
    snapshot = book.snapshot()

    resumed = LiveBook(book.intervals)
    assert resumed.restore(snapshot) == []
    feed = resumed.feed(BTC)
    assert feed is not None and feed.values["bid"] == 99.0
    assert feed.aggregator.current_bar(Interval.M1) == Bar(T0, 100.0, 100.0, 99.0, 99.0, 1.0)
    deliver(resumed, qsd(BTC, lp=101.0, lp_time=T0 + 45, volume=4.0), 3.0)
    assert feed.aggregator.current_bar(Interval.M1) == Bar(T0, 100.0, 101.0, 99.0, 101.0, 3.0)
    apple = resumed.feed(AAPL)
    assert apple is not None and apple.session == NASDAQ


def test_a_malformed_symbol_in_the_snapshot_is_reported_and_skipped(book: LiveBook) -> None:
    snapshot = book.snapshot()
    snapshot["BAD:ONE"] = {"session": {"timezone": "Nowhere/Nowhere", "session": "24x7"}}
    resumed = LiveBook(book.intervals)
    assert resumed.restore(snapshot) == ["BAD:ONE"]
    assert resumed.symbols() == [BTC]


def test_pending_bars_round_trip_through_json_records() -> None:
    pending = PendingBar(SeriesKey(BTC, Interval.H4), Bar(T0, 1.0, 2.0, 0.5, 1.5, None), 12.5)
    assert pending_from_record(pending_record(pending)) == pending
