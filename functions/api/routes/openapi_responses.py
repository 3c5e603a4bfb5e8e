"""The ``responses`` of a route in the OpenAPI document: its success model and its errors."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel

from functions.common.errors import ErrorBody

_ERROR_DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    403: "The x-api-key header is missing or wrong (on AWS, and locally when PQ_API_KEY is set).",
    404: "Not found (see error.code).",
    409: "A request with this Idempotency-Key is still running.",
    413: "The body is larger than the API accepts.",
    415: "The body is not JSON. A JSON body is read as JSON when sent as application/json, "
    "as application/x-www-form-urlencoded (curl -d) or text/plain, or with no Content-Type; "
    "other types (multipart/form-data, binary) are refused.",
    422: "A field breaks a rule (error.field names it), or the Idempotency-Key was used "
    "with another body.",
    429: "The deployment's TradingView request budget is spent; Retry-After says when the "
    "budget allows the request.",
    500: "Unexpected failure.",
    502: "TradingView refused the request (authentication, entitlement or bad data).",
    503: "A dependency (store, TradingView, queue, idempotency records) is unavailable, or "
    "TradingView requests are paused by the circuit breaker (error.code feed_paused); "
    "Retry-After says when to try again.",
}
COMMON_ERRORS = (403, 413, 422, 500)
"""What any route may answer: no API key, an oversized or invalid request, a failure of ours."""
STORE_ERRORS = (*COMMON_ERRORS, 503)
FEED_ERRORS = (400, 404, 409, 415, 429, 502, *STORE_ERRORS)


def responses(
    model: type[BaseModel],
    *,
    status: int = 200,
    description: str = "OK",
    errors: tuple[int, ...] = STORE_ERRORS,
) -> dict[int, Any]:
    documented: dict[int, Any] = {
        status: {"description": description, "content": {"application/json": {"model": model}}}
    }
    for code in sorted(set(errors)):
        documented[code] = {
            "description": _ERROR_DESCRIPTIONS.get(code, HTTPStatus(code).phrase),
            "content": {"application/json": {"model": ErrorBody}},
        }
    return documented
