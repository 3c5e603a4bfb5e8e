"""The quote routes through the real api handler, with a streamer running against the
simulator: Redis between them (as on AWS), or nothing but this process (as locally)."""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from config.settings import Settings
from local.simulator_thread import RunningSimulator
from simulator.config import SimulatorConfig
from streamer.config import StreamerConfig
from streamer.in_thread import RunningStreamer
from streamer.service import Streamer
from tests.api_support import SIM_NOW, ApiClient, ApiResponse, installed_services
from tests.fixtures.simulator import SimulatorFactory
from wiring.streamer import streamer_parts

WAIT = 20.0
CONFIG = StreamerConfig(
    flush_interval=0.05,
    status_interval=0.5,
    reconcile_interval=0.5,
    backoff_base=0.01,
    backoff_cap=0.1,
    health_port=None,
    metrics_interval=0,
)


async def eventually(predicate: Callable[[], bool], what: str, within: float = WAIT) -> None:
    """Wait until ``predicate()`` holds, checking every 20 ms, for at most ``within`` s."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:g}s waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture(autouse=True, scope="module")
def quote_routes() -> None:
    """Register the quote routes on the api resolver (the handler imports them too)."""
    importlib.import_module("functions.api.routes.quotes")


@pytest.fixture(params=["redis", "in-process"])
async def stack(
    request: pytest.FixtureRequest,
    simulator_factory: SimulatorFactory,
    tmp_path: Path,
) -> AsyncIterator[tuple[ApiClient, Streamer]]:
    """The api handler and a running streamer sharing one configuration."""
    simulator = await simulator_factory(quote_interval=0.01, tick_speed=150.0)
    settings = Settings(data_dir=tmp_path, tradingview_url=simulator.url)
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_url")
        settings = settings.model_copy(update={"redis_url": SecretStr(redis_url)})
    with installed_services(settings) as services:
        streamer = Streamer(CONFIG, streamer_parts(services))
        stop = asyncio.Event()
        task = asyncio.create_task(streamer.run(stop))
        try:
            yield ApiClient(), streamer
        finally:
            stop.set()
            async with asyncio.timeout(WAIT):
                await task


def _ok(response: ApiResponse) -> dict[str, Any]:
    assert response.status == 200, response.body
    found: dict[str, Any] = response.json()
    return found


async def test_subscribe_start_and_read_everything(stack: tuple[ApiClient, Streamer]) -> None:
    api, _ = stack
    subscribed = _ok(api.post("/quotes/subscribe", {"symbol": "btcusdt", "exchange": "binance"}))
    assert subscribed == {
        "running": False,
        "subscription_count": 1,
        "changed": True,
        "symbol": "BTCUSDT",
        "exchange": "BINANCE",
        "subscribed": True,
    }
    _ok(api.post("/quotes/subscribe", {"symbol": "ETHUSDT", "exchange": "BINANCE"}))
    assert _ok(api.post("/quotes/start"))["running"] is True

    await eventually(
        lambda: _ok(api.get("/quotes/status"))["connected"] is True, "the streamer to connect"
    )
    await eventually(lambda: _ok(api.get("/quotes/all"))["count"] == 2, "both quotes")

    latest = _ok(api.get("/quotes/latest/binance/btcusdt"))
    assert set(latest) == {
        "symbol",
        "exchange",
        "timestamp",
        "last_price",
        "bid",
        "ask",
        "volume",
        "change",
        "change_percent",
        "open_price",
        "high_price",
        "low_price",
        "prev_close",
    }
    assert latest["symbol"] == "BTCUSDT" and str(latest["timestamp"]).endswith("Z")

    every = _ok(api.get("/quotes/all"))
    assert [q["symbol"] for q in every["data"]] == ["BTCUSDT", "ETHUSDT"]

    bar = _ok(api.get("/quotes/current-bar/BINANCE/BTCUSDT?interval=5m"))
    assert bar["interval"] == "5m" and str(bar["datetime"]).endswith(":00Z")
    assert bar["low"] <= bar["close"] <= bar["high"]
    default = _ok(api.get("/quotes/current-bar/BINANCE/BTCUSDT"))
    assert default["interval"] == "1m"

    status = _ok(api.get("/quotes/status"))
    assert status["running"] is True and status["subscription_count"] == 2
    assert status["active_symbols"] == ["BINANCE:BTCUSDT", "BINANCE:ETHUSDT"]
    assert status["last_tick_at"] is not None and status["unknown_symbols"] == {}

    stopped = _ok(api.post("/quotes/stop"))
    assert stopped["running"] is False and stopped["changed"] is True
    await eventually(
        lambda: _ok(api.get("/quotes/status"))["connected"] is False, "the streamer to disconnect"
    )
    assert _ok(api.get("/quotes/status"))["subscription_count"] == 2


async def test_errors_are_json_and_actionable(stack: tuple[ApiClient, Streamer]) -> None:
    api, _ = stack
    missing = api.get("/quotes/latest/BINANCE/BTCUSDT")
    assert missing.status == 404
    assert missing.error["code"] == "quote_not_found"
    assert "not subscribed" in missing.error["message"]

    bad = api.post("/quotes/subscribe", {"symbol": "BTC/USDT", "exchange": "BINANCE"})
    assert bad.status == 422 and bad.error["field"] == "symbol"
    extra = api.post("/quotes/subscribe", {"symbol": "BTCUSDT", "exchange": "BINANCE", "x": 1})
    assert extra.status == 422
    assert api.get("/quotes/current-bar/BINANCE/BTCUSDT?interval=7m").status == 422
    assert api.get("/quotes/latest/BINANCE/BTC$").status == 422

    _ok(api.post("/quotes/subscribe", {"symbol": "NOPE", "exchange": "NASDAQ"}))
    _ok(api.post("/quotes/start"))
    await eventually(
        lambda: "NASDAQ:NOPE" in _ok(api.get("/quotes/status"))["unknown_symbols"],
        "the unknown symbol to be reported",
    )
    unknown = api.get("/quotes/latest/NASDAQ/NOPE")
    assert unknown.status == 404 and "does not know" in unknown.error["message"]
    removed = _ok(api.post("/quotes/unsubscribe", {"symbol": "NOPE", "exchange": "NASDAQ"}))
    assert removed["subscribed"] is False and removed["subscription_count"] == 0


async def test_a_repeated_idempotency_key_replays_the_first_answer(
    stack: tuple[ApiClient, Streamer],
) -> None:
    api, _ = stack
    body = {"symbol": "SOLUSDT", "exchange": "BINANCE"}
    headers = {"Idempotency-Key": "subscribe-sol-1"}
    first = api.post("/quotes/subscribe", body, headers=headers)
    again = api.post("/quotes/subscribe", body, headers=headers)
    assert first.status == again.status == 200
    assert again.json() == first.json() and first.json()["changed"] is True
    assert again.headers.get("idempotent-replayed") == "true"
    plain = _ok(api.post("/quotes/subscribe", body))
    assert plain["changed"] is False


def test_subscriptions_survive_a_restart_of_the_api(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with installed_services(settings):
        _ok(ApiClient().post("/quotes/subscribe", {"symbol": "AAPL", "exchange": "NASDAQ"}))
        _ok(ApiClient().post("/quotes/start"))
    with installed_services(settings):
        status = _ok(ApiClient().get("/quotes/status"))
    assert status["running"] is True and status["subscription_count"] == 1
    assert status["connected"] is False


def _poll(predicate: Callable[[], bool], what: str, within: float = WAIT) -> None:
    """The synchronous ``eventually``: check every 20 ms for at most ``within`` s."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:g}s waiting for {what}")
        time.sleep(0.02)


def test_the_local_stack_shape_a_streamer_thread_beside_the_handler(tmp_path: Path) -> None:
    """As ``pocketquant run`` has it: no Redis, the streamer on its own thread, the handler
    called from another; quote state and signals cross in process."""
    config = SimulatorConfig(now=SIM_NOW, quote_interval=0.01, tick_speed=150.0)
    with RunningSimulator(config) as simulator:
        settings = Settings(data_dir=tmp_path, tradingview_url=simulator.url)
        with installed_services(settings) as services:
            api = ApiClient()
            running = RunningStreamer(Streamer(CONFIG, streamer_parts(services)))
            try:
                _ok(api.post("/quotes/subscribe", {"symbol": "BTCUSDT", "exchange": "BINANCE"}))
                _ok(api.post("/quotes/start"))
                _poll(lambda: _ok(api.get("/quotes/all"))["count"] == 1, "a quote")
                assert _ok(api.get("/quotes/status"))["active_symbols"] == ["BINANCE:BTCUSDT"]
            finally:
                running.close()
            assert _ok(api.get("/quotes/status"))["connected"] is False
    assert (tmp_path / "streamer-snapshot.json").is_file()
