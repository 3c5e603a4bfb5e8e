"""The in-process query cache and the cached query path, on fakes."""

from __future__ import annotations

import pytest

from adapters.cache.memory_cache import InProcessQueryCache
from application.bar_cache import (
    BarQuery,
    CacheEntry,
    CacheOutcome,
    CacheUnavailable,
    query_body,
)
from domain.bars import Bar, SeriesKey
from domain.errors import SeriesNotTracked
from domain.intervals import Interval
from domain.series import SyncState, SyncStatus
from domain.symbols import Symbol
from tests.fakes import FakeBarStore, FakeClock

AAPL = SeriesKey(Symbol("NASDAQ", "AAPL"), Interval.D1)
KO = SeriesKey(Symbol("NYSE", "KO"), Interval.D1)


def test_a_stored_body_is_found_until_the_series_changes() -> None:
    cache = InProcessQueryCache()
    entry = cache.lookup(AAPL, "q")
    assert entry.body is None
    cache.store(AAPL, "q", entry.version, b"body")
    assert cache.lookup(AAPL, "q").body == b"body"
    assert cache.lookup(KO, "q").body is None

    cache.invalidate(AAPL)
    assert cache.lookup(AAPL, "q").body is None


def test_a_body_built_before_an_invalidation_is_not_kept() -> None:
    cache = InProcessQueryCache()
    stale_version = cache.lookup(AAPL, "q").version
    cache.invalidate(AAPL)
    cache.store(AAPL, "q", stale_version, b"stale")
    assert cache.lookup(AAPL, "q").body is None


def test_entries_expire_after_their_ttl() -> None:
    clock = FakeClock()
    cache = InProcessQueryCache(ttl_s=60, clock=clock)
    cache.store(AAPL, "q", "0", b"body")
    clock.now = 59.9
    assert cache.lookup(AAPL, "q").body == b"body"
    clock.now = 60
    assert cache.lookup(AAPL, "q").body is None


def test_the_least_recently_used_entries_leave_first() -> None:
    cache = InProcessQueryCache(max_entries=2, max_bytes=10)
    cache.store(AAPL, "a", "0", b"1111")
    cache.store(AAPL, "b", "0", b"2222")
    cache.lookup(AAPL, "a")  # a is now the most recent
    cache.store(AAPL, "c", "0", b"3333")
    assert [cache.lookup(AAPL, q).body is not None for q in "abc"] == [True, False, True]
    cache.store(AAPL, "d", "0", b"44444444")  # over 10 bytes: evicts until it fits
    assert [cache.lookup(AAPL, q).body is not None for q in "acd"] == [False, False, True]


class BrokenCache:
    backend = "broken"

    def lookup(self, key: SeriesKey, query: str) -> CacheEntry:
        raise CacheUnavailable("connection refused")

    def store(self, key: SeriesKey, query: str, version: str, body: bytes) -> None:
        raise CacheUnavailable("connection refused")

    def invalidate(self, key: SeriesKey) -> None:
        raise CacheUnavailable("connection refused")

    def ping(self) -> None:
        raise CacheUnavailable("connection refused")


def _store_with_bars() -> FakeBarStore:
    store = FakeBarStore()
    store.upsert_bars(AAPL, [Bar(t * 86_400, 1, 2, 0.5, 1.5, 10) for t in range(10)])
    store.put_status(SyncStatus(key=AAPL, status=SyncState.OK, bar_count=10))
    return store


def _render(query: BarQuery, bars: list[Bar]) -> bytes:
    return f"{query.key}:{len(bars)}".encode()


def test_query_body_misses_then_hits() -> None:
    store, cache = _store_with_bars(), InProcessQueryCache()
    query = BarQuery(AAPL, start=None, end=None, limit=5)
    first = query_body(query, store=store, cache=cache, render=_render)
    second = query_body(query, store=store, cache=cache, render=_render)
    assert (first.outcome, second.outcome) == (CacheOutcome.MISS, CacheOutcome.HIT)
    assert first.body == second.body == b"NASDAQ:AAPL@1d:5"


def test_a_broken_cache_is_read_around_not_failed_on() -> None:
    query = BarQuery(AAPL, start=None, end=None, limit=3)
    found = query_body(query, store=_store_with_bars(), cache=BrokenCache(), render=_render)
    assert found.outcome is CacheOutcome.ERROR
    assert found.body == b"NASDAQ:AAPL@1d:3"


def test_a_series_with_neither_bars_nor_status_is_not_tracked() -> None:
    query = BarQuery(KO, start=None, end=None, limit=3)
    with pytest.raises(SeriesNotTracked):
        query_body(query, store=_store_with_bars(), cache=InProcessQueryCache(), render=_render)


def test_fingerprints_tell_queries_apart() -> None:
    prints = {
        BarQuery(AAPL, None, None, 10).fingerprint,
        BarQuery(AAPL, 0, None, 10).fingerprint,
        BarQuery(AAPL, None, 0, 10).fingerprint,
        BarQuery(AAPL, None, None, 11).fingerprint,
    }
    assert len(prints) == 4


def test_a_write_to_the_store_by_any_process_makes_cached_bodies_stale() -> None:
    """The store's counter is read on each lookup: no invalidation needs to reach us."""
    store = FakeBarStore()
    cache = InProcessQueryCache(store_version=store.series_version)
    entry = cache.lookup(AAPL, "q")
    cache.store(AAPL, "q", entry.version, b"old")
    assert cache.lookup(AAPL, "q").body == b"old"

    store.upsert_bars(AAPL, [Bar(0, 1.0, 1.0, 1.0, 1.0, 1.0)])  # another process' sync

    assert cache.lookup(AAPL, "q").body is None
    assert cache.lookup(KO, "q").body is None
