"""Quote sessions: snapshots, ``quote_completed`` and a partial ``qsd`` for every trade.

Quotes and history are one data set: every trade of ``simulator.market`` is sent, in time
order, as TradingView sends it: only the fields that changed (``lp``, ``lp_time``, ``ch``,
``chp``, the trading day's cumulative ``volume`` and its high and low), so a further fill
at the same price in the same second is a change of ``volume`` alone, and the book (``bid``,
``ask`` and their sizes) in a ``qsd`` of its own. A new trading day restarts the volume and
brings its ``open_time``, ``open_price`` and ``prev_close_price``. Extended-hours trades are
quoted too; ``current_session`` says ``market``, ``pre_market``, ``post_market`` or
``out_of_session``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from simulator.catalogue import find, parse_spec
from simulator.clock import SimClock
from simulator.config import SimulatorConfig
from simulator.history import History
from simulator.listing import Listing
from simulator.metadata import quote_static_fields
from simulator.prices import mix
from simulator.protocol import Outbox, message
from simulator.stats import SimulatorStats
from simulator.trades import Trade

NO_VOLUME = 1e100
"""What TradingView sends as an index's ``volume``."""

TRADE_FIELDS = ("lp", "lp_time", "ch", "chp", "volume", "high_price", "low_price")
BOOK_FIELDS = ("bid", "ask", "bid_size", "ask_size")
SESSION_FIELDS = ("current_session", "open_price", "prev_close_price", "open_time")

CATCH_UP = 600
"""Seconds of trades sent one by one after a pause (or a jump of the clock); after a longer
gap the quote jumps to where the market stands, as a reconnecting client would see it."""

_SESSION_NAMES = (("premarket", "pre_market"), ("postmarket", "post_market"))
_LOOKBACK_DAYS = 40


@dataclass
class _Day:
    """A trading day's figures so far, in ticks and volume steps."""

    ordinal: int
    open_time: int
    open: int
    high: int
    low: int
    last: int
    last_time: int
    volume: int
    prev_close: int


@dataclass
class _Subscription:
    name: str
    """Exactly the string the client sent: ``n`` in every reply."""
    listing: Listing
    day: _Day | None
    until: int
    """Every trade up to this time has been sent."""
    sent: dict[str, Any] = field(default_factory=dict)


@dataclass
class _QuoteSession:
    id: str
    fields: frozenset[str] | None = None
    subscriptions: dict[str, _Subscription] = field(default_factory=dict)
    ticker: asyncio.Task[None] | None = None


