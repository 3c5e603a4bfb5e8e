"""Building chart messages and reading TradingView's replies, against real captures."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.tradingview import codec, messages
from domain.errors import (
    AuthenticationRejected,
    FeedProtocolError,
    FeedUnavailable,
    NotEntitled,
    SymbolNotFound,
)
from domain.intervals import Interval
from domain.symbols import Symbol

CAPTURES = Path(__file__).resolve().parents[3] / "shared" / "tradingview-captures"
SPX = Symbol("SP", "SPX")


def captured(name: str) -> list[codec.Message]:
    parsed = codec.parse_message((CAPTURES / name).read_text(encoding="utf-8"))
    return [p for p in parsed if isinstance(p, codec.Message)]


def only(name: str) -> codec.Message:
    (message,) = captured(name)
    return message


def utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def msg(method: str, *params: Any) -> codec.Message:
    return codec.Message(method, list(params), {"m": method, "p": list(params)})


# --- building ----------------------------------------------------------------------------


def test_session_ids_are_a_prefix_and_twelve_letters() -> None:
    chart, quote = messages.chart_session_id(), messages.quote_session_id()

    assert chart.startswith("cs_") and len(chart) == 15 and chart[3:].isalpha()
    assert quote.startswith("qs_") and len(quote) == 15 and quote[3:].isalpha()
    assert len({messages.chart_session_id() for _ in range(50)}) == 50


def test_chart_messages_have_the_documented_shapes() -> None:
    cs = "cs_abcdefghijkl"
    aapl = Symbol("NASDAQ", "AAPL")

    assert messages.set_auth_token("tok") == ("set_auth_token", ["tok"])
    assert messages.chart_create_session(cs) == ("chart_create_session", [cs, ""])
    assert messages.switch_timezone(cs) == ("switch_timezone", [cs, "Etc/UTC"])
    method, params = messages.resolve_symbol(cs, aapl)
    assert (method, params[:2]) == ("resolve_symbol", [cs, "sds_sym_1"])
    assert params[2].startswith("=")
    assert json.loads(params[2][1:]) == {
        "adjustment": "splits",
        "session": "regular",
        "symbol": "NASDAQ:AAPL",
    }
    extended = messages.resolve_symbol(cs, aapl, extended_hours=True).params[2]
    assert json.loads(extended[1:])["session"] == "extended"
    assert messages.create_series(cs, Interval.D1, 5000) == (
        "create_series",
        [cs, "sds_1", "s1", "sds_sym_1", "1D", 5000, ""],
    )
    assert messages.create_series(cs, Interval.H1, 10).params[4] == "60"
    assert messages.request_more_data(cs, 1234) == ("request_more_data", [cs, "sds_1", 1234])


# --- symbol_resolved ---------------------------------------------------------------------


def test_symbol_resolved_sp_spx() -> None:
    info = messages.parse_symbol_info(SPX, only("symbol_resolved_sp_spx_2023.txt").params)

    assert info.symbol == SPX
    assert info.name == "SPX"
    assert info.description == "S&P 500"
    assert info.type == "index"
    assert info.currency == "USD"
    assert info.timezone == "America/New_York"
    assert info.session == "0930-1610"
    assert info.session_holidays.startswith("20000117,20000221")
    assert info.pricescale == 100
    assert info.has_volume is True


def test_symbol_resolved_with_ohlc_plots_has_no_volume() -> None:
    info = messages.parse_symbol_info(
        SPX, ["cs_x", "sds_sym_1", {"name": "SPX", "visible_plots_set": "ohlc"}]
    )

    assert info.has_volume is False
    assert info.timezone == "Etc/UTC"  # missing fields fall back to defaults


def test_symbol_resolved_tvc_rut_keeps_its_subsessions() -> None:
    info = messages.parse_symbol_info(
        Symbol("TVC", "RUT"), only("symbol_resolved_tvc_rut_subsessions_2023.txt").params
    )

    assert (info.subsession_id, info.session) == ("extended", "0900-1615")
    assert [(s.id, s.session, s.description) for s in info.subsessions] == [
        ("regular", "0930-1615", "Regular Trading Hours"),
        ("extended", "0900-1615", "Extended Trading Hours"),
        ("premarket", "0900-0930", "Premarket"),
    ]
    assert info.trading_session.spec == "0930-1615"  # the regular hours by default
    assert info.trading_session.extended_hours.spec == "0900-1615"


def test_symbol_resolved_hose_vcb_keeps_its_session_correction() -> None:
    payload = (CAPTURES / "symbol_resolved_hose_vcb_lunch_break_2025.payload.json").read_text(
        encoding="utf-8"
    )
    (message,) = codec.parse_message(codec.frame(payload))
    assert isinstance(message, codec.Message)

    info = messages.parse_symbol_info(Symbol("HOSE", "VCB"), message.params)

    assert (info.subsession_id, info.corrections) == ("regular", "")
    (regular,) = info.subsessions
    assert (regular.session, regular.corrections) == ("0900-1500", "0900-1500:20250426")
    assert info.trading_session.corrections == "0900-1500:20250426"
    assert info.trading_session.timezone == "Asia/Ho_Chi_Minh"


def test_symbol_resolved_reads_corrections_and_skips_unusable_subsessions() -> None:
    meta = {
        "session": "0930-1600",
        "corrections": "0930-1300:20241129",
        "subsession_id": "regular",
        "subsessions": [
            "regular",
            {"id": "regular"},
            {"id": 3, "session": "0930-1600"},
            {"id": "regular", "session": "0930-1600"},
        ],
    }
    info = messages.parse_symbol_info(SPX, ["cs_x", "sds_sym_1", meta])

    assert info.corrections == "0930-1300:20241129"
    assert [(s.id, s.session, s.corrections) for s in info.subsessions] == [
        ("regular", "0930-1600", "")
    ]
    assert info.trading_session.corrections == "0930-1300:20241129"
    assert (
        messages.parse_symbol_info(
            SPX, ["cs_x", "sds_sym_1", {"subsessions": "regular"}]
        ).subsessions
        == ()
    )


def test_symbol_resolved_without_metadata_is_a_protocol_error() -> None:
    with pytest.raises(FeedProtocolError):
        messages.parse_symbol_info(SPX, ["cs_x", "sds_sym_1"])


# --- bars --------------------------------------------------------------------------------


def test_daily_sp_spx_bars_open_at_the_new_york_session_open() -> None:
    update = only("timescale_update_daily_sp_spx_2023.txt")
    bars = messages.parse_bars(update.params, "sds_7")

    assert len(bars) == 368
    assert utc(bars[0].time) == datetime(2021, 12, 22, 14, 30, tzinfo=UTC)  # EST
    assert utc(bars[-1].time) == datetime(2023, 6, 9, 13, 30, tzinfo=UTC)  # EDT
    assert all(isinstance(b.time, int) for b in bars)
    assert [b.time for b in bars] == sorted({b.time for b in bars})
    assert bars[0].open == 4650.36 and bars[0].volume == 1798000000.0
    assert all(not b.problems() for b in bars)


def test_bars_of_another_series_id_are_not_ours() -> None:
    update = only("timescale_update_daily_sp_spx_2023.txt")

    assert messages.parse_bars(update.params) == []  # default id sds_1
    assert len(messages.parse_bars(update.params, None)) == 368


def test_five_value_bars_have_no_volume_and_placeholders_are_missing() -> None:
    params = [
        "cs_x",
        {
            "sds_1": {
                "s": [
                    {"i": 0, "v": [1700000000.0, 10, 12, 9, 11]},
                    {"i": 1, "v": [1700086400.0, 11.0, 13.0, 10.0, 12.0, 1e100]},
                    {"i": 2, "v": [1700172800.0, 12.0, 13.0, 11.0, 12.5, 42.0]},
                ],
            },
            "st_1": {"st": [{"i": 0, "v": [1700000000.0, 1.0]}]},
        },
    ]
    bars = messages.parse_bars(params)

    assert [b.volume for b in bars] == [None, None, 42.0]
    assert bars[0].time == 1700000000 and bars[0].close == 11.0


def test_empty_series_dict_yields_no_bars() -> None:
    update = only("timescale_update_marks_only_empty_series_2019.txt")

    assert messages.parse_bars(update.params) == []
    assert messages.parse_bars(update.params, None) == []
    assert messages.parse_bars([]) == []


def test_live_du_update_is_parsed_like_history() -> None:
    (bar,) = messages.parse_bars(only("du_daily_nasdaq_aapl_2019.txt").params, "s1")

    assert utc(bar.time) == datetime(2019, 5, 21, 13, 30, tzinfo=UTC)
    assert bar.close == pytest.approx(187.35)
    assert bar.volume == 20932619.0


def test_multi_message_15m_history_parses_300_bars() -> None:
    update, completed = captured("multi_message_timescale_update_15m_series_completed_2019.txt")
    bars = messages.parse_bars(update.params, "s1")

    assert len(bars) == 300
    assert all(b.time % 900 == 0 for b in bars)
    assert all(b2.time > b1.time for b1, b2 in itertools.pairwise(bars))
    assert messages.parse_series_completed(completed.params).data_completed is None


def test_malformed_bar_is_a_protocol_error() -> None:
    with pytest.raises(FeedProtocolError):
        messages.parse_bars(["cs_x", {"sds_1": {"s": [{"i": 0, "v": [1.0, 2.0]}]}}])


# --- series_completed --------------------------------------------------------------------


def test_series_completed_streaming_and_delayed() -> None:
    streaming = messages.parse_series_completed(only("series_completed_streaming_2023.txt").params)
    delayed = messages.parse_series_completed(
        only("series_completed_delayed_streaming_900_2023.txt").params
    )

    assert (streaming.series_id, streaming.mode) == ("sds_7", "streaming")
    assert delayed.mode == "delayed_streaming_900"
    assert not streaming.reached_limit


def test_series_completed_with_data_completed_limit() -> None:
    params = [
        "cs_x",
        "sds_1",
        "streaming",
        "s1",
        {"rt_update_period": 5, "data_completed": "limit"},
    ]
    completed = messages.parse_series_completed(params)

    assert completed.data_completed == "limit"
    assert completed.reached_limit


# --- errors ------------------------------------------------------------------------------


def test_symbol_error_is_symbol_not_found_naming_the_symbol() -> None:
    error = messages.error_for(msg("symbol_error", "cs_x", "sds_sym_1", "invalid symbol"), SPX)

    assert isinstance(error, SymbolNotFound)
    assert error.symbol == "SP:SPX" and error.reason == "invalid symbol"


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("resolve error", SymbolNotFound),
        ("seconds_not_entitled", NotEntitled),
        ("custom_resolution", NotEntitled),
        ("study_not_auth:Volume@tv-basicstudies-1", NotEntitled),
        ("something new", FeedProtocolError),
    ],
)
def test_series_error_mapping(reason: str, expected: type[Exception]) -> None:
    error = messages.error_for(msg("series_error", "cs_x", "sds_1", "s1", reason), SPX)

    assert isinstance(error, expected)
    assert reason in str(error)


def test_critical_error_mapping() -> None:
    invalid = messages.error_for(
        msg("critical_error", "cs_x", "invalid parameters", "method: create_series"), SPX
    )
    denied = messages.error_for(msg("critical_error", "cs_x", "no permission for symbol"), SPX)

    assert isinstance(invalid, FeedProtocolError)
    assert "invalid parameters" in str(invalid) and "create_series" in str(invalid)
    assert isinstance(denied, NotEntitled)


def test_protocol_error_mapping() -> None:
    bad_token = messages.error_for(msg("protocol_error", "bad auth token"))
    banned = messages.error_for(msg("protocol_error", "you are banned: too many requests"))

    assert isinstance(bad_token, AuthenticationRejected)
    assert isinstance(banned, FeedUnavailable)
    assert "banned" in str(banned)


def test_ordinary_messages_are_not_errors() -> None:
    assert messages.error_for(only("series_timeframe_2023.txt")) is None
    assert messages.error_for(only("series_completed_streaming_2023.txt")) is None
