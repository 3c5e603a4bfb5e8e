"""The request budget's rule: a token bucket shared by every process that talks to
TradingView.

The bucket holds at most ``burst`` requests and refills at ``per_minute`` a minute. Taking
one either succeeds at once or says how many seconds until one is there; nothing is taken
then, so a caller that gives up leaves the budget as it was.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BudgetPolicy:
    per_minute: float = 60.0
    burst: float = 10.0

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst < 1:
            raise ValueError("a request budget needs per_minute > 0 and burst >= 1")


@dataclass(frozen=True, slots=True)
class BucketState:
    tokens: float
    updated_at: float


def take(state: BucketState | None, policy: BudgetPolicy, now: float) -> tuple[float, BucketState]:
    """``(0, state after taking one)``, or ``(seconds to wait, state)`` when the bucket is
    empty. A bucket never seen before is full."""
    rate = policy.per_minute / 60.0
    if state is None:
        tokens = policy.burst
    else:
        elapsed = max(0.0, now - state.updated_at)
        tokens = min(policy.burst, state.tokens + elapsed * rate)
    if tokens >= 1.0:
        return 0.0, BucketState(tokens=tokens - 1.0, updated_at=now)
    return (1.0 - tokens) / rate, BucketState(tokens=tokens, updated_at=now)


def available(state: BucketState | None, policy: BudgetPolicy, now: float) -> float:
    """Requests that could be made at once now."""
    if state is None:
        return policy.burst
    elapsed = max(0.0, now - state.updated_at)
    return min(policy.burst, state.tokens + elapsed * policy.per_minute / 60.0)
