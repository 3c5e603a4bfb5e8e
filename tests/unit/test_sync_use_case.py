from __future__ import annotations

import asyncio

import pytest

from application.sync import OVERLAP_BARS, SyncDeadlineExceeded, SyncRequest, sync_series
from domain.bars import Bar, SeriesKey
from domain.errors import FeedUnavailable, InvalidBar, InvalidInput, StoreUnavailable
from domain.events import BarsSynced, SyncFailed
from domain.intervals import Interval
from domain.ports import History
from domain.series import SyncState
from domain.symbols import Symbol
from tests.fakes import FakeBarStore, FakeFeed, RecordingEvents

KEY = SeriesKey(Symbol("BINANCE", "BTCUSDT"), Interval.H1)
T0 = 1_700_000_000 - 1_700_000_000 % 3600


def hourly(count: int, start: int = T0) -> list[Bar]:
    return [
        Bar(start + i * 3600, 100.0 + i, 101.0 + i, 99.0 + i, 100.5 + i, 10.0) for i in range(count)
    ]


async def test_first_sync_stores_bars_status_symbol_and_publishes() -> None:
    store, events = FakeBarStore(), RecordingEvents()
    feed = FakeFeed(hourly(50))
    result = await sync_series(
        SyncRequest(KEY, n_bars=20),
        feed=feed,
        store=store,
        events=events,
        clock=lambda: T0 + 50 * 3600,
    )
    assert (result.bars_synced, result.new_bars, result.total_bars) == (20, 20, 20)
    assert not result.incremental
    assert feed.requests == [(KEY.symbol, KEY.interval, 20, None)]
    status = store.get_status(KEY)
    assert status is not None and status.status is SyncState.OK and status.bar_count == 20
    assert status.last_bar_at == T0 + 49 * 3600
    assert store.get_symbol(KEY.symbol) is not None
    assert [type(e) for e in events.events] == [BarsSynced]


async def test_second_sync_is_incremental_with_overlap_and_adds_no_duplicates() -> None:
    store, events = FakeBarStore(), RecordingEvents()
    feed = FakeFeed(hourly(50))
    now = T0 + 50 * 3600
    await sync_series(
        SyncRequest(KEY, n_bars=50), feed=feed, store=store, events=events, clock=lambda: now
    )
    feed.bars = hourly(52)
    result = await sync_series(
        SyncRequest(KEY, n_bars=5000),
        feed=feed,
        store=store,
        events=events,
        clock=lambda: now + 2 * 3600,
    )
    _, _, n_bars, since = feed.requests[-1]
    assert since == T0 + (49 - (OVERLAP_BARS - 1)) * 3600  # the 3rd newest stored bar
    assert n_bars < 20
    assert result.incremental and result.new_bars == 2 and result.total_bars == 52


async def test_full_backfill_ignores_stored_bars() -> None:
    store, events = FakeBarStore(), RecordingEvents()
    feed = FakeFeed(hourly(30))
    await sync_series(SyncRequest(KEY, n_bars=10), feed=feed, store=store, events=events)
    result = await sync_series(
        SyncRequest(KEY, n_bars=30, full=True), feed=feed, store=store, events=events
    )
    assert feed.requests[-1][2:] == (30, None)
    assert result.total_bars == 30 and result.new_bars == 20


async def test_feed_failure_keeps_bars_and_records_error() -> None:
    store, events = FakeBarStore(), RecordingEvents()
    feed = FakeFeed(hourly(10))
    await sync_series(SyncRequest(KEY, n_bars=10), feed=feed, store=store, events=events)
    before = store.get_bars(KEY)
    feed.error = FeedUnavailable("connection closed mid-sync")
    with pytest.raises(FeedUnavailable):
        await sync_series(SyncRequest(KEY, full=True), feed=feed, store=store, events=events)
    assert store.get_bars(KEY) == before
    status = store.get_status(KEY)
    assert status is not None and status.status is SyncState.FAILED
    assert status.error_code == "feed_unavailable" and status.bar_count == 10
    assert "mid-sync" in (status.error_message or "")
    assert isinstance(events.events[-1], SyncFailed)


