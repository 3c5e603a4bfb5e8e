"""Quote-session messages (``tradingview-protocol.md`` §5): what the streamer sends, and the
``qsd`` payloads it reads back.

Symbols are sent as plain ``EXCHANGE:TICKER`` strings and never with the
``{"flags": ["force_permission"]}`` object, which TradingView has refused since 2024.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol

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


class QsdReader(Protocol):
    """Who takes the updates of ``dispatch_qsd``."""

    def on_quote(self, name: str, update: dict[str, Any], received: float) -> None: ...

    def on_quote_refused(self, name: str, reason: str) -> None: ...


def dispatch_qsd(params: list[Any], received: float, reader: QsdReader) -> None:
    """Hand one ``qsd`` to ``reader``: its changed values, or TradingView's refusal.

    The streamer's hot path: one call per tick, nothing made but what the reader keeps.
    A payload that is not a quote update of a named symbol is ignored.
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
            reader.on_quote_refused(error.name, error.reason)
        return
    update = payload.get("v")
    if update and type(update) is dict:
        reader.on_quote(name, update, received)
