"""Bars of every interval built from one symbol's live quote ticks.

``SymbolBarAggregator`` keeps, per interval, the bar in progress and emits each bar once
when it completes. The rules (each one tested in ``tests/unit/test_aggregation.py``):

Bar periods
    A bar covers exactly the ``[open, close)`` period ``domain.bar_time.bar_period`` gives,
    so a bar built from ticks has the key TradingView's history gives that period (daily
    NASDAQ bars at the 09:30 New York open, crypto at 00:00 UTC, intraday bars counted from
    the session open, weekly and monthly bars at their first trading day's open).
    A tick outside every session window goes to no bar.

Volume
    TradingView's ``volume`` is the session's cumulative volume. A tick adds to its bars the
    increase of that figure since the previous reading:

    * the first reading ever is only a baseline: it adds 0 (the bar's volume is then
      ``0.0``, not ``None``), because the figure before it is unknown;
    * when the figure falls on a tick in time order, a new session restarted the count,
      so the new figure itself is the increase;
    * when it falls on a late tick (older than the newest tick seen), the reading is stale:
      it adds 0 and the newer figure is kept;
    * a missing reading (``None``, or a placeholder such as ``1e+100``, NaN or a negative
      figure) adds nothing; a bar none of whose ticks had a reading has volume ``None``;
    * a tick outside every session still counts as the latest reading (its increase goes
      to no bar).

Late ticks
    Completed bars are immutable once emitted. A tick older than an interval's bar in
    progress (or, when that interval has none, older than the close of its last emitted
    bar) is not applied to that interval; ``late_ticks`` counts the ticks that were late
    for at least one interval. A tick inside the bar in progress but older than that
    bar's newest tick updates high, low and volume, never the open or the close.

Completion
    A bar completes when a tick at or after its close arrives (in a session or not), or
    when ``flush_due(now)`` is called with ``now`` at or after its close. Pass ``now`` in
    exchange time with a grace period for delayed feeds: a tick that arrives after its bar
    was flushed is late.

Speed: a tick inside every interval's cached period takes the fast path, plain attribute
arithmetic on one small mutable object per interval; time zones and session strings are
consulted only when a tick leaves a period or its session window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from domain.bar_time import bar_period
from domain.bars import VOLUME_PLACEHOLDER_THRESHOLD, Bar
from domain.intervals import ALL_INTERVALS, Interval, IntervalKind
from domain.quotes import QuoteTick
from domain.sessions import TradingSession

SNAPSHOT_VERSION = 1

_NEVER = -(1 << 62)
"""A time before every tick: the floor of an interval that has emitted nothing yet."""

_SESSION_SEARCH_DAYS = 14
"""How far ahead to look for the next session open when a tick is outside the session."""


class CompletedBar(NamedTuple):
    """A bar that will not change any more, with the interval it belongs to."""

    interval: Interval
    bar: Bar


_NO_BARS: tuple[CompletedBar, ...] = ()


class _BarBuilder:
    """The bar in progress of one interval. Mutable on purpose: it changes on every tick.

    When no bar is in progress, ``open_time == close_time`` is the close of the last
    emitted bar (the floor below which a tick is late), so the fast-path range check fails.
    """

    __slots__ = (
        "active",
        "close",
        "close_time",
        "high",
        "interval",
        "last_time",
        "low",
        "open",
        "open_time",
        "step",
        "uses_window",
        "volume",
    )

    def __init__(self, interval: Interval, session: TradingSession) -> None:
        self.interval = interval
        self.step = interval.seconds
        # Intraday bars of a market with sessions count whole steps from the window open.
        self.uses_window = interval.is_intraday and not session.is_24x7
        self.active = False
        self.open_time: int = _NEVER
        self.close_time: int = _NEVER
        self.open = 0.0
        self.high = 0.0
        self.low = 0.0
        self.close = 0.0
        self.volume: float | None = None
        self.last_time: float = _NEVER

    def begin(
        self, opens: int, closes: int, time: float, price: float, volume: float | None
    ) -> None:
        self.active = True
        self.open_time = opens
        self.close_time = closes
        self.open = self.high = self.low = self.close = price
        self.volume = volume
        self.last_time = time

    def finish(self) -> Bar:
        """The bar in progress as a completed bar; the builder then holds none."""
        bar = self.to_bar()
        self.active = False
        self.open_time = self.close_time
        return bar

    def to_bar(self) -> Bar:
        return Bar(self.open_time, self.open, self.high, self.low, self.close, self.volume)


class SymbolBarAggregator:
    """Builds bars of several intervals from one symbol's ticks (see the module rules)."""

    def __init__(
        self, session: TradingSession, intervals: Iterable[Interval] = ALL_INTERVALS
    ) -> None:
        chosen = tuple(dict.fromkeys(intervals))
        if not chosen:
            raise ValueError("at least one interval is needed")
        self._session = session
        self._builders = tuple(_BarBuilder(interval, session) for interval in chosen)
        self._by_interval = {builder.interval: builder for builder in self._builders}
        self._last_volume: float | None = None
        self._last_tick_time: float = _NEVER
        self._late_ticks = 0
        # The cached session window (or gap between windows) holding the latest tick.
        self._window_open = 0
        self._window_close = 0
        self._in_session = False

    @property
    def session(self) -> TradingSession:
        return self._session

    @property
    def intervals(self) -> tuple[Interval, ...]:
        return tuple(builder.interval for builder in self._builders)

    @property
    def late_ticks(self) -> int:
        """Ticks that were older than the bar in progress of at least one interval."""
        return self._late_ticks

    @property
    def last_tick_time(self) -> float | None:
        """The newest tick time seen, in UTC epoch seconds."""
        return None if self._last_tick_time == _NEVER else self._last_tick_time

    @property
    def last_cumulative_volume(self) -> float | None:
        return self._last_volume

    def on_tick(self, tick: QuoteTick) -> Sequence[CompletedBar]:
        """Apply one tick; return the bars it completed (usually none), oldest interval first."""
        return self.on_trade(tick.time, tick.price, tick.cumulative_volume)

    def on_trade(
        self, time: float, price: float, cumulative_volume: float | None
    ) -> Sequence[CompletedBar]:
        """``on_tick`` without the tick object, for callers that already hold the numbers."""
        in_order = time >= self._last_tick_time
        if in_order:
            self._last_tick_time = time

        delta: float | None = None
        if cumulative_volume is not None and 0.0 <= cumulative_volume < _PLACEHOLDER:
            last = self._last_volume
            if last is None:
                delta = 0.0
                self._last_volume = cumulative_volume
            elif cumulative_volume >= last:
                delta = cumulative_volume - last
                self._last_volume = cumulative_volume
            elif in_order:
                delta = cumulative_volume
                self._last_volume = cumulative_volume
            else:
                delta = 0.0

        if not self._window_open <= time < self._window_close:
            self._locate_session(time)
        if not self._in_session:
            return self._complete_until(time)

        completed: list[CompletedBar] | None = None
        late = False
        for builder in self._builders:
            if builder.open_time <= time < builder.close_time:
                if price > builder.high:
                    builder.high = price
                elif price < builder.low:
                    builder.low = price
                if time >= builder.last_time:
                    builder.close = price
                    builder.last_time = time
                if delta is not None:
                    volume = builder.volume
                    builder.volume = delta if volume is None else volume + delta
            elif time < builder.open_time:
                late = True
            else:
                bar = builder.finish() if builder.active else None
                opens, closes = self._period_of(builder, time)
                builder.begin(opens, closes, time, price, delta)
                if bar is not None:
                    if completed is None:
                        completed = []
                    completed.append(CompletedBar(builder.interval, bar))
        if late:
            self._late_ticks += 1
        return _NO_BARS if completed is None else completed

    def flush_due(self, now: float) -> Sequence[CompletedBar]:
        """Complete every bar in progress whose period has ended by ``now`` (epoch seconds)."""
        return self._complete_until(now)

    def current_bars(self) -> dict[Interval, Bar]:
        """The bars in progress, by interval (intervals with none are absent)."""
        return {b.interval: b.to_bar() for b in self._builders if b.active}

    def current_bar(self, interval: Interval) -> Bar | None:
        """The bar in progress of ``interval``, or ``None``."""
        builder = self._by_interval.get(interval)
        return builder.to_bar() if builder is not None and builder.active else None

    def snapshot(self) -> dict[str, Any]:
        """The aggregator's state as plain JSON-ready values, for ``restore`` after a restart."""
        intervals: dict[str, dict[str, Any]] = {}
        for b in self._builders:
            if b.active:
                intervals[b.interval.value] = {
                    "period": [b.open_time, b.close_time],
                    "open": b.open,
                    "high": b.high,
                    "low": b.low,
                    "close": b.close,
                    "volume": b.volume,
                    "last_tick_time": b.last_time,
                }
            else:
                floor = None if b.close_time == _NEVER else b.close_time
                intervals[b.interval.value] = {"completed_until": floor}
        return {
            "version": SNAPSHOT_VERSION,
            "timezone": self._session.timezone,
            "session": self._session.spec,
            "last_tick_time": self.last_tick_time,
            "last_cumulative_volume": self._last_volume,
            "late_ticks": self._late_ticks,
            "intervals": intervals,
        }

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Resume from ``snapshot()`` output; the state held before is replaced.

        A bar in progress whose period does not match this aggregator's session any more
        (the session changed since the snapshot) is dropped. Intervals missing from the
        snapshot start empty; intervals this aggregator does not build are ignored. A
        snapshot that cannot be read raises ``ValueError`` and changes nothing.
        """
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported aggregator snapshot version {snapshot.get('version')!r}")
        try:
            last_tick = _optional_number(snapshot["last_tick_time"])
            last_volume = _optional_number(snapshot["last_cumulative_volume"])
            late_ticks = int(snapshot.get("late_ticks", 0))
            saved = snapshot["intervals"]
            states = [self._read_builder(b, saved.get(b.interval.value)) for b in self._builders]
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise ValueError(f"malformed aggregator snapshot: {exc!r}") from exc
        self._last_tick_time = _NEVER if last_tick is None else last_tick
        self._last_volume = None if last_volume is None else float(last_volume)
        self._late_ticks = late_ticks
        for builder, state in zip(self._builders, states, strict=True):
            builder.active = False
            builder.open_time = builder.close_time = state if isinstance(state, int) else _NEVER
            if isinstance(state, tuple):
                opens, closes, last_time, prices, volume = state
                builder.begin(opens, closes, last_time, prices[0], volume)
                builder.high, builder.low, builder.close = prices[1:]
        self._window_open = self._window_close = 0
        self._in_session = False

    def _read_builder(
        self, builder: _BarBuilder, saved: Mapping[str, Any] | None
    ) -> _SavedBar | int | None:
        """A saved bar in progress, the floor of an interval without one, or ``None``."""
        if saved is None:
            return None
        if "period" not in saved:
            floor = _optional_number(saved.get("completed_until"))
            return None if floor is None else int(floor)
        opens, closes = (int(_number(t)) for t in saved["period"])
        if bar_period(opens, builder.interval, self._session) != (opens, closes):
            return None
        prices = tuple(float(_number(saved[k])) for k in ("open", "high", "low", "close"))
        volume = _optional_number(saved["volume"])
        return (
            opens,
            closes,
            _number(saved["last_tick_time"]),
            prices,
            None if volume is None else float(volume),
        )

    def _complete_until(self, now: float) -> Sequence[CompletedBar]:
        completed = [
            CompletedBar(b.interval, b.finish())
            for b in self._builders
            if b.active and b.close_time <= now
        ]
        return completed or _NO_BARS

    def _period_of(self, builder: _BarBuilder, time: float) -> tuple[int, int]:
        """The period holding ``time``, which lies in the cached session window."""
        moment = int(time // 1)
        step = builder.step
        if builder.uses_window:
            opens = self._window_open + (moment - self._window_open) // step * step
            return opens, min(opens + step, self._window_close)
        if builder.interval.kind is IntervalKind.INTRADAY:  # 24x7: UTC multiples
            opens = moment - moment % step
            return opens, opens + step
        period = bar_period(moment, builder.interval, self._session)
        if period is None:  # cannot happen: the tick is inside a session window
            raise AssertionError(f"no {builder.interval} bar holds {time}")
        return period

    def _locate_session(self, time: float) -> None:
        """Cache the session window holding ``time``, or the gap up to the next window."""
        moment = int(time // 1)
        found = self._session.trading_day_of(moment)
        if found is not None:
            self._window_open, self._window_close = found[1]
            self._in_session = True
            return
        # No window opens in [moment, next open), so the whole span is outside the session.
        next_open = self._session.next_open(moment, _SESSION_SEARCH_DAYS)
        self._window_open = moment
        self._window_close = moment + 1 if next_open is None else next_open
        self._in_session = False


_PLACEHOLDER = VOLUME_PLACEHOLDER_THRESHOLD

_SavedBar = tuple[int, int, float, tuple[float, ...], float | None]
"""A bar in progress read from a snapshot: open, close, last tick time, OHLC, volume."""


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    return value


def _optional_number(value: object) -> float | None:
    return None if value is None else _number(value)
