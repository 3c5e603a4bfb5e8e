"""Handing TradingView's ``qsd`` params to a live book the way the quote connection does
(``adapters.tradingview.quote_session.dispatch_qsd``), for the book's tests."""

from __future__ import annotations

from typing import Any

from adapters.tradingview.quote_session import QuoteError, dispatch_qsd
from streamer.book import LiveBook


class _BookReader:
    def __init__(self, book: LiveBook) -> None:
        self.on_quote = book.on_quote
        self.refused: list[QuoteError] = []

    def on_quote_refused(self, name: str, reason: str) -> None:
        self.refused.append(QuoteError(name, reason))


def deliver(book: LiveBook, params: list[Any], received: float) -> QuoteError | None:
    """Dispatch one ``qsd`` into ``book``; the refusal it carried, if any."""
    reader = _BookReader(book)
    dispatch_qsd(params, received, reader.on_quote, reader.on_quote_refused)
    return reader.refused[0] if reader.refused else None
