"""HTTP/1.1 by hand over a socket, for requests no client library would send."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any, BinaryIO

TIMEOUT_S = 10.0


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    """Lower-cased names; a repeated header keeps its last value."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def connect(address: tuple[str, int]) -> socket.socket:
    return socket.create_connection(address, timeout=TIMEOUT_S)


def read_response(reader: BinaryIO, *, head_only: bool = False) -> RawResponse:
    """One response off ``reader``, its body read by Content-Length (none if ``head_only``)."""
    status_line = reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection without an answer")
    version, status, _ = status_line.decode("latin-1").split(" ", 2)
    assert version == "HTTP/1.1", status_line
    headers: dict[str, str] = {}
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = 0 if head_only else int(headers.get("content-length", "0"))
    return RawResponse(int(status), headers, reader.read(length))


def exchange(address: tuple[str, int], data: bytes) -> RawResponse:
    """Send ``data`` as written on a new connection and read one response."""
    with connect(address) as sock:
        sock.sendall(data)
        return read_response(sock.makefile("rb"))


CLOSE_WAIT_S = 1.0
"""Well under the gateway's keep-alive timeout, which closes idle connections anyway."""


def is_closed(sock: socket.socket, reader: BinaryIO) -> bool:
    """Whether the server closed the connection after what was read so far."""
    sock.settimeout(CLOSE_WAIT_S)
    try:
        return reader.read(1) == b""
    except TimeoutError:
        return False
    finally:
        sock.settimeout(TIMEOUT_S)
