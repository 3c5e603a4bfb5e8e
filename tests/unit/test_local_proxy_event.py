"""The local gateway's proxy events have API Gateway's REST proxy shape."""

from __future__ import annotations

import base64

from local.proxy_event import (
    PROXY_RESOURCE,
    HttpRequest,
    RouteTemplate,
    http_response,
    proxy_event,
)


def _request(target: str, body: bytes = b"", method: str = "GET") -> HttpRequest:
    return HttpRequest(
        method=method,
        target=target,
        headers=[("Host", "127.0.0.1:8765"), ("Accept", "a"), ("Accept", "b")],
        body=body,
        source_ip="127.0.0.1",
    )


def test_the_event_carries_path_query_headers_and_request_context() -> None:
    event = proxy_event(
        _request("/market-data/ohlcv/NASDAQ/AAPL?interval=1d&tag=x&tag=y&empty="),
        request_id="req-1",
        now=1_700_000_000.5,
    )

    assert event["httpMethod"] == "GET"
    assert event["path"] == "/market-data/ohlcv/NASDAQ/AAPL"
    assert event["resource"] == PROXY_RESOURCE
    assert event["pathParameters"] == {"proxy": "market-data/ohlcv/NASDAQ/AAPL"}
    assert event["queryStringParameters"] == {"interval": "1d", "tag": "y", "empty": ""}
    assert event["multiValueQueryStringParameters"]["tag"] == ["x", "y"]
    assert event["headers"]["Accept"] == "b"
    assert event["multiValueHeaders"]["Accept"] == ["a", "b"]
    context = event["requestContext"]
    assert context["requestId"] == "req-1"
    assert context["stage"] == "local"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["requestTimeEpoch"] == 1_700_000_000_500
    assert event["body"] is None
    assert event["isBase64Encoded"] is False


def test_a_matching_route_template_gives_resource_and_path_parameters() -> None:
    routes = [
        RouteTemplate.parse("/market-data/sync-status"),
        RouteTemplate.parse("/market-data/ohlcv/{exchange}/{symbol}"),
    ]
    event = proxy_event(_request("/market-data/ohlcv/NQ%21/BRK.B"), routes=routes)

    assert event["resource"] == "/market-data/ohlcv/{exchange}/{symbol}"
    assert event["pathParameters"] == {"exchange": "NQ!", "symbol": "BRK.B"}


def test_a_query_less_request_has_null_parameter_maps() -> None:
    event = proxy_event(_request("/health"))

    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


def test_utf8_bodies_pass_as_text_and_others_as_base64() -> None:
    text = proxy_event(_request("/x", '{"symbol": "ÄPL"}'.encode(), "POST"))
    binary = proxy_event(_request("/x", b"\xff\xfe\x00", "POST"))

    assert text["body"] == '{"symbol": "ÄPL"}'
    assert text["isBase64Encoded"] is False
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == b"\xff\xfe\x00"


def test_the_response_merges_headers_and_decodes_base64_bodies() -> None:
    response = http_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-Single": "1"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-Single": ["2"]},
            "body": base64.b64encode(b"\x00\x01").decode(),
            "isBase64Encoded": True,
        }
    )

    assert response.status == 201
    assert ("Set-Cookie", "a=1") in response.headers
    assert ("Set-Cookie", "b=2") in response.headers
    assert [v for k, v in response.headers if k == "X-Single"] == ["2"]
    assert response.header("content-type") == "application/json"
    assert response.body == b"\x00\x01"


def test_a_greedy_template_takes_the_rest_of_the_path() -> None:
    route = RouteTemplate.parse("/files/{proxy+}")

    assert route.match("/files/a/b.txt") == {"proxy": "a/b.txt"}
    assert route.match("/other") is None
