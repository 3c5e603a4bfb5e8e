"""The query cache on a real Redis: versions per series, TTLs, and failing fast when down."""

from __future__ import annotations

import pytest
import redis

from adapters.cache import keys
from adapters.cache.redis_cache import RedisQueryCache
from adapters.cache.redis_client import redis_client
from application.bar_cache import CacheUnavailable
from domain.bars import SeriesKey
from domain.intervals import Interval
from domain.symbols import Symbol
from tests.fakes import FakeClock
from tests.fixtures.redis_server import RedisServer

AAPL = SeriesKey(Symbol("NASDAQ", "AAPL"), Interval.D1)
KO = SeriesKey(Symbol("NYSE", "KO"), Interval.D1)


def test_bodies_are_found_per_version_and_expire(redis_url: str) -> None:
    cache = RedisQueryCache(redis_client(redis_url), ttl_s=30)
    entry = cache.lookup(AAPL, "::5000")
    assert (entry.version, entry.body) == ("0", None)
    cache.store(AAPL, "::5000", entry.version, b"five thousand bars")
    assert cache.lookup(AAPL, "::5000").body == b"five thousand bars"
    assert cache.lookup(KO, "::5000").body is None

    cache.invalidate(AAPL)
    after = cache.lookup(AAPL, "::5000")
    assert (after.version, after.body) == ("1", None)

    raw = redis.Redis.from_url(redis_url)
    assert 0 < raw.ttl(keys.body_key(AAPL, "0", "::5000")) <= 30
    assert raw.ttl(keys.version_key(AAPL)) == -1  # versions never expire
    assert keys.version_key(AAPL).split("{")[1].split("}")[0] == "NASDAQ:AAPL@1d"


def test_a_cache_that_is_down_fails_fast_then_stays_out_of_the_way(
    redis_url: str, redis_server: RedisServer
) -> None:
    clock = FakeClock()
    cache = RedisQueryCache(redis_client(redis_url), cooldown_s=1.0, clock=clock)
    cache.lookup(AAPL, "q")
    redis_server.stop()
    try:
        with pytest.raises(CacheUnavailable, match="ConnectionError"):
            cache.lookup(AAPL, "q")
    finally:
        redis_server.start()
    # Redis is back, but within the cooldown the cache is skipped without asking it.
    with pytest.raises(CacheUnavailable, match="moments ago"):
        cache.lookup(AAPL, "q")
    clock.now += 1.1
    assert cache.lookup(AAPL, "q").body is None
