"""TradingView as a ``QuoteConnection``: one websocket with a quote session for the
subscribed symbols and a chart session used only to ``resolve_symbol`` their sessions.

Reading dispatches every message: ``qsd`` to the sink (the hot path, ``dispatch_qsd``),
resolutions, and a ``critical_error`` on one of our sessions, which ends the connection.
Heartbeats are echoed by the transport while it reads; silence without them for the idle
timeout is a dead connection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from adapters.tradingview import messages, quote_session
from adapters.tradingview.codec import Message
from adapters.tradingview.connection import ReplyTimeout, TradingViewConnection
from adapters.tradingview.messages import Outgoing
from adapters.tradingview.symbol_resolver import Resolved, SymbolResolver
from application.quote_ports import QuoteConnection, QuoteConnector, QuoteSink
from domain.errors import FeedProtocolError, FeedUnavailable
from domain.symbols import Symbol


class Transport(Protocol):
    """What the quote connection needs of ``TradingViewConnection`` (tests pass a fake)."""

    heartbeats_echoed: int

    async def send(self, method: str, params: list[object]) -> None: ...

    async def receive(self, within: float | None = None) -> Message: ...

    async def close(self) -> None: ...


class TradingViewQuoteConnection:
    """``QuoteConnection`` over one TradingView websocket (``transport``, already open)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self.quote_session = messages.quote_session_id()
        self._resolver = SymbolResolver(messages.chart_session_id())

    async def _send(self, outgoing: Outgoing) -> None:
        await self._transport.send(outgoing.method, outgoing.params)

    async def start(self) -> None:
        quote = self.quote_session
        await self._send(quote_session.quote_create_session(quote))
        await self._send(quote_session.quote_set_fields(quote))
        await self._send(self._resolver.create_session())

    async def add_symbols(self, symbols: Sequence[Symbol]) -> None:
        names = [symbol.key for symbol in symbols]
        await self._send(quote_session.quote_add_symbols(self.quote_session, names))
        await self._send(quote_session.quote_fast_symbols(self.quote_session, names))

    async def remove_symbols(self, symbols: Sequence[Symbol]) -> None:
        names = [symbol.key for symbol in symbols]
        await self._send(quote_session.quote_remove_symbols(self.quote_session, names))

    async def resolve(self, symbol: Symbol, now: float) -> None:
        await self._send(self._resolver.request(symbol, now))

    def resolving(self) -> set[Symbol]:
        return self._resolver.pending()

    def expire_resolutions(self, older_than: float) -> list[Symbol]:
        return self._resolver.expire(older_than)

    async def read(
        self, sink: QuoteSink, *, idle_timeout: float, clock: Callable[[], float]
    ) -> None:
        transport = self._transport
        dispatch = quote_session.dispatch_qsd
        on_quote, on_refused = sink.on_quote, sink.on_quote_refused
        resolver = self._resolver
        ours = (self.quote_session, resolver.chart_session)
        heartbeats = transport.heartbeats_echoed
        while True:
            try:
                message = await transport.receive(idle_timeout)
            except ReplyTimeout:
                if transport.heartbeats_echoed == heartbeats:
                    raise FeedUnavailable(
                        f"TradingView sent neither messages nor heartbeats for {idle_timeout:g}s"
                    ) from None
                heartbeats = transport.heartbeats_echoed
                continue
            method = message.method
            if method == "qsd":
                dispatch(message.params, clock(), on_quote, on_refused)
            elif method in ("symbol_resolved", "symbol_error"):
                outcome = resolver.on_message(message)
                if isinstance(outcome, Resolved):
                    await sink.on_resolved(outcome.symbol, outcome.session)
                elif outcome is not None:
                    sink.on_unresolvable(outcome.symbol, outcome.reason)
            elif method == "critical_error":
                params = message.params
                if params and params[0] in ours:
                    failure = messages.error_for(message)
                    raise failure if failure is not None else FeedProtocolError("critical error")

    async def close(self) -> None:
        await self._transport.close()


def quote_connector(
    url: str,
    token: Callable[[], Awaitable[str]],
    *,
    origin: str,
    timeout: float,
) -> QuoteConnector:
    """Opens a websocket to ``url`` with the token ``token()`` gives, as a quote connection."""

    async def connect() -> QuoteConnection:
        transport = TradingViewConnection(url, await token(), origin=origin, timeout=timeout)
        await transport.open()
        return TradingViewQuoteConnection(transport)

    return connect
