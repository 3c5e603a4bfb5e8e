"""Errors as HTTP: the one error body, the status of every domain error, and the errors
that belong to HTTP alone (``HttpError``: the idempotency of POSTs).

Every 4xx and 5xx answer has the body ``{"error": {"code", "message", "field"?,
"correlation_id"}}``: ``code`` is stable and machine-readable, ``message`` says what to do.
"""

from __future__ import annotations

from http import HTTPStatus

import orjson
from pydantic import BaseModel, ConfigDict, Field

from application.background import QueueUnavailable
from application.quote_ports import QuoteStateUnavailable
from application.quotes import QuoteNotFound
from application.sync import SyncDeadlineExceeded
from domain.errors import (
    AuthenticationRejected,
    DomainError,
    EventsUnavailable,
    FeedProtocolError,
    FeedUnavailable,
    InvalidBar,
    InvalidInput,
    NotEntitled,
    RequestBudgetExhausted,
    SeriesNotTracked,
    StoreUnavailable,
    SymbolNotFound,
)
from functions.common.observability import current_correlation_id


class HttpError(Exception):
    """A refusal of the HTTP layer itself, not of a use case: its status and code."""

    status: HTTPStatus = HTTPStatus.INTERNAL_SERVER_ERROR
    code = "http_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IdempotencyKeyReused(HttpError):
    """The Idempotency-Key was used before with another body."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "idempotency_key_reused"


class IdempotencyInProgress(HttpError):
    """A request with this Idempotency-Key is still being answered."""

    status = HTTPStatus.CONFLICT
    code = "idempotency_in_progress"


class IdempotencyUnavailable(HttpError):
    """The idempotency records cannot be read or written, so the work cannot run once-only."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "idempotency_unavailable"


class ErrorDetail(BaseModel):
    model_config = ConfigDict(defer_build=True)  # documentation only; built when asked
    code: str = Field(
        description="Stable, machine-readable error code.", examples=["invalid_input"]
    )
    message: str = Field(description="What went wrong and what to do about it.")
    field: str | None = Field(
        None,
        description="The request field at fault, for input errors.",
        examples=["limit"],
        exclude_if=lambda value: value is None,  # absent, not null, as error_detail writes it
    )
    correlation_id: str | None = Field(
        None,
        description="Quote it when asking about this request: the X-Correlation-ID sent, when "
        "well formed, else an id of the request. Errors API Gateway answers itself on AWS (a "
        "missing API key, throttling) carry its request id.",
    )


class ErrorBody(BaseModel):
    model_config = ConfigDict(defer_build=True)
    error: ErrorDetail


STATUS_BY_ERROR: dict[type[DomainError], HTTPStatus] = {
    InvalidInput: HTTPStatus.UNPROCESSABLE_ENTITY,
    SymbolNotFound: HTTPStatus.NOT_FOUND,
    SeriesNotTracked: HTTPStatus.NOT_FOUND,
    QuoteNotFound: HTTPStatus.NOT_FOUND,
    AuthenticationRejected: HTTPStatus.BAD_GATEWAY,
    NotEntitled: HTTPStatus.BAD_GATEWAY,
    FeedProtocolError: HTTPStatus.BAD_GATEWAY,
    InvalidBar: HTTPStatus.BAD_GATEWAY,  # the feed sent bars that break the rules
    FeedUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,  # FeedRefused, FeedPaused too
    RequestBudgetExhausted: HTTPStatus.TOO_MANY_REQUESTS,
    StoreUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
    QueueUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
    SyncDeadlineExceeded: HTTPStatus.SERVICE_UNAVAILABLE,  # nothing stored; queue it instead
    EventsUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,  # the bars are stored; a retry is safe
    QuoteStateUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
}
"""Subclasses map through their nearest listed base; anything unlisted is a 500."""


def status_of(error: DomainError) -> HTTPStatus:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return HTTPStatus.INTERNAL_SERVER_ERROR


def error_detail(code: str, message: str, field: str | None = None) -> dict[str, str]:
    """The ``error`` object, stamped with the current correlation id."""
    detail = {"code": code, "message": message}
    if field is not None:
        detail["field"] = field
    detail["correlation_id"] = current_correlation_id()
    return detail


def error_body(code: str, message: str, field: str | None = None) -> str:
    """The serialized error body."""
    return orjson.dumps({"error": error_detail(code, message, field)}).decode()
