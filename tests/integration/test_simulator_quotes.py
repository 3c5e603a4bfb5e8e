"""Quote sessions driven by a raw client: snapshots, partial updates, volumes and errors."""

from __future__ import annotations

import json
from typing import Any

from adapters.tradingview import codec
from simulator.quotes import BOOK_FIELDS, SESSION_FIELDS, TRADE_FIELDS
from simulator.server import Simulator
from tests.fixtures.simulator import SIMULATOR_NOW, RawClientFactory, SimulatorFactory
from tests.simulator_support import bars_of, request, spec, subscribe, updates_of


async def test_snapshot_then_completed_then_partial_updates(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    await subscribe(client, "BINANCE:BTCUSDT")
    snapshot, done = await client.next(), await client.next()
    assert snapshot.method == "qsd" and done.method == "quote_completed"
    assert done.params == ["qs_test", "BINANCE:BTCUSDT"]
    assert len(codec.split_frames(client.messages[-1])) == 2  # one message
    data = snapshot.params[1]
    assert data["n"] == "BINANCE:BTCUSDT" and data["s"] == "ok"
    v = data["v"]
    for key in (
        "lp", "lp_time", "ch", "chp", "volume", "bid", "ask", "open_price", "high_price",
        "low_price", "prev_close_price", "current_session", "update_mode", "description",
        "exchange", "type", "pricescale", "currency_code",
    ):  # fmt: skip
        assert key in v, key
    assert v["current_session"] == "market" and v["update_mode"] == "streaming"
    # The time of the last trade, in whole seconds: at most the simulator's clock.
    assert isinstance(v["lp_time"], int)
    assert SIMULATOR_NOW - 60 < v["lp_time"] <= simulator.clock.quote_time()
    assert v["low_price"] <= v["lp"] <= v["high_price"]
    assert v["bid"] < v["ask"]
    assert v["ch"] == round(v["lp"] - v["prev_close_price"], 2)
    assert v["type"] == "spot" and v["currency_code"] == "USDT"

    updates = await updates_of(client, "BINANCE:BTCUSDT", 12)
    allowed = [set(TRADE_FIELDS + SESSION_FIELDS), set(BOOK_FIELDS)]
    for update in updates:
        assert update and any(set(update) <= group for group in allowed), update
    volumes = [v["volume"]] + [u["volume"] for u in updates if "volume" in u]
    times = [v["lp_time"]] + [u["lp_time"] for u in updates if "lp_time" in u]
    assert len(volumes) > 3
    assert volumes == sorted(volumes)  # the session's running total only grows
    assert times == sorted(times) and len(set(times)) == len(times)
    assert all(isinstance(t, int) for t in times)


async def test_only_requested_fields_are_sent(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    await client.send(
        ("quote_create_session", ["qs_f"]),
        ("quote_set_fields", ["qs_f", "lp", "volume", "description", "no_such_field"]),
        ("quote_add_symbols", ["qs_f", "BINANCE:ETHUSDT"]),
        ("quote_fast_symbols", ["qs_f", "BINANCE:ETHUSDT"]),
    )
    snapshot = await client.next()
    assert set(snapshot.params[1]["v"]) == {"lp", "volume", "description"}
    for update in await updates_of(client, "BINANCE:ETHUSDT", 4):
        assert set(update) <= {"lp", "volume"}


async def test_force_permission_flags_are_refused(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    await subscribe(client, "BITSTAMP:BTCUSD", {"flags": ["force_permission"]})
    reply = await client.next()
    assert (reply.method, reply.params) == (
        "critical_error",
        ["qs_test", "invalid_parameters", "quote_add_symbols"],
    )


async def test_unknown_symbols_get_an_error_qsd(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    await subscribe(client, "NASDAQ:NOPE")
    error, done = await client.next(), await client.next()
    assert error.method == "qsd"
    assert error.params[1]["n"] == "NASDAQ:NOPE"
    assert error.params[1]["s"] == "error" and error.params[1]["v"] == {}
    assert done.method == "quote_completed"


async def test_spec_symbols_are_answered_under_the_exact_string_sent(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    name = "=" + json.dumps(
        {"adjustment": "splits", "currency-id": "USD", "session": "regular", "symbol": "AMEX:SPY"}
    )
    await subscribe(client, name)
    snapshot = await client.next()
    assert snapshot.params[1]["n"] == name
    assert snapshot.params[1]["v"]["pro_name"] == "AMEX:SPY"


async def test_index_quotes_carry_the_volume_placeholder(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    # An hour after NASDAQ:NDX's last print (its 1-minute bars end with the 16:00 one).
    sim = await simulator_factory(now=SIMULATOR_NOW + 3600, tick_speed=0.0)
    client = await raw_client(sim)
    minutes = bars_of(await request(client, "NASDAQ:NDX", "1", 1))
    await subscribe(client, "NASDAQ:NDX")
    v = (await client.next()).params[1]["v"]
    assert v["volume"] == 1e100
    assert '"volume":1e+100' in client.messages[-1]
    assert "bid" not in v and "ask" not in v
    assert v["current_session"] == "out_of_session"
    assert minutes[-1].time == SIMULATOR_NOW  # the 16:00 bar, New York
    assert minutes[-1].time <= v["lp_time"] < minutes[-1].time + 60
    assert v["lp"] == minutes[-1].close


async def test_non_ascii_description_in_quotes(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    await subscribe(client, "EURONEXT:GLE")
    assert (await client.next()).params[1]["v"]["description"] == "Société Générale"


async def test_volume_restarts_with_a_new_session(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(now=SIMULATOR_NOW + 4 * 3600 - 30, tick_speed=1.0)
    client = await raw_client(sim)
    await subscribe(client, "BINANCE:SOLUSDT")
    snapshot = (await client.next()).params[1]["v"]
    sim.advance_clock(60)  # past midnight UTC: a new crypto day
    update: dict[str, Any] = {}
    while "open_time" not in update:  # ticks sent before the jump have no session change
        (update,) = await updates_of(client, "BINANCE:SOLUSDT", 1)
    assert update["open_time"] == SIMULATOR_NOW + 4 * 3600
    assert update["volume"] < snapshot["volume"]
    assert update["prev_close_price"] != snapshot["prev_close_price"]


async def test_removed_symbols_and_deleted_sessions_stop_updating(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    await subscribe(client, "BINANCE:BTCUSDT", "BINANCE:ETHUSDT")
    await updates_of(client, "BINANCE:ETHUSDT", 2)
    # A chart error after the removal is a barrier: once it arrives the removal is done.
    await client.send(
        ("quote_remove_symbols", ["qs_test", "BINANCE:BTCUSDT"]),
        ("chart_create_session", ["", ""]),
    )
    await client.until("critical_error")
    after = [m for m in await client.until("qsd") if m.method == "qsd"]
    for _ in range(5):
        after += [m for m in await client.until("qsd") if m.method == "qsd"]
    assert {m.params[1]["n"] for m in after} == {"BINANCE:ETHUSDT"}
    await client.send(("quote_delete_session", ["qs_test"]), ("chart_create_session", ["", ""]))
    await client.until("critical_error")
    await client.send(("quote_add_symbols", ["qs_test", "BINANCE:BTCUSDT"]))
    reply = await client.until("critical_error")
    assert reply[-1].params[:2] == ["qs_test", "unknown_session_id"]


async def test_quotes_agree_with_the_daily_bar_of_the_session(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    # At 16:00 New York AAPL trades on in the post-market: its quote is the whole trading
    # day's, the daily bar of the extended session; the previous close is the regular one's.
    sim = await simulator_factory(tick_speed=0.0)
    client = await raw_client(sim)
    extended = bars_of(
        await request(
            client, "", "1D", 1, cs="cs_e", symbol_spec=spec("NASDAQ:AAPL", session="extended")
        )
    )
    regular = bars_of(await request(client, "NASDAQ:AAPL", "1D", 2, cs="cs_r"))
    await subscribe(client, "NASDAQ:AAPL")
    v = (await client.next()).params[1]["v"]
    (today,) = extended
    assert v["current_session"] == "post_market"
    assert v["open_time"] == today.time  # 04:00 New York
    assert [v["open_price"], v["high_price"], v["low_price"], v["lp"]] == [
        today.open,
        today.high,
        today.low,
        today.close,
    ]
    assert v["volume"] == today.volume
    assert v["prev_close_price"] == regular[0].close
    assert v["ch"] == round(v["lp"] - v["prev_close_price"], 2)


async def test_lunch_break_holds_the_price_of_the_morning_close(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    noon_tokyo = 1_710_471_600  # 2024-03-15 03:00 UTC = 12:00 in Tokyo
    sim = await simulator_factory(now=noon_tokyo)
    client = await raw_client(sim)
    morning = bars_of(await request(client, "TSE:7203", "1", 1))
    await subscribe(client, "TSE:7203", "BINANCE:BTCUSDT")
    v = (await client.next()).params[1]["v"]
    assert v["current_session"] == "out_of_session"
    # The last trade of the morning: in its last minute, 11:29, at that minute's close.
    assert morning[-1].time == noon_tokyo - 31 * 60
    assert morning[-1].time <= v["lp_time"] < noon_tokyo - 30 * 60
    assert v["lp"] == morning[-1].close
    await client.until("quote_completed")  # TSE:7203
    await client.until("quote_completed")  # BINANCE:BTCUSDT
    # Ticks go on for the 24x7 symbol, not for the one at lunch.
    later = [m for _ in range(8) for m in await client.until("qsd") if m.method == "qsd"]
    assert {m.params[1]["n"] for m in later} == {"BINANCE:BTCUSDT"}
