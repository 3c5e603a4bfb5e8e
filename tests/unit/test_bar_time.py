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
BTCUSD_2019 = TradingSession("Etc/UTC", "2;0000-0000:1234567")  # BITSTAMP's symbol_resolved
EVENING_BEFORE = TradingSession("Etc/UTC", "2200-2200:3456|1700F-2200:2")  # the docs' example
PAST_MIDNIGHT = TradingSession("Etc/UTC", "0930-2730")
HOSE = TradingSession(
    "Asia/Ho_Chi_Minh",
    "0900-1500",
    frozenset({date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2)}),
    corrections="0900-1500:20250426",  # HOSE:VCB's session-correction: a Saturday
)
RESCHEDULED = TradingSession("America/New_York", "0930-1600#20240108/1000-1600")


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


# --- what TradingView's "Trading sessions" page says of bar times -----------------------------


def _opens(day: str, interval: Interval, session: TradingSession) -> list[int]:
    start = utc(day)
    return [p[0] for p in iter_periods(start, start + 86_400, interval, session)]


def test_bar_time_hourly_bars_of_0930_1630_are_the_documented_ones() -> None:
    # "if you specify a 0930-1630 session and select the one-hour resolution, the following
    # bars are displayed on the chart: [09:30, 10:30, 11:30, 12:30, 13:30, 14:30, 15:30]".
    session = TradingSession("Etc/UTC", "0930-1630")
    assert _opens("2024-01-08", Interval.H1, session) == [
        utc(f"2024-01-08T{hour:02d}:30") for hour in range(9, 16)
    ]
    assert bar_period(utc("2024-01-08T16:29:59"), Interval.H1, session) == (
        utc("2024-01-08T15:30"),
        utc("2024-01-08T16:30"),
    )
    assert bar_period(utc("2024-01-08T16:30"), Interval.M1, session) is None  # the end is out


def test_bar_time_bars_count_from_the_session_open_not_from_the_clock() -> None:
    # "the session starts at 09:15, and the timestamp of the first bar is 09:15. The selected
    # resolution is 1 hour. In this case, the second bar timestamp is 10:15, the third is 11:15"
    session = TradingSession("Etc/UTC", "0915-1600")
    assert _opens("2024-01-08", Interval.H1, session)[:3] == [
        utc("2024-01-08T09:15"),
        utc("2024-01-08T10:15"),
        utc("2024-01-08T11:15"),
    ]


@pytest.mark.parametrize(
    ("session", "opens"),
    [
        # A break ending on the hourly grid: the count restarts there anyway.
        (
            TradingSession("Asia/Ho_Chi_Minh", "0900-1130,1300-1500"),  # UTC+7
            ["02:00", "03:00", "04:00", "06:00", "07:00"],
        ),
        # A break ending off the grid: the afternoon counts from its own open.
        (
            TradingSession("Asia/Ho_Chi_Minh", "0900-1130,1330-1500"),
            ["02:00", "03:00", "04:00", "06:30", "07:30"],
        ),
        (TOKYO, ["00:00", "01:00", "02:00", "03:30", "04:30", "05:30"]),  # UTC+9
    ],
    ids=["13:00", "13:30", "tokyo"],
)
def test_bar_time_the_count_restarts_at_the_open_after_a_break(
    session: TradingSession, opens: list[str]
) -> None:
    assert _opens("2024-01-08", Interval.H1, session) == [
        utc(f"2024-01-08T{hour}") for hour in opens
    ]


# --- whole days and the first day of the week ------------------------------------------------


