"""Live-quote use cases behind the ``/quotes`` routes: control the feed, read what it built.

Control (start, stop, subscribe, unsubscribe) writes the durable desired state, then signals
the streamer, which reconciles. The write is what counts: when the signal cannot be sent
the streamer still picks the change up at its next periodic reconcile (within 30 s), so a
failed signal is logged, not returned as an error. Reads come from the hot state the
streamer flushes (at most every 250 ms).

Every result is a typed value (the latest quote is the domain's ``LatestQuote``); the API
turns each into its body (``functions/api/models/quotes.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from application.quote_ports import (
    ControlNotifier,
    QuoteStateReader,
    QuoteStateUnavailable,
    StreamerStatus,
    SubscriptionStore,
)
from domain.bars import Bar
from domain.errors import DomainError, InvalidInput
from domain.intervals import Interval
from domain.quotes import LatestQuote
from domain.symbols import Symbol

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 500
"""More symbols than one quote session should carry; a request past it is refused."""

STATUS_FRESH_SECONDS = 15.0
"""A streamer status older than this is the last word of a streamer that has gone away."""


class QuoteNotFound(DomainError):
    """No live data for this symbol (or interval) yet: a 404."""

    code = "quote_not_found"


@dataclass(frozen=True, slots=True)
class BarInProgress:
    """The bar of ``interval`` the streamer is building now for ``symbol``."""

    symbol: Symbol
    interval: Interval
    bar: Bar


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """The live feed. ``running`` is what was asked for (start/stop); ``connected``,
    ``active_symbols`` and ``last_tick_at`` (exchange time, epoch seconds) are what a live
    streamer reports; ``unknown_symbols`` maps each subscribed symbol TradingView refused
    to its reason."""

    running: bool
    subscription_count: int
    active_symbols: tuple[str, ...] = ()
    connected: bool = False
    last_tick_at: float | None = None
    unknown_symbols: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ControlResult:
    """What start, stop, subscribe and unsubscribe did: the feed afterwards, whether the
    request changed anything, and for a symbol whether it is now subscribed."""

    running: bool
    subscription_count: int
    changed: bool = True
    symbol: Symbol | None = None
    subscribed: bool | None = None


class QuoteService:
    """The quote use cases, on their ports (see ``application.quote_ports``)."""

    def __init__(
        self,
        subscriptions: SubscriptionStore,
        state: QuoteStateReader,
        notifier: ControlNotifier,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._subscriptions = subscriptions
        self._state = state
        self._notifier = notifier
        self._clock = clock

    # --- control ------------------------------------------------------------------------

    def start(self) -> ControlResult:
        before = self._subscriptions.desired()
        self._subscriptions.set_running(True)
        self._signal()
        return ControlResult(True, len(before.symbols), changed=not before.running)

    def stop(self) -> ControlResult:
        before = self._subscriptions.desired()
        self._subscriptions.set_running(False)
        self._signal()
        return ControlResult(False, len(before.symbols), changed=before.running)

    def subscribe(self, wanted: Symbol) -> ControlResult:
        desired = self._subscriptions.desired()
        if wanted not in desired.symbols and len(desired.symbols) >= MAX_SUBSCRIPTIONS:
            raise InvalidInput(
                "symbol", f"at most {MAX_SUBSCRIPTIONS} subscriptions; unsubscribe one first"
            )
        changed = self._subscriptions.add_symbol(wanted)
        if changed:
            self._signal()
        count = len(desired.symbols) + (1 if changed else 0)
        return ControlResult(desired.running, count, changed, wanted, subscribed=True)

    def unsubscribe(self, wanted: Symbol) -> ControlResult:
        changed = self._subscriptions.remove_symbol(wanted)
        if changed:
            self._signal()
        desired = self._subscriptions.desired()
        return ControlResult(
            desired.running, len(desired.symbols), changed, wanted, subscribed=False
        )

    def _signal(self) -> None:
        try:
            self._notifier.notify()
        except QuoteStateUnavailable as exc:
            logger.warning(
                "could not signal the streamer (%s); it applies the change at its next "
                "periodic reconcile",
                exc.message,
            )

    # --- reads --------------------------------------------------------------------------

    def latest(self, wanted: Symbol) -> LatestQuote:
        quote = self._state.latest(wanted)
        if quote is None:
            raise QuoteNotFound(self._why_no_data(wanted, "no quote"))
        return quote

    def all_latest(self) -> list[LatestQuote]:
        """The latest quote of every subscription that has one, by symbol."""
        return self._state.latest_many(self._subscriptions.desired().symbols)

    def current_bar(self, wanted: Symbol, interval: Interval) -> BarInProgress:
        bar = self._state.current_bar(wanted, interval)
        if bar is None:
            raise QuoteNotFound(self._why_no_data(wanted, f"no {interval} bar in progress"))
        return BarInProgress(wanted, interval, bar)

    def status(self) -> FeedStatus:
        desired = self._subscriptions.desired()
        report = self._fresh(self._state.streamer_status())
        if report is None:
            return FeedStatus(desired.running, len(desired.symbols))
        subscribed = {s.key for s in desired.symbols}
        return FeedStatus(
            running=desired.running,
            subscription_count=len(desired.symbols),
            active_symbols=tuple(s for s in report.active_symbols if s in subscribed),
            connected=report.connected,
            last_tick_at=report.last_tick_at,
            unknown_symbols={
                s: reason for s, reason in report.unknown_symbols.items() if s in subscribed
            },
        )

    def _fresh(self, report: StreamerStatus | None) -> StreamerStatus | None:
        if report is None or self._clock() - report.updated_at > STATUS_FRESH_SECONDS:
            return None
        return report

    def _why_no_data(self, symbol: Symbol, what: str) -> str:
        desired = self._subscriptions.desired()
        if symbol not in desired.symbols:
            return f"{what} for {symbol}: it is not subscribed (POST /quotes/subscribe)"
        report = self._fresh(self._state.streamer_status())
        if report is not None and symbol.key in report.unknown_symbols:
            reason = report.unknown_symbols[symbol.key]
            return f"{what} for {symbol}: TradingView does not know it ({reason})"
        if not desired.running:
            return f"{what} for {symbol}: the feed is stopped (POST /quotes/start)"
        return f"{what} for {symbol} yet: the streamer has not received one"
