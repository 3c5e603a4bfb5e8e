"""``GET /openapi.json`` and the Swagger UI at ``GET /docs``.

The UI is Powertools' own (``openapi.swagger_ui``: the page, script and style it ships),
served by this route rather than ``app.enable_swagger`` so that building it, and importing
the OpenAPI models, waits for the first visit instead of every cold start.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from aws_lambda_powertools.event_handler import Response, content_types

from functions.api.app import app, openapi_json
from functions.common.http import json_response


@cache
def _document() -> str:
    return openapi_json()


@cache
def _swagger_page() -> str:
    from aws_lambda_powertools.event_handler.openapi import swagger_ui
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

    assets = Path(swagger_ui.__file__).parent
    return generate_swagger_html(
        # Escaped so the document cannot close the <script> it is embedded in.
        _document().replace("</", "<\\/"),
        (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        "",
        None,
    )


@app.get("/openapi.json", include_in_schema=False)
def get_openapi_document() -> Response[str]:
    return json_response(_document())


@app.get("/docs", include_in_schema=False)
def get_swagger_ui() -> Response[str]:
    return Response(status_code=200, content_type=content_types.TEXT_HTML, body=_swagger_page())