def test_bar_time_0000_0000_is_a_whole_day_of_the_same_date() -> None:
    # The 2019 BITSTAMP:BTCUSD session "2;0000-0000:1234567": a Monday-first week of whole days.
    assert bar_period(utc("2019-05-20T10:00"), Interval.D1, BTCUSD_2019) == (
        utc("2019-05-20"),
        utc("2019-05-21"),
    )
    assert bar_open_time(utc("2019-05-19T23:59"), Interval.D1, BTCUSD_2019) == utc("2019-05-19")
    assert bar_open_time(utc("2019-05-19T12:00"), Interval.W1, BTCUSD_2019) == utc("2019-05-13")
    assert bar_open_time(utc("2019-05-20T00:00"), Interval.W1, BTCUSD_2019) == utc("2019-05-20")
    assert bar_open_time(utc("2019-05-01T00:30"), Interval.MN1, BTCUSD_2019) == utc("2019-05-01")
    assert bar_open_time(utc("2019-04-30T23:30"), Interval.MN1, BTCUSD_2019) == utc("2019-04-01")
    assert bar_open_time(utc("2019-05-20T10:14"), Interval.M15, BTCUSD_2019) == utc(
        "2019-05-20T10:00"
    )


def test_bar_time_0000_0000_every_day_opens_weeks_on_monday_and_months_on_the_first() -> None:
    # Read as overnight, "0000-0000:1234567" opened weeks on Sunday and months on the last
    # day of the month before; it is a whole day of its own date.
    session = TradingSession("Etc/UTC", "0000-0000:1234567")
    assert bar_period(utc("2024-03-13T12:00"), Interval.W1, session) == (
        utc("2024-03-11"),
        utc("2024-03-18"),
    )
    assert bar_period(utc("2024-03-13T12:00"), Interval.MN1, session) == (
        utc("2024-03-01"),
        utc("2024-04-01"),
    )
    assert bar_open_time(utc("2024-03-10T23:00"), Interval.W1, session) == utc("2024-03-04")


def test_bar_time_0000_0000_without_days_is_a_whole_weekday() -> None:
    session = TradingSession("America/New_York", "0000-0000")
    assert bar_period(utc("2024-01-08T12:00"), Interval.D1, session) == (
        utc("2024-01-08T05:00"),  # midnight New York (EST)
        utc("2024-01-09T05:00"),
    )
    assert bar_period(utc("2024-01-13T12:00"), Interval.D1, session) is None  # Saturday
    assert bar_open_time(utc("2024-01-08T12:10"), Interval.H4, session) == utc("2024-01-08T09:00")


@pytest.mark.parametrize(
    ("spec", "weekly_open"),
    [
        ("1000-1500:12345", "2024-01-08T07:00"),  # weeks from Monday: Sun the 14th is last
        ("1;1000-1500:12345", "2024-01-07T07:00"),  # weeks from Sunday, its first trading day
        ("1000-1500:12345;1", "2024-01-07T07:00"),
    ],
)
def test_bar_time_weekly_bars_open_on_the_first_trading_day_of_the_sessions_week(
    spec: str, weekly_open: str
) -> None:
    session = TradingSession("Asia/Riyadh", spec)  # UTC+3, trading Sunday to Thursday
    assert bar_open_time(utc("2024-01-10T09:00"), Interval.W1, session) == utc(weekly_open)


def test_bar_time_weekly_bars_follow_a_friday_first_week() -> None:
    session = TradingSession("Etc/UTC", "0900-1630|0900-1400:2;6")  # 6 = Friday
    assert bar_period(utc("2024-01-10T10:00"), Interval.W1, session) == (
        utc("2024-01-05T09:00"),  # Friday
        utc("2024-01-11T16:30"),  # Thursday
    )


# --- F and times past 2400 -------------------------------------------------------------------


def test_bar_time_an_f_session_opens_on_the_day_before_its_trading_day() -> None:
    # "2200-2200:3456|1700F-2200:2": Monday's session runs from Sunday 17:00 to Monday 22:00.
    monday = (utc("2024-01-07T17:00"), utc("2024-01-08T22:00"))
    assert bar_period(utc("2024-01-07T18:00"), Interval.D1, EVENING_BEFORE) == monday
    assert bar_period(utc("2024-01-08T21:59"), Interval.D1, EVENING_BEFORE) == monday
    assert bar_period(utc("2024-01-07T16:59"), Interval.D1, EVENING_BEFORE) is None
    assert bar_period(utc("2024-01-08T22:00"), Interval.D1, EVENING_BEFORE) == (
        utc("2024-01-08T22:00"),  # Tuesday's session
        utc("2024-01-09T22:00"),
    )
    assert bar_period(utc("2024-01-12T22:00"), Interval.D1, EVENING_BEFORE) is None  # Friday
    assert bar_open_time(utc("2024-01-10T12:00"), Interval.W1, EVENING_BEFORE) == monday[0]
    assert bar_open_time(utc("2024-01-07T21:30"), Interval.H4, EVENING_BEFORE) == utc(
        "2024-01-07T21:00"
    )


