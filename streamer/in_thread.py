"""The streamer on a thread of its own, with its own event loop: how a synchronous
supervisor (the local stack of ``pocketquant run``) starts it beside the gateway.

``RunningStreamer(streamer)`` returns once the streamer has resumed and its loops run;
``close()`` stops it the way SIGTERM does (bars stored, snapshot saved) and joins the
thread. Without Redis the API handlers of the same container share its quote state and
control signal (see ``wiring.streamer``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from streamer.service import Streamer

logger = logging.getLogger(__name__)

START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0


class RunningStreamer:
    def __init__(self, streamer: Streamer) -> None:
        self.streamer = streamer
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="streamer", daemon=True)
        self._thread.start()
        if not self._started.wait(START_TIMEOUT):
            self.close()
            raise RuntimeError(f"the streamer did not start within {START_TIMEOUT:g}s")
        if self._error is not None:
            self._thread.join(STOP_TIMEOUT)
            raise RuntimeError(f"the streamer failed to start: {self._error}") from self._error

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:
            if self._started.is_set():
                logger.exception("the streamer stopped on an error")
            else:
                self._error = error  # the starter raises it
        finally:
            self._started.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        running = asyncio.create_task(self.streamer.run(self._stop))
        ready = asyncio.create_task(self.streamer.ready.wait())
        await asyncio.wait({running, ready}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if not running.done():
            self._started.set()
        await running

    def close(self) -> None:
        """Stop the streamer cleanly and wait for its thread (at most ``STOP_TIMEOUT`` s)."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            # The loop may have finished meanwhile: then the streamer has already stopped.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        self._thread.join(STOP_TIMEOUT)
        if self._thread.is_alive():
            logger.error("the streamer did not stop within %gs", STOP_TIMEOUT)
