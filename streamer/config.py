"""The streamer's tunables. Defaults suit production; tests shrink the times."""

from __future__ import annotations

from dataclasses import dataclass

from domain.intervals import ALL_INTERVALS, Interval


@dataclass(frozen=True, slots=True)
class StreamerConfig:
    intervals: tuple[Interval, ...] = ALL_INTERVALS
    """Bar intervals built from ticks."""
    flush_interval: float = 0.25
    """Seconds between flushes of the hot state (quotes, bars in progress, status)."""
    snapshot_interval: float = 5.0
    """Seconds between saves of the resumable state (also saved on stop)."""
    status_interval: float = 5.0
    """The status is rewritten at least this often, so readers can tell it is live."""
    reconcile_interval: float = 30.0
    """Seconds between reconciles with the desired state when no signal arrives."""
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    healthy_after: float = 30.0
    """A connection that lived this long resets the backoff."""
    connect_timeout: float = 20.0
    """Seconds to wait for TradingView to accept a connection or answer."""
    idle_timeout: float = 45.0
    """A connection with neither messages nor heartbeats for this long is dead."""
    budget_wait: float = 120.0
    """Seconds a connect or a resolve waits for the deployment's TradingView request budget
    before the attempt counts as failed (and waits its backoff)."""
    resolve_timeout: float = 15.0
    """Seconds to wait for ``symbol_resolved``; the symbol is asked again after it."""
    bar_grace: float = 5.0
    """Exchange seconds after a bar's close before it completes without a later tick."""
    health_host: str = "0.0.0.0"
    """All interfaces: the container's health check comes from outside."""
    health_port: int | None = 8080
    """0 picks a free port; ``None`` runs no health endpoint (in-process under ``run``)."""
    health_grace: float = 120.0
    """While running, ``/health`` fails when not connected for this long (beyond the
    backoff cap, so a TradingView outage alone does not get the task replaced at once)."""
    stall_after: float = 30.0
    """``/health`` fails when the flush loop has not completed a cycle for this long."""
    resume_timeout: float = 30.0
    """How long to keep trying to load the snapshot at start before going on without it."""
    metrics_interval: float = 60.0
    """Seconds between EMF metric lines on stdout; 0 turns them off."""
