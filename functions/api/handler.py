"""The api Lambda: ``handler(event, context)`` for API Gateway REST proxy events.

Thin on purpose: the routes live in ``functions/api/routes/`` and register on the shared
resolver; errors become HTTP in ``functions/api/error_handlers.py``. What happens here
happens to every request: the correlation id (accepted or made, logged, echoed), the body
size limit, the latency metric, and Logger/Metrics/Tracer around it all.
"""

from __future__ import annotations

import time
from http import HTTPStatus
from typing import Any

from functions.api import error_handlers  # noqa: F401 - registers the error handlers
from functions.api.app import app
from functions.api.media_type import (
    accepts,
    body_text,
    content_type_of,
    declared_json,
    media_type,
)

# Importing a route module registers its routes.
from functions.api.routes import chart, docs, health, ohlcv, quotes, sync, tracked  # noqa: F401
from functions.common.correlation import CORRELATION_HEADER
from functions.common.errors import error_body
from functions.common.observability import (
    Handler,
    begin_request,
    configure_logging,
    correlation_id_of,
    count_breaker_openings,
    count_cache_errors,
    end_request,
    instrument,
    logger,
    record_latency,
)
from wiring.services import get_services

MAX_BODY_BYTES = 64 * 1024

count_cache_errors()
count_breaker_openings()


def _body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(body) * 3 // 4
    return len(body.encode()) if len(body) * 4 > MAX_BODY_BYTES else len(body)


def _error_result(status: HTTPStatus, code: str, message: str) -> dict[str, Any]:
    return {
        "statusCode": status.value,
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "body": error_body(code, message),
        "isBase64Encoded": False,
    }


def _with_header(result: dict[str, Any], name: str, value: str) -> dict[str, Any]:
    headers = result.setdefault("multiValueHeaders", {}) or {}
    headers[name] = [value]
    result["multiValueHeaders"] = headers
    if isinstance(result.get("headers"), dict):
        result["headers"][name] = value
    return result


def _precheck(event: dict[str, Any]) -> dict[str, Any] | None:
    """What API Gateway would let through but no route can use: too big, not JSON."""
    if _body_size(event) > MAX_BODY_BYTES:
        return _error_result(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            "payload_too_large",
            f"the request body is larger than {MAX_BODY_BYTES // 1024} KiB",
        )
    content_type = content_type_of(event)
    text = body_text(event)
    if event.get("body") and not accepts(content_type, text):
        return _error_result(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            f"the body is not JSON (it was sent as {media_type(content_type or '')}); send a "
            "JSON object, e.g. with Content-Type: application/json",
        )
    # A binary body (the gateway base64-encodes what is not UTF-8) cannot be JSON.
    if text is None:
        return _error_result(
            HTTPStatus.BAD_REQUEST, "malformed_json", "the request body is not UTF-8 JSON"
        )
    return None


def _respond(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        return _precheck(event) or app.resolve(declared_json(event), context)
    except Exception:  # the resolver's own handlers failed; still answer with the error body
        logger.exception("request could not be resolved")
        return _error_result(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side; quote the correlation id when reporting it",
        )


def _handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    correlation_id = correlation_id_of(event)
    token = begin_request(correlation_id)
    started = time.perf_counter()
    try:
        result = _respond(event, context)
        record_latency((time.perf_counter() - started) * 1000)
        return _with_header(result, CORRELATION_HEADER, correlation_id)
    finally:
        end_request(token)


_instrumented: Handler | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _instrumented  # noqa: PLW0603 - built on the first request of the container
    if _instrumented is None:
        configure_logging(get_services().settings.log_level)
        _instrumented = instrument(_handle)
    return _instrumented(event, context)
