"""The guardrails in front of TradingView: the circuit breaker and the request budget,
shared by every process of a deployment through a ``SharedRecord`` (Redis, or the process).

``TradingViewGuard.enter`` is asked before each request (a connection, a symbol resolve):
it raises ``FeedPaused`` while the breaker is open and ``RequestBudgetExhausted`` when the
budget is spent (after waiting up to ``budget_wait`` seconds for it, for callers that may
wait). ``leave`` tells the breaker how the request ended: a refusal (HTTP 429,
``protocol_error``, a rejected token, a failed sign-in) counts towards opening it, a
request TradingView accepted closes it, anything else (unreachable, a timeout) neither.
When the guard's own state cannot be read the request goes through and a warning says so:
a Redis outage must not stop every sync.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from domain import circuit_breaker as rules
from domain import request_budget
from domain.circuit_breaker import Admission, BreakerPhase, BreakerPolicy, BreakerState
from domain.errors import (
    AuthenticationRejected,
    DomainError,
    FeedPaused,
    FeedRefused,
    FeedUnavailable,
    RequestBudgetExhausted,
)
from domain.intervals import Interval
from domain.ports import History, MarketDataFeed, ProgressCallback
from domain.request_budget import BucketState, BudgetPolicy
from domain.symbols import Symbol

logger = logging.getLogger("pocketquant.guardrails")

T = TypeVar("T")
R = TypeVar("R")


class GuardStateUnavailable(DomainError):
    """The shared state of a guardrail cannot be read or written."""

    code = "guard_state_unavailable"


class SharedRecord(Protocol[T]):
    """One record every process of the deployment sees, changed atomically."""

    def read(self) -> T | None: ...

    def update(self, change: Callable[[T | None], tuple[R, T]]) -> R:
        """Apply ``change`` to the current record as one atomic step; its first result."""
        ...


def is_refusal(error: BaseException) -> bool:
    """TradingView refused on purpose (what opens the breaker)."""
    return isinstance(error, AuthenticationRejected | FeedRefused) and not isinstance(
        error, FeedPaused
    )


def _accepted(error: BaseException | None) -> bool:
    """TradingView answered: no error, or one about the request itself (an unknown
    symbol, a refused entitlement, a reply we could not use)."""
    return error is None or (
        isinstance(error, DomainError) and not isinstance(error, FeedUnavailable)
    )


@dataclass(frozen=True, slots=True)
class BreakerView:
    """What ``/health`` shows of the breaker."""

    state: str
    since: float | None
    reason: str | None
    refusals: int
    next_probe_at: float | None
    backend: str


class CircuitBreaker:
    def __init__(
        self,
        record: SharedRecord[BreakerState],
        policy: BreakerPolicy,
        *,
        backend: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._record = record
        self.policy = policy
        self.backend = backend
        self._clock = clock
        self.openings = 0
        """Times this process saw the breaker open (the streamer's metric counts them)."""
        self._open_listeners: list[Callable[[], None]] = []

    def on_open(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever a refusal seen here opens the breaker (a metric)."""
        self._open_listeners.append(listener)

    def admit(self) -> Admission:
        """Raises ``FeedPaused`` while open (or while another caller probes)."""
        now = self._clock()
        policy = self.policy

        def change(state: BreakerState | None) -> tuple[Admission, BreakerState]:
            return rules.admit(state or BreakerState(), policy, now)

        try:
            admission = self._record.update(change)
        except GuardStateUnavailable as error:
            logger.warning("circuit breaker state unavailable, letting through: %s", error)
            return Admission(allowed=True)
        if not admission.allowed:
            raise self._paused(admission.retry_after)
        if admission.probe:
            logger.info("circuit breaker half-open: letting one probe through to TradingView")
        return admission

    def would_admit(self) -> float:
        """0 when a request would be let through now, else seconds until one would
        (nothing changes: the scheduler asks before it enqueues)."""
        try:
            view = self.view()
        except GuardStateUnavailable as error:
            logger.warning("circuit breaker state unavailable, letting through: %s", error)
            return 0.0
        if view.state == BreakerPhase.CLOSED.value or view.next_probe_at is None:
            return 0.0
        return max(0.0, view.next_probe_at - self._clock())

    def _paused(self, retry_after: float) -> FeedPaused:
        view = self.view()
        reason = f" after {view.reason}" if view.reason else ""
        return FeedPaused(
            f"TradingView requests are paused by the circuit breaker{reason}; "
            f"next attempt in {math.ceil(retry_after)}s",
            retry_after=retry_after,
        )

    def leave(self, error: BaseException | None) -> None:
        """How a request that ``admit`` let through ended."""
        now = self._clock()
        policy = self.policy
        if error is not None and is_refusal(error):
            reason = error.message if isinstance(error, DomainError) else str(error)
            source_wait = getattr(error, "retry_after", None)

            def refuse(state: BreakerState | None) -> tuple[BreakerState, BreakerState]:
                after = rules.on_refusal(state or BreakerState(), policy, now, reason, source_wait)
                return after, after

            after = self._safely(refuse)
            if isinstance(error, DomainError) and error.retry_after is None:
                # TradingView named no back-off: the breaker's is the honest one.
                wait = after.reopen_at - now if after and after.reopen_at else policy.cooloff
                error.retry_after = max(wait, policy.cooloff)
            if after is not None and after.phase is BreakerPhase.OPEN and after.since == now:
                logger.error(
                    "circuit breaker open after %d refusals in a row: %s; pausing TradingView "
                    "requests for %.0fs",
                    after.refusals,
                    reason,
                    (after.reopen_at or now) - now,
                )
                self.openings += 1
                for listener in self._open_listeners:
                    listener()
            return
        if _accepted(error):

            def succeed(state: BreakerState | None) -> tuple[BreakerState, BreakerState]:
                before = state or BreakerState()
                after = rules.on_success(before, now)
                return before, after

            before = self._safely(succeed)
            if before is not None and before.phase is not BreakerPhase.CLOSED:
                logger.info("circuit breaker closed: TradingView accepted the probe")
            return

        def inconclusive(state: BreakerState | None) -> tuple[None, BreakerState]:
            return None, rules.on_inconclusive(state or BreakerState())

        self._safely(inconclusive)

    def _safely(self, change: Callable[[BreakerState | None], tuple[R, BreakerState]]) -> R | None:
        try:
            return self._record.update(change)
        except GuardStateUnavailable as error:
            logger.warning("circuit breaker state unavailable, outcome not recorded: %s", error)
            return None

    def view(self) -> BreakerView:
        """Raises ``GuardStateUnavailable`` when the state cannot be read."""
        state = self._record.read() or BreakerState()
        next_probe = state.reopen_at if state.phase is BreakerPhase.OPEN else state.probe_until
        return BreakerView(
            state=state.phase.value,
            since=state.since,
            reason=state.reason,
            refusals=state.refusals,
            next_probe_at=next_probe if state.phase is not BreakerPhase.CLOSED else None,
            backend=self.backend,
        )


class RequestBudget:
    def __init__(
        self,
        record: SharedRecord[BucketState],
        policy: BudgetPolicy,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._record = record
        self.policy = policy
        self._clock = clock

    def try_take(self) -> float:
        """Take one request: 0 when taken, else the seconds until one is there."""
        now = self._clock()
        policy = self.policy

        def change(state: BucketState | None) -> tuple[float, BucketState]:
            return request_budget.take(state, policy, now)

        try:
            return self._record.update(change)
        except GuardStateUnavailable as error:
            logger.warning("request budget state unavailable, letting through: %s", error)
            return 0.0

    async def take(self, max_wait: float) -> None:
        """Take one request, waiting up to ``max_wait`` seconds for it; else raise
        ``RequestBudgetExhausted`` naming how long until the budget allows one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while True:
            wait = self.try_take()
            if wait <= 0:
                return
            if loop.time() + wait > deadline:
                raise RequestBudgetExhausted(
                    f"the deployment's budget of {self.policy.per_minute:g} TradingView "
                    f"requests a minute is spent; try again in {math.ceil(wait)}s",
                    retry_after=wait,
                )
            await asyncio.sleep(wait)

    def available(self) -> float:
        """Requests the budget allows at once now (the whole burst when it cannot tell)."""
        try:
            state = self._record.read()
        except GuardStateUnavailable as error:
            logger.warning("request budget state unavailable: %s", error)
            return self.policy.burst
        return request_budget.available(state, self.policy, self._clock())


class TradingViewGuard:
    """The breaker and the budget, asked together before each request."""

    def __init__(self, breaker: CircuitBreaker, budget: RequestBudget) -> None:
        self.breaker = breaker
        self.budget = budget

    async def enter(self, budget_wait: float = 0.0) -> None:
        """Raises ``FeedPaused`` or ``RequestBudgetExhausted``; else the request may go."""
        admission = self.breaker.admit()
        try:
            await self.budget.take(budget_wait)
        except BaseException:
            if admission.probe:
                self.breaker.leave(FeedUnavailable("the probe waited for the budget"))
            raise

    def leave(self, error: BaseException | None) -> None:
        self.breaker.leave(error)


class GuardedFeed:
    """A ``MarketDataFeed`` whose every fetch goes through the guard.

    ``budget_wait``: how long a fetch may wait for the budget (0 for a sync a client waits
    on, which is answered 429 instead; longer for a queued one)."""

    def __init__(self, feed: MarketDataFeed, guard: TradingViewGuard, budget_wait: float = 0.0):
        self._feed = feed
        self.guard = guard
        self.budget_wait = budget_wait

    async def fetch_history(
        self,
        symbol: Symbol,
        interval: Interval,
        n_bars: int,
        *,
        since: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> History:
        await self.guard.enter(self.budget_wait)
        try:
            history = await self._feed.fetch_history(
                symbol, interval, n_bars, since=since, progress=progress
            )
        except BaseException as error:
            self.guard.leave(error)
            raise
        self.guard.leave(None)
        return history
