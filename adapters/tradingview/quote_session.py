"""Quote-session messages (``tradingview-protocol.md`` §5): what the streamer sends, and the
``qsd`` payloads it reads back.

Symbols are sent as plain ``EXCHANGE:TICKER`` strings and never with the
``{"flags": ["force_permission"]}`` object, which TradingView has refused since 2024.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from adapters.tradingview.messages import Outgoing
from domain import quotes

QUOTE_FIELDS: tuple[str, ...] = (
    *quotes.QUOTE_FIELDS,
    "bid_size",
    "ask_size",
    "current_session",
    "update_mode",
    "description",
    "exchange",
    "type",
    "currency_code",
    "pricescale",
    "minmov",
)
"""Fields asked for: those the latest quote and the ticks are made of (the domain's), and
what tells a delayed or closed market apart."""


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


QuoteUpdate = Callable[[str, dict[str, Any], float], None]
"""Takes ``(name, changed values, received)``: the hot path."""
QuoteRefusal = Callable[[str, str], None]
"""Takes ``(name, reason)``."""


def dispatch_qsd(
    params: list[Any], received: float, on_quote: QuoteUpdate, on_refused: QuoteRefusal
) -> None:
    """Hand one ``qsd`` on: its changed values to ``on_quote``, or TradingView's refusal
    to ``on_refused``. A payload that is not a quote update of a named symbol is ignored.

    The streamer's hot path: one call per tick, nothing made but what the reader keeps.
    """
    try:
        payload = params[1]
        name = payload["n"]
        status = payload.get("s", "ok")
    except (IndexError, KeyError, TypeError, AttributeError):
        return
    if status != "ok":
        error = quote_error(params)
        if error is not None:
            on_refused(error.name, error.reason)
        return
    update = payload.get("v")
    if update and update.__class__ is dict:
        on_quote(name, update, received)
