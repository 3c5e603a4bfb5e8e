"""Resolving the trading sessions of quoted symbols on a chart session of the quote
connection: TradingView's ``symbol_resolved`` gives the time zone, session and holidays
that bar times need.

``SymbolResolver`` only builds messages and reads replies; the quote connection sends and
dispatches. Each request gets its own symbol id (``sds_sym_<n>``) so many resolve at once,
and a ``symbol_error`` for that id marks the symbol unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.tradingview import messages
from adapters.tradingview.codec import Message
from adapters.tradingview.messages import Outgoing
from domain.errors import DomainError
from domain.sessions import TradingSession
from domain.symbols import Symbol


@dataclass(frozen=True, slots=True)
class Resolved:
    symbol: Symbol
    session: TradingSession


@dataclass(frozen=True, slots=True)
class Unresolvable:
    symbol: Symbol
    reason: str


class SymbolResolver:
    """Resolution requests of one chart session (one per connection)."""

    def __init__(self, chart_session: str) -> None:
        self.chart_session = chart_session
        self._next_id = 0
        self._pending: dict[str, tuple[Symbol, float]] = {}

    def create_session(self) -> Outgoing:
        return messages.chart_create_session(self.chart_session)

    def request(self, symbol: Symbol, now: float) -> Outgoing:
        self._next_id += 1
        symbol_id = f"sds_sym_{self._next_id}"
        self._pending[symbol_id] = (symbol, now)
        return messages.resolve_symbol(self.chart_session, symbol, symbol_id=symbol_id)

    def pending(self) -> set[Symbol]:
        return {symbol for symbol, _ in self._pending.values()}

    def expire(self, older_than: float) -> list[Symbol]:
        """Forget requests sent before ``older_than`` (so they can be asked again)."""
        stale = [sid for sid, (_, sent) in self._pending.items() if sent < older_than]
        return [self._pending.pop(sid)[0] for sid in stale]

    def on_message(self, message: Message) -> Resolved | Unresolvable | None:
        """The outcome a chart message carries for one of our requests, if any."""
        params = message.params
        if len(params) < 2 or params[0] != self.chart_session:
            return None
        method = message.method
        if method not in ("symbol_resolved", "symbol_error"):
            return None
        request = self._pending.pop(str(params[1]), None)
        if request is None:
            return None
        symbol = request[0]
        if method == "symbol_error":
            return Unresolvable(symbol, str(params[2]) if len(params) > 2 else "invalid symbol")
        try:
            info = messages.parse_symbol_info(symbol, params)
            return Resolved(symbol, info.trading_session)
        except DomainError as error:
            return Unresolvable(symbol, error.message)
