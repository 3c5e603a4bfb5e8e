"""The streamer as the container runs it: its own process, the ``streamer`` command, the
health endpoint, and SIGTERM saving the bars in progress for the next start."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
import redis
from pydantic import SecretStr

from adapters.quote_state import names
from config.settings import Settings
from domain.symbols import Symbol
from tests.fixtures.simulator import SimulatorFactory
from wiring.services import Services

WAIT = 20.0
# What `pocketquant streamer` runs, without depending on cli/main.py's registration.
LAUNCH = """
import argparse, sys
from config.settings import Settings
from streamer.cli import add_streamer_command
parser = argparse.ArgumentParser(prog="pocketquant")
add_streamer_command(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args(sys.argv[1:])
sys.exit(args.handler(args, Settings()))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def eventually(predicate: Callable[[], bool], what: str, within: float = WAIT) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:g}s waiting for {what}")
        await asyncio.sleep(0.05)


def _health(port: int) -> int | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code
    except httpx.HTTPError:
        return None


async def test_sigterm_saves_the_bars_in_progress(
    simulator_factory: SimulatorFactory, tmp_path: Path, redis_url: str
) -> None:
    simulator = await simulator_factory(quote_interval=0.01, tick_speed=150.0)
    settings = Settings(
        data_dir=tmp_path, tradingview_url=simulator.url, redis_url=SecretStr(redis_url)
    )
    with Services(settings) as services:
        quotes = services.quotes
        quotes.subscribe(Symbol("BINANCE", "BTCUSDT"))
        quotes.start()
        port = _free_port()
        env = {
            **os.environ,
            "PQ_DATA_DIR": str(tmp_path),
            "PQ_TRADINGVIEW_URL": simulator.url,
            "PQ_REDIS_URL": redis_url,
            "PQ_LOG_LEVEL": "INFO",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            LAUNCH,
            "streamer",
            "--health-host",
            "127.0.0.1",
            "--health-port",
            str(port),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await eventually(lambda: quotes.status().connected, "the streamer to connect")
            await eventually(lambda: _health(port) == 200, "a healthy /health")
            await eventually(lambda: len(quotes.all_latest()) == 1, "a quote")
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(WAIT):
                _stdout, stderr = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, stderr.decode()
        assert b"streamer stopped" in stderr

        client = redis.Redis.from_url(redis_url)
        try:
            raw = client.get(names.STREAMER_SNAPSHOT)
        finally:
            client.close()
        assert raw is not None
        snapshot = orjson.loads(raw)
        saved = snapshot["symbols"]["BINANCE:BTCUSDT"]
        in_progress = saved["aggregator"]["intervals"]
        assert "period" in in_progress["1m"] and "period" in in_progress["1d"]
        assert saved["session"]["session"] == "24x7"
        assert quotes.status().connected is False  # its last words before exiting
