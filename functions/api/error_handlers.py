"""Every failure of a request becomes the one error body, here and nowhere else.

Registered on the resolver: domain errors (by ``STATUS_BY_ERROR``), the HTTP layer's own
refusals (``HttpError``: idempotency), request validation,
unknown routes (404) and known routes with another method (405), unsupported bodies, and
anything unexpected (500, logged with its stack trace, answered with a generic message).
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from domain.errors import DomainError, InvalidInput
from functions.api.app import NOT_AN_OBJECT, app
from functions.common.errors import HttpError, error_body, status_of
from functions.common.observability import logger

E = TypeVar("E", bound=Exception)
ErrorHandler = Callable[[E], Response[str]]


def handles(error: type[E]) -> Callable[[ErrorHandler[E]], ErrorHandler[E]]:
    """``app.exception_handler``, typed."""

    def register(handler: ErrorHandler[E]) -> ErrorHandler[E]:
        app.exception_handler(error)(handler)
        return handler

    return register


def error_response(
    status: HTTPStatus,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    return Response(
        status_code=status.value,
        content_type=content_types.APPLICATION_JSON,
        body=error_body(code, message, field),
        headers=headers,
    )


def _refusal(
    status: HTTPStatus, code: str, message: str, field: str | None = None
) -> Response[str]:
    """A refused request, logged (an error when it is ours to fix), with ``Retry-After``
    when trying again is the remedy."""
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.error("request failed", extra={"error_code": code, "reason": message})
    else:
        logger.info("request refused", extra={"error_code": code, "reason": message})
    headers = {"Retry-After": "1"} if status == HTTPStatus.SERVICE_UNAVAILABLE else None
    return error_response(status, code, message, field, headers)


@handles(DomainError)
def domain_error(error: DomainError) -> Response[str]:
    field = error.field if isinstance(error, InvalidInput) else None
    return _refusal(status_of(error), error.code, error.message, field)


@handles(HttpError)
def http_error(error: HttpError) -> Response[str]:
    return _refusal(error.status, error.code, error.message)


def _field_of(location: tuple[Any, ...]) -> str:
    """``("body", "symbols", 0, "symbol")`` → ``symbols[0].symbol``; ``("query", "limit")`` →
    ``limit``."""
    parts = (
        list(location[1:])
        if location and location[0] in {"body", "query", "path", "header"}
        else list(location)
    )
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or (str(location[0]) if location else "body")


@handles(RequestValidationError)
def invalid_request(error: RequestValidationError) -> Response[str]:
    problems: list[dict[str, Any]] = list(error.errors())
    first = problems[0] if problems else {"loc": ("body",), "msg": "invalid request", "type": ""}
    location = tuple(first.get("loc", ()))
    if first.get("type") == "json_invalid":
        context = first.get("ctx")
        reason = context.get("error") if isinstance(context, dict) else None
        message = NOT_AN_OBJECT if reason == NOT_AN_OBJECT else "the request body is not valid JSON"
        return error_response(HTTPStatus.BAD_REQUEST, "malformed_json", message, "body")
    if first.get("type") == "missing" and location == ("body",):
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "invalid_input",
            "a JSON request body is required",
            "body",
        )
    messages = [
        f"{_field_of(tuple(p.get('loc', ())))}: {p.get('msg', 'invalid')}" for p in problems
    ]
    return error_response(
        HTTPStatus.UNPROCESSABLE_ENTITY, "invalid_input", "; ".join(messages), _field_of(location)
    )


@handles(RequestUnsupportedContentType)
def unsupported_body(error: RequestUnsupportedContentType) -> Response[str]:
    return error_response(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "send the body as JSON (Content-Type: application/json)",
        "body",
    )


def _allowed_methods(path: str) -> list[str]:
    """Methods of the routes whose path matches ``path`` (for 405 and its Allow header)."""
    routes = [*app._static_routes, *app._dynamic_routes]  # Powertools keeps no public list
    return sorted({route.method for route in routes if route.rule.match(path)})


@handles(NotFoundError)
def no_route(error: NotFoundError) -> Response[str]:
    event = app.current_event
    allowed = _allowed_methods(event.path)
    if allowed:
        return error_response(
            HTTPStatus.METHOD_NOT_ALLOWED,
            "method_not_allowed",
            f"{event.http_method} is not allowed on {event.path}; use {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
    return error_response(
        HTTPStatus.NOT_FOUND,
        "not_found",
        f"no route {event.http_method} {event.path}; the routes are listed at /docs",
    )


@handles(Exception)
def unexpected(error: Exception) -> Response[str]:
    logger.exception("unexpected error")
    return error_response(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        "internal_error",
        "something went wrong on our side; quote the correlation id when reporting it",
    )
