"""Calling the api handler the way API Gateway does, for the ``test_api_*`` suites.

``ApiClient`` turns a request into an API Gateway REST proxy event (the local gateway's own
builder, ``local.proxy_event``) and calls ``functions.api.handler.handler`` with a Lambda
context; ``installed_services`` points the handler at a services container for one test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from config.settings import Settings
from functions.api.handler import handler
from local.lambda_context import LocalLambdaContext
from local.proxy_event import HttpRequest, http_response, proxy_event
from wiring.services import Services, use_services

SIM_NOW = 1_710_532_800
"""2024-03-15 20:00 UTC, where the simulator's history ends."""


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> dict[str, Any]:
        """The ``error`` object of an error body (fails the test when there is none)."""
        found = self.json()
        assert isinstance(found, dict) and isinstance(found.get("error"), dict), found
        return found["error"]  # type: ignore[no-any-return]


class ApiClient:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def request(
        self,
        method: str,
        target: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        raw = body if body is not None else b""
        pairs = list((headers or {}).items())
        if json_body is not None:
            raw = json.dumps(json_body).encode()
            pairs.append(("Content-Type", "application/json"))
        event = proxy_event(HttpRequest(method, target, pairs, raw, "127.0.0.1"))
        self.events.append(event)
        result = handler(event, LocalLambdaContext("pocketquant-api"))
        response = http_response(result)
        return ApiResponse(
            status=response.status,
            headers={name.lower(): value for name, value in response.headers},
            body=response.body,
        )

    def get(self, target: str, **kwargs: Any) -> ApiResponse:
        return self.request("GET", target, **kwargs)

    def post(self, target: str, json_body: Any = None, **kwargs: Any) -> ApiResponse:
        return self.request("POST", target, json_body=json_body, **kwargs)


@contextmanager
def installed_services(settings: Settings) -> Iterator[Services]:
    """A fresh services container for ``settings``, used by the handler until the block ends."""
    services = Services(settings)
    previous = use_services(services)
    try:
        yield services
    finally:
        use_services(previous)
        services.close()
