"""Fault switches, flipped while the simulator runs, and live bar updates."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedError, InvalidStatus

from simulator.config import SimulatorConfig
from simulator.server import Simulator, serve_forever
from tests.fixtures.simulator import SIMULATOR_NOW, RawClient, RawClientFactory, SimulatorFactory

SPEC = '={"symbol":"BINANCE:BTCUSDT","adjustment":"splits"}'


async def start_history(client: RawClient, count: int = 100, cs: str = "cs_f") -> None:
    await client.send(
        ("chart_create_session", [cs, ""]),
        ("resolve_symbol", [cs, "sds_sym_1", SPEC]),
        ("create_series", [cs, "sds_1", "s1", "sds_sym_1", "1", count, ""]),
    )


async def test_drop_after_messages_cuts_the_connection(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(drop_after_messages=3)
    client = await raw_client(sim)  # the hello is message 1
    await start_history(client)
    assert (await client.next()).method == "symbol_resolved"
    assert (await client.next()).method == "series_loading"
    with pytest.raises(ConnectionClosed):
        await client.next()
    await client.closed()
    assert isinstance(client.ws.close_exc, ConnectionClosedError)  # no closing handshake
    assert sim.stats.connections_dropped == 1


async def test_drop_after_messages_can_be_switched_on_while_running(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)  # the hello was message 1
    simulator.config.drop_after_messages = 2
    await start_history(client)
    assert (await client.next()).method == "symbol_resolved"
    await client.closed()
    simulator.config.drop_after_messages = None
    again = await raw_client(simulator)
    await start_history(again)
    assert (await again.until("series_completed"))[-1].method == "series_completed"


async def test_reply_delay_slows_replies_but_not_heartbeats(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(heartbeat_interval=0.01, heartbeat_timeout=0.15)
    client = await raw_client(sim)
    sim.config.reply_delay = 0.2
    started = time.monotonic()
    await start_history(client)
    await client.until("series_completed")
    # Three client messages, each answered after the delay; echoes went on meanwhile.
    assert time.monotonic() - started >= 0.6
    assert sim.stats.heartbeat_timeouts == 0
    sim.config.reply_delay = 0.0
    started = time.monotonic()
    await start_history(client, cs="cs_g")
    await client.until("series_completed")
    assert time.monotonic() - started < 0.5


async def test_drop_all_cuts_every_connection(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    first, second = await raw_client(simulator), await raw_client(simulator)
    await simulator.drop_all()
    await first.closed()
    await second.closed()
    assert simulator.stats.connections_dropped == 2
    third = await raw_client(simulator)
    await start_history(third)
    assert (await third.until("series_completed"))[-1].method == "series_completed"


async def test_reject_token_applies_to_new_connections(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    existing = await raw_client(simulator)
    await existing.send(("chart_create_session", ["", ""]))  # answered once authorized
    await existing.until("critical_error")
    simulator.config.reject_token = True
    refused = await raw_client(simulator)
    assert (await refused.next()).params == ["bad auth token"]
    await refused.closed()
    await start_history(existing)
    assert (await existing.until("series_completed"))[-1].method == "series_completed"


async def test_max_bars_per_request_can_change_while_running(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    simulator.config.max_bars_per_request = 50
    await start_history(client, count=300)
    update = next(
        m for m in await client.until("series_completed") if m.method == "timescale_update"
    )
    assert len(update.params[1]["sds_1"]["s"]) == 50


async def test_live_bars_update_the_newest_bar_then_add_the_next(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    # 5 s into a minute whose first trade was at its start and whose next is 4 s later (the
    # simulator's data are fixed), 30 simulated seconds a real second: the next minute comes
    # quickly.
    sim = await simulator_factory(live_bars=True, tick_speed=30.0, now=SIMULATOR_NOW + 5)
    client = await raw_client(sim)
    await start_history(client, count=10)
    history = await client.until("series_completed")
    newest = history[2].params[1]["sds_1"]["s"][-1]
    indexes: list[int] = []
    times: list[float] = []
    while len(set(times)) < 2:
        du = (await client.until("du"))[-1]
        (item,) = du.params[1]["sds_1"]["s"]
        indexes.append(item["i"])
        times.append(item["v"][0])
    assert indexes[0] == newest["i"] == 9 and times[0] == newest["v"][0]
    assert indexes[-1] == 10 and times[-1] == times[0] + 60


async def test_serve_forever_runs_until_cancelled() -> None:
    task = asyncio.create_task(serve_forever(SimulatorConfig(port=0)))
    await asyncio.sleep(0)  # let it start listening
    assert not task.done()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def test_connections_are_counted(simulator: Simulator) -> None:
    async with connect(simulator.url) as ws:
        await ws.recv()
        assert simulator.stats.active_connections == 1
    assert simulator.stats.connections_opened == 1


@pytest.mark.parametrize("status", [403, 429])
async def test_handshakes_can_be_refused(simulator: Simulator, status: int) -> None:
    simulator.config.refuse_status = status
    with pytest.raises(InvalidStatus) as refused:
        await connect(simulator.url)
    assert refused.value.response.status_code == status
    simulator.config.refuse_status = None
    async with connect(simulator.url) as ws:
        await ws.recv()
    assert simulator.stats.handshakes_refused == 1


async def test_delayed_exchanges_say_so_in_series_and_quotes(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(delayed_exchanges={"BINANCE"})
    client = await raw_client(sim)
    await start_history(client, count=3)
    done = (await client.until("series_completed"))[-1]
    assert done.params[2] == "delayed_streaming_900"
    await client.send(
        ("quote_create_session", ["qs_d"]),
        ("quote_add_symbols", ["qs_d", "BINANCE:BTCUSDT", "COINBASE:BTCUSD"]),
    )
    modes = [
        m.params[1]["v"]["update_mode"]
        for _ in range(2)
        for m in await client.until("quote_completed")
        if m.method == "qsd"
    ]
    assert modes == ["delayed_streaming_900", "streaming"]
