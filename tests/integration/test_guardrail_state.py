"""The guardrails' shared state on a real Redis (and in the process): one breaker and one
budget for every container, changed atomically; the signed-in token shared with its lock."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis

from adapters.cache.redis_client import redis_client
from adapters.guardrails import codecs
from adapters.guardrails.shared_record import InProcessRecord, RedisRecord
from adapters.guardrails.token_store import FileTokenStore, RedisTokenStore, TokenStore
from adapters.tradingview.auth import TradingViewAuth
from application.guardrails import CircuitBreaker, RequestBudget
from config.settings import Settings
from domain.circuit_breaker import BreakerPolicy, BreakerState
from domain.errors import FeedPaused, FeedRefused
from domain.request_budget import BucketState, BudgetPolicy
from domain.signin import SignedInToken
from wiring.guardrails import tradingview_guard

POLICY = BreakerPolicy(threshold=2, cooloff=60.0, probe_timeout=30.0)


def _breaker(client: redis.Redis, clock: Callable[[], float]) -> CircuitBreaker:
    record = RedisRecord[BreakerState](
        client, "test:breaker", codecs.encode_breaker, codecs.decode_breaker
    )
    return CircuitBreaker(record, POLICY, backend="redis", clock=clock)


def test_two_containers_share_one_breaker(redis_url: str) -> None:
    now = [1000.0]
    one = _breaker(redis.Redis.from_url(redis_url), lambda: now[0])
    other = _breaker(redis.Redis.from_url(redis_url), lambda: now[0])

    one.admit()
    one.leave(FeedRefused("TradingView refused the websocket handshake with HTTP 429"))
    other.admit()
    other.leave(FeedRefused("TradingView protocol error: rate limit exceeded"))

    with pytest.raises(FeedPaused) as paused:
        one.admit()
    assert paused.value.retry_after == 60.0 and "rate limit exceeded" in paused.value.message
    view = other.view()
    assert (view.state, view.since, view.refusals) == ("open", 1000.0, 2)
    assert view.next_probe_at == 1060.0 and one.would_admit() == 60.0


def test_after_the_cooloff_one_container_of_many_probes(redis_url: str) -> None:
    now = [1000.0]
    breakers = [_breaker(redis.Redis.from_url(redis_url), lambda: now[0]) for _ in range(8)]
    for breaker in breakers[:2]:
        breaker.leave(FeedRefused("HTTP 429"))
    now[0] += 60.0

    def try_admit(breaker: CircuitBreaker) -> bool:
        try:
            breaker.admit()
        except FeedPaused:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        admitted = list(pool.map(try_admit, breakers))

    assert admitted.count(True) == 1
    winner = breakers[admitted.index(True)]
    winner.leave(None)
    assert breakers[0].view().state == "closed"
    assert all(try_admit(b) for b in breakers)


@pytest.mark.parametrize("where", ["redis", "in-process"])
def test_the_budget_never_gives_more_than_it_holds_under_contention(
    where: str, redis_url: str
) -> None:
    policy = BudgetPolicy(per_minute=0.001, burst=10.0)  # no refill during the test

    def budget() -> RequestBudget:
        if where == "redis":
            return RequestBudget(
                RedisRecord[BucketState](
                    redis.Redis.from_url(redis_url),
                    "test:budget",
                    codecs.encode_bucket,
                    codecs.decode_bucket,
                ),
                policy,
            )
        return RequestBudget(shared, policy)

    shared = InProcessRecord[BucketState]()
    budgets = [budget() for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda b: [b.try_take() for _ in range(5)], budgets))

    taken = [wait for per_thread in waits for wait in per_thread if wait == 0.0]
    assert len(taken) == 10


def test_a_redis_outage_lets_requests_through_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gone = redis_client("redis://127.0.0.1:1/0")  # the containers' client, nothing listening
    guard = tradingview_guard(Settings(_env_file=None), gone)

    asyncio.run(guard.enter())
    guard.leave(FeedRefused("HTTP 429"))

    assert "letting through" in caplog.text and "not recorded" in caplog.text


class CountingSignIn:
    """TradingView's sign-in, slow enough that callers overlap, counting each call."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.calls += 1
            number = self.calls
        await asyncio.sleep(0.2)  # a sign-in in flight while the others ask
        return httpx.Response(200, json={"user": {"auth_token": f"token-{number}"}})


def _auths(make_store: Callable[[str], TokenStore], signin: CountingSignIn, n: int) -> list[str]:
    def one(_: int) -> str:
        auth = TradingViewAuth(
            username="quant",
            password="pw",
            transport=httpx.MockTransport(signin.handle),
            store=make_store("acct"),
        )
        return asyncio.run(auth.token())

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_concurrent_callers_wait_for_one_sign_in_through_redis(redis_url: str) -> None:
    signin = CountingSignIn()
    tokens = _auths(lambda a: RedisTokenStore(redis.Redis.from_url(redis_url), a), signin, 12)
    assert signin.calls == 1 and set(tokens) == {"token-1"}


def test_concurrent_callers_wait_for_one_sign_in_through_the_data_dir(tmp_path: Path) -> None:
    signin = CountingSignIn()
    tokens = _auths(lambda a: FileTokenStore(tmp_path, a), signin, 12)
    assert signin.calls == 1 and set(tokens) == {"token-1"}
    (kept,) = tmp_path.glob("tradingview-*.json")
    assert kept.stat().st_mode & 0o777 == 0o600


def test_while_one_refreshes_the_others_keep_the_old_token(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    store = RedisTokenStore(client, "acct")
    now = 10_000.0
    # Inside its refresh margin: replaced, but still valid for a few minutes.
    store.write(SignedInToken("old", issued_at=now - 3500, expires_at=now + 100))
    signin = CountingSignIn()

    def one(_: int) -> str:
        auth = TradingViewAuth(
            username="quant",
            password="pw",
            transport=httpx.MockTransport(signin.handle),
            store=RedisTokenStore(redis.Redis.from_url(redis_url), "acct"),
            clock=lambda: now,
        )
        return asyncio.run(auth.token())

    with ThreadPoolExecutor(6) as pool:
        tokens = list(pool.map(one, range(6)))

    assert signin.calls == 1
    assert tokens.count("token-1") >= 1 and set(tokens) <= {"old", "token-1"}
    held = store.read()
    assert held is not None and held.token == "token-1"
    assert "token-1" not in repr(held)
