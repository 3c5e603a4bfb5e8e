"""The live book: per subscribed symbol, its merged quote values and its bar aggregator.

This is the hot path. Each quote update (TradingView's ``qsd``) is merged into the
symbol's last values (a snapshot first, then partial updates of only the changed fields);
when it touches the trade (``lp``, ``lp_time`` or ``volume``) the merged values make one
tick for the aggregator, by the domain's tick rule (``domain.quotes.trade_of``). Nothing
here does I/O: the flusher takes what changed.

When a bar completes without a later tick
    ``flush_due`` completes a symbol's bars whose period has ended on that symbol's own
    feed clock: its newest tick time plus the wall time since that tick arrived, minus a
    grace period. Per symbol, so a delayed feed (``delayed_streaming_900``) and a real-time
    one each complete on their own clock. A tick that arrives after its bar was completed
    this way is late and ignored for that interval (the aggregator's late-tick rule).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from application.quote_ports import BarSlot
from domain.aggregation import CompletedBar, SymbolBarAggregator
from domain.bars import Bar, SeriesKey
from domain.errors import DomainError
from domain.intervals import Interval
from domain.quotes import LatestQuote, latest_quote, trade_of
from domain.sessions import TradingSession
from domain.symbols import Symbol

SNAPSHOT_VERSION = 1
LAG_SAMPLE_EVERY = 64
LAG_SAMPLE_MASK = LAG_SAMPLE_EVERY - 1
"""``LAG_SAMPLE_EVERY`` is a power of two: the hot path tests the low bits."""
_MAX_SAMPLES = 10_000

TickObserver = Callable[[Symbol, float, float, float | None], None]
"""Called with ``(symbol, time, price, cumulative_volume)`` for every tick (tests record)."""


@dataclass(eq=False, slots=True)
class SymbolFeed:
    """One subscribed symbol. Mutable on purpose: it changes with every update."""

    symbol: Symbol
    session: TradingSession
    aggregator: SymbolBarAggregator
    values: dict[str, Any] = field(default_factory=dict)
    received_at: float = 0.0
    """Wall time of the latest update."""
    tick_received_at: float = 0.0
    """Wall time of the latest tick: the feed clock runs on from its ``lp_time``."""
    on_trade: Callable[[float, float, float | None], Sequence[CompletedBar]] = field(init=False)
    """The aggregator's ``on_trade``, bound once for the hot path."""

    def __post_init__(self) -> None:
        self.on_trade = self.aggregator.on_trade

    def feed_clock(self, now: float) -> float | None:
        """The exchange time now on this symbol's feed, from its newest tick."""
        last = self.aggregator.last_tick_time
        return None if last is None else last + (now - self.tick_received_at)


@dataclass(frozen=True, slots=True)
class PendingBar:
    """A completed bar on its way to the store and the event bus."""

    key: SeriesKey
    bar: Bar
    completed_at: float


@dataclass(slots=True)
class BookChanges:
    """What changed since the last flush, taken by the flusher."""

    quotes: list[LatestQuote]
    bars: dict[BarSlot, Bar]
    cleared_bars: list[BarSlot]
    removed_symbols: list[str]
    feeds: list[SymbolFeed]


