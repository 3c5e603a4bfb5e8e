"""Logger, Metrics and Tracer: module-level singletons every handler imports.

- Logger: JSON lines; every line carries the request's correlation id (thread-safe keys,
  as the local gateway answers requests on threads) and passes through ``redact``.
- Metrics: CloudWatch EMF in the ``PocketQuant`` namespace, flushed once per invocation.
  Each invocation has its own metric set (``EphemeralMetrics``): Powertools' ``Metrics``
  shares one set per process, which breaks when the local gateway runs requests on threads.
  On unless ``set_metrics_enabled(False)``: the local stack keeps EMF lines out of its
  console that way (an argument, not ``POWERTOOLS_METRICS_DISABLED``: only the settings
  read the environment, and that variable does not silence the ColdStart line).
- Tracer: created only when Powertools tracing is on (in Lambda, unless
  ``POWERTOOLS_TRACE_DISABLED``); importing X-Ray costs ~0.4 s, so it never happens locally.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from config.metric_names import (
    CACHE_ERRORS,
    REQUEST_LATENCY,
    SERVICE,
    TRADINGVIEW_BREAKER_OPENED,
)
from config.metric_names import NAMESPACE as METRICS_NAMESPACE
from config.redaction import redact
from functions.common import correlation
from wiring.guardrails import on_breaker_opened
from wiring.services import on_cache_error

if TYPE_CHECKING:
    from application.bar_cache import CacheUnavailable


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, with every registered secret masked in the output."""

    def format(self, record: Any) -> str:
        return redact(super().format(record))


logger = Logger(service=SERVICE, logger_formatter=RedactingFormatter(), utc=True)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)
"""Where metrics go outside an instrumented invocation."""
_request_metrics: contextvars.ContextVar[EphemeralMetrics | None] = contextvars.ContextVar(
    "request_metrics", default=None
)

APPLICATION_LOGGERS = frozenset({"adapters", "application", "domain", "local", "streamer"})
"""Top-level packages whose stdlib loggers write through the JSON formatter too."""


def configure_logging(level: str) -> None:
    """Set the level, and send the application's stdlib loggers through this logger's handler."""
    logger.setLevel(level.upper())
    for name in APPLICATION_LOGGERS:
        logging.getLogger(name)  # registered now, so modules imported later inherit from it
    copy_config_to_registered_loggers(
        source_logger=logger, include=set(APPLICATION_LOGGERS), log_level=level.upper()
    )


_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)


def correlation_id_of(event: Mapping[str, Any]) -> str:
    """The caller's ``X-Correlation-ID`` when it is well formed, else the request id."""
    request_id = (event.get("requestContext") or {}).get("requestId")
    return correlation.choose((event.get("headers") or {}).items(), request_id)


def begin_request(correlation_id: str) -> contextvars.Token[str | None]:
    logger.thread_safe_append_keys(correlation_id=correlation_id)
    return _correlation_id.set(correlation_id)


def end_request(token: contextvars.Token[str | None]) -> None:
    logger.thread_safe_remove_keys(["correlation_id"])
    _correlation_id.reset(token)


def current_correlation_id() -> str:
    return _correlation_id.get() or "-"


_metrics_enabled = True


def set_metrics_enabled(enabled: bool) -> bool:
    """Turn EMF output on or off for this process; returns the previous choice."""
    global _metrics_enabled
    previous, _metrics_enabled = _metrics_enabled, enabled
    return previous


def _current_metrics() -> EphemeralMetrics | Metrics:
    return _request_metrics.get() or metrics


def count(name: str, value: float = 1) -> None:
    if _metrics_enabled:
        _current_metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)


def record_latency(milliseconds: float) -> None:
    if _metrics_enabled:
        _current_metrics().add_metric(
            name=REQUEST_LATENCY, unit=MetricUnit.Milliseconds, value=milliseconds
        )


def _count_cache_error(_error: CacheUnavailable) -> None:
    count(CACHE_ERRORS)


def count_cache_errors() -> None:
    """Count each failed cache invalidation (after a sync) as ``CacheErrors``, like a failed
    cache read. Every handler that syncs calls it; the listener is registered once."""
    on_cache_error(_count_cache_error)


def _count_breaker_opened() -> None:
    count(TRADINGVIEW_BREAKER_OPENED)


def count_breaker_openings() -> None:
    """Count each opening of the TradingView circuit breaker seen in this container (the
    alarm's metric). Every handler that syncs calls it; the listener is registered once."""
    on_breaker_opened(_count_breaker_opened)


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _with_own_metrics(handler: Handler, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """``handler`` counting into a metric set of this invocation's own, flushed at its end."""
    own = EphemeralMetrics(namespace=METRICS_NAMESPACE, service=SERVICE)
    token = _request_metrics.set(own)
    try:
        flushing = own.log_metrics(handler, capture_cold_start_metric=True)
        result: dict[str, Any] = flushing(event, context)
        return result
    finally:
        _request_metrics.reset(token)


def instrument(handler: Handler) -> Handler:
    """``handler`` with the invocation's keys on every log line, its own metric set flushed
    at the end (when metrics are enabled) and, when on, the Tracer.

    The keys are those of ``Logger.inject_lambda_context``, kept per thread like the
    correlation id.
    """
    cold = [True]

    def invoke(event: dict[str, Any], context: Any) -> dict[str, Any]:
        keys = {
            "cold_start": cold[0],
            "function_name": getattr(context, "function_name", None),
            "function_request_id": getattr(context, "aws_request_id", None),
        }
        cold[0] = False
        logger.thread_safe_append_keys(**keys)
        try:
            if not _metrics_enabled:  # no metric set to build: nothing would be flushed
                return handler(event, context)
            return _with_own_metrics(handler, event, context)
        finally:
            logger.thread_safe_remove_keys(keys)

    tracer = _tracer()
    if tracer is None:
        return invoke
    traced: Handler = tracer.capture_lambda_handler(invoke, capture_response=False)
    return traced


def _tracer() -> Any:
    from aws_lambda_powertools.tracing.tracer import Tracer

    # Powertools decides from its own variables (POWERTOOLS_TRACE_DISABLED, running in
    # Lambda); asking before building a Tracer keeps X-Ray's import off the local path.
    if Tracer._is_tracer_disabled():
        return None
    return Tracer(service=SERVICE)
