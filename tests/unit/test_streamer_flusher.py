"""The flusher: coalesced state writes, completed bars to the store and the bus, retries
that lose nothing, and the snapshot that carries what is not stored yet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from adapters.cache.invalidation import CacheInvalidatingPublisher
from adapters.cache.memory_cache import InProcessQueryCache
from adapters.events.in_process import InProcessEventBus
from adapters.quote_state.in_process import InProcessQuoteState
from application.bar_cache import CacheUnavailable
from application.quote_ports import QuoteStateUnavailable, StateBatch, StreamerStatus
from domain.bars import SeriesKey
from domain.errors import StoreUnavailable
from domain.events import BarCompleted, DomainEvent
from domain.intervals import Interval
from domain.sessions import TradingSession
from domain.symbols import Symbol
from streamer.book import LiveBook
from streamer.config import StreamerConfig
from streamer.flusher import Flusher
from tests.fakes import FakeBarStore, FakeClock
from tests.unit.test_api_query_cache import BrokenCache

BTC = Symbol("BINANCE", "BTCUSDT")
T0 = 1_710_460_800
CONFIG = StreamerConfig(intervals=(Interval.M1, Interval.M5), status_interval=60.0)


class FlakyWriter(InProcessQuoteState):
    """The in-process state, failing while ``down`` is set; records every batch."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.batches: list[StateBatch] = []

    async def write(self, batch: StateBatch) -> None:
        if self.down:
            raise QuoteStateUnavailable("Redis could not write: connection refused")
        self.batches.append(batch)
        await super().write(batch)

    async def save_snapshot(self, snapshot: Mapping[str, Any]) -> None:
        if self.down:
            raise QuoteStateUnavailable("Redis could not save: connection refused")
        await super().save_snapshot(snapshot)


class FlakyBus(InProcessEventBus):
    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.published: list[DomainEvent] = []

    def publish(self, events: Sequence[DomainEvent]) -> None:
        if self.down:
            raise RuntimeError("EventBridge is throttling")
        self.published.extend(events)


def tick(book: LiveBook, second: int, price: float, volume: float) -> None:
    values = {"lp": price, "lp_time": T0 + second, "volume": volume}
    book.on_quote(BTC.key, values, 1000.0 + second)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def parts(clock: FakeClock) -> tuple[LiveBook, FlakyWriter, FakeBarStore, FlakyBus, Flusher]:
    book = LiveBook(CONFIG.intervals)
    book.add(BTC, TradingSession())
    writer, store, bus = FlakyWriter(), FakeBarStore(), FlakyBus()
    status = StreamerStatus(connected=True, updated_at=0.0, running=True)
    flusher = Flusher(
        book, writer, store, bus, lambda: status, config=CONFIG, clock=clock, monotonic=clock
    )
    return book, writer, store, bus, flusher


Parts = tuple[LiveBook, FlakyWriter, FakeBarStore, FlakyBus, Flusher]


async def test_one_write_per_flush_with_only_what_changed(parts: Parts) -> None:
    book, writer, _, _, flusher = parts
    for second in range(10):
        tick(book, second, 100.0 + second, float(second))
    await flusher.flush()
    await flusher.flush()  # nothing changed: nothing written
    assert len(writer.batches) == 1
    batch = writer.batches[0]
    assert [q.last_price for q in batch.quotes] == [109.0]
    assert set(batch.bars) == {(BTC.key, Interval.M1), (BTC.key, Interval.M5)}
    assert batch.status is not None
    assert writer.latest(BTC) is not None


async def test_the_status_is_rewritten_when_it_would_look_stale(
    parts: Parts, clock: FakeClock
) -> None:
    _, writer, _, _, flusher = parts
    await flusher.flush()
    clock.now += 30
    await flusher.flush()
    clock.now += 31
    await flusher.flush()
    assert [b.status is not None for b in writer.batches] == [True, True]


async def test_completed_bars_are_stored_then_announced_once(parts: Parts) -> None:
    book, _, store, bus, flusher = parts
    tick(book, 0, 100.0, 1.0)
    tick(book, 30, 101.0, 2.0)
    tick(book, 61, 102.0, 4.0)
    await flusher.flush()
    key = SeriesKey(BTC, Interval.M1)
    assert [b.time for b in store.get_bars(key)] == [T0]
    assert store.get_bars(key)[0].volume == 1.0
    assert [(e.key, e.bar.time) for e in bus.published if isinstance(e, BarCompleted)] == [
        (key, T0)
    ]
    await flusher.flush()
    assert len(bus.published) == 1


