"""The embedded defaults when no Redis is configured: quote state and control signal in this
process, shared by the local gateway's handlers (any thread) and the streamer (its loop).

The streamer's snapshot still goes to disk (a JSON file in the data directory, replaced
atomically), so a restart of ``pocketquant run`` resumes the bars in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from adapters.quote_state import records
from application.quote_ports import (
    QuoteStateUnavailable,
    StateBatch,
    StreamerStatus,
)
from domain.bars import Bar
from domain.intervals import Interval
from domain.quotes import LatestQuote
from domain.symbols import Symbol


class InProcessQuoteState:
    """``QuoteStateReader`` and ``QuoteStateWriter`` in memory, snapshot in a file."""

    def __init__(self, snapshot_path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._quotes: dict[str, LatestQuote] = {}
        self._bars: dict[tuple[str, Interval], Bar] = {}
        self._status: StreamerStatus | None = None
        self._snapshot_path = snapshot_path
        self._snapshot: dict[str, Any] | None = None

    # --- reader (the API) ---------------------------------------------------------------

    def latest(self, symbol: Symbol) -> LatestQuote | None:
        with self._lock:
            return self._quotes.get(symbol.key)

    def latest_many(self, symbols: Sequence[Symbol]) -> list[LatestQuote]:
        with self._lock:
            found = [self._quotes.get(symbol.key) for symbol in symbols]
        return [quote for quote in found if quote is not None]

    def current_bar(self, symbol: Symbol, interval: Interval) -> Bar | None:
        with self._lock:
            return self._bars.get((symbol.key, interval))

    def streamer_status(self) -> StreamerStatus | None:
        with self._lock:
            return self._status

    # --- writer (the streamer) ----------------------------------------------------------

    async def write(self, batch: StateBatch) -> None:
        with self._lock:
            for quote in batch.quotes:
                self._quotes[quote.symbol.key] = quote
            self._bars.update(batch.bars)
            for slot in batch.cleared_bars:
                self._bars.pop(slot, None)
            if batch.removed_symbols:
                removed = set(batch.removed_symbols)
                for key in removed:
                    self._quotes.pop(key, None)
                for slot in [slot for slot in self._bars if slot[0] in removed]:
                    del self._bars[slot]
            if batch.status is not None:
                self._status = batch.status

    async def save_snapshot(self, snapshot: Mapping[str, Any]) -> None:
        encoded = records.encode_snapshot(snapshot)
        if self._snapshot_path is None:
            self._snapshot = records.decode_snapshot(encoded)
            return
        try:
            await asyncio.to_thread(_replace_file, self._snapshot_path, encoded)
        except OSError as exc:
            raise QuoteStateUnavailable(
                f"cannot save the streamer snapshot to {self._snapshot_path}: {exc}"
            ) from exc

    async def load_snapshot(self) -> dict[str, Any] | None:
        if self._snapshot_path is None:
            return self._snapshot
        try:
            raw = await asyncio.to_thread(self._snapshot_path.read_bytes)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise QuoteStateUnavailable(
                f"cannot read the streamer snapshot at {self._snapshot_path}: {exc}"
            ) from exc
        return records.decode_snapshot(raw)

    async def aclose(self) -> None:
        return None


def _replace_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so a crash leaves the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


class InProcessControl:
    """``ControlNotifier`` for any thread; ``listener()`` gives the streamer its end."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[InProcessControlListener] = []

    def notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener.signal()

    def listener(self) -> InProcessControlListener:
        listener = InProcessControlListener(self)
        with self._lock:
            self._listeners.append(listener)
        return listener

    def forget(self, listener: InProcessControlListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)


class InProcessControlListener:
    """``ControlListener`` fed by ``InProcessControl.notify`` from any thread."""

    def __init__(self, control: InProcessControl) -> None:
        self._control = control
        self._lock = threading.Lock()
        self._pending = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None

    def signal(self) -> None:
        with self._lock:
            self._pending = True
            loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None:
            # The loop may have closed since; the pending flag still records the signal.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wakeup.set)

    def _take(self) -> bool:
        with self._lock:
            pending, self._pending = self._pending, False
            if self._wakeup is not None:
                self._wakeup.clear()
        return pending

    async def wait(self, within: float) -> bool:
        with self._lock:
            if self._wakeup is None:
                self._loop = asyncio.get_running_loop()
                self._wakeup = asyncio.Event()
            wakeup = self._wakeup
        if self._take():
            return True
        try:
            async with asyncio.timeout(within):
                while True:
                    await wakeup.wait()
                    # A wake-up already consumed by an earlier ``_take`` is not a signal.
                    if self._take():
                        return True
        except TimeoutError:
            return self._take()

    async def aclose(self) -> None:
        self._control.forget(self)
