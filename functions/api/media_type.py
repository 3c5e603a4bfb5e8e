"""Which request bodies the api reads as JSON, whatever their ``Content-Type`` says.

The API speaks JSON, but a JSON body often arrives under another name: ``curl -d`` sends
``application/x-www-form-urlencoded``, some clients send ``text/plain``, some send no type.
Under those names a body that is JSON (or starts like a JSON object or array, so a typo in
it is a 400 ``malformed_json``, not a 415) is read as JSON. Any other type (multipart form
data, binary, XML, …) and a real form body (``symbol=AAPL``) are refused with 415.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

JSON = "application/json"
READ_AS_JSON = frozenset({"application/x-www-form-urlencoded", "text/plain"})
"""Types whose body is read as JSON when it is JSON (curl's default, plain text)."""


def media_type(content_type: str) -> str:
    """``text/plain; charset=utf-8`` → ``text/plain``."""
    return content_type.split(";", 1)[0].strip().lower()


def is_json(content_type: str) -> bool:
    media = media_type(content_type)
    return media == JSON or media.endswith("+json")


def content_type_of(event: dict[str, Any]) -> str | None:
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == "content-type":
            return str(value)
    return None


def body_text(event: dict[str, Any]) -> str | None:
    """The body as text; ``None`` when it is base64 of something that is not UTF-8."""
    body = event.get("body") or ""
    if not event.get("isBase64Encoded") or not body:
        return str(body)
    try:
        return base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _reads_as_json(text: str) -> bool:
    if text.lstrip()[:1] in ("{", "["):
        return True
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def accepts(content_type: str | None, text: str | None) -> bool:
    """Whether a body ``text`` (``None``: not UTF-8) sent as ``content_type`` is read as JSON.

    Under no type or a JSON type it is, whatever it holds (a broken one is a 400).
    """
    if content_type is None or is_json(content_type):
        return True
    return media_type(content_type) in READ_AS_JSON and text is not None and _reads_as_json(text)


def declared_json(event: dict[str, Any]) -> dict[str, Any]:
    """``event``, its body (one ``accepts`` took) declared plain ``application/json``.

    The resolver parses a body by its declared type (a form body as form fields), so the
    event it sees must say JSON.
    """
    content_type = content_type_of(event)
    # Powertools reads JSON only under a type that starts with "application/json".
    if not event.get("body") or content_type is None or content_type.startswith(JSON):
        return event
    declared = dict(event)
    declared["headers"] = {
        name: (JSON if name.lower() == "content-type" else value)
        for name, value in (event.get("headers") or {}).items()
    }
    if event.get("multiValueHeaders"):
        declared["multiValueHeaders"] = {
            name: ([JSON] if name.lower() == "content-type" else values)
            for name, values in event["multiValueHeaders"].items()
        }
    return declared
