"""The guardrails in front of TradingView, chosen from the settings: with ``PQ_REDIS_URL``
the breaker, the budget and the signed-in token live in Redis and every function,
container and the streamer share them; without, the breaker and the budget are the
process's and the token is in a file of the data dir (shared by the CLI and ``pocketquant
run``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from application.guardrails import CircuitBreaker, RequestBudget, TradingViewGuard
from domain.circuit_breaker import BreakerPolicy, BreakerState
from domain.request_budget import BucketState, BudgetPolicy

if TYPE_CHECKING:
    import redis

    from adapters.guardrails.token_store import TokenStore
    from config.settings import Settings

BREAKER_KEY = "pq:tradingview:breaker"
BUDGET_KEY = "pq:tradingview:budget"

_opened_listeners: list[Callable[[], None]] = []


def on_breaker_opened(listener: Callable[[], None]) -> None:
    """Call ``listener`` whenever this process sees the breaker open (to count a metric);
    registering it again changes nothing."""
    if listener not in _opened_listeners:
        _opened_listeners.append(listener)


def _report_opened() -> None:
    for listener in _opened_listeners:
        listener()


def breaker_policy(settings: Settings) -> BreakerPolicy:
    return BreakerPolicy(
        threshold=settings.tradingview_breaker_threshold,
        cooloff=settings.tradingview_breaker_cooloff,
        probe_timeout=settings.tradingview_breaker_probe_timeout,
    )


def budget_policy(settings: Settings) -> BudgetPolicy:
    return BudgetPolicy(
        per_minute=settings.tradingview_requests_per_minute,
        burst=float(settings.tradingview_request_burst),
    )


def tradingview_guard(settings: Settings, client: redis.Redis | None) -> TradingViewGuard:
    from adapters.guardrails import codecs
    from adapters.guardrails.shared_record import InProcessRecord, RedisRecord

    if client is not None:
        breaker = CircuitBreaker(
            RedisRecord[BreakerState](
                client, BREAKER_KEY, codecs.encode_breaker, codecs.decode_breaker
            ),
            breaker_policy(settings),
            backend="redis",
        )
        budget = RequestBudget(
            RedisRecord[BucketState](
                client, BUDGET_KEY, codecs.encode_bucket, codecs.decode_bucket, ttl_s=3600
            ),
            budget_policy(settings),
        )
    else:
        breaker = CircuitBreaker(
            InProcessRecord[BreakerState](), breaker_policy(settings), backend="in-process"
        )
        budget = RequestBudget(InProcessRecord[BucketState](), budget_policy(settings))
    breaker.on_open(_report_opened)
    return TradingViewGuard(breaker, budget)


def token_stores(settings: Settings, client: redis.Redis | None) -> Callable[[str], TokenStore]:
    """Makes the token store of an account: Redis, else a file of the data dir."""
    from adapters.guardrails.token_store import FileTokenStore, RedisTokenStore

    if client is not None:
        redis_client = client
        return lambda account: RedisTokenStore(redis_client, account)
    directory = settings.data_dir
    return lambda account: FileTokenStore(directory, account)
