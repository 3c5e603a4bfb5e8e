"""TradingView's session grammar, example by example.

Every example of TradingView's charting documentation, page "Trading sessions" (and the
``corrections`` and ``subsessions`` fields of its "Symbology" and "Extended sessions"
pages), with the meaning the page gives it; then every session string of the real captures.
Windows are written in the session's own zone (``Etc/UTC`` here, so epochs read directly) as
``"Mon 08 09:30"``: weekday, day of the month, time. The week used is Sunday 2024-01-07 to
Saturday 2024-01-13.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.tradingview import codec, messages
from domain.errors import InvalidInput
from domain.session_grammar import SessionSyntaxError
from domain.sessions import Subsession, TradingSession
from domain.symbols import Symbol

CAPTURES = Path(__file__).resolve().parents[3] / "shared" / "tradingview-captures"

SUN, MON, TUE, WED, THU, FRI, SAT = (date(2024, 1, day) for day in range(7, 14))


def windows(session: TradingSession, day: date) -> list[tuple[str, str]]:
    return [
        (_local(session, opens), _local(session, closes)) for opens, closes in session.windows(day)
    ]


def _local(session: TradingSession, epoch: int) -> str:
    return datetime.fromtimestamp(epoch, session.zone).strftime("%a %d %H:%M")


def utc_session(
    spec: str, corrections: str = "", holidays: frozenset[date] = frozenset()
) -> TradingSession:
    return TradingSession("Etc/UTC", spec, holidays, corrections)


# --- "Session formats" -------------------------------------------------------------------------

DOCUMENTED: list[tuple[str, date, list[tuple[str, str]]]] = [
    # 24/7: "including Saturday and Sunday. It starts at 00:00 and ends at 00:00 the following day."
    ("24x7", SAT, [("Sat 13 00:00", "Sun 14 00:00")]),
    ("24x7", SUN, [("Sun 07 00:00", "Mon 08 00:00")]),
    ("24x7", WED, [("Wed 10 00:00", "Thu 11 00:00")]),
    # "0930-1600 starts at 09:30 and ends at 16:00 from Monday to Friday."
    ("0930-1600", MON, [("Mon 08 09:30", "Mon 08 16:00")]),
    ("0930-1600", FRI, [("Fri 12 09:30", "Fri 12 16:00")]),
    ("0930-1600", SAT, []),
    ("0930-1600", SUN, []),
    # "0000-0000 starts at 00:00 and ends at 00:00 the following day from Monday to Friday."
    ("0000-0000", MON, [("Mon 08 00:00", "Tue 09 00:00")]),
    ("0000-0000", FRI, [("Fri 12 00:00", "Sat 13 00:00")]),
    ("0000-0000", SUN, []),
    # Overnight: "1600-0930. The session starts at 16:00 on the previous day and ends at 09:30."
    ("1600-0930", TUE, [("Mon 08 16:00", "Tue 09 09:30")]),
    ("1600-0930", MON, [("Sun 07 16:00", "Mon 08 09:30")]),
    ("1600-0930", SAT, []),
    # "1700-1700. The session starts at 17:00 on the previous day and ends at 17:00."
    ("1700-1700", TUE, [("Mon 08 17:00", "Tue 09 17:00")]),
    # "1700F-2200 ... a Wednesday session starts at 17:00 on Tuesday and ends at 22:00 on
    # Wednesday."
    ("1700F-2200", WED, [("Tue 09 17:00", "Wed 10 22:00")]),
    # "1900F-2350F ... a Monday session starts at 19:00 on Sunday and ends at 23:50 on Sunday."
    ("1900F-2350F", MON, [("Sun 07 19:00", "Sun 07 23:50")]),
    # "1900F3-1900 ... a Monday session starts at 19:00 on Friday and ends at 19:00 on Monday."
    ("1900F3-1900", MON, [("Fri 05 19:00", "Mon 08 19:00")]),
    # "1900F3-2350F3 ... a Friday session starts at 19:00 on Tuesday and ends at 23:50 on Tuesday."
    ("1900F3-2350F3", FRI, [("Tue 09 19:00", "Tue 09 23:50")]),
    # "0930-2730. In this case, a Monday session starts at 09:30 on Monday and ends at 03:30 on
    # Tuesday" (times past 2400 run into the next day without being overnight).
    ("0930-2730", MON, [("Mon 08 09:30", "Tue 09 03:30")]),
    ("0930-2730", TUE, [("Tue 09 09:30", "Wed 10 03:30")]),
    # "0930-1400,1430-1700. The first session starts at 09:30 and ends at 14:00. The second
    # session starts at 14:30 and ends at 17:00."
    (
        "0930-1400,1430-1700",
        THU,
        [("Thu 11 09:30", "Thu 11 14:00"), ("Thu 11 14:30", "Thu 11 17:00")],
    ),
    # "0900-1400:23 means that the session starts at 09:00 and ends at 14:00 on Mondays and
    # Tuesdays."
    ("0900-1400:23", MON, [("Mon 08 09:00", "Mon 08 14:00")]),
    ("0900-1400:23", TUE, [("Tue 09 09:00", "Tue 09 14:00")]),
    ("0900-1400:23", WED, []),
    # "0900-1400:2|0900-1630 on Mondays the session starts at 09:00 and ends at 14:00. On all
    # other days the session starts at 09:00 and ends at 16:30."
    ("0900-1400:2|0900-1630", MON, [("Mon 08 09:00", "Mon 08 14:00")]),
    ("0900-1400:2|0900-1630", TUE, [("Tue 09 09:00", "Tue 09 16:30")]),
    ("0900-1400:2|0900-1630", FRI, [("Fri 12 09:00", "Fri 12 16:30")]),
    ("0900-1400:2|0900-1630", SAT, []),
    # The same, as the page's "Examples" writes it: "0900-1630|0900-1400:2".
    ("0900-1630|0900-1400:2", MON, [("Mon 08 09:00", "Mon 08 14:00")]),
    ("0900-1630|0900-1400:2", WED, [("Wed 10 09:00", "Wed 10 16:30")]),
    # "2200-2200:3456|1700F-2200:2 a Monday session starts at 17:00 on Sunday and ends at 22:00
    # on Monday. On all other days the session starts at 22:00 on the previous day and ends at
    # 22:00 on the current day."
    ("2200-2200:3456|1700F-2200:2", MON, [("Sun 07 17:00", "Mon 08 22:00")]),
    ("2200-2200:3456|1700F-2200:2", TUE, [("Mon 08 22:00", "Tue 09 22:00")]),
    ("2200-2200:3456|1700F-2200:2", FRI, [("Thu 11 22:00", "Fri 12 22:00")]),
    ("2200-2200:3456|1700F-2200:2", SAT, []),
    # "0930-1630:34567 starts at 09:30 and ends at 16:30 on Tuesday, Wednesday, Thursday,
    # Friday, and Saturday."
    ("0930-1630:34567", SAT, [("Sat 13 09:30", "Sat 13 16:30")]),
    ("0930-1630:34567", TUE, [("Tue 09 09:30", "Tue 09 16:30")]),
    ("0930-1630:34567", MON, []),
    # Forex: "you can configure a Forex session as 2200-2200."
    ("2200-2200", MON, [("Sun 07 22:00", "Mon 08 22:00")]),
    # "1715F-0300,0915-1200,1300-1630:3456|1715F3-0300F2,0915-1200,1300-1630:2": Tuesday to
    # Friday, "the first starts at 17:15 on the previous day and ends at 03:00 on the current
    # day, the second starts at 09:15 ... and ends at 12:00, and the third starts at 13:00 and
    # ends at 16:30"; Monday, "the first starts at 17:15 on Friday and ends at 03:00 on Saturday".
    (
        "1715F-0300,0915-1200,1300-1630:3456|1715F3-0300F2,0915-1200,1300-1630:2",
        TUE,
        [
            ("Mon 08 17:15", "Tue 09 03:00"),
            ("Tue 09 09:15", "Tue 09 12:00"),
            ("Tue 09 13:00", "Tue 09 16:30"),
        ],
    ),
    (
        "1715F-0300,0915-1200,1300-1630:3456|1715F3-0300F2,0915-1200,1300-1630:2",
        MON,
        [
            ("Fri 05 17:15", "Sat 06 03:00"),
            ("Mon 08 09:15", "Mon 08 12:00"),
            ("Mon 08 13:00", "Mon 08 16:30"),
        ],
    ),
]


def case_ids(cases: list[tuple[str, date, list[tuple[str, str]]]]) -> list[str]:
    return [f"{spec} on {day:%a %d}" for spec, day, _ in cases]


@pytest.mark.parametrize(("spec", "day", "expected"), DOCUMENTED, ids=case_ids(DOCUMENTED))
def test_documented_session_strings_mean_what_the_documentation_says(
    spec: str, day: date, expected: list[tuple[str, str]]
) -> None:
    assert windows(utc_session(spec), day) == expected


# --- "First trading day" -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "week_start"),
    [
        # "1;0900-1630|0900-1400:2 — the first day of the week is Sunday."
        ("1;0900-1630|0900-1400:2", SUN),
        # "0900-1630|0900-1400:2;6". The page says "Saturday" here, but the same page numbers
        # the days 1 = Sunday … 7 = Saturday, so 6 is Friday (an earlier version of the page
        # says Friday too); the numbering wins.
        ("0900-1630|0900-1400:2;6", date(2024, 1, 5)),
        # "0900-1630|0900-1400:2 — the first day of the week is Monday (default value)."
        ("0900-1630|0900-1400:2", MON),
        # BITSTAMP:BTCUSD's capture: "2;" sets Monday.
        ("2;0000-0000:1234567", MON),
        ("7;24x7", date(2024, 1, 6)),
    ],
)
def test_the_first_day_of_the_week_is_set_before_or_after_a_semicolon(
    spec: str, week_start: date
) -> None:
    assert utc_session(spec).week_start(WED) == week_start
    assert utc_session(spec).week_start(week_start) == week_start


def test_the_first_day_setting_does_not_change_the_hours() -> None:
    assert all(
        windows(utc_session("1;0900-1630|0900-1400:2"), day)
        == windows(utc_session("0900-1630|0900-1400:2"), day)
        == windows(utc_session("0900-1630|0900-1400:2;6"), day)
        for day in (SUN, MON, TUE, SAT)
    )


# --- "Session history" ---------------------------------------------------------------------------


HISTORY: list[tuple[str, date, list[tuple[str, str]]]] = [
    # "Since the switch date aligns with the first day of the week, the new session schedule
    # begins on 2024-01-08."
    (
        "09:30-17:00:3456#20240108/10:00-18:00",
        date(2024, 1, 5),
        [("Fri 05 09:30", "Fri 05 17:00")],
    ),
    ("09:30-17:00:3456#20240108/10:00-18:00", MON, [("Mon 08 10:00", "Mon 08 18:00")]),
    ("09:30-17:00:3456#20240108/10:00-18:00", WED, [("Wed 10 10:00", "Wed 10 18:00")]),
    # "the new session schedule begins on the next Monday 2024-01-15. Until then, the
    # previous session schedule (09:30-17:00) remains in effect."
    ("09:30-17:00:3456#20240110/10:00-18:00", MON, []),  # the old hours had no Monday
    ("09:30-17:00:3456#20240110/10:00-18:00", WED, [("Wed 10 09:30", "Wed 10 17:00")]),
    ("09:30-17:00:3456#20240110/10:00-18:00", FRI, [("Fri 12 09:30", "Fri 12 17:00")]),
    (
        "09:30-17:00:3456#20240110/10:00-18:00",
        date(2024, 1, 15),
        [("Mon 15 10:00", "Mon 15 18:00")],
    ),
    # "if the new session runs from Wednesday till Friday, Wednesday is considered the first
    # day of the week": a change on that Wednesday takes effect at once.
    ("0930-1700#20240110/1000-1800:456", TUE, [("Tue 09 09:30", "Tue 09 17:00")]),
    ("0930-1700#20240110/1000-1800:456", WED, [("Wed 10 10:00", "Wed 10 18:00")]),
    ("0930-1700#20240110/1000-1800:456", date(2024, 1, 15), []),
    # Several changes, each session in force from its own date.
    (
        "0800-1200#20240108/0900-1300#20240115/1000-1400",
        FRI,
        [("Fri 12 09:00", "Fri 12 13:00")],
    ),
    (
        "0800-1200#20240108/0900-1300#20240115/1000-1400",
        date(2024, 1, 16),
        [("Tue 16 10:00", "Tue 16 14:00")],
    ),
    (
        "0800-1200#20240108/0900-1300#20240115/1000-1400",
        date(2024, 1, 2),
        [("Tue 02 08:00", "Tue 02 12:00")],
    ),
]


@pytest.mark.parametrize(("spec", "day", "expected"), HISTORY, ids=case_ids(HISTORY))
def test_session_history_uses_the_hours_in_force_on_each_date(
    spec: str, day: date, expected: list[tuple[str, str]]
) -> None:
    assert windows(utc_session(spec), day) == expected


# --- "corrections" (Symbology) and subsessions (Extended sessions) -------------------------------


def test_corrections_set_the_hours_of_the_days_they_list() -> None:
    # "1000-1400:20180308,20180223,20180101": the days listed latest first.
    session = utc_session("0930-1700", "1000-1400:20180308,20180223,20180101")
    assert windows(session, date(2018, 3, 8)) == [("Thu 08 10:00", "Thu 08 14:00")]
    assert windows(session, date(2018, 2, 23)) == [("Fri 23 10:00", "Fri 23 14:00")]
    assert windows(session, date(2018, 3, 9)) == [("Fri 09 09:30", "Fri 09 17:00")]


def test_several_corrections_are_separated_by_semicolons() -> None:
    # "1000-1845:20181113;1000-1400:20181114"
    session = utc_session("0930-1700", "1000-1845:20181113;1000-1400:20181114")
    assert windows(session, date(2018, 11, 13)) == [("Tue 13 10:00", "Tue 13 18:45")]
    assert windows(session, date(2018, 11, 14)) == [("Wed 14 10:00", "Wed 14 14:00")]


def test_corrections_beat_holidays() -> None:
    # "if both properties contain the same date, the library applies hours specified in
    # corrections for that date."
    session = utc_session("0930-1700", "1000-1400:20180101", frozenset({date(2018, 1, 1)}))
    assert windows(session, date(2018, 1, 1)) == [("Mon 01 10:00", "Mon 01 14:00")]
    assert (
        windows(utc_session("0930-1700", "", frozenset({date(2018, 1, 1)})), date(2018, 1, 1)) == []
    )


def test_a_correction_can_make_a_weekend_day_a_trading_day() -> None:
    # HOSE:VCB's capture: "session-correction": "0900-1500:20250426", a Saturday.
    session = TradingSession("Asia/Ho_Chi_Minh", "0900-1500", corrections="0900-1500:20250426")
    assert windows(session, date(2025, 4, 26)) == [("Sat 26 09:00", "Sat 26 15:00")]
    assert windows(session, date(2025, 4, 27)) == []


# The "Extended sessions" page's example: early closes on three days, in every subsession.
EXAMPLE_SUBSESSIONS = (
    Subsession("regular", "0930-1700", "0930-1300:20190703,20191129,20191224"),
    Subsession("extended", "0400-2000", "0400-2100:20190703,20191129,20191224"),
    Subsession("premarket", "0400-0930"),
    Subsession("postmarket", "1700-2000", "1300-2100:20190703,20191129,20191224"),
)


def example_symbol(resolved_as: str) -> TradingSession:
    session, corrections = {
        "regular": ("0930-1700", "0930-1300:20190703,20191129,20191224"),
        "extended": ("0400-2000", "0400-2100:20190703,20191129,20191224"),
    }[resolved_as]
    return TradingSession.from_tradingview(
        "Etc/UTC",
        session,
        corrections=corrections,
        subsessions=EXAMPLE_SUBSESSIONS,
        subsession_id=resolved_as,
    )


@pytest.mark.parametrize("resolved_as", ["regular", "extended"])
def test_the_regular_hours_are_the_default_and_the_extended_ones_are_at_hand(
    resolved_as: str,
) -> None:
    session = example_symbol(resolved_as)
    ordinary, early_close = date(2019, 7, 2), date(2019, 7, 3)
    assert windows(session, ordinary) == [("Tue 02 09:30", "Tue 02 17:00")]
    assert windows(session, early_close) == [("Wed 03 09:30", "Wed 03 13:00")]
    extended = session.extended_hours
    assert windows(extended, ordinary) == [("Tue 02 04:00", "Tue 02 20:00")]
    assert windows(extended, early_close) == [("Wed 03 04:00", "Wed 03 21:00")]
    assert extended.regular_hours == session
    premarket, postmarket = session.subsession("premarket"), session.subsession("postmarket")
    assert premarket is not None and postmarket is not None
    assert windows(premarket, early_close) == [("Wed 03 04:00", "Wed 03 09:30")]
    assert windows(postmarket, early_close) == [("Wed 03 13:00", "Wed 03 21:00")]
    assert windows(postmarket, ordinary) == [("Tue 02 17:00", "Tue 02 20:00")]


def test_corrections_given_outside_subsessions_belong_to_the_resolved_subsession() -> None:
    plain = (Subsession("regular", "0930-1700"), Subsession("extended", "0400-2000"))
    session = TradingSession.from_tradingview(
        "Etc/UTC",
        "0400-2000",
        corrections="0400-1300:20190703",
        subsessions=plain,
        subsession_id="extended",
    )
    assert windows(session, date(2019, 7, 3)) == [("Wed 03 09:30", "Wed 03 17:00")]
    assert windows(session.extended_hours, date(2019, 7, 3)) == [("Wed 03 04:00", "Wed 03 13:00")]


def test_a_symbol_without_subsessions_has_the_same_extended_hours() -> None:
    session = TradingSession.from_tradingview("America/New_York", "0930-1610")
    assert session.extended_hours == session.regular_hours == session
    assert session.subsession("premarket") is None


# --- the session strings of the real captures ----------------------------------------------------

NEW_YORK_FRIDAY = date(2023, 6, 9)  # EDT: New York is UTC-4

CAPTURED: list[tuple[str, str, str, date, list[tuple[str, str]]]] = [
    # SP:SPX (symbol_resolved_sp_spx_2023): session and regular subsession.
    (
        "SP:SPX",
        "America/New_York",
        "0930-1610",
        NEW_YORK_FRIDAY,
        [("Fri 09 09:30", "Fri 09 16:10")],
    ),
    # TVC:RUT (symbol_resolved_tvc_rut_subsessions_2023): extended session, regular, premarket.
    (
        "TVC:RUT",
        "America/New_York",
        "0900-1615",
        NEW_YORK_FRIDAY,
        [("Fri 09 09:00", "Fri 09 16:15")],
    ),
    (
        "TVC:RUT",
        "America/New_York",
        "0930-1615",
        NEW_YORK_FRIDAY,
        [("Fri 09 09:30", "Fri 09 16:15")],
    ),
    (
        "TVC:RUT",
        "America/New_York",
        "0900-0930",
        NEW_YORK_FRIDAY,
        [("Fri 09 09:00", "Fri 09 09:30")],
    ),
    # NASDAQ:AAPL (symbol_resolved_nasdaq_aapl_2019).
    (
        "NASDAQ:AAPL",
        "America/New_York",
        "0930-1600",
        date(2019, 5, 21),
        [("Tue 21 09:30", "Tue 21 16:00")],
    ),
    # BITSTAMP:BTCUSD (2019): "2;" Monday first, "0000-0000" a whole day, every day.
    (
        "BITSTAMP:BTCUSD",
        "Etc/UTC",
        "2;0000-0000:1234567",
        date(2019, 5, 19),
        [("Sun 19 00:00", "Mon 20 00:00")],
    ),
    (
        "BITSTAMP:BTCUSD",
        "Etc/UTC",
        "2;0000-0000:1234567",
        date(2019, 5, 20),
        [("Mon 20 00:00", "Tue 21 00:00")],
    ),
    # HOSE:VCB (2025): no lunch break in the string (the break only has no trades).
    (
        "HOSE:VCB",
        "Asia/Ho_Chi_Minh",
        "0900-1500",
        date(2025, 6, 25),
        [("Wed 25 09:00", "Wed 25 15:00")],
    ),
]


@pytest.mark.parametrize(
    ("symbol", "zone", "spec", "day", "expected"),
    CAPTURED,
    ids=[f"{symbol} {spec} on {day}" for symbol, _, spec, day, _ in CAPTURED],
)
def test_captured_session_strings(
    symbol: str, zone: str, spec: str, day: date, expected: list[tuple[str, str]]
) -> None:
    assert windows(TradingSession(zone, spec), day) == expected


def test_the_table_holds_every_session_string_of_the_captures() -> None:
    found: set[str] = set()
    for path in CAPTURES.glob("symbol_resolved_*"):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":  # a payload stored without its frame
            text = codec.frame(text)
        for message in codec.parse_message(text):
            if isinstance(message, codec.Message) and message.method == "symbol_resolved":
                info = messages.parse_symbol_info(Symbol("X", "Y"), message.params)
                found.add(info.session)
                found.update(sub.session for sub in info.subsessions)
    assert found == {spec for _, _, spec, _, _ in CAPTURED}


def test_round_the_clock_strings_are_24x7() -> None:
    assert utc_session("24x7").is_24x7
    assert utc_session("2;0000-0000:1234567").is_24x7
    assert utc_session("0000-0000:1234567").is_24x7
    assert not utc_session("0000-0000").is_24x7  # Monday to Friday only
    assert not utc_session("2200-2200:1234567").is_24x7  # days start at 22:00
    assert not utc_session("24x7", holidays=frozenset({MON})).is_24x7


# --- what cannot be read ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "part"),
    [
        ("0930-16OO", "16OO"),
        ("0930-16OO:23", "16OO"),
        ("09:30-17:0O:23", "17:0O"),
        ("0930-1600:8", ":8"),
        ("0930-1600:20", ":20"),
        ("0930", "0930"),
        ("0930-1600-1700", "0930-1600-1700"),
        ("9;0930-1600", "9"),
        ("1;2;0930-1600", "1;2;0930-1600"),
        ("0930-1600;x", "0930-1600;x"),
        ("1900F7-1900", "1900F7"),
        ("0975-1600", "0975"),
        ("1600-1500F", "1600-1500F"),
        ("0930-1600,", ""),
        ("0930-1600||0900-1200:2", ""),
        ("0930-1600#2024/0900-1600", "2024"),
        ("0930-1600#20240230/0900-1600", "20240230"),
        ("0930-1600/0900-1600", "0930-1600"),
        ("0930-1600#20240108", "0930-1600#20240108"),
        ("0800-1200#20240115/0900-1300#20240108/1000-1400", "20240108"),
        ("", ""),
    ],
)
def test_a_string_that_cannot_be_read_names_the_part_at_fault(spec: str, part: str) -> None:
    with pytest.raises(SessionSyntaxError) as raised:
        TradingSession("Etc/UTC", spec)
    assert raised.value.part == part
    assert raised.value.field == "session"
    assert repr(part) in raised.value.message
    assert isinstance(raised.value, InvalidInput)


@pytest.mark.parametrize(
    ("corrections", "part"),
    [("1000-1400", "1000-1400"), ("1000-1400:2018", "2018"), ("10-14:20180101", "10")],
)
def test_corrections_that_cannot_be_read_name_the_part(corrections: str, part: str) -> None:
    with pytest.raises(SessionSyntaxError) as raised:
        TradingSession("Etc/UTC", "0930-1600", corrections=corrections)
    assert (raised.value.field, raised.value.part) == ("corrections", part)


def test_holidays_that_cannot_be_read_name_the_date() -> None:
    with pytest.raises(SessionSyntaxError) as raised:
        TradingSession.from_tradingview("Etc/UTC", "0930-1600", "20240101,2024011,20240102")
    assert (raised.value.field, raised.value.part) == ("session_holidays", "2024011")


def test_epochs_are_utc_seconds() -> None:
    (window,) = TradingSession("America/New_York", "0930-1610").windows(NEW_YORK_FRIDAY)
    assert window == (
        int(datetime(2023, 6, 9, 13, 30, tzinfo=UTC).timestamp()),
        int(datetime(2023, 6, 9, 20, 10, tzinfo=UTC).timestamp()),
    )