async def test_invalid_bars_from_feed_are_refused_whole() -> None:
    store, events = FakeBarStore(), RecordingEvents()
    bars = hourly(5)
    bars[2] = Bar(bars[2].time, 100.0, 99.0, 98.0, 100.0, 1.0)  # high below open
    with pytest.raises(InvalidBar):
        await sync_series(SyncRequest(KEY), feed=FakeFeed(bars), store=store, events=events)
    assert store.count_bars(KEY) == 0
    status = store.get_status(KEY)
    assert status is not None and status.error_code == "invalid_bar"


async def test_store_failure_is_reported_not_swallowed() -> None:
    store, events = FakeBarStore(), RecordingEvents()
    store.fail_upsert = StoreUnavailable("disk full")
    with pytest.raises(StoreUnavailable):
        await sync_series(SyncRequest(KEY), feed=FakeFeed(hourly(3)), store=store, events=events)
    assert isinstance(events.events[-1], SyncFailed)


@pytest.mark.parametrize("n_bars", [0, -1, 100_001])
def test_request_refuses_bar_counts_out_of_range(n_bars: int) -> None:
    with pytest.raises(InvalidInput, match="n_bars"):
        SyncRequest(KEY, n_bars=n_bars)


NASDAQ_HOURLY = SeriesKey(Symbol("NASDAQ", "AAPL"), Interval.H1)
FRIDAY_1430 = 1_710_513_000  # 2024-03-15 14:30 UTC, 10:30 New York
MONDAY_1330 = FRIDAY_1430 + 3 * 86_400 - 3600  # 2024-03-18 09:30 New York, the day's first bar


async def test_the_overlap_is_three_stored_bars_even_across_a_weekend() -> None:
    """Three hours before Monday's first bar hold no bar at all; three bars reach Friday."""
    store, events = FakeBarStore(), RecordingEvents()
    friday = [Bar(FRIDAY_1430 + i * 3600, 10.0, 11.0, 9.0, 10.5, 1.0) for i in range(6)]
    monday = Bar(MONDAY_1330, 10.0, 11.0, 9.0, 10.5, 1.0)
    store.upsert_bars(NASDAQ_HOURLY, [*friday, monday])
    feed = FakeFeed([*friday, monday])

    result = await sync_series(
        SyncRequest(NASDAQ_HOURLY, n_bars=5000),
        feed=feed,
        store=store,
        events=events,
        clock=lambda: MONDAY_1330 + 600,
    )

    _, _, _, since = feed.requests[-1]
    assert since == friday[-2].time
    assert result.bars_synced == OVERLAP_BARS


class SlowFeed(FakeFeed):
    """A feed whose history never arrives in time."""

    async def fetch_history(self, *args: object, **kwargs: object) -> History:
        await asyncio.sleep(3600)
        raise AssertionError("the deadline should have ended the fetch")


async def test_a_sync_past_its_deadline_stores_nothing_and_records_the_failure() -> None:
    store, events = FakeBarStore(), RecordingEvents()
    store.upsert_bars(KEY, hourly(10))
    versions = store.series_version(KEY)

    with pytest.raises(SyncDeadlineExceeded, match=r"within 0\.05 s.*background"):
        await sync_series(
            SyncRequest(KEY, n_bars=5000, full=True),
            feed=SlowFeed([]),
            store=store,
            events=events,
            deadline_s=0.05,
        )

    assert store.get_bars(KEY) == hourly(10)
    assert store.series_version(KEY) == versions
    status = store.get_status(KEY)
    assert status is not None and status.status is SyncState.FAILED
    assert status.error_code == "sync_deadline_exceeded"
    assert [type(e) for e in events.events] == [SyncFailed]


async def test_a_sync_with_no_time_left_asks_nothing_of_the_feed() -> None:
    store, events, feed = FakeBarStore(), RecordingEvents(), FakeFeed(hourly(5))

    with pytest.raises(SyncDeadlineExceeded, match="before the request's deadline"):
        await sync_series(SyncRequest(KEY), feed=feed, store=store, events=events, deadline_s=0)

    assert feed.requests == []
