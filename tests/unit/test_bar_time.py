"""Bar-open times match TradingView's history: session opens, time zones, DST, holidays."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from domain.bar_time import bar_open_time, bar_period, iter_periods, iter_periods_backward
from domain.intervals import ALL_INTERVALS, Interval
from domain.sessions import TradingSession

NEW_YORK = TradingSession("America/New_York", "0930-1600")
SP_SPX = TradingSession("America/New_York", "0930-1610")  # symbol_resolved of SP:SPX, 2023
CME = TradingSession("America/Chicago", "1700-1600:23456")
CRYPTO = TradingSession("Etc/UTC", "24x7")
TOKYO = TradingSession("Asia/Tokyo", "0900-1130,1230-1530")


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


# --- daily bars ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "opens"),
    [
        ("2024-01-16T15:00", "2024-01-16T14:30"),  # EST: 09:30 New York is 14:30 UTC
        ("2024-07-16T19:59", "2024-07-16T13:30"),  # EDT: 13:30 UTC
        ("2024-03-08T20:59", "2024-03-08T14:30"),  # the Friday before the DST change
        ("2024-03-11T13:30", "2024-03-11T13:30"),  # the Monday after it
    ],
)
def test_bar_time_daily_new_york_bar_opens_at_0930_local(moment: str, opens: str) -> None:
    assert bar_open_time(utc(moment), Interval.D1, NEW_YORK) == utc(opens)


@pytest.mark.parametrize(
    "captured_open",
    [1640183400, 1640269800, 1640615400, 1656682200, 1657027800, 1657114200],
)
def test_bar_time_daily_matches_captured_sp_spx_history(captured_open: int) -> None:
    """Bar times from a real ``timescale_update`` of SP:SPX daily bars (winter and summer)."""
    assert bar_period(captured_open + 3_600, Interval.D1, SP_SPX) == (
        captured_open,
        captured_open + (6 * 60 + 40) * 60,
    )


def test_bar_time_crypto_daily_opens_at_midnight_utc() -> None:
    assert bar_period(utc("2024-03-10T23:59:59"), Interval.D1, CRYPTO) == (
        utc("2024-03-10"),
        utc("2024-03-11"),
    )
    assert bar_open_time(utc("2024-03-11T00:00"), Interval.D1, CRYPTO) == utc("2024-03-11")


def test_bar_time_outside_the_session_belongs_to_no_bar() -> None:
    for moment in ("2024-03-11T13:29:59", "2024-03-11T20:00", "2024-03-09T15:00"):
        assert all(bar_period(utc(moment), i, NEW_YORK) is None for i in ALL_INTERVALS)


# --- intraday bars -------------------------------------------------------------------------------


def test_bar_time_hourly_bars_count_from_the_open_and_are_cut_at_the_close() -> None:
    periods = list(
        iter_periods(utc("2024-03-11T00:00"), utc("2024-03-12T00:00"), Interval.H1, NEW_YORK)
    )
    assert [p[0] for p in periods] == [utc(f"2024-03-11T{h}:30") for h in range(13, 20)]
    assert periods[-1] == (utc("2024-03-11T19:30"), utc("2024-03-11T20:00"))
    assert bar_period(utc("2024-03-11T19:45"), Interval.H1, NEW_YORK) == periods[-1]


def test_bar_time_four_hour_bars_of_a_stock_start_at_the_open() -> None:
    assert [
        p[0] for p in iter_periods(utc("2024-07-16"), utc("2024-07-17"), Interval.H4, NEW_YORK)
    ] == [utc("2024-07-16T13:30"), utc("2024-07-16T17:30")]


def test_bar_time_crypto_intraday_bars_are_utc_multiples() -> None:
    assert bar_open_time(utc("2024-03-10T07:59"), Interval.H3, CRYPTO) == utc("2024-03-10T06:00")
    assert bar_open_time(utc("2024-03-10T00:44"), Interval.M45, CRYPTO) == utc("2024-03-10T00:00")
    assert bar_open_time(utc("2024-03-10T00:45"), Interval.M45, CRYPTO) == utc("2024-03-10T00:45")


# --- overnight, lunch breaks, holidays ---------------------------------------------------------


def test_bar_time_cme_sunday_evening_belongs_to_mondays_daily_bar() -> None:
    monday = bar_period(utc("2024-03-11T15:00"), Interval.D1, CME)
    assert monday == (utc("2024-03-10T22:00"), utc("2024-03-11T21:00"))  # Sun 17:00 CDT
    assert bar_period(utc("2024-03-10T22:00"), Interval.D1, CME) == monday
    assert bar_period(utc("2024-03-10T21:59"), Interval.D1, CME) is None  # before the open
    assert bar_period(utc("2024-03-09T12:00"), Interval.D1, CME) is None  # Saturday
    assert bar_open_time(utc("2024-03-10T22:30"), Interval.H1, CME) == utc("2024-03-10T22:00")


def test_bar_time_tokyo_lunch_break_belongs_to_no_bar() -> None:
    # 0900-1130,1230-1530 Tokyo (UTC+9): 00:00-02:30 and 03:30-06:30 UTC.
    assert bar_period(utc("2024-03-11T03:00"), Interval.M1, TOKYO) is None
    assert bar_period(utc("2024-03-11T03:00"), Interval.D1, TOKYO) is None
    assert bar_period(utc("2024-03-11T02:10"), Interval.H1, TOKYO) == (
        utc("2024-03-11T02:00"),
        utc("2024-03-11T02:30"),
    )
    assert bar_open_time(utc("2024-03-11T03:40"), Interval.H1, TOKYO) == utc("2024-03-11T03:30")
    assert bar_period(utc("2024-03-11T05:00"), Interval.D1, TOKYO) == (
        utc("2024-03-11T00:00"),
        utc("2024-03-11T06:30"),
    )


def test_bar_time_holidays_have_no_bars_and_move_the_weekly_open() -> None:
    # Monday 2024-01-15 (Martin Luther King Jr. Day) is a NYSE holiday.
    session = TradingSession("America/New_York", "0930-1600", frozenset({date(2024, 1, 15)}))
    assert bar_period(utc("2024-01-15T15:00"), Interval.D1, session) is None
    assert bar_period(utc("2024-01-15T15:00"), Interval.M5, session) is None
    assert bar_open_time(utc("2024-01-17T15:00"), Interval.W1, session) == utc("2024-01-16T14:30")
    assert bar_open_time(utc("2024-01-17T15:00"), Interval.W1, NEW_YORK) == utc("2024-01-15T14:30")


def test_bar_time_holidays_come_from_symbol_resolved() -> None:
    session = TradingSession.from_tradingview("America/New_York", "0930-1600", "20240101,20240115")
    assert session.holidays == frozenset({date(2024, 1, 1), date(2024, 1, 15)})


# --- weekly and monthly bars -----------------------------------------------------------------


def test_bar_time_weekly_bar_opens_at_the_first_trading_day_open() -> None:
    assert bar_period(utc("2024-03-15T19:00"), Interval.W1, NEW_YORK) == (
        utc("2024-03-11T13:30"),  # Monday 09:30 EDT
        utc("2024-03-15T20:00"),  # Friday 16:00 EDT
    )
    assert bar_open_time(utc("2024-03-13T12:00"), Interval.W1, CME) == utc("2024-03-10T22:00")
    assert bar_open_time(utc("2024-03-31T23:59"), Interval.W1, CRYPTO) == utc("2024-03-25")


def test_bar_time_monthly_bar_opens_at_the_first_trading_day_open() -> None:
    # June 2024 starts on a Saturday: the first trading day is Monday the 3rd.
    assert bar_period(utc("2024-06-20T15:00"), Interval.MN1, NEW_YORK) == (
        utc("2024-06-03T13:30"),
        utc("2024-06-28T20:00"),
    )
    assert bar_open_time(utc("2024-04-01T00:00"), Interval.MN1, CRYPTO) == utc("2024-04-01")
    # CME's March opens with Friday the 1st's session, on Thursday evening.
    assert bar_open_time(utc("2024-03-05T15:00"), Interval.MN1, CME) == utc("2024-02-29T23:00")


# --- bar_period and the period iterators agree -----------------------------------------------


@pytest.mark.parametrize("session", [NEW_YORK, CME, CRYPTO, TOKYO], ids=lambda s: s.spec)
@pytest.mark.parametrize("interval", ALL_INTERVALS, ids=str)
def test_bar_time_iterators_list_exactly_the_periods_bar_period_gives(
    session: TradingSession, interval: Interval
) -> None:
    if interval.is_intraday:
        start, end = utc("2024-03-07"), utc("2024-03-13")
    else:
        start, end = utc("2024-01-20"), utc("2024-04-10")
    forward = list(iter_periods(start, end, interval, session))
    assert forward
    assert all(bar_period(opens, interval, session) == (opens, closes) for opens, closes in forward)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(forward))
    backward = list(
        itertools.takewhile(lambda p: p[0] >= start, iter_periods_backward(end, interval, session))
    )
    assert backward == forward[::-1]
