"""TradingView chart messages: building what the client sends, reading what the server answers.

Pure functions, no I/O. Builders return an :class:`Outgoing` ``(method, params)`` pair for
``TradingViewConnection.send``. Parsers take the ``params`` of a received
``codec.Message`` and tolerate unknown keys and extra trailing elements, as the protocol
keeps growing them.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from typing import Any, NamedTuple

from adapters.tradingview.codec import Message
from adapters.tradingview.intervals import to_tradingview
from domain.bars import Bar, clean_volume
from domain.errors import (
    AuthenticationRejected,
    DomainError,
    FeedProtocolError,
    FeedUnavailable,
    NotEntitled,
    SymbolNotFound,
)
from domain.intervals import Interval
from domain.series import SymbolInfo
from domain.sessions import Subsession
from domain.symbols import Symbol

ANONYMOUS_TOKEN = "unauthorized_user_token"
SYMBOL_ID = "sds_sym_1"
SERIES_ID = "sds_1"
TURNAROUND = "s1"

_SESSION_ID_LETTERS = string.ascii_letters
_SESSION_ID_LENGTH = 12


class Outgoing(NamedTuple):
    """One client message before framing."""

    method: str
    params: list[Any]


# --- session ids -------------------------------------------------------------------------


def new_session_id(prefix: str) -> str:
    """``prefix`` + 12 random letters, as the browser names its sessions."""
    return prefix + "".join(random.choices(_SESSION_ID_LETTERS, k=_SESSION_ID_LENGTH))


def chart_session_id() -> str:
    return new_session_id("cs_")


def quote_session_id() -> str:
    return new_session_id("qs_")


# --- client messages ---------------------------------------------------------------------


def set_auth_token(token: str) -> Outgoing:
    return Outgoing("set_auth_token", [token])


def chart_create_session(chart_session: str) -> Outgoing:
    return Outgoing("chart_create_session", [chart_session, ""])


def switch_timezone(chart_session: str, timezone: str = "Etc/UTC") -> Outgoing:
    return Outgoing("switch_timezone", [chart_session, timezone])


def symbol_spec(symbol: Symbol, *, extended_hours: bool = False) -> str:
    """The ``=``-prefixed JSON string TradingView takes in place of a plain symbol."""
    spec = {
        "adjustment": "splits",
        "session": "extended" if extended_hours else "regular",
        "symbol": symbol.key,
    }
    return "=" + json.dumps(spec, separators=(",", ":"))


def resolve_symbol(
    chart_session: str,
    symbol: Symbol,
    *,
    extended_hours: bool = False,
    symbol_id: str = SYMBOL_ID,
) -> Outgoing:
    """Resolve ``symbol`` as ``symbol_id`` of the chart session (one id per request lets
    many resolve at once, as the streamer does)."""
    return Outgoing(
        "resolve_symbol",
        [chart_session, symbol_id, symbol_spec(symbol, extended_hours=extended_hours)],
    )


def create_series(chart_session: str, interval: Interval, count: int) -> Outgoing:
    return Outgoing(
        "create_series",
        [chart_session, SERIES_ID, TURNAROUND, SYMBOL_ID, to_tradingview(interval), count, ""],
    )


def request_more_data(chart_session: str, count: int) -> Outgoing:
    """Ask for ``count`` bars older than the oldest one loaded so far."""
    return Outgoing("request_more_data", [chart_session, SERIES_ID, count])


# --- server replies ----------------------------------------------------------------------


def _param(params: list[Any], index: int) -> Any:
    return params[index] if len(params) > index else None


def parse_symbol_info(symbol: Symbol, params: list[Any]) -> SymbolInfo:
    """``symbol_resolved [cs, symbol_id, {metadata}]`` as a :class:`SymbolInfo`."""
    meta = _param(params, 2)
    if not isinstance(meta, dict):
        raise FeedProtocolError(f"{symbol}: symbol_resolved carries no metadata object")
    pricescale = meta.get("pricescale")
    currency = meta.get("currency_code") or meta.get("currency_id")
    return SymbolInfo(
        symbol=symbol,
        name=str(meta.get("name") or symbol.ticker),
        description=str(meta.get("description") or ""),
        type=str(meta.get("type") or ""),
        currency=str(currency) if currency else None,
        timezone=str(meta.get("timezone") or "Etc/UTC"),
        session=str(meta.get("session") or "24x7"),
        session_holidays=str(meta.get("session_holidays") or ""),
        pricescale=int(pricescale) if isinstance(pricescale, int | float) else None,
        has_volume=meta.get("visible_plots_set") != "ohlc",
        corrections=str(meta.get("corrections") or ""),
        subsession_id=str(meta.get("subsession_id") or ""),
        subsessions=_subsessions(meta.get("subsessions")),
    )


def _subsessions(raw: object) -> tuple[Subsession, ...]:
    """``subsessions`` entries that name an id and a session; anything else is skipped."""
    if not isinstance(raw, list):
        return ()
    found: list[Subsession] = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        subsession_id, session = entry.get("id"), entry.get("session")
        if isinstance(subsession_id, str) and isinstance(session, str) and session:
            found.append(
                Subsession(
                    id=subsession_id,
                    session=session,
                    corrections=str(entry.get("session-correction") or ""),
                    description=str(entry.get("description") or ""),
                )
            )
    return tuple(found)


def _bars_of_entries(entries: list[Any]) -> list[Bar]:
    bars: list[Bar] = []
    append = bars.append
    try:
        for entry in entries:
            values = entry["v"]
            volume = clean_volume(values[5]) if len(values) > 5 else None
            append(
                Bar(
                    int(values[0]),
                    float(values[1]),
                    float(values[2]),
                    float(values[3]),
                    float(values[4]),
                    volume,
                )
            )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise FeedProtocolError(f"malformed bar in series data: {exc!r}") from exc
    return bars


def parse_bars(params: list[Any], series_id: str | None = SERIES_ID) -> list[Bar]:
    """Bars of ``timescale_update`` or ``du`` ``[cs, {series_id: {"s": [{i, v}]}}, ...]``.

    Only ``series_id``'s entry is read (every entry with bars when ``None``); study output
    (``st``) and an empty dict yield nothing. Bars come in the server's order.
    """
    series = _param(params, 1)
    if not isinstance(series, dict):
        return []
    if series_id is not None:
        chosen = series.get(series_id)
        candidates = [chosen] if chosen is not None else []
    else:
        candidates = list(series.values())
    bars: list[Bar] = []
    for candidate in candidates:
        entries = candidate.get("s") if isinstance(candidate, dict) else None
        if isinstance(entries, list):
            bars.extend(_bars_of_entries(entries))
    return bars


@dataclass(frozen=True, slots=True)
class SeriesCompleted:
    """``series_completed [cs, series_id, mode, turnaround, {..., "data_completed"?}]``."""

    series_id: str
    mode: str
    data_completed: str | None = None

    @property
    def reached_limit(self) -> bool:
        """The account's history limit was hit: asking for older bars is pointless."""
        return self.data_completed == "limit"


