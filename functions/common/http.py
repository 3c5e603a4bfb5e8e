"""Small HTTP helpers shared by handlers: JSON responses from prebuilt bodies."""

from __future__ import annotations

from typing import Any

import orjson
from aws_lambda_powertools.event_handler import Response, content_types


def json_response(
    body: str | bytes | Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response[str]:
    """A JSON response; ``body`` already serialized (str/bytes) is sent as it is."""
    if isinstance(body, bytes):
        text = body.decode()
    elif isinstance(body, str):
        text = body
    else:
        text = orjson.dumps(body).decode()
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=text, headers=headers
    )
