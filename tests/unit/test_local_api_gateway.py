"""API Gateway's part without sockets: resources, API keys, handler failures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from local.api_gateway import LocalApiGateway
from local.proxy_event import HttpRequest


class Capture:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
        self.events.append(event)
        return {"statusCode": 204, "headers": {}, "body": ""}


def _get(target: str, *headers: tuple[str, str]) -> HttpRequest:
    return HttpRequest("GET", target, list(headers), b"", "127.0.0.1")


def test_a_literal_resource_wins_over_a_parameter() -> None:
    capture = Capture()
    gateway = LocalApiGateway(capture, routes=["/items/{item}", "/items/latest"])

    gateway.respond(_get("/items/latest"))
    gateway.respond(_get("/items/42"))
    gateway.respond(_get("/docs"))

    assert [(e["resource"], e["pathParameters"]) for e in capture.events] == [
        ("/items/latest", None),
        ("/items/{item}", {"item": "42"}),
        ("/{proxy+}", {"proxy": "docs"}),
    ]


def test_a_refused_key_never_reaches_the_handler() -> None:
    capture = Capture()
    gateway = LocalApiGateway(capture, api_key="right")

    refused = gateway.respond(_get("/items", ("X-Api-Key", "wrong")))
    accepted = gateway.respond(_get("/items", ("X-Api-Key", "right")))
    health = gateway.respond(_get("/health?deep=1"))

    assert (refused.status, accepted.status, health.status) == (403, 204, 204)
    assert len(capture.events) == 2


def test_the_gateway_echoes_the_callers_correlation_id_on_its_own_errors() -> None:
    gateway = LocalApiGateway(Capture(), api_key="right")

    refused = gateway.respond(_get("/items", ("X-Correlation-ID", "abc-1")))

    assert refused.header("X-Correlation-ID") == "abc-1"
    assert refused.header("Content-Type") == "application/json"


def test_head_invokes_the_handler_as_get() -> None:
    capture = Capture()
    gateway = LocalApiGateway(capture, routes=["/items/{item}"])

    answer = gateway.respond(HttpRequest("HEAD", "/items/7", [], b"", "127.0.0.1"))

    assert answer.status == 204
    event = capture.events[0]
    assert (event["httpMethod"], event["requestContext"]["httpMethod"]) == ("GET", "GET")
    assert event["pathParameters"] == {"item": "7"}
