"""Domain errors, the HTTP layer's own refusals and validation failures as HTTP: the status
of each, and the one body."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest

from application.background import QueueUnavailable
from application.quote_ports import QuoteStateUnavailable
from application.quotes import QuoteNotFound
from domain.errors import (
    AuthenticationRejected,
    DomainError,
    FeedProtocolError,
    FeedUnavailable,
    InvalidBar,
    InvalidInput,
    NotEntitled,
    SeriesNotTracked,
    StoreUnavailable,
    SymbolNotFound,
)
from functions.api.error_handlers import _field_of
from functions.common.errors import (
    HttpError,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    IdempotencyUnavailable,
    error_body,
    status_of,
)
from functions.common.observability import begin_request, end_request


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput("limit", "too big"), 422),
        (SymbolNotFound("NASDAQ:NOPE"), 404),
        (SeriesNotTracked("NASDAQ:AAPL@1d is not tracked"), 404),
        (AuthenticationRejected("bad token"), 502),
        (NotEntitled("no realtime data"), 502),
        (FeedProtocolError("garbled"), 502),
        (InvalidBar("low above open"), 502),
        (FeedUnavailable("timeout"), 503),
        (StoreUnavailable("disk full"), 503),
        (QueueUnavailable("no queue"), 503),
        (QuoteNotFound("no quote"), 404),
        (QuoteStateUnavailable("redis down"), 503),
    ],
)
def test_each_domain_error_has_its_status(error: DomainError, status: int) -> None:
    assert status_of(error) == status


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (IdempotencyKeyReused("other body"), 422),
        (IdempotencyInProgress("running"), 409),
        (IdempotencyUnavailable("redis down"), 503),
    ],
)
def test_idempotency_refusals_are_http_errors_with_their_status(
    error: HttpError, status: int
) -> None:
    assert error.status == status
    assert not isinstance(error, DomainError)


def test_a_subclass_takes_the_status_of_its_nearest_listed_base() -> None:
    class DelistedSymbol(SymbolNotFound):
        code = "delisted"

    assert status_of(DelistedSymbol("NASDAQ:OLD")) == HTTPStatus.NOT_FOUND


def test_an_unlisted_domain_error_is_a_500() -> None:
    class Surprise(DomainError):
        code = "surprise"

    assert status_of(Surprise("?")) == HTTPStatus.INTERNAL_SERVER_ERROR


@pytest.mark.parametrize(
    ("location", "field"),
    [
        (("body", "symbols", 0, "symbol"), "symbols[0].symbol"),
        (("query", "limit"), "limit"),
        (("path", "exchange"), "exchange"),
        (("header", "Idempotency-Key"), "Idempotency-Key"),
        (("body",), "body"),
    ],
)
def test_validation_locations_name_the_field_as_a_client_wrote_it(
    location: tuple[object, ...], field: str
) -> None:
    assert _field_of(location) == field


def test_the_error_body_carries_code_message_field_and_correlation_id() -> None:
    token = begin_request("corr-1")
    try:
        body = json.loads(error_body("invalid_input", "limit: too big", "limit"))
        bare = json.loads(error_body("not_found", "no route"))
    finally:
        end_request(token)
    assert body == {
        "error": {
            "code": "invalid_input",
            "message": "limit: too big",
            "field": "limit",
            "correlation_id": "corr-1",
        }
    }
    assert "field" not in bare["error"]
