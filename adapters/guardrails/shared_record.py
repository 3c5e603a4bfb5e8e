"""``SharedRecord`` implementations: one Redis key changed under WATCH/MULTI (optimistic
locking, so every process and container sees one state), or a value in this process.

The change function runs once per attempt; under contention Redis aborts the transaction
and it runs again on the fresh value, so each change is atomic without a Lua copy of the
domain's rules.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import redis

from application.guardrails import GuardStateUnavailable

T = TypeVar("T")
R = TypeVar("R")

MAX_ATTEMPTS = 50
"""Transactions retried under contention before giving up (each costs one round trip)."""


class RedisRecord(Generic[T]):
    def __init__(
        self,
        client: redis.Redis,
        key: str,
        encode: Callable[[T], bytes],
        decode: Callable[[bytes], T],
        *,
        ttl_s: int = 7 * 24 * 3600,
    ) -> None:
        self._client = client
        self.key = key
        self._encode = encode
        self._decode = decode
        self._ttl_s = ttl_s

    def read(self) -> T | None:
        try:
            raw = self._client.get(self.key)
        except redis.RedisError as error:
            raise GuardStateUnavailable(f"Redis: {type(error).__name__}: {error}") from None
        return self._decode(raw) if isinstance(raw, bytes) else None

    def update(self, change: Callable[[T | None], tuple[R, T]]) -> R:
        try:
            with self._client.pipeline(transaction=True) as pipe:
                for _ in range(MAX_ATTEMPTS):
                    try:
                        pipe.watch(self.key)  # type: ignore[no-untyped-call]
                        raw = pipe.get(self.key)
                        current = self._decode(raw) if isinstance(raw, bytes) else None
                        result, after = change(current)
                        pipe.multi()
                        pipe.set(self.key, self._encode(after), ex=self._ttl_s)
                        pipe.execute()
                        return result
                    except redis.WatchError:
                        continue
        except redis.RedisError as error:
            raise GuardStateUnavailable(f"Redis: {type(error).__name__}: {error}") from None
        raise GuardStateUnavailable(f"{self.key} changed {MAX_ATTEMPTS} times under us")


class InProcessRecord(Generic[T]):
    """The record of one process (no Redis): the same rules, shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: T | None = None

    def read(self) -> T | None:
        with self._lock:
            return self._value

    def update(self, change: Callable[[T | None], tuple[R, T]]) -> R:
        with self._lock:
            result, self._value = change(self._value)
            return result
