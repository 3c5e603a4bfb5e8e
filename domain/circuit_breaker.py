"""The circuit breaker's rules: when refusals stop all traffic to TradingView, and how it
comes back.

Closed: everything goes through; each refusal (HTTP 429, ``protocol_error``, a rejected
token, a failed sign-in) counts, a success clears the count, and ``threshold`` refusals in a
row open it. Open: nothing goes through until ``reopen_at`` (the cool-off, or TradingView's
own back-off when it named a longer one). Then half-open: one caller takes the probe (for
at most ``probe_timeout`` seconds, so a caller that died does not hold it for ever); its
success closes the breaker, its refusal opens it again. The rules are pure: the state is
kept where every process sees it (Redis, or the process) and changed atomically there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class BreakerPhase(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    threshold: int = 3
    """Refusals in a row that open the breaker."""
    cooloff: float = 300.0
    """Seconds the breaker stays open before it lets a probe through."""
    probe_timeout: float = 60.0
    """Seconds a probe may take before another caller may probe instead."""


@dataclass(frozen=True, slots=True)
class BreakerState:
    phase: BreakerPhase = BreakerPhase.CLOSED
    since: float | None = None
    """When the breaker entered this phase (``None``: closed since it was first used)."""
    refusals: int = 0
    """Refusals in a row (closed), or since it opened."""
    reason: str | None = None
    """The latest refusal, as a person reads it."""
    reopen_at: float | None = None
    """Open: when a probe may go through."""
    probe_until: float | None = None
    """Half-open: the probe in flight holds the breaker until then."""


@dataclass(frozen=True, slots=True)
class Admission:
    allowed: bool
    retry_after: float = 0.0
    """Denied: seconds until a request may be let through again."""
    probe: bool = False
    """Allowed as the half-open probe."""


def admit(state: BreakerState, policy: BreakerPolicy, now: float) -> tuple[Admission, BreakerState]:
    """May a request go to TradingView now, and the state after asking."""
    if state.phase is BreakerPhase.CLOSED:
        return Admission(allowed=True), state
    if state.phase is BreakerPhase.OPEN:
        reopen_at = state.reopen_at if state.reopen_at is not None else now
        if now < reopen_at:
            return Admission(allowed=False, retry_after=reopen_at - now), state
        probing = replace(
            state, phase=BreakerPhase.HALF_OPEN, since=now, probe_until=now + policy.probe_timeout
        )
        return Admission(allowed=True, probe=True), probing
    probe_until = state.probe_until if state.probe_until is not None else now
    if now < probe_until:
        return Admission(allowed=False, retry_after=probe_until - now), state
    return Admission(allowed=True, probe=True), replace(
        state, probe_until=now + policy.probe_timeout
    )


def on_success(state: BreakerState, now: float) -> BreakerState:
    """TradingView accepted a request: the breaker closes (or stays closed), count cleared."""
    if state.phase is BreakerPhase.CLOSED:
        return state if state.refusals == 0 else replace(state, refusals=0)
    return BreakerState(phase=BreakerPhase.CLOSED, since=now, reason=state.reason)


def on_refusal(
    state: BreakerState,
    policy: BreakerPolicy,
    now: float,
    reason: str,
    source_retry_after: float | None = None,
) -> BreakerState:
    """TradingView refused a request. ``source_retry_after``: its own back-off, if named."""
    refusals = state.refusals + 1
    hold = max(policy.cooloff, source_retry_after or 0.0)
    if state.phase is BreakerPhase.CLOSED and refusals < policy.threshold:
        return replace(state, refusals=refusals, reason=reason)
    since = now if state.phase is not BreakerPhase.OPEN else state.since
    reopen_at = now + hold
    if state.phase is BreakerPhase.OPEN and state.reopen_at is not None:
        reopen_at = max(reopen_at, state.reopen_at)
    return BreakerState(
        phase=BreakerPhase.OPEN, since=since, refusals=refusals, reason=reason, reopen_at=reopen_at
    )


def on_inconclusive(state: BreakerState) -> BreakerState:
    """A request ended neither accepted nor refused (unreachable, timed out): a probe frees
    its place so the next caller may probe at once."""
    if state.phase is BreakerPhase.HALF_OPEN:
        return replace(state, probe_until=None)
    return state
