"""The simulator's transport: hello, framing, heartbeats and authentication, seen raw."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from adapters.tradingview import codec
from simulator.server import Simulator
from tests.fixtures.simulator import RawClientFactory, SimulatorFactory


async def test_hello_is_the_first_payload(simulator: Simulator) -> None:
    async with connect(simulator.url) as ws:
        async with asyncio.timeout(2):
            first = await ws.recv()
    assert isinstance(first, str)
    payloads = codec.parse_message(first)
    assert len(payloads) == 1
    hello = payloads[0]
    assert isinstance(hello, codec.Hello)
    fields = hello.fields
    assert "m" not in fields
    assert fields["protocol"] == "json"
    assert fields["auth_scheme_vsn"] == 2
    assert isinstance(fields["javastudies"], list)
    assert fields["timestamp"] == 1_710_532_800
    assert fields["timestampMs"] // 1000 == fields["timestamp"]
    for key in ("session_id", "release", "studies_metadata_hash"):
        assert isinstance(fields[key], str) and fields[key]


async def test_url_accepts_any_query_string_but_only_the_socket_path(simulator: Simulator) -> None:
    base = simulator.url.split("?")[0]
    async with connect(base + "?from=chart%2FAbCd%2F&date=2024_03_15-10_00&type=chart") as ws:
        assert isinstance(codec.parse_message(str(await ws.recv()))[0], codec.Hello)
    with pytest.raises(InvalidStatus) as refused:
        await connect(base.replace("/socket.io/websocket", "/other"))
    assert refused.value.response.status_code == 404


async def test_heartbeats_count_up_and_echoes_keep_the_connection(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(heartbeat_interval=0.02, heartbeat_timeout=0.25)
    client = await raw_client(sim)
    await client.send(("chart_create_session", ["cs_a", ""]))
    await client.wait_heartbeats(20)  # 0.4 s: longer than the timeout
    assert client.heartbeats[:3] == ["~h~1", "~h~2", "~h~3"]
    assert [int(h[3:]) for h in client.heartbeats] == list(range(1, len(client.heartbeats) + 1))
    # Still served: a request gets its answer.
    await client.send(("switch_timezone", ["cs_a", "Nowhere/Nowhere"]))
    assert (await client.next()).method == "critical_error"
    assert sim.stats.heartbeat_timeouts == 0
    assert sim.stats.heartbeats_echoed >= 19


async def test_heartbeat_frame_length_grows_with_the_digits(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(heartbeat_interval=0.001, heartbeat_timeout=5)
    client = await raw_client(sim)
    await client.wait_heartbeats(10)
    frames = [m for m in client.messages if "~h~" in m]
    assert frames[0] == "~m~4~m~~h~1"
    assert frames[9] == "~m~5~m~~h~10"


async def test_a_client_that_does_not_echo_is_dropped(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(heartbeat_interval=0.05, heartbeat_timeout=0.2)
    client = await raw_client(sim, echo_heartbeats=False)
    await client.closed()
    assert client.heartbeats[0] == "~h~1"
    assert sim.stats.heartbeat_timeouts == 1


async def test_a_wrong_echo_does_not_count(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(heartbeat_interval=0.05, heartbeat_timeout=0.2)
    client = await raw_client(sim, echo_heartbeats=False)
    await client.ws.send(codec.frame("~h~999"))
    await client.closed()
    assert sim.stats.heartbeats_echoed == 0


async def test_anonymous_and_other_tokens_are_accepted_silently(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    for token in ("unauthorized_user_token", "eyJhbGciOi.some.jwt"):
        client = await raw_client(simulator, token=token)
        await client.send(("chart_create_session", ["cs_x", ""]))
        await client.send(("switch_timezone", ["cs_x", "Bad/Zone"]))
        # The first reply is the one to switch_timezone: a good token gets no answer.
        assert (await client.next()).method == "critical_error"
    assert simulator.stats.auth_tokens == ["unauthorized_user_token", "eyJhbGciOi.some.jwt"]


@pytest.mark.parametrize("how", ["switch", "listed"])
async def test_a_bad_token_gets_protocol_error_then_close(
    simulator: Simulator, raw_client: RawClientFactory, how: str
) -> None:
    if how == "switch":
        simulator.config.reject_token = True
    else:
        simulator.config.rejected_tokens.add("expired.jwt")
    client = await raw_client(simulator, token="expired.jwt")
    reply = await client.next()
    assert (reply.method, reply.params) == ("protocol_error", ["bad auth token"])
    await client.closed()
    with pytest.raises(ConnectionClosed):
        await client.next()
    assert simulator.stats.auth_rejected == 1


async def test_a_message_before_set_auth_token_is_a_protocol_error(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator, token=None)
    await client.send(("chart_create_session", ["cs_1", ""]))
    assert (await client.next()).method == "protocol_error"
    await client.closed()


async def test_unframed_text_is_a_protocol_error(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    await client.ws.send('{"m":"chart_create_session","p":["cs_1",""]}')
    assert (await client.next()).method == "protocol_error"
    await client.closed()


async def test_several_frames_in_one_client_message_are_all_handled(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    client = await raw_client(simulator)
    await client.send(
        ("chart_create_session", ["cs_1", ""]),
        ("switch_timezone", ["cs_1", "Etc/UTC"]),
        ("switch_timezone", ["cs_1", "No/Where"]),
        ("chart_create_session", ["cs_2", ""]),
        ("switch_timezone", ["cs_2", "Moon/Base"]),
    )
    first, second = await client.next(), await client.next()
    assert [first.params[0], second.params[0]] == ["cs_1", "cs_2"]
    assert first.params[1] == "invalid timezone"
    assert first.params[2] == 'method: switch_timezone. args: "[No/Where]"'
