"""API Gateway REST proxy events from HTTP requests, and HTTP responses from handler results.

The shapes are those of API Gateway's Lambda proxy integration (payload format 1.0), so the
handlers in ``functions/`` cannot tell the local gateway from API Gateway.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

PROXY_RESOURCE = "/{proxy+}"
"""The resource of a proxy integration: how the deployed API routes every path."""

STAGE = "local"

Event = dict[str, Any]


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request as the gateway received it. ``headers`` keep their order and repeats."""

    method: str
    target: str
    """The request target: path and query, e.g. ``/market-data/ohlcv/X/Y?limit=5``."""
    headers: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


@dataclass(frozen=True, slots=True)
class RouteTemplate:
    """A resource path such as ``/market-data/ohlcv/{exchange}/{symbol}``."""

    template: str
    pattern: re.Pattern[str]

    @classmethod
    def parse(cls, template: str) -> RouteTemplate:
        parts = re.split(r"(\{[^}]+\})", template)
        regex = "".join(_part_pattern(part) for part in parts)
        return cls(template=template, pattern=re.compile(f"^{regex}$"))

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.match(path)
        return found.groupdict() if found else None


def _part_pattern(part: str) -> str:
    """``{name}`` matches one segment, greedy ``{name+}`` the rest; text matches itself."""
    if part.endswith("+}"):
        return f"(?P<{part[1:-2]}>.+)"
    if part.startswith("{"):
        return f"(?P<{part[1:-1]}>[^/]+)"
    return re.escape(part)


def _grouped(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def _single(grouped: Mapping[str, list[str]]) -> dict[str, str] | None:
    # API Gateway keeps the last value of a repeated header or parameter in the single map.
    return {key: values[-1] for key, values in grouped.items()} or None


def _resource(path: str, routes: Sequence[RouteTemplate]) -> tuple[str, dict[str, str] | None]:
    for route in routes:
        parameters = route.match(path)
        if parameters is not None:
            return route.template, parameters or None
    if path == "/":
        return "/", None
    return PROXY_RESOURCE, {"proxy": path.lstrip("/")}


def _body(raw: bytes) -> tuple[str | None, bool]:
    if not raw:
        return None, False
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), True


def proxy_event(
    request: HttpRequest,
    *,
    routes: Sequence[RouteTemplate] = (),
    request_id: str | None = None,
    now: float | None = None,
) -> Event:
    """The API Gateway REST proxy event for ``request``.

    The resource is the first matching template of ``routes``; without one it is the proxy
    resource ``/{proxy+}``, which is how the deployed API routes every path.
    """
    split = urlsplit(request.target)
    path = unquote(split.path) or "/"
    headers = _grouped([(name, value) for name, value in request.headers])
    query = _grouped(parse_qsl(split.query, keep_blank_values=True))
    resource, path_parameters = _resource(path, routes)
    request_id = request_id or str(uuid.uuid4())
    epoch_ms = int((time.time() if now is None else now) * 1000)
    body, is_base64 = _body(request.body)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": request.method.upper(),
        "headers": _single(headers),
        "multiValueHeaders": headers or None,
        "queryStringParameters": _single(query),
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": request.method.upper(),
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTimeEpoch": epoch_ms,
            "protocol": "HTTP/1.1",
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("Host", headers.get("host", ["localhost"]))[-1],
            "identity": {"sourceIp": request.source_ip, "userAgent": _user_agent(headers)},
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _user_agent(headers: Mapping[str, list[str]]) -> str | None:
    for name, values in headers.items():
        if name.lower() == "user-agent":
            return values[-1]
    return None


def http_response(result: Mapping[str, Any]) -> HttpResponse:
    """The HTTP response a proxy integration makes of a handler's result."""
    status = int(result.get("statusCode", 200))
    headers: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, values in (result.get("multiValueHeaders") or {}).items():
        seen.add(name.lower())
        headers.extend((name, str(value)) for value in values)
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in seen:
            headers.append((name, str(value)))
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
    return HttpResponse(status=status, headers=headers, body=body)
