"""Secret values that must never be written out, and the one function that masks them.

Whatever reads or receives a secret registers it here (the composition root does for the
settings and the secrets it fetches: ``wiring.secrets``); the log formatter (and anything
else that writes text a person or a log store will see) passes its output through
``redact``.
"""

from __future__ import annotations

import json
import threading
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

MASK = "***"
MIN_SECRET_LENGTH = 4
"""Shorter values would mask ordinary words; such secrets are too weak to matter anyway."""

_lock = threading.Lock()
_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()


def register_secret(value: str | SecretStr | None) -> None:
    """Mask ``value`` (and its JSON-escaped and URL-decoded forms) from now on."""
    global _ordered  # noqa: PLW0603 - one registry per process
    if value is None:
        return
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    forms = {raw, unquote(raw), json.dumps(raw)[1:-1]}
    with _lock:
        _secrets.update(form for form in forms if len(form) >= MIN_SECRET_LENGTH)
        # Longest first, so a password inside a registered URI cannot leave the rest exposed.
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))


def register_url_secret(url: str | SecretStr | None) -> None:
    """Mask a connection URL and the password inside it."""
    if url is None:
        return
    raw = url.get_secret_value() if isinstance(url, SecretStr) else url
    register_secret(raw)
    try:
        password = urlsplit(raw).password
    except ValueError:
        password = None
    register_secret(password)


def redact(text: str) -> str:
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, MASK)
    return text
