"""Quote-session messages (``tradingview-protocol.md`` §5): what the streamer sends, and the
``qsd`` payloads it reads back.

Symbols are sent as plain ``EXCHANGE:TICKER`` strings and never with the
``{"flags": ["force_permission"]}`` object, which TradingView has refused since 2024.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from adapters.tradingview.messages import Outgoing

QUOTE_FIELDS: tuple[str, ...] = (
    "lp",
    "lp_time",
    "ch",
    "chp",
    "volume",
    "bid",
    "ask",
    "bid_size",
    "ask_size",
    "open_price",
    "high_price",
    "low_price",
    "prev_close_price",
    "current_session",
    "update_mode",
    "description",
    "exchange",
    "type",
    "currency_code",
    "pricescale",
    "minmov",
)
"""Fields asked for: trade and book figures for the quote and the ticks, the session's
figures for the quote, and what tells a delayed or closed market apart."""


def quote_create_session(session: str) -> Outgoing:
    return Outgoing("quote_create_session", [session])


def quote_set_fields(session: str, fields: Iterable[str] = QUOTE_FIELDS) -> Outgoing:
    return Outgoing("quote_set_fields", [session, *fields])


def quote_add_symbols(session: str, names: Iterable[str]) -> Outgoing:
    return Outgoing("quote_add_symbols", [session, *names])


def quote_fast_symbols(session: str, names: Iterable[str]) -> Outgoing:
    return Outgoing("quote_fast_symbols", [session, *names])


def quote_remove_symbols(session: str, names: Iterable[str]) -> Outgoing:
    return Outgoing("quote_remove_symbols", [session, *names])


class QuoteError(NamedTuple):
    """A ``qsd`` with ``s: "error"``: TradingView will not quote ``name``."""

    name: str
    reason: str


def quote_error(params: list[Any]) -> QuoteError | None:
    """The error a ``qsd`` carries, or ``None`` when it is a normal update."""
    payload = params[1] if len(params) > 1 else None
    if not isinstance(payload, dict) or payload.get("s", "ok") == "ok":
        return None
    reason = payload.get("errmsg") or payload.get("v") or "quote error"
    return QuoteError(str(payload.get("n", "")), str(reason) if reason else "quote error")
