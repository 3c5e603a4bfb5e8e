from __future__ import annotations

import math

import pytest

from domain.bars import Bar, BarSeries, SeriesKey, clean_volume, merge_bars
from domain.errors import InvalidBar, InvalidInput
from domain.intervals import Interval, IntervalKind
from domain.symbols import Symbol

KEY = SeriesKey(Symbol("NASDAQ", "AAPL"), Interval.D1)


@pytest.mark.parametrize(
    "text",
    ["NASDAQ:AAPL", "nasdaq:aapl", " NYSE:BRK.B", "CME_MINI:NQ1!", "BINANCE:BTCUSDT", "TSE:7203"],
)
def test_symbols_parse_and_upper_case(text: str) -> None:
    symbol = Symbol.parse(text)
    assert symbol.key == text.strip().upper()


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("AAPL", "symbol"),
        ("NASDAQ:", "symbol"),
        (":AAPL", "exchange"),
        ("NAS DAQ:AAPL", "exchange"),
        ("NASDAQ:AA/PL", "symbol"),
        ("NASDAQ:" + "A" * 41, "symbol"),
        ("A:B:C", "symbol"),
    ],
)
def test_bad_symbols_name_the_field(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Symbol.parse(text)
    assert caught.value.field == field


def test_thirteen_intervals_with_case_sensitive_minute_and_month() -> None:
    assert [i.value for i in Interval] == [
        "1m",
        "3m",
        "5m",
        "15m",
        "30m",
        "45m",
        "1h",
        "2h",
        "3h",
        "4h",
        "1d",
        "1w",
        "1M",
    ]
    assert Interval.parse("1m").kind is IntervalKind.INTRADAY
    assert Interval.parse("1M").kind is IntervalKind.MONTHLY
    assert Interval.H4.seconds == 4 * 3600
    with pytest.raises(InvalidInput, match="interval"):
        Interval.parse("1H")


def test_bar_invariants() -> None:
    assert Bar(0, 10, 11, 9, 10.5, 100).problems() == []
    assert Bar(0, 10, 11, 9, 10.5, None).problems() == []
    assert "low" in Bar(0, 10, 11, 10.2, 10.5).problems()[0]
    assert "high" in Bar(0, 10, 10.4, 9, 10.5).problems()[0]
    assert "volume" in Bar(0, 10, 11, 9, 10.5, -1).problems()[0]
    assert Bar(0, math.nan, 11, 9, 10).problems() == ["prices must be finite numbers"]
    with pytest.raises(InvalidBar):
        Bar(0, 10, 10.4, 9, 10.5).validate()


def test_series_rejects_duplicates_and_disorder() -> None:
    a, b = Bar(60, 1, 2, 0.5, 1.5, 1), Bar(120, 1, 2, 0.5, 1.5, 1)
    assert len(BarSeries(KEY, (a, b))) == 2
    with pytest.raises(InvalidBar, match="strictly increase"):
        BarSeries(KEY, (b, a))
    with pytest.raises(InvalidBar):
        BarSeries(KEY, (a, a))
    assert BarSeries.from_unordered(KEY, [b, a, a]).bars == (a, b)


def test_merge_keys_by_time_incoming_wins() -> None:
    old = [Bar(60, 1, 2, 0.5, 1.5, 1), Bar(120, 1, 2, 0.5, 1.5, 1)]
    new = [Bar(120, 1, 3, 0.5, 2.5, 5), Bar(180, 2, 3, 1, 2, 1)]
    merged = merge_bars(old, new)
    assert [b.time for b in merged] == [60, 120, 180]
    assert merged[1].high == 3


@pytest.mark.parametrize(
    ("raw", "clean"), [(None, None), (1e100, None), (float("inf"), None), (12.5, 12.5), (0, 0.0)]
)
def test_placeholder_volumes_become_missing(raw: float | None, clean: float | None) -> None:
    assert clean_volume(raw) == clean
