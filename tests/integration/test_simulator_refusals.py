"""Each refusal the simulator plays, switched while it runs, as PocketQuant's TradingView
connection and sign-in meet it over real websockets and HTTP."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import time
from pathlib import Path

import httpx
import pytest

from adapters.tradingview.auth import TradingViewAuth
from adapters.tradingview.connection import (
    ReplyTimeout,
    TradingViewConnection,
    retry_after_seconds,
)
from adapters.tradingview.messages import ANONYMOUS_TOKEN
from domain.errors import AuthenticationRejected, FeedRefused
from tests.fixtures.simulator import SimulatorFactory

ROOT = Path(__file__).resolve().parents[2]


async def test_a_429_handshake_carries_tradingviews_retry_after(
    simulator_factory: SimulatorFactory,
) -> None:
    simulator = await simulator_factory(refuse_status=429, refuse_retry_after=42)

    with pytest.raises(FeedRefused, match="HTTP 429") as caught:
        await TradingViewConnection(simulator.url, ANONYMOUS_TOKEN, timeout=2).open()
    assert caught.value.retry_after == 42.0

    simulator.config.refuse_retry_after = None
    with pytest.raises(FeedRefused) as without:
        await TradingViewConnection(simulator.url, ANONYMOUS_TOKEN, timeout=2).open()
    assert without.value.retry_after is None  # the breaker's cool-off applies then

    simulator.config.refuse_status = None
    async with TradingViewConnection(simulator.url, ANONYMOUS_TOKEN, timeout=2):
        pass
    assert simulator.stats.handshakes_refused == 2


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2024, 3, 15, 20, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Fri, 15 Mar 2024 20:02:00 GMT", now) == 120.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


async def test_protocol_error_after_the_token_is_a_refusal_and_never_accepted(
    simulator_factory: SimulatorFactory,
) -> None:
    simulator = await simulator_factory(protocol_error="rate limit exceeded")
    connection = TradingViewConnection(simulator.url, ANONYMOUS_TOKEN, timeout=2)
    await connection.open()
    try:
        with pytest.raises(FeedRefused, match="protocol error: rate limit exceeded"):
            await connection.receive()
        assert not connection.accepted
    finally:
        await connection.close()


async def test_the_session_counts_as_accepted_only_after_the_token(
    simulator_factory: SimulatorFactory,
) -> None:
    simulator = await simulator_factory(reject_token=True)
    rejected = TradingViewConnection(simulator.url, "some.jwt", timeout=2)
    await rejected.open()
    with pytest.raises(AuthenticationRejected):
        await rejected.receive()
    assert not rejected.accepted
    await rejected.close()

    simulator.config.reject_token = False
    accepted: list[bool] = []
    connection = TradingViewConnection(simulator.url, "some.jwt", timeout=2)
    await connection.open()
    connection.on_accepted(lambda: accepted.append(True))
    try:
        assert not connection.accepted  # the hello and the handshake prove nothing
        with pytest.raises(ReplyTimeout):
            await connection.receive(within=0.8)  # only heartbeats (every 0.5 s) come
    finally:
        await connection.close()
    assert connection.accepted and accepted == [True]


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def test_the_sign_in_endpoint_issues_expiring_tokens_and_plays_refusals(
    simulator_factory: SimulatorFactory,
) -> None:
    simulator = await simulator_factory(signin_password="pw", token_lifetime=60.0)
    async with httpx.AsyncClient() as http:
        form = {"username": "quant", "password": "pw", "remember": "on"}
        good = (await http.post(simulator.signin_url, data=form)).json()
        wrong = (await http.post(simulator.signin_url, data={**form, "password": "x"})).json()
        simulator.config.signin_refuse_status, simulator.config.refuse_retry_after = 429, 90
        throttled = await http.post(simulator.signin_url, data=form)

    token = good["user"]["auth_token"]
    assert abs(float(str(_claims(token)["exp"])) - (time.time() + 60)) < 5
    assert wrong == {"error": "Invalid username or password", "code": "invalid_credentials"}
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "90"
    assert (simulator.stats.signin_attempts, simulator.stats.signins) == (3, 1)


async def test_a_signed_in_token_is_rejected_once_it_expired(
    simulator_factory: SimulatorFactory,
) -> None:
    simulator = await simulator_factory(token_lifetime=0.5)
    auth = TradingViewAuth(
        username="quant", password="pw", signin_url=simulator.signin_url, timeout=2
    )
    token = await auth.token()
    async with TradingViewConnection(simulator.url, token, timeout=2) as fresh:
        assert fresh.hello is not None
    # The token's life running out is the test.
    await asyncio.sleep(max(0.0, simulator.stats.issued_tokens[token] - time.time()))
    stale = TradingViewConnection(simulator.url, token, timeout=2)
    await stale.open()
    with pytest.raises(AuthenticationRejected, match="bad auth token"):
        await stale.receive()
    await stale.close()


async def test_the_cli_flags_switch_the_refusals_on(tmp_path: Path) -> None:
    ports = [_free_port(), _free_port()]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "simulator", "--port", str(ports[0]),
        "--signin-port", str(ports[1]), "--refuse-status", "429", "--refuse-retry-after", "33",
        "--signin-reject",
        cwd=ROOT, env={**os.environ, "PQ_DATA_DIR": str(tmp_path)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        banner: list[str] = []
        while not banner or "Ctrl-C" not in banner[-1]:
            line = await asyncio.wait_for(process.stdout.readline(), 20)
            assert line, "the simulator exited before it was ready"
            banner.append(line.decode())
        signin = f"http://127.0.0.1:{ports[1]}/accounts/signin/"
        assert any(signin in line for line in banner)
        url = f"ws://127.0.0.1:{ports[0]}/socket.io/websocket?from=chart&type=chart"
        with pytest.raises(FeedRefused) as refused:
            await TradingViewConnection(url, ANONYMOUS_TOKEN, timeout=2).open()
        assert refused.value.retry_after == 33.0
        async with httpx.AsyncClient() as http:
            reply = await http.post(signin, data={"username": "quant", "password": "pw"})
        assert reply.json()["code"] == "invalid_credentials"
    finally:
        process.terminate()
        await process.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
