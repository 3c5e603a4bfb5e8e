"""The local gateway's limits and timeouts: what a request may be, and how long it may take.

Read by the HTTP protocol (what h11 refuses while parsing), the ASGI adapter (what it
refuses once a request is parsed) and the server settings, so each number lives here once.
"""

from __future__ import annotations

MAX_BODY_BYTES = 10 * 1024 * 1024
"""API Gateway refuses payloads above 10 MB."""
MAX_TARGET_BYTES = 8 * 1024
"""The longest request target (path and query); API Gateway allows 8 KB of URL."""
MAX_HEAD_BYTES = 16 * 1024
"""The header lines of one request; a head still incomplete past this is a 414 (when the
request line is what is too long) or a 431."""
MAX_HEADERS = 100
"""The most header lines one request may carry (http.server's limit, and API Gateway's)."""

KEEP_ALIVE_TIMEOUT_S = 5
"""How long an idle keep-alive connection stays open after its last response."""
REQUEST_HEAD_TIMEOUT_S = 10.0
"""How long a connection may take to send a whole request line and headers."""
REQUEST_BODY_TIMEOUT_S = 30.0
"""How long a client may take to send a request body, once its headers arrived."""
DRAIN_TIMEOUT_S = 10
"""How long closing the gateway waits for the requests being answered."""

LISTEN_BACKLOG = 2048
"""Connections the kernel queues before they are accepted (uvicorn's default)."""
HANDLER_THREADS = 32
"""Threads running the synchronous api handler: a slow sync holds one, not the server."""