async def test_a_state_outage_loses_no_update(parts: Parts, clock: FakeClock) -> None:
    book, writer, store, _, flusher = parts
    tick(book, 0, 100.0, 1.0)
    writer.down = True
    await flusher.flush()
    tick(book, 61, 102.0, 2.0)
    await flusher.flush()
    assert flusher.state_outage.failing and writer.latest(BTC) is None
    assert len(store.get_bars(SeriesKey(BTC, Interval.M1))) == 1  # the store is unaffected
    writer.down = False
    clock.now += 1
    await flusher.flush()
    assert not flusher.state_outage.failing
    latest = writer.latest(BTC)
    assert latest is not None and latest.last_price == 102.0


async def test_bars_the_store_refused_are_retried_in_order(parts: Parts, clock: FakeClock) -> None:
    book, _, store, bus, flusher = parts
    store.fail_upsert = StoreUnavailable("MongoDB could not store bars: timed out")
    tick(book, 0, 100.0, 1.0)
    tick(book, 61, 101.0, 2.0)
    tick(book, 122, 102.0, 3.0)
    await flusher.flush()
    assert flusher.store_outage.failing and book.completed_count == 2
    snapshot = flusher.snapshot()
    assert [r[2] for r in snapshot["unstored"]] == [T0, T0 + 60]
    store.fail_upsert = None
    await flusher.flush()  # still inside the backoff: not retried yet
    assert book.completed_count == 2
    clock.now += 60
    await flusher.flush()
    assert [b.time for b in store.get_bars(SeriesKey(BTC, Interval.M1))] == [T0, T0 + 60]
    assert book.completed_count == 0 and not flusher.store_outage.failing
    assert len(bus.published) == 2


async def test_events_the_bus_refused_are_kept_and_sent_later(
    parts: Parts, clock: FakeClock
) -> None:
    book, _, _, bus, flusher = parts
    bus.down = True
    tick(book, 0, 100.0, 1.0)
    tick(book, 61, 101.0, 2.0)
    await flusher.flush()
    assert flusher.events_outage.failing
    assert len(flusher.snapshot()["unpublished"]) == 1
    bus.down = False
    clock.now += 60
    await flusher.flush()
    assert len(bus.published) == 1 and flusher.snapshot()["unpublished"] == []


async def test_snapshots_are_saved_periodically_and_on_demand(
    parts: Parts, clock: FakeClock
) -> None:
    book, writer, _, _, flusher = parts
    tick(book, 0, 100.0, 1.0)
    await flusher.flush()
    assert await writer.load_snapshot() is None
    clock.now += CONFIG.snapshot_interval
    await flusher.flush()
    saved = await writer.load_snapshot()
    assert saved is not None and BTC.key in saved["symbols"]
    writer.down = True
    assert not await flusher.save_snapshot()
    assert flusher.snapshot_outage.failing


def _flusher_with_cache(
    cache: Any, clock: FakeClock, errors: list[CacheUnavailable] | None = None
) -> tuple[LiveBook, FakeBarStore, Flusher]:
    """A flusher publishing through the one publisher that keeps the cache in step, as the
    composition root gives it (``Services.events``)."""
    book = LiveBook(CONFIG.intervals)
    book.add(BTC, TradingSession())
    store = FakeBarStore()
    status = StreamerStatus(connected=True, updated_at=0.0, running=True)
    report = errors.append if errors is not None else None
    flusher = Flusher(
        book,
        FlakyWriter(),
        store,
        CacheInvalidatingPublisher(FlakyBus(), cache, on_error=report),
        lambda: status,
        config=CONFIG,
        clock=clock,
        monotonic=clock,
    )
    return book, store, flusher


async def test_storing_completed_bars_makes_the_series_cached_queries_stale(
    clock: FakeClock,
) -> None:
    cache = InProcessQueryCache()
    key = SeriesKey(BTC, Interval.M1)
    before = cache.lookup(key, "q").version
    cache.store(key, "q", before, b"old body")
    book, _, flusher = _flusher_with_cache(cache, clock)
    tick(book, 0, 100.0, 1.0)
    await flusher.flush()
    assert cache.lookup(key, "q").body == b"old body"  # nothing completed yet

    tick(book, 61, 102.0, 4.0)
    await flusher.flush()

    assert cache.lookup(key, "q").body is None
    assert cache.lookup(SeriesKey(BTC, Interval.M5), "q").version == "0"  # not completed


async def test_a_cache_that_is_down_does_not_stop_bars_being_stored(clock: FakeClock) -> None:
    errors: list[CacheUnavailable] = []
    book, store, flusher = _flusher_with_cache(BrokenCache(), clock, errors)
    tick(book, 0, 100.0, 1.0)
    tick(book, 61, 102.0, 4.0)

    await flusher.flush()

    assert store.count_bars(SeriesKey(BTC, Interval.M1)) == 1
    assert errors, "the failed invalidation is reported"
    assert not flusher.events_outage.failing  # the BarCompleted still went out
