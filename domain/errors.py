"""Errors a caller can act on. Adapters translate their failures into these."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error PocketQuant raises on purpose.

    ``code`` is machine-readable and stable; the message is for a person.
    """

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value supplied by a caller breaks a rule; ``field`` names it."""

    code = "invalid_input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class InvalidBar(DomainError):
    """A bar or a bar series breaks an invariant (OHLC, alignment, duplicates)."""

    code = "invalid_bar"


class SymbolNotFound(DomainError):
    """The market-data source does not know the symbol."""

    code = "symbol_not_found"

    def __init__(self, symbol: str, reason: str = "unknown symbol") -> None:
        super().__init__(f"{symbol}: {reason}")
        self.symbol = symbol
        self.reason = reason


class SeriesNotTracked(DomainError):
    """Nothing has been synced for this symbol and interval yet."""

    code = "series_not_tracked"


class NotEntitled(DomainError):
    """The source refuses this data to the current account (plan, permission, interval)."""

    code = "not_entitled"


class AuthenticationRejected(DomainError):
    """The source rejected the credentials or token."""

    code = "authentication_rejected"


class FeedUnavailable(DomainError):
    """The source could not be reached, dropped the connection or did not answer in time."""

    code = "feed_unavailable"


class FeedProtocolError(DomainError):
    """The source answered with something this client cannot use."""

    code = "feed_protocol_error"


class StoreUnavailable(DomainError):
    """The bar store could not be reached or refused the operation."""

    code = "store_unavailable"


class EventsUnavailable(DomainError):
    """The event bus refused or could not take some events after retries."""

    code = "events_unavailable"
