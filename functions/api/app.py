"""The one resolver of the api function; route modules register on it.

OpenAPI metadata lives here too, so the Swagger UI at ``/docs``, ``/openapi.json`` and the
committed ``openapi.json`` are one document. Powertools' OpenAPI models cost ~0.2 s to
import, so they are imported when the document is first built, never on a cold start.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from functions.api.resolver import ThreadSafeRestResolver

TITLE = "PocketQuant"
API_VERSION = "1.0.0"
DESCRIPTION = (
    "Market data from TradingView: sync OHLCV bars into the store and read them back.\n\n"
    'Every error answers `{"error": {"code", "message", "field"?, "correlation_id"}}`. '
    "Bodies are JSON: sent as `application/json`, or as `application/x-www-form-urlencoded` "
    "(`curl -d`'s default), `text/plain` or with no `Content-Type` when the body is JSON. "
    "Send `X-Correlation-ID` to choose the id that is echoed on the response and logged. "
    "POSTs accept an `Idempotency-Key`: the same key and body within 24 h replay the first "
    "response without doing the work again; the same key with another body is a 422."
)
SECURITY: list[dict[str, list[str]]] = [{"apiKey": []}]
"""Every route but /health (which monitors call without a key) declares this."""

MARKET_DATA_TAG = "market-data"
OPS_TAG = "operations"


NOT_AN_OBJECT = "the body must be a JSON object"


def _serialize(body: Any) -> str:
    return orjson.dumps(body).decode()


def _deserialize_object(text: str) -> dict[str, Any]:
    """Request bodies are JSON objects. (Powertools would take a list's first item.)"""
    found = orjson.loads(text)
    if not isinstance(found, dict):
        raise json.JSONDecodeError(NOT_AN_OBJECT, text, 0)
    return found


app = ThreadSafeRestResolver(
    enable_validation=True, serializer=_serialize, json_body_deserializer=_deserialize_object
)


def openapi_json() -> str:
    """The OpenAPI document of every route registered on ``app``, as JSON text."""
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn

    api_key = APIKey(name="x-api-key", in_=APIKeyIn.header, description="Required on AWS.")
    return app.get_openapi_json_schema(
        title=TITLE,
        version=API_VERSION,
        description=DESCRIPTION,
        security_schemes={"apiKey": api_key},
    )
