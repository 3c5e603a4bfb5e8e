"""Which answer the gateway gives bytes that h11 refused: never a 5xx for bad input."""

from __future__ import annotations

import h11

from local.http_limits import MAX_TARGET_BYTES
from local.http_protocol import refusal_for

TOO_LONG = h11.RemoteProtocolError("Receive buffer too long", error_status_hint=431)


def test_a_head_too_long_is_a_414_when_the_request_line_is_to_blame() -> None:
    unfinished_line = b"GET /" + b"a" * 20_000
    long_line = b"GET /" + b"a" * MAX_TARGET_BYTES + b" HTTP/1.1\r\nX-A: b"
    long_headers = b"GET / HTTP/1.1\r\nX-Big: " + b"v" * 20_000

    assert refusal_for(TOO_LONG, True, unfinished_line)[:2] == (414, "uri_too_long")
    assert refusal_for(TOO_LONG, True, long_line)[:2] == (414, "uri_too_long")
    assert refusal_for(TOO_LONG, True, long_headers)[:2] == (431, "headers_too_large")


def test_other_refusals_are_400s_naming_the_fault() -> None:
    unsupported = h11.RemoteProtocolError(
        "Only Transfer-Encoding: chunked is supported", error_status_hint=501
    )
    chunk_line_too_long = refusal_for(TOO_LONG, False, b"f" * 20_000)

    status, code, message = refusal_for(unsupported, True, b"")

    assert (status, code) == (400, "bad_request")
    assert "Transfer-Encoding" in message
    assert chunk_line_too_long[:2] == (400, "bad_request")