class QuoteBook:
    """A listing's quote at any moment, from the same trades as the history."""

    def __init__(self, history: History) -> None:
        self._history = history

    def day_at(self, listing: Listing, t: int) -> _Day | None:
        """The figures of the trading day of the last trade at or before ``t``."""
        market = self._history.market(listing)
        ordinal = market.day_of(t)
        for _ in range(_LOOKBACK_DAYS):
            if ordinal is None:
                return None
            agg = market.day_as_of(ordinal, t)
            last = market.last_trade(ordinal, t) if agg is not None else None
            if agg is not None and last is not None:
                return _Day(
                    ordinal,
                    market.bounds(ordinal)[0][0],
                    agg.open,
                    agg.high,
                    agg.low,
                    agg.close,
                    last.time,
                    agg.volume,
                    self._previous_close(listing, ordinal, agg.open),
                )
            ordinal = self._previous_day(listing, ordinal)
        return None

    def after_trade(self, listing: Listing, day: _Day | None, ordinal: int, trade: Trade) -> _Day:
        """``day`` moved on by ``trade`` (of trading day ``ordinal``)."""
        price = trade.price
        if day is None or day.ordinal != ordinal:
            market = self._history.market(listing)
            return _Day(
                ordinal,
                market.bounds(ordinal)[0][0],
                price,
                price,
                price,
                price,
                trade.time,
                trade.size,
                self._previous_close(listing, ordinal, price),
            )
        day.high = max(day.high, price)
        day.low = min(day.low, price)
        day.last, day.last_time = price, trade.time
        day.volume += trade.size
        return day

    def _previous_day(self, listing: Listing, ordinal: int) -> int | None:
        market = self._history.market(listing)
        for current in range(ordinal - 1, ordinal - _LOOKBACK_DAYS, -1):
            if market.bounds(current):
                return current
        return None

    def _previous_close(self, listing: Listing, ordinal: int, fallback: int) -> int:
        """The regular session's last price on the trading day before ``ordinal``."""
        regular = self._history.series(listing, "regular")
        for current in range(ordinal - 1, ordinal - _LOOKBACK_DAYS, -1):
            if regular.segments(current):
                agg = regular.day(current, regular.segments(current)[-1].end)
                if agg is not None:
                    return agg.close
        return fallback

    def values(self, listing: Listing, day: _Day | None, t: float) -> dict[str, Any]:
        """The dynamic quote fields for ``day`` at ``t``."""
        values: dict[str, Any] = {"current_session": session_state(listing, int(t))}
        if day is None:
            return values
        units = self._history.market(listing).units
        change = day.last - day.prev_close
        values.update(
            lp=units.price(day.last),
            lp_time=day.last_time,
            ch=units.price(change),
            chp=round(change / day.prev_close * 100, 2),
            volume=units.volume(day.volume) if listing.has_volume else NO_VOLUME,
            high_price=units.price(day.high),
            low_price=units.price(day.low),
            open_price=units.price(day.open),
            prev_close_price=units.price(day.prev_close),
            open_time=day.open_time,
        )
        if listing.has_volume:
            spread = max(1, day.last // 10_000)
            hashed = mix(listing.seed, 6, day.last_time)
            values["bid"] = units.price(day.last - spread)
            values["ask"] = units.price(day.last + spread)
            values["bid_size"] = float(1 + hashed % 40)
            values["ask_size"] = float(1 + (hashed >> 8) % 40)
        return values


def session_state(listing: Listing, t: int) -> str:
    """``current_session`` at ``t``: which of the listing's hours hold it."""
    regular = listing.trading_session
    if regular.trading_day_of(t) is not None:
        return "market"
    for subsession_id, name in _SESSION_NAMES:
        hours = regular.subsession(subsession_id)
        if hours is not None and hours.trading_day_of(t) is not None:
            return name
    return "out_of_session"


class QuoteSessions:
    """Every quote session of one connection."""

    METHODS = frozenset(
        {
            "quote_create_session",
            "quote_delete_session",
            "quote_set_fields",
            "quote_add_symbols",
            "quote_remove_symbols",
            "quote_fast_symbols",
            "quote_hibernate_all",
        }
    )

    def __init__(
        self,
        outbox: Outbox,
        config: SimulatorConfig,
        clock: SimClock,
        history: History,
        stats: SimulatorStats,
    ) -> None:
        self._out = outbox
        self._config = config
        self._clock = clock
        self._history = history
        self._book = QuoteBook(history)
        self._stats = stats
        self._sessions: dict[str, _QuoteSession] = {}

    def close(self) -> None:
        for session in self._sessions.values():
            if session.ticker is not None:
                session.ticker.cancel()
        self._sessions.clear()

    async def handle(self, method: str, params: list[Any]) -> None:
        session_id = params[0] if params and isinstance(params[0], str) else ""
        if method == "quote_create_session":
            if session_id and session_id not in self._sessions:
                self._sessions[session_id] = _QuoteSession(session_id)
                return
            await self._critical(session_id, "invalid_parameters", method)
            return
        session = self._sessions.get(session_id)
        if session is None:
            await self._critical(session_id, "unknown_session_id", method)
            return
        if method == "quote_delete_session":
            if session.ticker is not None:
                session.ticker.cancel()
            del self._sessions[session_id]
        elif method == "quote_set_fields":
            session.fields = frozenset(str(f) for f in params[1:])
        elif method == "quote_add_symbols":
            await self._add_symbols(session, params[1:])
        elif method == "quote_remove_symbols":
            for name in params[1:]:
                session.subscriptions.pop(str(name), None)
        # quote_fast_symbols and quote_hibernate_all only tune update rates: accepted, no reply.

    async def _critical(self, session_id: str, reason: str, method: str) -> None:
        await self._out.send(message("critical_error", [session_id, reason, method]))

    async def _add_symbols(self, session: _QuoteSession, names: list[Any]) -> None:
        if any(not isinstance(name, str) for name in names):
            # Since 2024 a trailing {"flags": ["force_permission"]} is refused like this.
            await self._critical(session.id, "invalid_parameters", "quote_add_symbols")
            return
        t = self._clock.quote_time()
        for name in names:
            spec = parse_spec(name)
            listing = find(spec.symbol) if spec else None
            if listing is None:
                error = {"n": name, "s": "error", "errmsg": "invalid symbol", "v": {}}
                await self._out.send(
                    message("qsd", [session.id, error]),
                    message("quote_completed", [session.id, name]),
                )
                continue
            day = self._book.day_at(listing, int(t))
            sub = _Subscription(name, listing, day, int(t))
            session.subscriptions[name] = sub
            delayed = listing.exchange in self._config.delayed_exchanges
            values = quote_static_fields(listing, delayed=delayed)
            values.update(self._book.values(listing, day, t))
            sub.sent = dict(values)
            await self._out.send(
                message("qsd", [session.id, {"n": name, "s": "ok", "v": _only(session, values)}]),
                message("quote_completed", [session.id, name]),
            )
        if session.ticker is None:
            session.ticker = asyncio.create_task(self._tick(session))

    async def _tick(self, session: _QuoteSession) -> None:
        while True:
            await asyncio.sleep(self._config.quote_interval)
            t = self._clock.quote_time()
            frames: list[str] = []
            for sub in list(session.subscriptions.values()):
                frames.extend(self._updates(session, sub, t))
            if frames:
                await self._out.send(*frames)

    def _updates(self, session: _QuoteSession, sub: _Subscription, t: float) -> list[str]:
        """A ``qsd`` per trade since the last update (and for a change of session state)."""
        until = int(t)
        if until <= sub.until:
            return []
        book, listing = self._book, sub.listing
        frames: list[str] = []
        if until - sub.until > CATCH_UP:
            sub.day = book.day_at(listing, until)
            frames.extend(self._changes(session, sub, book.values(listing, sub.day, t)))
        else:
            market = self._history.market(listing)
            for ordinal, trade in market.trades_between(sub.until, until):
                sub.day = book.after_trade(listing, sub.day, ordinal, trade)
                frames.extend(
                    self._changes(session, sub, book.values(listing, sub.day, trade.time))
                )
            state = {"current_session": session_state(listing, until)}
            frames.extend(self._changes(session, sub, state))
        sub.until = until
        return frames

    def _changes(
        self, session: _QuoteSession, sub: _Subscription, values: dict[str, Any]
    ) -> list[str]:
        changed = {k: v for k, v in values.items() if sub.sent.get(k) != v}
        sub.sent.update(changed)
        frames: list[str] = []
        for group in (TRADE_FIELDS + SESSION_FIELDS, BOOK_FIELDS):
            part = _only(session, {k: changed[k] for k in group if k in changed})
            if part:
                payload = {"n": sub.name, "s": "ok", "v": part}
                frames.append(message("qsd", [session.id, payload]))
        return frames


def _only(session: _QuoteSession, values: dict[str, Any]) -> dict[str, Any]:
    if session.fields is None:
        return values
    return {k: v for k, v in values.items() if k in session.fields}
