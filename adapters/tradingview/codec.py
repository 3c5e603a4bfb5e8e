"""Framing of TradingView websocket messages.

Every payload travels as ``~m~<N>~m~<payload>`` where N counts UTF-16 code units (what
JavaScript's ``String.length`` returns), several frames may share one websocket message,
and a payload is a heartbeat ``~h~<k>``, the server hello (a JSON object without ``m``)
or a method message ``{"m": name, "p": [...]}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from domain.errors import FeedProtocolError

_MARK = "~m~"
_HEARTBEAT = "~h~"
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units: characters beyond the BMP count twice."""
    if text.isascii():
        return len(text)
    return len(text) + len(_ASTRAL.findall(text))


def frame(payload: str) -> str:
    """Wrap one payload in ``~m~N~m~`` framing."""
    return f"{_MARK}{utf16_length(payload)}{_MARK}{payload}"


def _take_units(message: str, start: int, units: int) -> int:
    """Index in ``message`` just after ``units`` UTF-16 code units from ``start``."""
    index = start
    remaining = units
    end = len(message)
    while remaining > 0 and index < end:
        remaining -= 2 if ord(message[index]) > 0xFFFF else 1
        index += 1
    if remaining != 0:
        raise FeedProtocolError("frame length runs past the end of the message")
    return index


def split_frames(message: str) -> list[str]:
    """The payloads of every frame in one websocket message, in order."""
    payloads: list[str] = []
    simple = message.isascii() or _ASTRAL.search(message) is None
    position = 0
    size = len(message)
    while position < size:
        if not message.startswith(_MARK, position):
            raise FeedProtocolError(f"expected '~m~' at offset {position}")
        digits_start = position + 3
        digits_end = message.find(_MARK, digits_start)
        digits = message[digits_start:digits_end] if digits_end > 0 else ""
        if not digits.isdigit():
            raise FeedProtocolError(f"bad frame length {digits!r} at offset {position}")
        start = digits_end + 3
        units = int(digits)
        if simple:
            end = start + units
            if end > size:
                raise FeedProtocolError("frame length runs past the end of the message")
        else:
            end = _take_units(message, start, units)
        payloads.append(message[start:end])
        position = end
    return payloads


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """``~h~<k>``; the client must send the identical payload back."""

    payload: str

    @property
    def number(self) -> int:
        return int(self.payload[3:])


@dataclass(frozen=True, slots=True)
class Hello:
    """The server's first payload: a JSON object without ``m``."""

    fields: dict[str, Any]


class Message(NamedTuple):
    """A method message. Unknown keys (``t``, ``t_ms``) are kept in ``raw`` and ignored.

    A named tuple, not a frozen dataclass: one is made per frame on the streamer's hot
    path, and a tuple is made in well under half the time.
    """

    method: str
    params: list[Any]
    raw: dict[str, Any]


Payload = Heartbeat | Hello | Message


def parse_payload(payload: str) -> Payload:
    if payload.startswith(_HEARTBEAT):
        return Heartbeat(payload)
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise FeedProtocolError(f"payload is not JSON: {payload[:80]!r}") from exc
    if not isinstance(data, dict):
        raise FeedProtocolError(f"payload is not a JSON object: {payload[:80]!r}")
    method = data.get("m")
    if method is None:
        return Hello(data)
    params = data.get("p")
    return Message(str(method), params if isinstance(params, list) else [], data)


def parse_message(message: str) -> list[Payload]:
    """Every payload of one websocket message, parsed."""
    return [parse_payload(p) for p in split_frames(message)]


def encode(method: str, params: list[Any], *, ascii_only: bool = True) -> str:
    """One framed method message, compact JSON as TradingView sends it."""
    payload = json.dumps({"m": method, "p": params}, separators=(",", ":"), ensure_ascii=ascii_only)
    return frame(payload)


def encode_heartbeat(heartbeat: Heartbeat) -> str:
    """The echo TradingView expects: the same payload, framed again."""
    return frame(heartbeat.payload)


def encode_json(value: dict[str, Any], *, ascii_only: bool = True) -> str:
    """A framed bare JSON object (the server hello)."""
    return frame(json.dumps(value, separators=(",", ":"), ensure_ascii=ascii_only))
