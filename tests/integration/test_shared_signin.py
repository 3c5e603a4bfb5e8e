"""One TradingView sign-in for the whole deployment, counted at the simulator's sign-in
endpoint: many api handler invocations at once, in threads of several processes (each a cold
container with its own services), over real websockets, HTTP and Redis."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from simulator.server import Simulator
from tests.fixtures.simulator import SimulatorFactory
from tests.integration.handler_invocations import PREFIX

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
SYMBOLS = ("NASDAQ:AAPL", "NASDAQ:MSFT")


def _env(
    simulator: Simulator, data_dir: Path, redis_url: str | None, **extra: str
) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("PQ_")}
    env.update(
        PQ_TRADINGVIEW_URL=simulator.url,
        PQ_TRADINGVIEW_SIGNIN_URL=simulator.signin_url,
        PQ_TRADINGVIEW_USERNAME="quant",
        PQ_TRADINGVIEW_PASSWORD=PASSWORD,
        PQ_DATA_DIR=str(data_dir),
        PQ_LOG_LEVEL="WARNING",
        PQ_TRADINGVIEW_REQUEST_BURST="1000",
        **extra,
    )
    if redis_url is not None:
        env["PQ_REDIS_URL"] = redis_url
    return env


async def invocations(
    envs: list[dict[str, str]], threads: int, symbols: tuple[str, ...] = SYMBOLS
) -> list[dict[str, Any]]:
    """Every answer of ``threads`` concurrent invocations per symbol in each process."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.handler_invocations",
            str(threads),
            *symbols,
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for env in envs
    ]
    outputs = await asyncio.gather(*(process.communicate() for process in processes))
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()[-2000:]
    return [
        json.loads(line[len(PREFIX) :])
        for out, _ in outputs
        for line in out.decode().splitlines()
        if line.startswith(PREFIX)
    ]


async def test_cold_containers_share_one_sign_in_through_redis(
    simulator_factory: SimulatorFactory, redis_url: str, tmp_path: Path
) -> None:
    simulator = await simulator_factory(signin_password=PASSWORD)
    envs = [_env(simulator, tmp_path / f"c{n}", redis_url) for n in range(5)]

    answers = await invocations(envs, threads=3)

    assert len(answers) == 5 * 3 * len(SYMBOLS)
    assert {answer["status"] for answer in answers} == {200}
    assert simulator.stats.signin_attempts == 1
    (issued,) = simulator.stats.issued_tokens
    assert set(simulator.stats.auth_tokens) == {issued}  # every connection used that one


async def test_one_sign_in_per_token_lifetime(
    simulator_factory: SimulatorFactory, redis_url: str, tmp_path: Path
) -> None:
    simulator = await simulator_factory(signin_password=PASSWORD, token_lifetime=8.0)
    envs = [_env(simulator, tmp_path / f"c{n}", redis_url) for n in range(3)]

    first = await invocations(envs, threads=2)
    assert simulator.stats.signins == 1
    (expires_at,) = simulator.stats.issued_tokens.values()
    # The token's life running out is what the test waits for.
    await asyncio.sleep(max(0.0, expires_at - time.time()))
    last = await invocations(envs, threads=2)

    assert {answer["status"] for answer in first + last} == {200}
    assert simulator.stats.signins == 2
    assert simulator.stats.auth_rejected == 0  # refreshed before TradingView saw it expire


async def test_without_redis_processes_share_the_token_through_the_data_dir(
    simulator_factory: SimulatorFactory, tmp_path: Path
) -> None:
    simulator = await simulator_factory(signin_password=PASSWORD)
    shared = tmp_path / "data"
    envs = [_env(simulator, shared, None) for _ in range(3)]

    answers = await invocations(envs, threads=2, symbols=("NASDAQ:AAPL",))

    assert {answer["status"] for answer in answers} == {200}
    assert simulator.stats.signin_attempts == 1
    token_files = list(shared.glob("tradingview-*.json"))
    assert len(token_files) == 1 and token_files[0].stat().st_mode & 0o077 == 0
    assert PASSWORD not in token_files[0].read_text()


async def test_a_throttled_sign_in_is_tried_once_and_backs_off_for_minutes(
    simulator_factory: SimulatorFactory, redis_url: str, tmp_path: Path
) -> None:
    simulator = await simulator_factory(signin_refuse_status=429)
    envs = [_env(simulator, tmp_path / f"c{n}", redis_url) for n in range(4)]

    answers = await invocations(envs, threads=2)
    later = await invocations(envs[:1], threads=1)

    assert simulator.stats.signin_attempts == 1
    assert simulator.stats.connections_opened == 0  # no token, no connection
    assert {answer["status"] for answer in answers + later} == {503}
    assert all(int(answer["retry_after"]) >= 240 for answer in answers + later), answers


async def test_the_request_budget_is_one_for_every_process(
    simulator_factory: SimulatorFactory, redis_url: str, tmp_path: Path
) -> None:
    simulator = await simulator_factory(signin_password=PASSWORD)
    budget = {"PQ_TRADINGVIEW_REQUEST_BURST": "6", "PQ_TRADINGVIEW_REQUESTS_PER_MINUTE": "2"}
    envs = [_env(simulator, tmp_path / f"c{n}", redis_url) | budget for n in range(4)]

    answers = await invocations(envs, threads=2)

    statuses = sorted(answer["status"] for answer in answers)
    assert statuses == [200] * 6 + [429] * 10
    refused = [answer for answer in answers if answer["status"] == 429]
    assert {answer["code"] for answer in refused} == {"request_budget_exhausted"}
    assert all(1 <= int(answer["retry_after"]) <= 30 for answer in refused)
    assert simulator.stats.connections_opened == 6
