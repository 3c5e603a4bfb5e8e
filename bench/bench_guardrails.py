"""What the TradingView guardrails cost each request on Redis (loopback): the breaker's
admission, the budget's take and the outcome, as every sync and streamer connect pays them;
and the signed-in token's read, as every connection pays it."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.redis_server import private_redis
from bench.report import report

ROUNDS = 2000


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def _guard_round_trip_ms(redis_url: str) -> tuple[float, float]:
    import redis
    from pydantic import SecretStr

    from adapters.tradingview.auth import TradingViewAuth
    from config.settings import Settings
    from domain.signin import SignedInToken
    from wiring.guardrails import token_stores, tradingview_guard

    settings = Settings(
        _env_file=None,
        redis_url=SecretStr(redis_url),
        tradingview_requests_per_minute=1e9,
        tradingview_request_burst=10**9,
    )
    client = redis.Redis.from_url(redis_url)
    guard = tradingview_guard(settings, client)
    guarded: list[float] = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        await guard.enter()
        guard.leave(None)
        guarded.append(time.perf_counter() - started)

    auth = TradingViewAuth(
        username="quant", password="pw", store=token_stores(settings, client)("bench")
    )
    now = time.time()
    auth.store.write(SignedInToken("a.b.c", issued_at=now, expires_at=now + 3600))
    reads: list[float] = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        await auth.token()
        reads.append(time.perf_counter() - started)
    client.close()
    return _median_ms(guarded), _median_ms(reads)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory, private_redis(Path(directory)) as url:
        guard_ms, token_ms = asyncio.run(_guard_round_trip_ms(url))
    report("guardrails: breaker + budget + outcome per request, Redis, median", guard_ms, "ms", 2.0)
    report("guardrails: the shared signed-in token's read, Redis, median", token_ms, "ms", 1.0)


if __name__ == "__main__":
    main()
