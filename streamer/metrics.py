"""The streamer's CloudWatch metrics as Embedded Metric Format lines on stdout.

On ECS the awslogs driver ships stdout to CloudWatch Logs, which turns each EMF line into
metrics in the ``PocketQuant`` namespace (names, units and dimension from
``config/metric_names.py``, which the dashboard is built from too):

* ``StreamerTicks`` (Count) and ``StreamerTicksPerSecond`` (Count/Second);
* ``StreamerLagMs`` (Milliseconds): receipt time minus the exchange's trade time, sampled
  (every 64th tick, at most 100 values a line, so CloudWatch can compute percentiles);
* ``StreamerReconnects`` (Count), ``StreamerSubscriptions`` (Count);
* ``StreamerFlushMs`` (Milliseconds): time of each flush cycle (state, store, events);
* ``StreamerStateWriteErrors``, ``StreamerStoreWriteErrors``, ``StreamerBarsCompleted`` (Count).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import orjson

from config.metric_names import (
    NAMESPACE,
    STREAMER_BARS_COMPLETED,
    STREAMER_BREAKER_OPENED,
    STREAMER_DIMENSION,
    STREAMER_FLUSH,
    STREAMER_LAG,
    STREAMER_RECONNECTS,
    STREAMER_STATE_ERRORS,
    STREAMER_STORE_ERRORS,
    STREAMER_SUBSCRIPTIONS,
    STREAMER_TICKS,
    STREAMER_TICKS_PER_SECOND,
    Emitter,
    emitted_by,
)
from config.metric_names import STREAMER_SERVICE as SERVICE

MAX_VALUES = 100
"""EMF takes at most 100 values per metric in one line."""


@dataclass(slots=True)
class Counters:
    """Totals since the start; the reporter sends the increase of each line to line."""

    ticks: int = 0
    reconnects: int = 0
    state_write_errors: int = 0
    store_write_errors: int = 0
    bars_completed: int = 0
    subscriptions: int = 0
    lag_samples: list[float] = field(default_factory=list)
    flush_ms: list[float] = field(default_factory=list)
    breaker_openings: int = 0


_UNITS = {metric.name: metric.unit.value for metric in emitted_by(Emitter.STREAMER)}


def _spread(values: list[float]) -> list[float]:
    """At most ``MAX_VALUES`` of ``values``, evenly picked."""
    if len(values) <= MAX_VALUES:
        return list(values)
    step = len(values) / MAX_VALUES
    return [values[int(i * step)] for i in range(MAX_VALUES)]


class MetricsReporter:
    """Writes one EMF line per call of ``emit`` with what changed since the previous one."""

    def __init__(
        self,
        read: Callable[[], Counters],
        *,
        clock: Callable[[], float],
        out: TextIO | None = None,
    ) -> None:
        self._read = read
        self._clock = clock
        self._out = out
        self._last = Counters()
        self._last_at = clock()

    def line(self) -> dict[str, Any]:
        now = self._clock()
        current = self._read()
        last, elapsed = self._last, max(now - self._last_at, 1e-9)
        ticks = current.ticks - last.ticks
        values: dict[str, Any] = {
            STREAMER_TICKS: ticks,
            STREAMER_TICKS_PER_SECOND: round(ticks / elapsed, 3),
            STREAMER_RECONNECTS: current.reconnects - last.reconnects,
            STREAMER_SUBSCRIPTIONS: current.subscriptions,
            STREAMER_STATE_ERRORS: current.state_write_errors - last.state_write_errors,
            STREAMER_STORE_ERRORS: current.store_write_errors - last.store_write_errors,
            STREAMER_BARS_COMPLETED: current.bars_completed - last.bars_completed,
            STREAMER_BREAKER_OPENED: current.breaker_openings - last.breaker_openings,
        }
        if current.lag_samples:
            values[STREAMER_LAG] = [round(v * 1000, 1) for v in _spread(current.lag_samples)]
        if current.flush_ms:
            values[STREAMER_FLUSH] = [round(v, 3) for v in _spread(current.flush_ms)]
        self._last, self._last_at = current, now
        return {
            "_aws": {
                "Timestamp": int(now * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [[STREAMER_DIMENSION]],
                        "Metrics": [{"Name": name, "Unit": _UNITS[name]} for name in values],
                    }
                ],
            },
            STREAMER_DIMENSION: SERVICE,
            **values,
        }

    def emit(self) -> None:
        out = self._out if self._out is not None else sys.stdout
        out.write(orjson.dumps(self.line()).decode() + "\n")
        out.flush()
