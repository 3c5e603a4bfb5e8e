"""History over chart sessions, driven by a raw client: replies, bar times, paging, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

import pytest

from adapters.tradingview import codec
from domain.bar_time import iter_periods_backward
from domain.bars import validate_series
from domain.intervals import Interval
from simulator.catalogue import CATALOGUE
from simulator.metadata import symbol_info
from simulator.server import Simulator
from simulator.timeline import Timeline
from tests.fidelity.captures import frames
from tests.fixtures.simulator import SIMULATOR_NOW, RawClientFactory, SimulatorFactory
from tests.simulator_support import bars_of, completed, request, rows_of, snapshot, spec, utc

NEW_YORK = ZoneInfo("America/New_York")
RUT_RESOLVED = "symbol_resolved_tvc_rut_subsessions_2023.txt"
SPX_RESOLVED = "symbol_resolved_sp_spx_2023.txt"


async def test_reply_sequence_and_metadata(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    messages = await request(client, "NASDAQ:AAPL", "1D", 300)
    assert [m.method for m in messages] == [
        "symbol_resolved",
        "series_loading",
        "timescale_update",
        "series_timeframe",
        "series_completed",
    ]
    resolved, loading, update, _, done = messages
    assert resolved.params[:2] == ["cs_test", "sds_sym_1"]
    meta = resolved.params[2]
    assert meta["full_name"] == meta["pro_name"] == "NASDAQ:AAPL"
    assert meta["name"] == "AAPL"
    assert meta["timezone"] == "America/New_York"
    assert meta["session"] == "0930-1600"
    assert "20240115" in meta["session_holidays"].split(",")
    assert meta["type"] == "stock" and meta["currency_code"] == "USD"
    assert meta["pricescale"] == 100 and meta["minmov"] == 1
    assert meta["visible_plots_set"] == "ohlcv" and meta["has_intraday"] is True
    assert meta["subsessions"][0]["id"] == "regular"
    assert loading.params == ["cs_test", "sds_1", "s1"]
    series = update.params[1]["sds_1"]
    assert series["t"] == "s1" and series["ns"] == {"d": "", "indexes": []}
    assert [item["i"] for item in series["s"]] == list(range(300))
    assert set(update.params[2]) >= {"index", "zoffset", "changes", "marks", "index_diff"}
    assert done.params[:4] == ["cs_test", "sds_1", "streaming", "s1"]
    assert done.params[4] == {"rt_update_period": 5}
    for message in (resolved, update, done):
        assert message.raw["t"] == SIMULATOR_NOW
        assert message.raw["t_ms"] // 1000 == SIMULATOR_NOW
    # The newest bar is the session of 2024-03-15, closing at 16:00 New York.
    assert series["lbs"]["bar_close_time"] == SIMULATOR_NOW - 1
    assert series["s"][-1]["v"][0] == 1_710_509_400.0  # 09:30 EDT


async def test_bar_times_are_floats_and_bars_arrive_with_completion_in_one_message(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    await request(client, "NASDAQ:AAPL", "1D", 10)
    last = client.messages[-1]
    frames = codec.split_frames(last)
    assert len(frames) == 3
    assert '"m":"timescale_update"' in frames[0] and '"m":"series_completed"' in frames[2]
    assert '"v":[1710509400.0,' in frames[0]


@pytest.mark.parametrize(
    ("symbol", "resolution"),
    [
        ("NASDAQ:AAPL", "1D"),
        ("NASDAQ:AAPL", "1"),
        ("NASDAQ:AAPL", "60"),
        ("NYSE:BRK.B", "1W"),
        ("SP:SPX", "D"),
        ("BINANCE:BTCUSDT", "15"),
        ("BITSTAMP:BTCUSD", "240"),
        ("CME_MINI:ES1!", "5"),
        ("FX:EURUSD", "1M"),
        ("TSE:7203", "30"),
        ("EURONEXT:GLE", "1D"),
    ],
)
async def test_bars_obey_every_invariant(
    simulator: Simulator, raw_client: RawClientFactory, symbol: str, resolution: str
) -> None:
    client = await raw_client(simulator)
    messages = await request(client, symbol, resolution, 2000)
    bars = bars_of(messages)
    assert len(bars) > 100
    validate_series(bars)  # OHLC invariants, volume >= 0, strictly increasing times
    assert bars[-1].time <= SIMULATOR_NOW
    listing = CATALOGUE[symbol]
    assert all((bar.volume is not None) == listing.has_volume for bar in bars)


async def test_bars_carry_volume_where_the_captures_show_it(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    # TVC:RUT says "ohlc" and its 1-minute bars have five values; SP:SPX says "ohlcv" and its
    # daily bars carry volume, as their captures show.
    client = await raw_client(simulator)
    for symbol, resolution, resolved, history in (
        ("TVC:RUT", "1", RUT_RESOLVED, "timescale_update_1m_tvc_rut_2023.txt"),
        ("SP:SPX", "1D", SPX_RESOLVED, "timescale_update_daily_sp_spx_2023.txt"),
    ):
        messages = await request(client, symbol, resolution, 50, cs=f"cs_{symbol[-3:]}")
        (real,) = [m.params[2] for m in frames(resolved) if m.method == "symbol_resolved"]
        assert messages[0].params[2]["visible_plots_set"] == real["visible_plots_set"]
        real_lengths = {len(v) for m in frames(history) for v in rows_of([m])}
        assert {len(v) for v in rows_of(messages)} == real_lengths


async def test_daily_us_stock_bars_open_at_0930_new_york_across_dst(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    bars = bars_of(await request(client, "NASDAQ:AAPL", "1D", 60))
    by_day = {utc(bar.time).date(): utc(bar.time) for bar in bars}
    assert by_day[date(2024, 3, 8)].hour == 14 and by_day[date(2024, 3, 8)].minute == 30
    assert by_day[date(2024, 3, 11)].hour == 13 and by_day[date(2024, 3, 11)].minute == 30
    assert {t.astimezone(NEW_YORK).strftime("%H:%M") for t in by_day.values()} == {"09:30"}
    # Weekends and NYSE holidays (Presidents' Day 2024-02-19) have no bar.
    assert date(2024, 2, 19) not in by_day
    assert date(2024, 3, 9) not in by_day and date(2024, 3, 10) not in by_day
    assert all(day.weekday() < 5 for day in by_day)


async def test_crypto_daily_bars_open_at_midnight_utc_every_day(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    bars = bars_of(await request(client, "BINANCE:BTCUSDT", "1D", 400))
    assert len(bars) == 400
    assert all(bar.time % 86400 == 0 for bar in bars)
    assert {b.time - a.time for a, b in pairwise(bars)} == {86400}
    assert bars[-1].time == 1_710_460_800  # 2024-03-15 00:00 UTC, in progress at `now`


async def test_crypto_intraday_bars_are_contiguous(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    simulator = await simulator_factory(tick_speed=0.0)
    client = await raw_client(simulator)
    bars = bars_of(await request(client, "COINBASE:BTCUSD", "1", 500))
    assert all(b.time - a.time == 60 for a, b in pairwise(bars))
    assert all(a.close == b.open for a, b in pairwise(bars))
    # The newest bar is the minute of the last trade, whose price the quote shows.
    quote = await snapshot(client, "COINBASE:BTCUSD")
    assert quote["lp_time"] <= SIMULATOR_NOW
    assert bars[-1].time == quote["lp_time"] - quote["lp_time"] % 60
    assert bars[-1].close == quote["lp"]


async def test_hourly_stock_bars_count_from_the_session_open(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    bars = bars_of(await request(client, "NASDAQ:AAPL", "60", 7))
    local = [utc(bar.time).astimezone(NEW_YORK).strftime("%H:%M") for bar in bars]
    assert local == ["09:30", "10:30", "11:30", "12:30", "13:30", "14:30", "15:30"]


async def test_tokyo_bars_skip_the_lunch_break(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    messages = await request(client, "TSE:7203", "60", 6)
    assert messages[0].params[2]["session"] == "0900-1130,1230-1530"
    tokyo = ZoneInfo("Asia/Tokyo")
    local = [utc(bar.time).astimezone(tokyo).strftime("%H:%M") for bar in bars_of(messages)]
    assert local == ["09:00", "10:00", "11:00", "12:30", "13:30", "14:30"]


async def test_futures_daily_bars_open_the_evening_before(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    messages = await request(client, "CME_MINI:ES1!", "1D", 5)
    assert messages[0].params[2]["timezone"] == "America/Chicago"
    chicago = ZoneInfo("America/Chicago")
    opens = [utc(bar.time).astimezone(chicago) for bar in bars_of(messages)]
    assert {t.strftime("%H:%M") for t in opens} == {"17:00"}
    assert [t.strftime("%a") for t in opens] == ["Sun", "Mon", "Tue", "Wed", "Thu"]


async def test_non_ascii_description_is_sent_raw_and_framed_in_utf16_units(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    messages = await request(client, "EURONEXT:GLE", "1D", 5)
    assert messages[0].params[2]["description"] == "Société Générale"
    raw = next(m for m in client.messages if "symbol_resolved" in m)
    assert "Société Générale" in raw
    payload = codec.split_frames(raw)[0]
    assert raw.startswith(f"~m~{len(payload)}~m~")
    assert len(payload.encode()) > len(payload)


async def test_the_same_request_gives_the_same_bars(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    first, second = await simulator_factory(), await simulator_factory()
    a = bars_of(await request(await raw_client(first), "NYSE:JPM", "5", 800))
    b = bars_of(await request(await raw_client(second), "NYSE:JPM", "5", 800))
    assert a == b


async def test_symbol_spec_key_order_and_bare_names_are_accepted(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    reordered = '={"adjustment":"splits","session":"regular","symbol":"NASDAQ:MSFT"}'
    messages = await request(client, "", "1D", 3, cs="cs_a", symbol_spec=reordered)
    assert messages[0].params[2]["pro_name"] == "NASDAQ:MSFT"
    with_all = spec("NYSE:KO", session="extended", **{"currency-id": "USD"})
    with_all = with_all[:-1] + ',"backadjustment":"default"}'
    messages = await request(client, "", "1D", 3, cs="cs_b", symbol_spec=with_all)
    assert messages[0].params[2]["pro_name"] == "NYSE:KO"
    messages = await request(client, "", "1D", 3, cs="cs_c", symbol_spec="AMEX:SPY")
    assert messages[0].params[2]["type"] == "fund"
    assert len(bars_of(messages)) == 3


async def test_paging_returns_older_bars_without_overlap(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(max_bars_per_request=400)
    client = await raw_client(sim)
    first = bars_of(await request(client, "NASDAQ:NVDA", "1", 1000))
    assert len(first) == 400
    await client.send(("request_more_data", ["cs_test", "sds_1", 1000]))
    page = await client.until("series_completed")
    assert [m.method for m in page] == ["timescale_update", "series_completed"]
    assert [item["i"] for item in page[0].params[1]["sds_1"]["s"]][:3] == [0, 1, 2]
    second = bars_of(page)
    assert len(second) == 400
    assert second[-1].time < first[0].time
    # Together they are exactly the newest 800 bars.
    whole = await simulator_factory()
    expected = bars_of(await request(await raw_client(whole), "NASDAQ:NVDA", "1", 800))
    assert second + first == expected


async def test_history_limit_ends_with_data_completed_limit(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(history_limit=500)
    client = await raw_client(sim)
    messages = await request(client, "BINANCE:ETHUSDT", "60", 300)
    assert len(bars_of(messages)) == 300
    assert "data_completed" not in completed(messages)
    await client.send(("request_more_data", ["cs_test", "sds_1", 300]))
    page = await client.until("series_completed")
    assert len(bars_of(page)) == 200
    assert completed(page)["data_completed"] == "limit"
    await client.send(("request_more_data", ["cs_test", "sds_1", 300]))
    empty = await client.until("series_completed")
    assert [m.method for m in empty] == ["timescale_update", "series_completed"]
    assert empty[0].params[1]["sds_1"]["s"] == []
    assert completed(empty)["data_completed"] == "limit"


async def test_history_limit_smaller_than_the_first_request(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(history_limit=100)
    client = await raw_client(sim)
    messages = await request(client, "NASDAQ:AAPL", "1D", 5000)
    assert len(bars_of(messages)) == 100
    assert completed(messages)["data_completed"] == "limit"


async def test_history_ends_at_the_listing_date(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    bars = bars_of(await request(client, "BINANCE:SOLUSDT", "1D", 5000))
    assert utc(bars[0].time).date() == date(2020, 8, 11)
    assert len(bars) == (date(2024, 3, 15) - date(2020, 8, 11)).days + 1
    await client.send(("request_more_data", ["cs_test", "sds_1", 100]))
    empty = await client.until("series_completed")
    assert bars_of(empty) == []
    assert "data_completed" not in completed(empty)


async def test_bar_count_range_ends_at_the_given_time(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    to = int(datetime(2024, 1, 10, tzinfo=UTC).timestamp())
    bars = bars_of(await request(client, "BINANCE:BTCUSDT", "1D", ["bar_count", to, 5]))
    assert [utc(b.time).day for b in bars] == [6, 7, 8, 9, 10]


async def test_unknown_symbol_cascade_has_no_completion(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    messages = await request(client, "NASDAQ:NOPE", "1D", 100)
    assert [m.method for m in messages] == ["series_loading", "symbol_error", "series_error"]
    assert messages[1].params == ["cs_test", "sds_sym_1", "invalid symbol"]
    assert messages[2].params == ["cs_test", "sds_1", "s1", "resolve error"]
    # The next reply on this connection belongs to the next request: no series_completed.
    after = await request(client, "NASDAQ:AAPL", "1D", 1, cs="cs_next")
    assert after[0].method == "symbol_resolved"


async def test_unknown_symbol_alone_gets_symbol_error(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    await client.send(
        ("chart_create_session", ["cs_1", ""]),
        ("resolve_symbol", ["cs_1", "sds_sym_1", spec("WRONG:AAPL")]),
    )
    reply = await client.next()
    assert (reply.method, reply.params) == ("symbol_error", ["cs_1", "sds_sym_1", "invalid symbol"])


@pytest.mark.parametrize("resolution", ["15m", "1h", "XX", "1d", "H"])
async def test_non_tradingview_resolutions_are_critical_errors(
    simulator: Simulator, raw_client: RawClientFactory, resolution: str
) -> None:
    client = await raw_client(simulator)
    messages = await request(client, "NASDAQ:AAPL", resolution, 300)
    assert [m.method for m in messages] == ["symbol_resolved", "critical_error"]
    assert messages[1].params == [
        "cs_test",
        "invalid parameters",
        f'method: create_series. args: "[sds_1, s1, sds_sym_1, {resolution}, 300, ]"',
    ]


@pytest.mark.parametrize(
    ("resolution", "reason"), [("20", "custom_resolution"), ("1S", "seconds_not_entitled")]
)
async def test_resolutions_beyond_a_free_plan_are_series_errors(
    simulator: Simulator, raw_client: RawClientFactory, resolution: str, reason: str
) -> None:
    client = await raw_client(simulator)
    messages = await request(client, "NASDAQ:AAPL", resolution, 300)
    assert [m.method for m in messages] == ["symbol_resolved", "series_loading", "series_error"]
    assert messages[2].params == ["cs_test", "sds_1", "s1", reason]


async def test_invalid_timezone_is_a_critical_error(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    await client.send(
        ("chart_create_session", ["cs_1", ""]),
        ("switch_timezone", ["cs_1", "Nowhere/Nowhere"]),
    )
    reply = await client.next()
    assert reply.params == [
        "cs_1",
        "invalid timezone",
        'method: switch_timezone. args: "[Nowhere/Nowhere]"',
    ]


def test_metadata_maps_onto_symbol_info() -> None:
    info = symbol_info(CATALOGUE["TVC:RUT"])
    assert info.has_volume is False and info.timezone == "America/New_York"
    assert date(2024, 7, 4) in info.trading_session.holidays
    assert info.trading_session.spec == "0930-1615"
    assert info.trading_session.extended_hours.spec == "0900-1615"


SESSIONS = [(key, hours.id) for key in sorted(CATALOGUE) for hours in CATALOGUE[key].subsessions]


@pytest.mark.parametrize(("key", "hours"), SESSIONS, ids=[f"{k} {h}" for k, h in SESSIONS])
def test_fast_timeline_agrees_with_the_domain_rules(key: str, hours: str) -> None:
    listing = CATALOGUE[key]
    session = listing.session_for(hours)
    timeline = Timeline(session)
    # 2025-04-26 12:00 UTC: HOSE:VCB's corrected Saturday is among the days listed.
    ends = (SIMULATOR_NOW, 1_710_054_000, 1_699_200_000, 1_711_947_600, 1_745_668_800)
    for interval in Interval:
        n = 12 if interval in (Interval.W1, Interval.MN1) else 150
        for end in ends:
            expected = list(islice(iter_periods_backward(end, interval, session), n))
            assert list(islice(timeline.backward(end, interval), n)) == expected, interval


async def test_modify_series_reloads_with_the_new_resolution(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    first = bars_of(await request(client, "BINANCE:BTCUSDT", "1D", 20))
    await client.send(("modify_series", ["cs_test", "sds_1", "s2", "sds_sym_1", "60", ""]))
    messages = await client.until("series_completed")
    methods = [m.method for m in messages]
    assert methods == ["series_loading", "timescale_update", "series_timeframe", "series_completed"]
    assert messages[0].params == ["cs_test", "sds_1", "s2"]
    assert completed(messages) == {"rt_update_period": 5}
    assert messages[-1].params[3] == "s2"
    hourly = bars_of(messages)
    assert len(hourly) == len(first) == 20
    assert hourly[1].time - hourly[0].time == 3600


async def test_deleted_sessions_and_removed_series_are_gone(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    await request(client, "NASDAQ:AAPL", "1D", 5)
    await client.send(
        ("remove_series", ["cs_test", "sds_1"]),
        ("request_more_data", ["cs_test", "sds_1", 10]),
    )
    assert (await client.next()).params[1] == "invalid parameters"
    await client.send(
        ("chart_delete_session", ["cs_test"]),
        ("resolve_symbol", ["cs_test", "sds_sym_2", spec("NASDAQ:AAPL")]),
    )
    assert (await client.next()).params[:2] == ["cs_test", "unknown_session_id"]
