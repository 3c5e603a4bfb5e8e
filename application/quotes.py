"""Live-quote use cases behind the ``/quotes`` routes: control the feed, read what it built.

Control (start, stop, subscribe, unsubscribe) writes the durable desired state, then signals
the streamer, which reconciles. The write is what counts: when the signal cannot be sent
the streamer still picks the change up at its next periodic reconcile (within 30 s), so a
failed signal is logged, not returned as an error. Reads come from the hot state the
streamer flushes (at most every 250 ms).

Every result is a plain dataclass whose ``to_dict()`` is the JSON body of the route.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from application.queries import iso_utc
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


def _iso(epoch: float | None) -> str | None:
    return iso_utc(epoch) if epoch is not None else None


@dataclass(frozen=True, slots=True)
class QuoteView:
    """``GET /quotes/latest/...``: ``timestamp`` is the exchange's trade time (ISO 8601 UTC)."""

    symbol: str
    exchange: str
    timestamp: str | None
    last_price: float | None
    bid: float | None
    ask: float | None
    volume: float | None
    change: float | None
    change_percent: float | None
    open_price: float | None
    high_price: float | None
    low_price: float | None
    prev_close: float | None

    @classmethod
    def of(cls, quote: LatestQuote) -> QuoteView:
        return cls(
            symbol=quote.symbol.ticker,
            exchange=quote.symbol.exchange,
            timestamp=_iso(quote.timestamp),
            last_price=quote.last_price,
            bid=quote.bid,
            ask=quote.ask,
            volume=quote.volume,
            change=quote.change,
            change_percent=quote.change_percent,
            open_price=quote.open_price,
            high_price=quote.high_price,
            low_price=quote.low_price,
            prev_close=quote.prev_close,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AllQuotesView:
    """``GET /quotes/all``: the latest quote of every subscription that has one."""

    count: int
    data: list[QuoteView]

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "data": [quote.to_dict() for quote in self.data]}


@dataclass(frozen=True, slots=True)
class CurrentBarView:
    """``GET /quotes/current-bar/...``: the bar being built now (``datetime`` = its open)."""

    symbol: str
    exchange: str
    interval: str
    datetime: str
    open: float
    high: float
    low: float
    close: float
    volume: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class FeedStatusView:
    """``GET /quotes/status``. ``running`` is what was asked for (start/stop); ``connected``
    and ``active_symbols`` are what the streamer reports; ``unknown_symbols`` maps each
    subscribed symbol TradingView refused to its reason."""

    running: bool
    subscription_count: int
    active_symbols: list[str]
    connected: bool
    last_tick_at: str | None
    unknown_symbols: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ControlView:
    """The answer to start, stop, subscribe and unsubscribe."""

    running: bool
    subscription_count: int
    symbol: str | None = None
    exchange: str | None = None
    subscribed: bool | None = None
    changed: bool = True

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "running": self.running,
            "subscription_count": self.subscription_count,
            "changed": self.changed,
        }
        if self.symbol is not None:
            body.update(symbol=self.symbol, exchange=self.exchange, subscribed=self.subscribed)
        return body


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

    def start(self) -> ControlView:
        before = self._subscriptions.desired()
        self._subscriptions.set_running(True)
        self._signal()
        return ControlView(True, len(before.symbols), changed=not before.running)

    def stop(self) -> ControlView:
        before = self._subscriptions.desired()
        self._subscriptions.set_running(False)
        self._signal()
        return ControlView(False, len(before.symbols), changed=before.running)

    def subscribe(self, exchange: str, symbol: str) -> ControlView:
        wanted = Symbol(exchange, symbol)
        desired = self._subscriptions.desired()
        if wanted not in desired.symbols and len(desired.symbols) >= MAX_SUBSCRIPTIONS:
            raise InvalidInput(
                "symbol", f"at most {MAX_SUBSCRIPTIONS} subscriptions; unsubscribe one first"
            )
        changed = self._subscriptions.add_symbol(wanted)
        if changed:
            self._signal()
        count = len(desired.symbols) + (1 if changed else 0)
        return ControlView(
            desired.running, count, wanted.ticker, wanted.exchange, subscribed=True, changed=changed
        )

    def unsubscribe(self, exchange: str, symbol: str) -> ControlView:
        wanted = Symbol(exchange, symbol)
        changed = self._subscriptions.remove_symbol(wanted)
        if changed:
            self._signal()
        desired = self._subscriptions.desired()
        return ControlView(
            desired.running,
            len(desired.symbols),
            wanted.ticker,
            wanted.exchange,
            subscribed=False,
            changed=changed,
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

    def latest(self, exchange: str, symbol: str) -> QuoteView:
        wanted = Symbol(exchange, symbol)
        quote = self._state.latest(wanted)
        if quote is None:
            raise QuoteNotFound(self._why_no_data(wanted, "no quote"))
        return QuoteView.of(quote)

    def all_latest(self) -> AllQuotesView:
        symbols = self._subscriptions.desired().symbols
        quotes = [QuoteView.of(q) for q in self._state.latest_many(symbols)]
        return AllQuotesView(len(quotes), quotes)

    def current_bar(self, exchange: str, symbol: str, interval: str = "1m") -> CurrentBarView:
        wanted = Symbol(exchange, symbol)
        chosen = Interval.parse(interval)
        bar = self._state.current_bar(wanted, chosen)
        if bar is None:
            raise QuoteNotFound(self._why_no_data(wanted, f"no {chosen} bar in progress"))
        return _bar_view(wanted, chosen, bar)

    def status(self) -> FeedStatusView:
        desired = self._subscriptions.desired()
        report = self._fresh(self._state.streamer_status())
        subscribed = {s.key for s in desired.symbols}
        if report is None:
            return FeedStatusView(desired.running, len(desired.symbols), [], False, None)
        return FeedStatusView(
            running=desired.running,
            subscription_count=len(desired.symbols),
            active_symbols=[s for s in report.active_symbols if s in subscribed],
            connected=report.connected,
            last_tick_at=_iso(report.last_tick_at),
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


def _bar_view(symbol: Symbol, interval: Interval, bar: Bar) -> CurrentBarView:
    return CurrentBarView(
        symbol=symbol.ticker,
        exchange=symbol.exchange,
        interval=interval.value,
        datetime=iso_utc(bar.time),
        open=bar.open,
        high=bar.high,
        low=bar.low,
        close=bar.close,
        volume=bar.volume,
    )
