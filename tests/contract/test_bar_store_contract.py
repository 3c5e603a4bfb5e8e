"""What every bar store promises (``domain.ports.BarStore``), run against each adapter."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from domain.bars import Bar
from domain.errors import InvalidBar, InvalidInput, StoreUnavailable
from domain.ports import BarStore
from domain.series import SyncState
from domain.symbols import Symbol
from tests.contract.samples import (
    AAPL,
    AAPL_DAILY,
    AAPL_MINUTE,
    AAPL_MONTHLY,
    BTC_MINUTE,
    DAY,
    MSFT_MINUTE,
    START,
    failed_status,
    make_bars,
    ok_status,
    repriced,
    symbol_info,
)

# --- writing bars -------------------------------------------------------------------------


def test_upserted_bars_read_back_equal_and_oldest_first(store: BarStore) -> None:
    bars = make_bars(50)

    new = store.upsert_bars(AAPL_DAILY, list(reversed(bars)))

    assert new == 50
    assert store.get_bars(AAPL_DAILY) == bars


def test_upserting_the_same_bars_twice_adds_nothing(store: BarStore) -> None:
    bars = make_bars(30)
    store.upsert_bars(AAPL_DAILY, bars)

    again = store.upsert_bars(AAPL_DAILY, bars)

    assert again == 0
    assert store.count_bars(AAPL_DAILY) == 30
    assert store.get_bars(AAPL_DAILY) == bars


def test_upsert_replaces_a_bar_at_an_equal_time_and_counts_only_new_bars(
    store: BarStore,
) -> None:
    first = make_bars(10)
    store.upsert_bars(AAPL_DAILY, first)
    corrected = [repriced(bar, 3.5) for bar in first[7:]]
    later = make_bars(4, start=first[-1].time + DAY)

    new = store.upsert_bars(AAPL_DAILY, corrected + later)

    assert new == 4
    assert store.get_bars(AAPL_DAILY) == first[:7] + corrected + later


def test_a_time_repeated_within_one_batch_keeps_the_last_bar(store: BarStore) -> None:
    bar = make_bars(1)[0]
    newer = repriced(bar, 1.0)

    new = store.upsert_bars(AAPL_DAILY, [bar, newer])

    assert new == 1
    assert store.get_bars(AAPL_DAILY) == [newer]


def test_upserting_no_bars_changes_nothing(store: BarStore) -> None:
    assert store.upsert_bars(AAPL_DAILY, []) == 0
    assert store.count_bars(AAPL_DAILY) == 0


def test_missing_volume_reads_back_as_none(store: BarStore) -> None:
    bars = [dataclasses.replace(bar, volume=None) for bar in make_bars(3)]

    store.upsert_bars(AAPL_DAILY, bars)

    assert [bar.volume for bar in store.get_bars(AAPL_DAILY)] == [None, None, None]


def test_a_volume_can_be_removed_by_a_later_upsert(store: BarStore) -> None:
    bar = make_bars(1)[0]
    store.upsert_bars(AAPL_DAILY, [bar])

    store.upsert_bars(AAPL_DAILY, [dataclasses.replace(bar, volume=None)])

    assert store.get_bars(AAPL_DAILY)[0].volume is None


AWKWARD_FLOATS = [0.1 + 0.2, 1e-12, 123_456_789.123_456_78, 1e15 + 0.5, 5e-324, 1.0 / 3.0]


def test_prices_and_volumes_round_trip_to_the_last_bit(store: BarStore) -> None:
    bars = [
        Bar(time=START + i * DAY, open=x, high=x, low=x, close=x, volume=x)
        for i, x in enumerate(AWKWARD_FLOATS)
    ]

    store.upsert_bars(AAPL_DAILY, bars)

    read = store.get_bars(AAPL_DAILY)
    assert [(b.open, b.high, b.low, b.close, b.volume) for b in read] == [
        (x, x, x, x, x) for x in AWKWARD_FLOATS
    ]


def test_integer_prices_read_back_as_equal_floats(store: BarStore) -> None:
    store.upsert_bars(AAPL_DAILY, [Bar(time=START, open=100, high=101, low=99, close=100)])

    (bar,) = store.get_bars(AAPL_DAILY)

    assert (bar.open, bar.high, bar.low, bar.close) == (100.0, 101.0, 99.0, 100.0)
    assert isinstance(bar.open, float)


def test_times_from_1970_to_beyond_2100_round_trip(store: BarStore) -> None:
    times = [0, START, 4_102_444_800, 2**40]
    bars = [Bar(time=t, open=1.0, high=1.0, low=1.0, close=1.0) for t in times]

    store.upsert_bars(AAPL_DAILY, bars)

    assert [bar.time for bar in store.get_bars(AAPL_DAILY)] == times
    assert all(isinstance(bar.time, int) for bar in store.get_bars(AAPL_DAILY))


BAD_BARS: dict[str, Callable[[Bar], Bar]] = {
    "text price": lambda bar: dataclasses.replace(bar, open="abc"),  # type: ignore[arg-type]
    "NaN price": lambda bar: dataclasses.replace(bar, close=float("nan")),
    "infinite volume": lambda bar: dataclasses.replace(bar, volume=float("inf")),
    "fractional time": lambda bar: dataclasses.replace(bar, time=bar.time + 0.5),  # type: ignore[arg-type]
    "missing price": lambda bar: dataclasses.replace(bar, high=None),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("spoil", BAD_BARS.values(), ids=BAD_BARS.keys())
def test_a_failing_upsert_leaves_the_store_as_it_was(
    store: BarStore, spoil: Callable[[Bar], Bar]
) -> None:
    existing = make_bars(20)
    store.upsert_bars(AAPL_DAILY, existing)
    replacements = [repriced(bar, 5.0) for bar in existing[10:]]
    additions = make_bars(10, start=existing[-1].time + DAY)
    batch = replacements + additions
    batch[len(batch) // 2] = spoil(batch[len(batch) // 2])

    with pytest.raises(InvalidBar):
        store.upsert_bars(AAPL_DAILY, batch)

    assert store.get_bars(AAPL_DAILY) == existing
    assert store.count_bars(AAPL_DAILY) == 20


# --- the series version -------------------------------------------------------------------


def test_every_write_of_a_series_raises_its_version_and_only_its(store: BarStore) -> None:
    assert store.series_version(AAPL_DAILY) == 0
    bars = make_bars(5)

    store.upsert_bars(AAPL_DAILY, bars)
    first = store.series_version(AAPL_DAILY)
    store.upsert_bars(AAPL_DAILY, bars)  # the same bars again: still a write
    second = store.series_version(AAPL_DAILY)
    store.upsert_bars(AAPL_DAILY, [repriced(bars[-1], 2.0)])

    assert 0 < first < second < store.series_version(AAPL_DAILY)
    assert store.series_version(AAPL_MINUTE) == 0
    assert store.series_version(MSFT_MINUTE) == 0


def test_what_is_not_a_write_of_bars_leaves_the_version(store: BarStore) -> None:
    store.upsert_bars(AAPL_DAILY, make_bars(3))
    before = store.series_version(AAPL_DAILY)

    store.upsert_bars(AAPL_DAILY, [])
    store.put_status(ok_status(AAPL_DAILY))
    store.put_symbol(symbol_info(AAPL))
    store.get_bars(AAPL_DAILY)

    assert store.series_version(AAPL_DAILY) == before


# --- reading bars -------------------------------------------------------------------------


@pytest.fixture
def ten_days(store: BarStore) -> list[Bar]:
    bars = make_bars(10)
    store.upsert_bars(AAPL_DAILY, bars)
    return bars


def test_a_limit_alone_gives_the_newest_bars_oldest_first(
    store: BarStore, ten_days: list[Bar]
) -> None:
    assert store.get_bars(AAPL_DAILY, limit=3) == ten_days[-3:]


def test_a_start_with_a_limit_gives_the_first_bars_from_the_start(
    store: BarStore, ten_days: list[Bar]
) -> None:
    assert store.get_bars(AAPL_DAILY, start=ten_days[2].time, limit=3) == ten_days[2:5]


def test_start_and_end_are_inclusive(store: BarStore, ten_days: list[Bar]) -> None:
    assert (
        store.get_bars(AAPL_DAILY, start=ten_days[2].time, end=ten_days[6].time) == (ten_days[2:7])
    )


def test_bounds_between_bar_times_select_the_bars_inside(
    store: BarStore, ten_days: list[Bar]
) -> None:
    start = ten_days[2].time - 1
    end = ten_days[6].time + 1

    assert store.get_bars(AAPL_DAILY, start=start, end=end) == ten_days[2:7]


def test_an_end_with_a_limit_gives_the_newest_bars_up_to_the_end(
    store: BarStore, ten_days: list[Bar]
) -> None:
    assert store.get_bars(AAPL_DAILY, end=ten_days[6].time, limit=2) == ten_days[5:7]


def test_a_start_alone_gives_every_bar_from_it(store: BarStore, ten_days: list[Bar]) -> None:
    assert store.get_bars(AAPL_DAILY, start=ten_days[7].time) == ten_days[7:]


def test_a_limit_larger_than_the_series_gives_every_bar(
    store: BarStore, ten_days: list[Bar]
) -> None:
    assert store.get_bars(AAPL_DAILY, limit=5_000) == ten_days


def test_a_limit_of_zero_gives_no_bars(store: BarStore, ten_days: list[Bar]) -> None:
    assert store.get_bars(AAPL_DAILY, limit=0) == []
    assert store.get_bars(AAPL_DAILY, start=ten_days[0].time, limit=0) == []


def test_a_range_without_bars_gives_none(store: BarStore, ten_days: list[Bar]) -> None:
    after_last = ten_days[-1].time + 1

    assert store.get_bars(AAPL_DAILY, start=after_last) == []
    assert store.get_bars(AAPL_DAILY, start=ten_days[5].time, end=ten_days[4].time) == []


def test_an_unknown_series_has_no_bars_count_or_range(store: BarStore) -> None:
    assert store.get_bars(AAPL_DAILY) == []
    assert store.get_bars(AAPL_DAILY, limit=10) == []
    assert store.count_bars(AAPL_DAILY) == 0
    assert store.bar_time_range(AAPL_DAILY) is None


def test_count_and_time_range_describe_the_series(store: BarStore, ten_days: list[Bar]) -> None:
    assert store.count_bars(AAPL_DAILY) == 10
    assert store.bar_time_range(AAPL_DAILY) == (ten_days[0].time, ten_days[-1].time)


def test_series_are_kept_apart_by_exchange_symbol_and_interval(store: BarStore) -> None:
    same_ticker_elsewhere = dataclasses.replace(AAPL_MINUTE, symbol=Symbol("BATS", AAPL.ticker))
    keys = [AAPL_MINUTE, AAPL_MONTHLY, MSFT_MINUTE, BTC_MINUTE, same_ticker_elsewhere]
    written = {key: make_bars(5 + n, price=10.0 * (n + 1)) for n, key in enumerate(keys)}
    for key, bars in written.items():
        assert store.upsert_bars(key, bars) == len(bars)

    for key, bars in written.items():
        assert store.get_bars(key) == bars, key
        assert store.get_bars(key, limit=2) == bars[-2:], key
        assert store.count_bars(key) == len(bars), key
        assert store.bar_time_range(key) == (bars[0].time, bars[-1].time), key


def test_one_minute_and_one_month_are_different_series(store: BarStore) -> None:
    minute = make_bars(3, price=1.0)
    month = make_bars(3, price=500.0)
    store.upsert_bars(AAPL_MINUTE, minute)

    assert store.upsert_bars(AAPL_MONTHLY, month) == 3

    assert store.get_bars(AAPL_MINUTE) == minute
    assert store.get_bars(AAPL_MONTHLY) == month


# --- sync status --------------------------------------------------------------------------


def test_a_sync_status_round_trips_with_its_error_fields(store: BarStore) -> None:
    status = failed_status(AAPL_DAILY)

    store.put_status(status)

    assert store.get_status(AAPL_DAILY) == status


def test_putting_a_status_again_replaces_it(store: BarStore) -> None:
    store.put_status(failed_status(AAPL_DAILY))

    store.put_status(ok_status(AAPL_DAILY))

    read = store.get_status(AAPL_DAILY)
    assert read == ok_status(AAPL_DAILY)
    assert read is not None
    assert (read.status, read.error_code, read.error_message, read.extra) == (
        SyncState.OK,
        None,
        None,
        {},
    )
    assert len(store.list_statuses()) == 1


def test_an_unknown_series_has_no_status(store: BarStore) -> None:
    store.put_status(ok_status(AAPL_DAILY))

    assert store.get_status(AAPL_MINUTE) is None
    assert store.get_status(AAPL_MONTHLY) is None


def test_statuses_are_listed_by_exchange_symbol_and_interval(store: BarStore) -> None:
    statuses = [
        ok_status(MSFT_MINUTE),
        failed_status(BTC_MINUTE),
        ok_status(AAPL_MONTHLY),
        ok_status(AAPL_DAILY),
    ]
    for status in statuses:
        store.put_status(status)

    listed = store.list_statuses()

    assert [str(status.key) for status in listed] == [
        "BINANCE:BTCUSDT@1m",
        "NASDAQ:AAPL@1M",
        "NASDAQ:AAPL@1d",
        "NASDAQ:MSFT@1m",
    ]
    assert listed == [statuses[1], statuses[2], statuses[3], statuses[0]]


# --- symbols ------------------------------------------------------------------------------


def test_a_symbol_round_trips(store: BarStore) -> None:
    info = symbol_info(AAPL)

    store.put_symbol(info)

    assert store.get_symbol(AAPL) == info


def test_a_symbol_with_optional_fields_unset_round_trips(store: BarStore) -> None:
    info = dataclasses.replace(
        symbol_info(AAPL),
        currency=None,
        pricescale=None,
        has_volume=False,
        description="",
        corrections="",
        subsession_id="",
        subsessions=(),
    )

    store.put_symbol(info)

    assert store.get_symbol(AAPL) == info


def test_a_stored_symbol_keeps_its_trading_session(store: BarStore) -> None:
    store.put_symbol(symbol_info(AAPL))

    stored = store.get_symbol(AAPL)

    assert stored is not None
    assert stored.trading_session == symbol_info(AAPL).trading_session
    assert stored.trading_session.extended_hours.spec == "0400-0930,0930-1600,1600-2000"


def test_putting_a_symbol_again_replaces_it(store: BarStore) -> None:
    store.put_symbol(symbol_info(AAPL))
    renamed = dataclasses.replace(symbol_info(AAPL), name="Apple Inc.")

    store.put_symbol(renamed)

    assert store.get_symbol(AAPL) == renamed
    assert store.list_symbols() == [renamed]


def test_an_unknown_symbol_is_none(store: BarStore) -> None:
    store.put_symbol(symbol_info(AAPL))

    assert store.get_symbol(Symbol("NYSE", "AAPL")) is None


def test_symbols_are_listed_sorted_and_filtered_by_exchange(store: BarStore) -> None:
    symbols = [
        Symbol("NASDAQ", "MSFT"),
        Symbol("BINANCE", "BTCUSDT"),
        Symbol("NASDAQ", "AAPL"),
        Symbol("CME_MINI", "NQ1!"),
    ]
    for symbol in symbols:
        store.put_symbol(symbol_info(symbol))

    assert [info.symbol.key for info in store.list_symbols()] == [
        "BINANCE:BTCUSDT",
        "CME_MINI:NQ1!",
        "NASDAQ:AAPL",
        "NASDAQ:MSFT",
    ]
    assert [info.symbol.key for info in store.list_symbols("NASDAQ")] == [
        "NASDAQ:AAPL",
        "NASDAQ:MSFT",
    ]
    assert [info.symbol.key for info in store.list_symbols("nasdaq")] == [
        "NASDAQ:AAPL",
        "NASDAQ:MSFT",
    ]
    assert store.list_symbols("NYSE") == []


def test_an_exchange_filter_that_is_not_a_name_is_refused(store: BarStore) -> None:
    with pytest.raises(InvalidInput):
        store.list_symbols("NASDAQ; DROP TABLE symbols")


# --- health and closing -------------------------------------------------------------------


def test_an_open_store_answers_a_ping(store: BarStore) -> None:
    store.ping()


STORE_CALLS: dict[str, Callable[[BarStore], object]] = {
    "ping": lambda s: s.ping(),
    "upsert_bars": lambda s: s.upsert_bars(AAPL_DAILY, make_bars(2)),
    "get_bars": lambda s: s.get_bars(AAPL_DAILY, limit=5),
    "count_bars": lambda s: s.count_bars(AAPL_DAILY),
    "bar_time_range": lambda s: s.bar_time_range(AAPL_DAILY),
    "put_status": lambda s: s.put_status(ok_status(AAPL_DAILY)),
    "get_status": lambda s: s.get_status(AAPL_DAILY),
    "list_statuses": lambda s: s.list_statuses(),
    "put_symbol": lambda s: s.put_symbol(symbol_info(AAPL)),
    "get_symbol": lambda s: s.get_symbol(AAPL),
    "list_symbols": lambda s: s.list_symbols(),
}


@pytest.mark.parametrize("call", STORE_CALLS.values(), ids=STORE_CALLS.keys())
def test_a_closed_store_raises_store_unavailable(
    store: BarStore, call: Callable[[BarStore], object]
) -> None:
    store.upsert_bars(AAPL_DAILY, make_bars(2))
    store.close()

    with pytest.raises(StoreUnavailable, match="closed"):
        call(store)


def test_closing_twice_is_harmless(store: BarStore) -> None:
    store.close()
    store.close()
