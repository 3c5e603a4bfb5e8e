"""Every CloudWatch metric PocketQuant emits: its namespace, dimensions, name and unit.

The one place these are written. The functions emit theirs through Powertools
(``functions/common/observability.py``), the streamer writes EMF lines of its own
(``streamer/metrics.py``), and the CDK dashboard (``infra_stack/observability.py``) draws
one line for each entry of :data:`METRICS`. A test ties the three together.

Standard library only: the api function's cold import, the streamer image and the CDK app
all import it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

NAMESPACE: Final = "PocketQuant"

SERVICE: Final = "pocketquant"
"""Powertools' service name of every function: the ``service`` dimension of their metrics."""

STREAMER_DIMENSION: Final = "Service"
STREAMER_SERVICE: Final = "streamer"
"""The streamer's metrics carry the one dimension ``Service=streamer``."""


class Unit(StrEnum):
    """CloudWatch units, spelt as EMF writes them."""

    COUNT = "Count"
    COUNT_PER_SECOND = "Count/Second"
    MILLISECONDS = "Milliseconds"


class Emitter(StrEnum):
    FUNCTIONS = "functions"  # the api, sync-worker and scheduler Lambdas, through Powertools
    STREAMER = "streamer"  # the Fargate streamer's own EMF lines


class Statistic(StrEnum):
    """How one period of the metric is read on the dashboard."""

    SUM = "Sum"
    AVERAGE = "Average"
    MAXIMUM = "Maximum"
    P99 = "p99"


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    unit: Unit
    emitter: Emitter
    statistic: Statistic
    widget: str
    """The dashboard graph it is drawn on; metrics naming the same graph share it."""
    label: str


_registered: list[Metric] = []


def _registering(emitter: Emitter) -> Callable[[str, Unit, Statistic, str, str], str]:
    def register(name: str, unit: Unit, statistic: Statistic, widget: str, label: str) -> str:
        _registered.append(Metric(name, unit, emitter, statistic, widget, label))
        return name

    return register


_function = _registering(Emitter.FUNCTIONS)
_streamer = _registering(Emitter.STREAMER)

_CACHE = "Query cache (hits, misses, errors)"
_BREAKER = "TradingView circuit breaker opened"
_STREAMER_WRITES = "Streamer bars completed and write errors"

# ---- the functions (api, sync worker, scheduler)
BARS_SYNCED: Final = _function("BarsSynced", Unit.COUNT, Statistic.SUM, "Bars synced", "bars")
SYNC_FAILURES: Final = _function(
    "SyncFailures", Unit.COUNT, Statistic.SUM, "Sync failures", "failures"
)
SYNC_JOBS_SCHEDULED: Final = _function(
    "SyncJobsScheduled", Unit.COUNT, Statistic.SUM, "Sync jobs scheduled", "jobs"
)
CACHE_HITS: Final = _function("CacheHits", Unit.COUNT, Statistic.SUM, _CACHE, "hits")
CACHE_MISSES: Final = _function("CacheMisses", Unit.COUNT, Statistic.SUM, _CACHE, "misses")
CACHE_ERRORS: Final = _function("CacheErrors", Unit.COUNT, Statistic.SUM, _CACHE, "errors")
REQUEST_LATENCY: Final = _function(
    "RequestLatency", Unit.MILLISECONDS, Statistic.P99, "Handler latency p99 (ms)", "p99"
)
COLD_START: Final = _function(
    "ColdStart", Unit.COUNT, Statistic.SUM, "Function cold starts", "cold starts"
)
"""Written by Powertools itself (``capture_cold_start_metric``), under this name."""
TRADINGVIEW_BREAKER_OPENED: Final = _function(
    "TradingViewBreakerOpened", Unit.COUNT, Statistic.SUM, _BREAKER, "by a function"
)
"""The circuit breaker in front of TradingView opened (an alarm fires on it)."""

# ---- the streamer
STREAMER_TICKS: Final = _streamer(
    "StreamerTicks", Unit.COUNT, Statistic.SUM, "Streamer ticks received", "ticks"
)
STREAMER_TICKS_PER_SECOND: Final = _streamer(
    "StreamerTicksPerSecond",
    Unit.COUNT_PER_SECOND,
    Statistic.AVERAGE,
    "Streamer ticks per second",
    "ticks/s",
)
STREAMER_LAG: Final = _streamer(
    "StreamerLagMs", Unit.MILLISECONDS, Statistic.P99, "Streamer lag p99 (ms)", "lag"
)
"""Receipt time minus the exchange's trade time."""
STREAMER_RECONNECTS: Final = _streamer(
    "StreamerReconnects", Unit.COUNT, Statistic.SUM, "Streamer reconnects", "reconnects"
)
STREAMER_SUBSCRIPTIONS: Final = _streamer(
    "StreamerSubscriptions",
    Unit.COUNT,
    Statistic.MAXIMUM,
    "Streamer subscriptions",
    "subscriptions",
)
STREAMER_FLUSH: Final = _streamer(
    "StreamerFlushMs", Unit.MILLISECONDS, Statistic.P99, "Streamer flush p99 (ms)", "flush"
)
STREAMER_BARS_COMPLETED: Final = _streamer(
    "StreamerBarsCompleted", Unit.COUNT, Statistic.SUM, _STREAMER_WRITES, "bars completed"
)
STREAMER_STATE_ERRORS: Final = _streamer(
    "StreamerStateWriteErrors",
    Unit.COUNT,
    Statistic.SUM,
    _STREAMER_WRITES,
    "cache write errors",
)
STREAMER_STORE_ERRORS: Final = _streamer(
    "StreamerStoreWriteErrors",
    Unit.COUNT,
    Statistic.SUM,
    _STREAMER_WRITES,
    "store write errors",
)
STREAMER_BREAKER_OPENED: Final = _streamer(
    "StreamerBreakerOpened", Unit.COUNT, Statistic.SUM, _BREAKER, "by the streamer"
)

METRICS: Final[tuple[Metric, ...]] = tuple(_registered)
"""Every metric above, in the order the dashboard shows them."""

BY_NAME: Final = {metric.name: metric for metric in METRICS}


def emitted_by(emitter: Emitter) -> tuple[Metric, ...]:
    return tuple(metric for metric in METRICS if metric.emitter is emitter)
