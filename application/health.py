"""Is each dependency usable right now? The store decides availability; the cache only
degrades service (reads fall back to the store). ``detail`` is the failure as raised:
whoever shows it redacts it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from application.bar_cache import CacheUnavailable, QueryCache
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


def assess(store: Check, cache: Check) -> Health:
    if not store.ok:
        overall = Overall.UNAVAILABLE
    elif not cache.ok:
        overall = Overall.DEGRADED
    else:
        overall = Overall.OK
    return Health(overall=overall, checks={"store": store, "cache": cache})
