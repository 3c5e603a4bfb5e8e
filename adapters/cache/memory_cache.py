"""The query cache in process memory: an LRU bounded in entries and bytes, with a TTL.

What ``make run`` uses when no Redis is configured. A cached body is keyed by the series'
version, which has two parts: the store's counter (``BarStore.series_version``, raised by
every write of the series' bars, whichever process made it: a ``pocketquant sync`` in a
terminal beside the stack) read on each lookup, and this process' own invalidations.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from application.bar_cache import CacheEntry
from domain.bars import SeriesKey

DEFAULT_TTL_S = 300.0
DEFAULT_MAX_ENTRIES = 256
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class InProcessQueryCache:
    backend = "in-process"

    def __init__(
        self,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], float] = time.monotonic,
        store_version: Callable[[SeriesKey], int] | None = None,
    ) -> None:
        """``store_version``: the store's counter of a series (one indexed read); without
        it only this process' invalidations make a body stale."""
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._clock = clock
        self._store_version = store_version
        self._lock = threading.Lock()
        self._versions: dict[SeriesKey, int] = {}
        self._entries: OrderedDict[tuple[SeriesKey, str, str], tuple[float, bytes]] = OrderedDict()
        self._bytes = 0

    def lookup(self, key: SeriesKey, query: str) -> CacheEntry:
        stored = "" if self._store_version is None else f"{self._store_version(key)}:"
        with self._lock:
            version = f"{stored}{self._versions.get(key, 0)}"
            slot = (key, version, query)
            found = self._entries.get(slot)
            if found is None:
                return CacheEntry(version=version, body=None)
            expires_at, body = found
            if self._clock() >= expires_at:
                self._drop(slot)
                return CacheEntry(version=version, body=None)
            self._entries.move_to_end(slot)
            return CacheEntry(version=version, body=body)

    def store(self, key: SeriesKey, query: str, version: str, body: bytes) -> None:
        if len(body) > self._max_bytes:
            return
        with self._lock:
            if version.rpartition(":")[2] != str(self._versions.get(key, 0)):
                return  # invalidated while this body was built
            slot = (key, version, query)
            if slot in self._entries:
                self._drop(slot)
            self._entries[slot] = (self._clock() + self._ttl_s, body)
            self._bytes += len(body)
            while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
                self._drop(next(iter(self._entries)))

    def invalidate(self, key: SeriesKey) -> None:
        # O(1): entries of older versions are never read again and leave by LRU or TTL.
        with self._lock:
            self._versions[key] = self._versions.get(key, 0) + 1

    def ping(self) -> None:
        return None

    def _drop(self, slot: tuple[SeriesKey, str, str]) -> None:
        _, body = self._entries.pop(slot)
        self._bytes -= len(body)
