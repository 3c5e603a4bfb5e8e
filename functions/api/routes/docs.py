"""``GET /openapi.json`` (the Swagger UI at ``/docs`` is Powertools' own route)."""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools.event_handler import Response

from functions.api.app import app, openapi_json
from functions.common.http import json_response


@cache
def _document() -> str:
    return openapi_json()


@app.get("/openapi.json", include_in_schema=False)
def get_openapi_document() -> Response[str]:
    return json_response(_document())
