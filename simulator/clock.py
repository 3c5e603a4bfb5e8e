"""The simulator's sense of time: one clock for its history and its quotes."""

from __future__ import annotations

import time

from simulator.config import SimulatorConfig


class SimClock:
    """Simulated epoch seconds.

    The clock starts at ``config.now`` (or the real time when it is ``None``) and runs
    ``config.tick_speed`` times faster than real time (0 stops it); changing ``config.now``
    restarts it from the new value, and ``advance`` jumps it forward. Quotes send the trades
    up to it and history ends at it, so a stream and the history of the same minutes agree.
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
        """The newest moment of history: trades up to it are in the bars."""
        return int(self.quote_time())

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