class LiveBook:
    """Every subscribed symbol's quote and bars in progress; completed bars queue here."""

    def __init__(
        self,
        intervals: Iterable[Interval],
        *,
        observer: TickObserver | None = None,
    ) -> None:
        self.intervals = tuple(intervals)
        self._observer = observer
        self._feeds: dict[str, SymbolFeed] = {}
        self._dirty: set[SymbolFeed] = set()
        self._completed: list[PendingBar] = []
        self._removed: set[str] = set()
        self.ticks = 0
        """Ticks applied since the start (for metrics)."""
        self.lag_samples: list[float] = []
        """Receipt minus trade time of every ``LAG_SAMPLE_EVERY``-th tick, for metrics."""
        self._newest_tick = -math.inf

    @property
    def last_tick_at(self) -> float | None:
        """Exchange time of the newest tick of any symbol."""
        return None if self._newest_tick == -math.inf else self._newest_tick

    # --- subscriptions ------------------------------------------------------------------

    def __contains__(self, symbol: Symbol) -> bool:
        return symbol.key in self._feeds

    def symbols(self) -> list[Symbol]:
        return [feed.symbol for feed in self._feeds.values()]

    def feed(self, symbol: Symbol) -> SymbolFeed | None:
        return self._feeds.get(symbol.key)

    def add(self, symbol: Symbol, session: TradingSession) -> SymbolFeed:
        """Start building ``symbol``'s bars; a symbol already here keeps its state."""
        feed = self._feeds.get(symbol.key)
        if feed is None:
            feed = SymbolFeed(symbol, session, SymbolBarAggregator(session, self.intervals))
            self._feeds[symbol.key] = feed
        return feed

    def remove(self, symbol: Symbol) -> bool:
        """Forget ``symbol`` (its bars in progress are dropped, completed ones still stored)."""
        feed = self._feeds.pop(symbol.key, None)
        if feed is None:
            return False
        self._dirty.discard(feed)
        self._removed.add(symbol.key)
        return True

    # --- the hot path -------------------------------------------------------------------

    def on_quote(self, name: str, update: dict[str, Any], received: float) -> None:
        """Merge the changed values of ``name`` (``EXCHANGE:TICKER``), received at
        ``received``; a trade among them is a tick for the symbol's bars."""
        feed = self._feeds.get(name)
        if feed is None:
            return  # not a symbol we hold
        values = feed.values
        values.update(update)
        feed.received_at = received
        self._dirty.add(feed)
        trade = trade_of(values, update, received)
        if trade is None:
            return
        time, price, volume = trade
        completed = feed.on_trade(time, price, volume)
        feed.tick_received_at = received
        ticks = self.ticks = self.ticks + 1
        if not ticks & LAG_SAMPLE_MASK and len(self.lag_samples) < _MAX_SAMPLES:
            self.lag_samples.append(received - time)
        if time > self._newest_tick:  # noqa: PLR1730 - cheaper than max() on the hot path
            self._newest_tick = time
        if completed:
            self._queue(feed, completed, received)
        if self._observer is not None:
            self._observer(feed.symbol, time, price, volume)

    def _queue(self, feed: SymbolFeed, completed: Iterable[CompletedBar], now: float) -> None:
        symbol = feed.symbol
        self._completed.extend(
            PendingBar(SeriesKey(symbol, interval), bar, now) for interval, bar in completed
        )

    # --- what the flusher takes ---------------------------------------------------------

    def flush_due(self, now: float, grace: float) -> int:
        """Complete bars whose period ended on their symbol's feed clock; how many did."""
        count = 0
        for feed in self._feeds.values():
            clock = feed.feed_clock(now)
            if clock is None:
                continue
            completed = feed.aggregator.flush_due(clock - grace)
            if completed:
                self._queue(feed, completed, now)
                self._dirty.add(feed)
                count += len(completed)
        return count

    def take_changes(self) -> BookChanges:
        """The quotes and bars of every symbol that changed since the last call."""
        feeds = list(self._dirty)
        self._dirty.clear()
        quotes: list[LatestQuote] = []
        bars: dict[BarSlot, Bar] = {}
        cleared: list[BarSlot] = []
        intervals = self.intervals
        for feed in feeds:
            key = feed.symbol.key
            quotes.append(latest_quote(feed.symbol, feed.values, feed.received_at))
            current = feed.aggregator.current_bars()
            for interval in intervals:
                bar = current.get(interval)
                if bar is None:
                    cleared.append((key, interval))
                else:
                    bars[(key, interval)] = bar
        # A symbol removed and added again since the last flush is not deleted after all.
        removed = [key for key in self._removed if key not in self._feeds]
        self._removed.clear()
        return BookChanges(quotes, bars, cleared, removed, feeds)

    def mark_changed(self, changes: BookChanges) -> None:
        """Flush these changes again (their write failed), as far as they still apply."""
        held = self._feeds
        self._dirty.update(f for f in changes.feeds if held.get(f.symbol.key) is f)
        self._removed.update(key for key in changes.removed_symbols if key not in held)

    def take_completed(self) -> list[PendingBar]:
        taken, self._completed = self._completed, []
        return taken

    def requeue_completed(self, pending: list[PendingBar]) -> None:
        """Put bars that could not be stored back in front of newer ones."""
        self._completed[:0] = pending

    def take_lag_samples(self) -> list[float]:
        taken, self.lag_samples = self.lag_samples, []
        return taken

    @property
    def completed_count(self) -> int:
        return len(self._completed)

    # --- restart --------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Each symbol's session, aggregator state and merged values (JSON-ready)."""
        return {
            key: {
                "session": _session_record(feed.session),
                "aggregator": feed.aggregator.snapshot(),
                "values": feed.values,
                "tick_received_at": feed.tick_received_at,
            }
            for key, feed in self._feeds.items()
        }

    def restore(self, saved: Mapping[str, Any]) -> list[str]:
        """Take back ``snapshot()`` output; the keys of symbols that could not be restored."""
        failed: list[str] = []
        for key, record in saved.items():
            try:
                symbol = Symbol.parse(key)
                session = _session_from_record(record["session"])
                feed = self.add(symbol, session)
                feed.aggregator.restore(record["aggregator"])
                feed.values.update(record.get("values") or {})
                feed.tick_received_at = float(record.get("tick_received_at") or 0.0)
            except (KeyError, TypeError, ValueError, AttributeError, DomainError):
                failed.append(key)
                self._feeds.pop(key, None)
        return failed


def pending_record(pending: PendingBar) -> list[Any]:
    bar = pending.bar
    key = pending.key
    return [
        key.symbol.key,
        key.interval.value,
        bar.time,
        bar.open,
        bar.high,
        bar.low,
        bar.close,
        bar.volume,
        pending.completed_at,
    ]


def pending_from_record(record: list[Any]) -> PendingBar:
    symbol, interval, time, open_, high, low, close, volume, completed_at = record
    bar = Bar(int(time), float(open_), float(high), float(low), float(close), volume)
    return PendingBar(SeriesKey(Symbol.parse(symbol), Interval(interval)), bar, completed_at)


def _session_record(session: TradingSession) -> dict[str, str]:
    return {
        "timezone": session.timezone,
        "session": session.spec,
        "holidays": ",".join(sorted(day.strftime("%Y%m%d") for day in session.holidays)),
    }


def _session_from_record(record: Mapping[str, str]) -> TradingSession:
    return TradingSession.from_tradingview(
        record["timezone"], record["session"], record.get("holidays", "")
    )
