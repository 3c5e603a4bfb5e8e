"""What the captures say about sessions themselves: where a session ends, which subsession
a series follows, holidays, corrections and the 2019 BITSTAMP:BTCUSD session string."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from domain.bar_time import bar_period
from domain.intervals import Interval
from domain.sessions import TradingSession
from tests.fidelity.captures import (
    BTCUSD,
    RUT,
    VCB,
    aapl_session,
    bars,
    btcusd_session,
    frames,
    rut_session,
    series_data,
    spx_session,
    symbol_info,
    vcb_session,
)

NEW_YORK = ZoneInfo("America/New_York")


def new_york(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, NEW_YORK)


def test_a_session_end_is_excluded_as_tradingviews_bar_close_time_shows() -> None:
    # SP:SPX's daily history reports its last bar closing at 16:09:59 New York under
    # "0930-1610": the window ends before 16:10.
    last = bars("timescale_update_daily_sp_spx_2023.txt")[-1]
    close_time = series_data("timescale_update_daily_sp_spx_2023.txt")["lbs"]["bar_close_time"]
    period = bar_period(last.time, Interval.D1, spx_session())
    assert period is not None
    assert period[1] == close_time + 1
    assert new_york(period[1]).strftime("%H:%M") == "16:10"


def test_ndxs_closing_bar_at_1600_lies_outside_a_session_that_ends_at_1600() -> None:
    # NDX's 1-minute history has a bar at 16:00 every day. Under a "0930-1600" session (the
    # NASDAQ:AAPL symbol_resolved) 16:00 is past the end, so NDX's own session runs later:
    # the fidelity suite pairs it with SP:SPX's 0930-1610 (see captures.all_series).
    closing = [
        bar.time
        for bar in bars("timescale_update_1m_sds2_nasdaq_ndx_2023.txt")
        if new_york(bar.time).strftime("%H:%M") == "16:00"
    ]
    assert len(closing) == 7  # one each day of the capture
    assert aapl_session().spec == "0930-1600"
    assert all(bar_period(t, Interval.M1, aapl_session()) is None for t in closing)
    assert all(bar_period(t, Interval.M1, spx_session()) == (t, t + 60) for t in closing)


def test_rut_minutes_after_1600_lie_in_its_regular_session() -> None:
    # TVC:RUT was resolved with its extended subsession ("0900-1615") but the series follows
    # the regular one: no bar before 09:30, and prints run on to 16:04 inside "0930-1615".
    info = symbol_info("symbol_resolved_tvc_rut_subsessions_2023.txt", RUT)
    assert (info.subsession_id, info.session) == ("extended", "0900-1615")
    assert rut_session().spec == "0930-1615"
    real = bars("timescale_update_1m_tvc_rut_2023.txt")
    clock = {new_york(bar.time).strftime("%H:%M") for bar in real}
    assert min(clock) == "09:30"
    assert max(clock) == "16:04"
    assert {"16:00", "16:01", "16:02", "16:03", "16:04"} <= clock


def test_vcb_holidays_have_no_bars_and_every_bar_is_on_a_trading_day() -> None:
    session = vcb_session()
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    traded = {
        datetime.fromtimestamp(bar.time, zone).date()
        for bar in bars("timescale_update_1h_hose_vcb_2025.payload.json")
    }
    assert all(session.is_trading_day(day) for day in traded)
    in_range = {day for day in session.holidays if min(traded) <= day <= max(traded)}
    assert in_range == {date(2025, 4, 7), date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2)}
    assert not in_range & traded


def test_vcb_session_correction_is_read_from_its_regular_subsession() -> None:
    info = symbol_info("symbol_resolved_hose_vcb_lunch_break_2025.payload.json", VCB)
    (regular,) = info.subsessions
    assert (regular.id, regular.session, regular.corrections) == (
        "regular",
        "0900-1500",
        "0900-1500:20250426",
    )
    saturday = date(2025, 4, 26)
    assert vcb_session().windows(saturday) == [
        (
            int(datetime(2025, 4, 26, 2, tzinfo=UTC).timestamp()),
            int(datetime(2025, 4, 26, 8, tzinfo=UTC).timestamp()),
        )
    ]
    # A session day with no trade has no bar, as in TradingView's history.
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    assert all(
        datetime.fromtimestamp(bar.time, zone).date() != saturday
        for bar in bars("timescale_update_1h_hose_vcb_2025.payload.json")
    )


def test_the_2019_btcusd_session_string_is_read() -> None:
    info = symbol_info("symbol_resolved_bitstamp_btcusd_session_2_0000-0000_2019.txt", BTCUSD)
    assert info.session == "2;0000-0000:1234567"
    session = btcusd_session()
    assert session.is_24x7
    assert session.week_start(date(2019, 5, 19)) == date(2019, 5, 13)  # Monday first
    assert session == TradingSession("Etc/UTC", "2;0000-0000:1234567")


def test_a_post_market_quote_belongs_to_no_regular_bar() -> None:
    # NASDAQ:AAPL's quote at 19:59:59 New York: real quotes move outside the regular session,
    # and only extended hours (a pre-market, regular and post-market window here) hold them.
    (quote,) = frames("qsd_full_nasdaq_aapl_post_market_2023.txt")
    lp_time = quote.params[1]["v"]["lp_time"]
    assert new_york(lp_time).strftime("%H:%M:%S") == "19:59:59"
    regular = aapl_session()
    assert all(bar_period(lp_time, interval, regular) is None for interval in Interval)
    extended = TradingSession("America/New_York", "0400-0930,0930-1600,1600-2000")
    assert bar_period(lp_time, Interval.H1, extended) == (lp_time - 3599, lp_time + 1)
