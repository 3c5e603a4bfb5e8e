"""The correlation id: its header, and what a caller's id may look like to be kept.

Shared by the handlers and the local gateway (which answers some requests itself), so
both accept, replace and echo ids the same way. Imports nothing heavy.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

CORRELATION_HEADER = "X-Correlation-ID"
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._:/+=@-]{1,128}$")
"""What a caller's correlation id may look like; anything else is replaced, never logged."""


def well_formed(value: object) -> bool:
    return isinstance(value, str) and _WELL_FORMED.match(value) is not None


def from_headers(headers: Iterable[tuple[str, object]]) -> str | None:
    """The caller's ``X-Correlation-ID`` when it is well formed (the first one sent)."""
    for name, value in headers:
        if name.lower() == CORRELATION_HEADER.lower():
            return value if isinstance(value, str) and well_formed(value) else None
    return None


def choose(headers: Iterable[tuple[str, object]], fallback: str | None = None) -> str:
    """The caller's well-formed id, else ``fallback`` when well formed, else a fresh one."""
    found = from_headers(headers)
    if found is not None:
        return found
    if fallback is not None and well_formed(fallback):
        return fallback
    return str(uuid.uuid4())
