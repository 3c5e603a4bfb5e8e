"""The local event bus: logs each event and calls subscribers in order."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence

from domain.events import DomainEvent, event_detail

logger = logging.getLogger("pocketquant.events")

Subscriber = Callable[[DomainEvent], None]


class InProcessEventBus:
    """Delivers events to subscribers in the publishing thread; keeps the last few."""

    def __init__(self, history: int = 100) -> None:
        self._subscribers: list[Subscriber] = []
        self.recent: deque[DomainEvent] = deque(maxlen=history)

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def publish(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            self.recent.append(event)
            logger.info("event %s %s", event.name, event_detail(event))
            for subscriber in self._subscribers:
                try:
                    subscriber(event)
                except Exception:
                    # One failing subscriber must not stop the others or the publisher.
                    logger.exception("event subscriber failed on %s", event.name)
