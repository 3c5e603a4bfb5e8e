"""Errors a caller can act on. Adapters translate their failures into these."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error PocketQuant raises on purpose.

    ``code`` is machine-readable and stable; the message is for a person.
    """

    code = "domain_error"
    retry_after: float | None = None
    """Seconds after which trying again may succeed, when the error knows."""

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


class FeedRefused(FeedUnavailable):
    """The source refused us on purpose: HTTP 429 at the handshake, a ``protocol_error``
    (how TradingView reports rate limits and bans). ``retry_after`` is the source's own
    back-off in seconds when it named one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FeedPaused(FeedUnavailable):
    """The circuit breaker is open: nothing is sent to the source until ``retry_after``
    seconds have passed (then one probe is let through)."""

    code = "feed_paused"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RequestBudgetExhausted(DomainError):
    """The deployment's requests per minute to the source are spent; ``retry_after``
    seconds until the budget allows one more."""

    code = "request_budget_exhausted"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
