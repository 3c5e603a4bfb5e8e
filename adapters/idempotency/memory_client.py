"""An in-process stand-in for the few Redis commands Powertools' idempotency layer uses.

``CachePersistenceLayer`` takes any client with ``get``, ``set`` (``ex``/``px``/``nx``) and
``delete``; this one keeps the records in a dict with expiry, for the local stack.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

Expiry = float | timedelta | None


def _seconds(value: Expiry, *, millis: bool = False) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value / 1000 if millis else float(value)


class InMemoryRecordClient:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._records: dict[str, tuple[float | None, bytes | float | str]] = {}

    def get(self, name: bytes | str | memoryview) -> bytes | str | None:
        with self._lock:
            found = self._live(self._name(name))
        if found is None or isinstance(found, float | int):
            return None if found is None else str(found)
        return found

    def set(
        self,
        name: str | bytes,
        value: bytes | float | str,
        ex: Expiry = None,
        px: Expiry = None,
        nx: bool = False,
    ) -> bool | None:
        key = self._name(name)
        ttl = _seconds(ex) if ex is not None else _seconds(px, millis=True)
        with self._lock:
            if nx and self._live(key) is not None:
                return None  # what Redis answers when NX finds the key
            self._records[key] = (None if ttl is None else self._clock() + ttl, value)
        return True

    def delete(self, *names: bytes | str | memoryview) -> int:
        with self._lock:
            return sum(self._records.pop(self._name(n), None) is not None for n in names)

    def _live(self, key: str) -> bytes | float | str | None:
        found = self._records.get(key)
        if found is None:
            return None
        expires_at, value = found
        if expires_at is not None and self._clock() >= expires_at:
            del self._records[key]
            return None
        return value

    @staticmethod
    def _name(name: bytes | str | memoryview) -> str:
        if isinstance(name, str):
            return name
        return bytes(name).decode()
