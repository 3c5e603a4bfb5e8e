"""Domain events to an EventBridge bus (on AWS), in ``PutEvents`` calls of at most 10 entries.

Each event becomes one entry: ``Source`` ``pocketquant``, ``DetailType`` the event's name
(``BarCompleted``, ``BarsSynced``, ``SyncFailed``) and ``Detail`` its JSON description.
``PutEvents`` can accept a call and still reject some entries (throttling, an internal
error), so the rejected entries are sent again, a few times with a growing pause; what is
still rejected after that raises ``EventsUnavailable`` naming how many and why. Nothing is
dropped silently.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from domain.errors import EventsUnavailable
from domain.events import DomainEvent, event_detail

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

logger = logging.getLogger(__name__)

SOURCE = "pocketquant"
BATCH_SIZE = 10
"""PutEvents takes at most 10 entries per call."""
MAX_ATTEMPTS = 4
_FIRST_PAUSE_SECONDS = 0.1


class EventBridgePublisher:
    """``EventPublisher`` on the bus ``bus_name`` (synchronous: call it from a thread in async
    code). ``client`` defaults to a boto3 ``events`` client made on first use."""

    def __init__(
        self,
        bus_name: str,
        *,
        client: EventBridgeClient | None = None,
        source: str = SOURCE,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bus_name = bus_name
        self._client = client
        self._source = source
        self._max_attempts = max_attempts
        self._sleep = sleep

    @property
    def client(self) -> EventBridgeClient:
        if self._client is None:
            self._client = boto3.client("events")
        return self._client

    def publish(self, events: Sequence[DomainEvent]) -> None:
        entries = [self._entry(event) for event in events]
        undelivered: list[str] = []
        for start in range(0, len(entries), BATCH_SIZE):
            undelivered.extend(self._put(entries[start : start + BATCH_SIZE]))
        if undelivered:
            raise EventsUnavailable(
                f"EventBridge bus {self.bus_name!r} did not take {len(undelivered)} of "
                f"{len(entries)} events after {self._max_attempts} attempts: {undelivered[0]}"
            )

    def _entry(self, event: DomainEvent) -> PutEventsRequestEntryTypeDef:
        return {
            "Source": self._source,
            "DetailType": event.name,
            "Detail": json.dumps(event_detail(event), separators=(",", ":")),
            "EventBusName": self.bus_name,
            "Time": datetime.fromtimestamp(event.occurred_at, UTC),
        }

    def _put(self, batch: list[PutEventsRequestEntryTypeDef]) -> list[str]:
        """Send ``batch``, resending rejected entries; the reasons of those never taken."""
        pending = batch
        reasons: list[str] = []
        pause = _FIRST_PAUSE_SECONDS
        for attempt in range(1, self._max_attempts + 1):
            reasons = []
            try:
                response: Any = self.client.put_events(Entries=pending)
            except (BotoCoreError, ClientError) as exc:
                reasons = [f"{type(exc).__name__}: {exc}"] * len(pending)
                rejected = pending
            else:
                rejected = []
                for entry, result in zip(pending, response["Entries"], strict=True):
                    if "ErrorCode" in result:
                        rejected.append(entry)
                        reasons.append(f"{result['ErrorCode']}: {result.get('ErrorMessage', '')}")
            if not rejected:
                return []
            logger.warning(
                "EventBridge rejected %d of %d events (attempt %d of %d): %s",
                len(rejected),
                len(pending),
                attempt,
                self._max_attempts,
                reasons[0],
            )
            pending = rejected
            if attempt < self._max_attempts:
                self._sleep(pause)
                pause *= 2
        return reasons
