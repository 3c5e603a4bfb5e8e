"""Quote sessions: snapshots, ``quote_completed`` and partial ``qsd`` updates."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from domain.intervals import Interval
from simulator.catalogue import Listing, find, parse_symbol_spec
from simulator.clock import SimClock
from simulator.config import SimulatorConfig
from simulator.history import History
from simulator.protocol import Outbox, message
from simulator.stats import SimulatorStats

NO_VOLUME = 1e100
"""What TradingView sends as an index's ``volume``."""

TRADE_FIELDS = ("lp", "lp_time", "ch", "chp", "volume", "high_price", "low_price")
BOOK_FIELDS = ("bid", "ask", "bid_size", "ask_size")
SESSION_FIELDS = ("current_session", "open_price", "prev_close_price", "open_time")


@dataclass
class _Subscription:
    name: str
    """Exactly the string the client sent: ``n`` in every reply."""
    listing: Listing
    sent: dict[str, Any] = field(default_factory=dict)
    session_open: int | None = None
    high: float = 0.0
    low: float = 0.0


@dataclass
class _QuoteSession:
    id: str
    fields: frozenset[str] | None = None
    subscriptions: dict[str, _Subscription] = field(default_factory=dict)
    ticker: asyncio.Task[None] | None = None


class QuoteBook:
    """Quote values of a listing at a moment, from the same price path as the bars."""

    def __init__(self, history: History) -> None:
        self._history = history

    def static_fields(self, listing: Listing, *, delayed: bool = False) -> dict[str, Any]:
        return {
            "description": listing.description,
            "short_description": listing.description,
            "short_name": listing.ticker,
            "exchange": listing.exchange,
            "listed_exchange": listing.exchange,
            "original_name": listing.key,
            "pro_name": listing.key,
            "type": listing.type,
            "typespecs": list(listing.typespecs),
            "pricescale": listing.pricescale,
            "minmov": listing.minmov,
            "minmove2": 0,
            "fractional": False,
            "format": "price",
            "currency_code": listing.currency,
            "currency_id": listing.currency,
            "timezone": listing.timezone,
            "is_tradable": listing.type != "index",
            "update_mode": "delayed_streaming_900" if delayed else "streaming",
        }

    def dynamic_fields(self, sub: _Subscription, t: float) -> dict[str, Any]:
        """Price, volume and session fields at ``t``; tracks the session's high and low."""
        listing = sub.listing
        history = self._history
        model = history.model(listing)
        timeline = history.timeline(listing)
        now = int(t)
        days = list(islice(timeline.backward(now + 1, Interval.D1, listing.listed_epoch), 2))
        if not days:
            return {}
        opens, closes = days[0]
        session = listing.trading_session
        in_session = session.is_24x7 or session.trading_day_of(now) is not None
        # Outside the session (after the close, or in a lunch break) the price stands at the
        # latest window's close, the last trade a second before it.
        priced_at = now if in_session else timeline.last_close(now, opens)
        last_trade = now if in_session else priced_at - 1
        lp = model.price(priced_at)
        if sub.session_open != opens:
            row = model.bars([(opens, closes)], Interval.D1, priced_at)[0]
            sub.session_open, sub.high, sub.low = opens, row[2], row[3]
        sub.high, sub.low = max(sub.high, lp), min(sub.low, lp)
        prev_close = model.price(days[1][1]) if len(days) > 1 else model.price(opens)
        change = model.round_price(lp - prev_close)
        values: dict[str, Any] = {
            "lp": lp,
            "lp_time": last_trade,
            "ch": change,
            "chp": round(change / prev_close * 100, 2),
            "volume": (
                model.session_volume(opens, closes, priced_at) if listing.has_volume else NO_VOLUME
            ),
            "high_price": sub.high,
            "low_price": sub.low,
            "open_price": model.price(opens),
            "prev_close_price": prev_close,
            "open_time": opens,
            "current_session": "market" if in_session else "out_of_session",
        }
        if listing.has_volume:
            tick = 1.0 / listing.pricescale
            half = max(tick, model.round_price(lp * 0.0001))
            values["bid"] = model.round_price(lp - half)
            values["ask"] = model.round_price(lp + half)
            values["bid_size"] = float(1 + hash((listing.seed, last_trade)) % 40)
            values["ask_size"] = float(1 + hash((last_trade, listing.seed)) % 40)
        return values


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
            symbol = parse_symbol_spec(name)
            listing = find(symbol) if symbol else None
            if listing is None:
                error = {"n": name, "s": "error", "errmsg": "invalid symbol", "v": {}}
                await self._out.send(
                    message("qsd", [session.id, error]),
                    message("quote_completed", [session.id, name]),
                )
                continue
            sub = _Subscription(name, listing)
            session.subscriptions[name] = sub
            delayed = listing.exchange in self._config.delayed_exchanges
            values = self._book.static_fields(listing, delayed=delayed)
            values.update(self._book.dynamic_fields(sub, t))
            snapshot = self._only_requested(session, values)
            sub.sent = dict(values)
            await self._out.send(
                message("qsd", [session.id, {"n": name, "s": "ok", "v": snapshot}]),
                message("quote_completed", [session.id, name]),
            )
        if session.ticker is None:
            session.ticker = asyncio.create_task(self._tick(session))

    @staticmethod
    def _only_requested(session: _QuoteSession, values: dict[str, Any]) -> dict[str, Any]:
        if session.fields is None:
            return values
        return {k: v for k, v in values.items() if k in session.fields}

    async def _tick(self, session: _QuoteSession) -> None:
        book = self._book
        while True:
            await asyncio.sleep(self._config.quote_interval)
            t = self._clock.quote_time()
            frames: list[str] = []
            for sub in list(session.subscriptions.values()):
                values = book.dynamic_fields(sub, t)
                changed = {k: v for k, v in values.items() if sub.sent.get(k) != v}
                sub.sent.update(changed)
                for group in (TRADE_FIELDS + SESSION_FIELDS, BOOK_FIELDS):
                    part = {k: changed[k] for k in group if k in changed}
                    part = self._only_requested(session, part)
                    if part:
                        payload = {"n": sub.name, "s": "ok", "v": part}
                        frames.append(message("qsd", [session.id, payload]))
            if frames:
                await self._out.send(*frames)