def parse_series_completed(params: list[Any]) -> SeriesCompleted:
    details = _param(params, 4)
    completed = details.get("data_completed") if isinstance(details, dict) else None
    return SeriesCompleted(
        series_id=str(_param(params, 1) or ""),
        mode=str(_param(params, 2) or ""),
        data_completed=str(completed) if completed is not None else None,
    )


# --- errors ------------------------------------------------------------------------------

ERROR_METHODS = frozenset({"symbol_error", "series_error", "critical_error", "protocol_error"})
_NOT_ENTITLED_MARKERS = ("seconds_not_entitled", "custom_resolution", "study_not_auth")


def _texts(params: list[Any], start: int) -> str:
    return " ".join(str(p) for p in params[start:] if isinstance(p, str | int | float) and p != "")


def error_for(message: Message, symbol: Symbol | str | None = None) -> DomainError | None:
    """The domain error an error message stands for, or ``None`` for other messages.

    ``symbol`` names the request in the error (``SymbolNotFound`` needs it).
    """
    method = message.method
    params = message.params
    name = str(symbol) if symbol is not None else "symbol"
    if method == "protocol_error":
        text = _texts(params, 0) or "protocol error"
        if "bad auth token" in text.lower():
            return AuthenticationRejected("TradingView rejected the auth token (bad auth token)")
        # Also how TradingView reports rate limits and bans.
        return FeedUnavailable(f"TradingView protocol error: {text}")
    if method == "symbol_error":
        reason = str(_param(params, 2) or "invalid symbol")
        return SymbolNotFound(name, reason)
    if method == "series_error":
        reason = str(_param(params, 3) or "series error")
        lowered = reason.lower()
        if "resolve error" in lowered:
            return SymbolNotFound(name, reason)
        if any(marker in lowered for marker in _NOT_ENTITLED_MARKERS):
            return NotEntitled(f"{name}: TradingView refuses this series to the account ({reason})")
        return FeedProtocolError(f"{name}: TradingView series error: {reason}")
    if method == "critical_error":
        text = _texts(params, 1) or "critical error"
        if "permission" in text.lower():
            return NotEntitled(f"{name}: TradingView denies permission ({text})")
        return FeedProtocolError(f"{name}: TradingView critical error: {text}")
    return None
