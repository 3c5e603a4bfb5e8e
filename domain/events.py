"""Domain events: facts other parts may react to (webhooks, caches, dashboards)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.bars import Bar, SeriesKey


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Base of every event; ``occurred_at`` is UTC epoch seconds."""

    occurred_at: float

    @property
    def name(self) -> str:
        return type(self).__name__


@dataclass(frozen=True, slots=True)
class BarsSynced(DomainEvent):
    key: SeriesKey
    bars_synced: int
    total_bars: int
    first_bar_at: int | None
    last_bar_at: int | None


@dataclass(frozen=True, slots=True)
class SyncFailed(DomainEvent):
    key: SeriesKey
    error_code: str
    message: str


@dataclass(frozen=True, slots=True)
class BarCompleted(DomainEvent):
    key: SeriesKey
    bar: Bar


def event_detail(event: DomainEvent) -> dict[str, object]:
    """A JSON-ready description of ``event`` (the EventBridge detail and log payload)."""
    detail: dict[str, object] = {"occurred_at": event.occurred_at}
    key: SeriesKey | None = getattr(event, "key", None)
    if key is not None:
        detail.update(
            exchange=key.symbol.exchange, symbol=key.symbol.ticker, interval=key.interval.value
        )
    if isinstance(event, BarsSynced):
        detail.update(
            bars_synced=event.bars_synced,
            total_bars=event.total_bars,
            first_bar_at=event.first_bar_at,
            last_bar_at=event.last_bar_at,
        )
    elif isinstance(event, SyncFailed):
        detail.update(error_code=event.error_code, message=event.message)
    elif isinstance(event, BarCompleted):
        bar = event.bar
        detail.update(
            time=bar.time,
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
        )
    return detail
