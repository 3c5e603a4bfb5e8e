"""One way to make a Redis client: short timeouts, one retry, health checks.

A cache must fail fast: when Redis is slow or gone, the caller reads the store instead of
waiting. The query cache, the idempotency records and the API's quote reads and control
signals share one such client per container.
"""

from __future__ import annotations

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

SOCKET_TIMEOUT_S = 0.25
HEALTH_CHECK_INTERVAL_S = 30
RETRIES = 1


def redis_client(url: str) -> redis.Redis:
    """A client for ``url``; it connects on first use, not here."""
    return redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=SOCKET_TIMEOUT_S,
        health_check_interval=HEALTH_CHECK_INTERVAL_S,
        retry=Retry(ExponentialBackoff(cap=0.05, base=0.01), RETRIES),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
    )
