"""Bar queries served from a cache of finished response bodies, the store behind it.

A cache entry is the serialized body of one query of one series version. A sync bumps the
series' version (O(1)), so every older entry is simply never read again and ages out. A
cache that fails is skipped: the query is answered from the store and the failure reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from application.queries import read_bars
from domain.bars import Bar, SeriesKey
from domain.errors import SeriesNotTracked
from domain.ports import BarStore

logger = logging.getLogger(__name__)


class CacheUnavailable(Exception):
    """The cache could not answer (connection refused, timeout, …); callers carry on without."""


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """What a lookup found: the series' current version and the body cached under it."""

    version: str
    body: bytes | None


class QueryCache(Protocol):
    """Serialized query results per series version. Methods raise ``CacheUnavailable``."""

    backend: str

    def lookup(self, key: SeriesKey, query: str) -> CacheEntry: ...

    def store(self, key: SeriesKey, query: str, version: str, body: bytes) -> None: ...

    def invalidate(self, key: SeriesKey) -> None:
        """Make every cached query of ``key`` unreachable (bump its version)."""
        ...

    def ping(self) -> None: ...


@dataclass(frozen=True, slots=True)
class BarQuery:
    key: SeriesKey
    start: int | None
    end: int | None
    limit: int

    @property
    def fingerprint(self) -> str:
        """What tells two queries of one series apart inside a cache key."""
        start = "" if self.start is None else self.start
        end = "" if self.end is None else self.end
        return f"{start}:{end}:{self.limit}"


class CacheOutcome(Enum):
    HIT = "hit"
    MISS = "miss"
    ERROR = "error"
    """The cache failed; the body came from the store."""


@dataclass(frozen=True, slots=True)
class QueryBody:
    body: bytes
    outcome: CacheOutcome


Render = Callable[[BarQuery, list[Bar]], bytes]


def query_body(query: BarQuery, *, store: BarStore, cache: QueryCache, render: Render) -> QueryBody:
    """The rendered body of ``query``; from the cache when it has it.

    Raises ``SeriesNotTracked`` when the series has neither bars in range nor a status.
    """
    try:
        entry: CacheEntry | None = cache.lookup(query.key, query.fingerprint)
    except CacheUnavailable as error:
        logger.warning("query cache unavailable, reading %s from the store: %s", query.key, error)
        entry = None
    if entry is not None and entry.body is not None:
        return QueryBody(entry.body, CacheOutcome.HIT)

    bars = read_bars(store, query.key, start=query.start, end=query.end, limit=query.limit)
    if not bars and store.get_status(query.key) is None:
        raise SeriesNotTracked(f"{query.key} is not tracked; sync it first")
    body = render(query, bars)
    if entry is None:
        return QueryBody(body, CacheOutcome.ERROR)
    try:
        cache.store(query.key, query.fingerprint, entry.version, body)
    except CacheUnavailable as error:
        logger.warning("query cache unavailable, not caching %s: %s", query.key, error)
        return QueryBody(body, CacheOutcome.ERROR)
    return QueryBody(body, CacheOutcome.MISS)
