"""Is each dependency usable right now? The store decides availability; the cache, the
TradingView circuit breaker and the live feed only degrade service (reads fall back to the
store; stored bars stay readable while TradingView refuses). ``detail`` is the failure as
raised: whoever shows it redacts it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from application.bar_cache import CacheUnavailable, QueryCache
from application.guardrails import BreakerView
from application.quotes import FeedStatus
from domain.errors import DomainError
from domain.ports import BarStore


class Overall(Enum):
    OK = "ok"
    DEGRADED = "degraded"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    backend: str
    detail: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    """What else the check tells (the breaker's state, the feed's last tick), by name."""
    state: str | None = None
    """A check with more than two states says which (``half_open``)."""


@dataclass(frozen=True, slots=True)
class Health:
    overall: Overall
    checks: dict[str, Check]


def check_store(open_store: Callable[[], BarStore], backend: str) -> Check:
    """``open_store`` is called to get the store: opening it may be what fails."""
    try:
        open_store().ping()
    except DomainError as error:
        return Check(ok=False, backend=backend, detail=error.message)
    return Check(ok=True, backend=backend)


def check_cache(cache: QueryCache) -> Check:
    try:
        cache.ping()
    except CacheUnavailable as error:
        return Check(ok=False, backend=cache.backend, detail=str(error))
    return Check(ok=True, backend=cache.backend)


def check_breaker(view: Callable[[], BreakerView], backend: str) -> Check:
    """Closed is ok; open or half-open (probing) means TradingView requests are held back."""
    try:
        found = view()
    except DomainError as error:
        return Check(ok=False, backend=backend, detail=error.message, state="unknown")
    facts = {
        "since": found.since,
        "refusals": found.refusals,
        "next_probe_at": found.next_probe_at,
    }
    closed = found.state == "closed"
    detail = None if closed else found.reason
    return Check(ok=closed, backend=found.backend, detail=detail, facts=facts, state=found.state)


def check_feed(status: Callable[[], FeedStatus], backend: str) -> Check:
    """The live feed: ok while stopped or connected; down while asked to run and not
    connected, with the reason."""
    try:
        found = status()
    except DomainError as error:
        return Check(ok=False, backend=backend, detail=error.message)
    facts = {
        "running": found.running,
        "connected": found.connected,
        "last_tick_at": found.last_tick_at,
        "last_error_at": found.last_error_at,
    }
    ok = found.connected or not found.running
    detail = None if ok else found.disconnected_reason
    return Check(ok=ok, backend=backend, detail=detail, facts=facts)


def assess(store: Check, cache: Check, **degrading: Check) -> Health:
    """``degrading``: further checks whose failure degrades service without stopping it."""
    checks = {"store": store, "cache": cache, **degrading}
    if not store.ok:
        overall = Overall.UNAVAILABLE
    elif not all(check.ok for check in checks.values()):
        overall = Overall.DEGRADED
    else:
        overall = Overall.OK
    return Health(overall=overall, checks=checks)