def test_bar_time_times_past_2400_stay_with_their_trading_day() -> None:
    # "0930-2730": Monday's session runs from 09:30 Monday to 03:30 Tuesday.
    monday = (utc("2024-01-08T09:30"), utc("2024-01-09T03:30"))
    assert bar_period(utc("2024-01-09T01:00"), Interval.D1, PAST_MIDNIGHT) == monday
    assert bar_period(utc("2024-01-09T03:30"), Interval.D1, PAST_MIDNIGHT) is None
    assert bar_open_time(utc("2024-01-09T09:30"), Interval.D1, PAST_MIDNIGHT) == utc(
        "2024-01-09T09:30"
    )
    assert bar_period(utc("2024-01-13T02:00"), Interval.D1, PAST_MIDNIGHT) == (  # Saturday
        utc("2024-01-12T09:30"),
        utc("2024-01-13T03:30"),
    )
    assert bar_period(utc("2024-01-09T03:00"), Interval.H1, PAST_MIDNIGHT) == (
        utc("2024-01-09T02:30"),
        utc("2024-01-09T03:30"),
    )


# --- history of hours, corrections ---------------------------------------------------------------


def test_bar_time_follows_the_hours_in_force_on_each_date() -> None:
    assert bar_open_time(utc("2024-01-05T15:00"), Interval.H1, RESCHEDULED) == utc(
        "2024-01-05T14:30"  # 09:30 New York, the old hours
    )
    assert bar_open_time(utc("2024-01-08T15:30"), Interval.H1, RESCHEDULED) == utc(
        "2024-01-08T15:00"  # 10:00 New York from Monday the 8th
    )
    assert bar_period(utc("2024-01-08T14:45"), Interval.M1, RESCHEDULED) is None


def test_bar_time_an_early_close_cuts_the_day_short() -> None:
    # The day after Thanksgiving 2023: NYSE closes at 13:00 (a correction of that day).
    session = TradingSession("America/New_York", "0930-1600", corrections="0930-1300:20231124")
    assert bar_period(utc("2023-11-24T15:00"), Interval.D1, session) == (
        utc("2023-11-24T14:30"),
        utc("2023-11-24T18:00"),
    )
    assert bar_period(utc("2023-11-24T17:45"), Interval.H1, session) == (
        utc("2023-11-24T17:30"),
        utc("2023-11-24T18:00"),
    )
    assert bar_period(utc("2023-11-24T18:00"), Interval.M1, session) is None
    assert bar_period(utc("2023-11-27T20:59"), Interval.M1, session) is not None


def test_bar_time_a_corrected_saturday_is_a_trading_day_of_its_week() -> None:
    assert bar_period(utc("2025-04-26T03:00"), Interval.D1, HOSE) == (
        utc("2025-04-26T02:00"),
        utc("2025-04-26T08:00"),
    )
    assert bar_period(utc("2025-04-23T03:00"), Interval.W1, HOSE) == (
        utc("2025-04-21T02:00"),
        utc("2025-04-26T08:00"),  # the week closes with the Saturday
    )


def test_bar_time_holidays_move_the_monthly_open() -> None:
    # HOSE's May 2025 opens on Monday the 5th: the 1st and 2nd are holidays.
    assert bar_open_time(utc("2025-05-20T03:00"), Interval.MN1, HOSE) == utc("2025-05-05T02:00")


# --- bar_period and the period iterators agree -----------------------------------------------


@pytest.mark.parametrize(
    "session",
    [NEW_YORK, CME, CRYPTO, TOKYO, BTCUSD_2019, EVENING_BEFORE, PAST_MIDNIGHT, RESCHEDULED],
    ids=lambda s: s.spec,
)
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
