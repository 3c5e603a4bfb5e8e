"""The query cache on Redis: one round trip per lookup, O(1) invalidation.

A lookup is one Lua script that reads the series' version and the body cached under it.
After a failure the cache stays out of the way for ``cooldown_s`` so a Redis that is down
costs a request nothing but the check of a timestamp.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis

from adapters.cache import keys
from application.bar_cache import CacheEntry, CacheUnavailable
from domain.bars import SeriesKey

T = TypeVar("T")

DEFAULT_TTL_S = 300
"""A body outlives no invalidation it missed (e.g. Redis down during a sync) by more than this."""
DEFAULT_COOLDOWN_S = 1.0

_LOOKUP = """
local version = redis.call('GET', KEYS[1]) or '0'
return {version, redis.call('GET', ARGV[1] .. version .. ':' .. ARGV[2])}
"""


class RedisQueryCache:
    backend = "redis"

    def __init__(
        self,
        client: redis.Redis,
        *,
        ttl_s: int = DEFAULT_TTL_S,
        cooldown_s: float = DEFAULT_COOLDOWN_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._lookup = client.register_script(_LOOKUP)
        self._ttl_s = ttl_s
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._down_until = 0.0

    def lookup(self, key: SeriesKey, query: str) -> CacheEntry:
        self._check_cooldown()
        reply = self._call(
            lambda: self._lookup(keys=[keys.version_key(key)], args=[keys.body_prefix(key), query])
        )
        version, body = reply
        return CacheEntry(version=_text(version), body=body)

    def store(self, key: SeriesKey, query: str, version: str, body: bytes) -> None:
        self._check_cooldown()
        self._call(
            lambda: self._client.set(keys.body_key(key, version, query), body, ex=self._ttl_s)
        )

    def invalidate(self, key: SeriesKey) -> None:
        # No cooldown here: an invalidation is worth one more try.
        self._call(lambda: self._client.incr(keys.version_key(key)))

    def ping(self) -> None:
        self._call(self._client.ping)

    def _check_cooldown(self) -> None:
        if self._clock() < self._down_until:
            raise CacheUnavailable("Redis failed moments ago; skipping it for now")

    def _call(self, command: Callable[[], T]) -> T:
        try:
            result = command()
        except redis.RedisError as error:
            with self._lock:
                self._down_until = self._clock() + self._cooldown_s
            raise CacheUnavailable(f"{type(error).__name__}: {error}") from error
        return result


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
