"""The simulator's sense of time: history ends at ``config.now``; quotes move on from it."""

from __future__ import annotations

import time

from simulator.config import SimulatorConfig


class SimClock:
    """Simulated epoch seconds.

    History always ends at ``config.now`` (or the real time when it is ``None``). The quote
    clock starts there and runs ``config.tick_speed`` times faster than real time; changing
    ``config.now`` restarts it from the new value, and ``advance`` jumps it forward.
    """

    def __init__(self, config: SimulatorConfig) -> None:
        self._config = config
        self._anchor_source: int | None = None
        self._anchor = 0.0
        self._started = 0.0
        self._speed = 1.0
        self._offset = 0.0
        self._reanchor()

    def _reanchor(self) -> None:
        now = self._config.now
        self._anchor_source = now
        self._anchor = float(now) if now is not None else time.time()
        self._started = time.monotonic()
        self._speed = self._config.tick_speed
        self._offset = 0.0

    def history_end(self) -> int:
        now = self._config.now
        return int(time.time()) if now is None else int(now)

    def quote_time(self) -> float:
        config = self._config
        if config.now != self._anchor_source:
            self._reanchor()
        if config.tick_speed != self._speed:
            # Keep the clock continuous when the speed changes.
            current = self._anchor + self._offset + (time.monotonic() - self._started) * self._speed
            self._anchor, self._offset = current, 0.0
            self._started, self._speed = time.monotonic(), config.tick_speed
        return self._anchor + self._offset + (time.monotonic() - self._started) * self._speed

    def advance(self, seconds: float) -> None:
        self.quote_time()
        self._offset += seconds
