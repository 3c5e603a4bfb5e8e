"""Invalidate cached queries when a series changes, whoever publishes the change.

Wrapping the event publisher (rather than subscribing to one bus) keeps invalidation on
every path, with any bus behind it: ``BarsSynced`` from API syncs, the background worker
and the CLI, ``BarCompleted`` from the streamer once it stored the bars. A failed
invalidation is logged and reported to ``on_error``; the events are published anyway (a
cached body outlives a missed invalidation by at most its TTL).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from application.bar_cache import CacheUnavailable, QueryCache
from domain.events import BarCompleted, BarsSynced, DomainEvent
from domain.ports import EventPublisher

logger = logging.getLogger(__name__)


class CacheInvalidatingPublisher:
    """Bumps the cache version of each series an event changed, then publishes."""

    def __init__(
        self,
        inner: EventPublisher,
        cache: QueryCache,
        on_error: Callable[[CacheUnavailable], None] | None = None,
    ) -> None:
        self.inner = inner
        self._cache = cache
        self._on_error = on_error

    def publish(self, events: Sequence[DomainEvent]) -> None:
        changed = dict.fromkeys(e.key for e in events if isinstance(e, BarsSynced | BarCompleted))
        for key in changed:
            try:
                self._cache.invalidate(key)
            except CacheUnavailable as error:
                logger.warning("could not invalidate cached queries of %s: %s", key, error)
                if self._on_error is not None:
                    self._on_error(error)
        self.inner.publish(events)
