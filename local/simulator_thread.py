"""The TradingView simulator on its own event loop in a background thread.

The local stack's handlers are synchronous and run their own event loops, so the simulator
gets a loop of its own that lives as long as the stack.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future

from simulator.config import SimulatorConfig
from simulator.server import Simulator

START_TIMEOUT_S = 10.0


class RunningSimulator:
    """Started by the constructor; ``.url`` is the websocket URL to point the feed at."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.simulator = Simulator(config or SimulatorConfig())
        self._loop = asyncio.new_event_loop()
        self._started: Future[None] = Future()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="pocketquant-simulator", daemon=True)
        self._thread.start()
        self._started.result(timeout=START_TIMEOUT_S)

    @property
    def url(self) -> str:
        return self.simulator.url

    @property
    def signin_url(self) -> str:
        return self.simulator.signin_url

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as error:  # reported to the constructor when it fails to start
            if not self._started.done():
                self._started.set_exception(error)
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with self.simulator:
            self._started.set_result(None)
            await self._stop.wait()

    def close(self, timeout: float = 10.0) -> None:
        stop = self._stop
        if stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
