"""The pure rules of the guardrails: the circuit breaker, the request budget, the sign-in
back-off."""

from __future__ import annotations

import pytest

from domain.circuit_breaker import (
    BreakerPhase,
    BreakerPolicy,
    BreakerState,
    admit,
    on_inconclusive,
    on_refusal,
    on_success,
)
from domain.request_budget import BudgetPolicy, available, take
from domain.signin import SignedInToken, SignInPolicy, after_failure, refresh_margin

POLICY = BreakerPolicy(threshold=3, cooloff=60.0, probe_timeout=10.0)


def _refused(times: int, at: float = 0.0, state: BreakerState | None = None) -> BreakerState:
    state = state or BreakerState()
    for _ in range(times):
        state = on_refusal(state, POLICY, at, "HTTP 429")
    return state


def test_refusals_below_the_threshold_let_everything_through() -> None:
    state = _refused(2)
    admission, _ = admit(state, POLICY, 1.0)
    assert admission.allowed and state.phase is BreakerPhase.CLOSED and state.refusals == 2


def test_a_success_clears_the_count() -> None:
    state = on_success(_refused(2), 1.0)
    assert _refused(2, state=state).phase is BreakerPhase.CLOSED


def test_the_threshold_opens_it_for_the_cooloff() -> None:
    state = _refused(3, at=100.0)
    assert state.phase is BreakerPhase.OPEN and state.since == 100.0
    assert state.reason == "HTTP 429" and state.reopen_at == 160.0
    admission, after = admit(state, POLICY, 130.0)
    assert not admission.allowed and admission.retry_after == 30.0 and after == state


def test_tradingviews_longer_backoff_holds_it_open_longer() -> None:
    state = _refused(2)
    state = on_refusal(state, POLICY, 0.0, "HTTP 429", source_retry_after=600.0)
    assert state.reopen_at == 600.0


def test_after_the_cooloff_exactly_one_probe_goes_through() -> None:
    state = _refused(3)
    first, state = admit(state, POLICY, 60.0)
    second, state = admit(state, POLICY, 61.0)
    assert first.allowed and first.probe
    assert not second.allowed and second.retry_after == pytest.approx(9.0)
    assert state.phase is BreakerPhase.HALF_OPEN


def test_a_probe_that_succeeds_closes_it() -> None:
    _, state = admit(_refused(3), POLICY, 60.0)
    state = on_success(state, 62.0)
    assert state.phase is BreakerPhase.CLOSED and state.refusals == 0 and state.since == 62.0
    assert admit(state, POLICY, 62.0)[0].allowed


def test_a_probe_that_is_refused_opens_it_again() -> None:
    _, state = admit(_refused(3), POLICY, 60.0)
    state = on_refusal(state, POLICY, 62.0, "bad auth token")
    assert state.phase is BreakerPhase.OPEN and state.reopen_at == 122.0
    assert state.reason == "bad auth token"


def test_a_probe_that_dies_or_times_out_frees_its_place() -> None:
    _, probing = admit(_refused(3), POLICY, 60.0)
    assert admit(on_inconclusive(probing), POLICY, 61.0)[0].probe
    late, _ = admit(probing, POLICY, 70.5)  # the first probe never reported back
    assert late.allowed and late.probe


def test_the_budget_allows_a_burst_then_its_rate() -> None:
    policy = BudgetPolicy(per_minute=6.0, burst=2.0)
    waits = []
    state = None
    for _ in range(3):
        wait, state = take(state, policy, 0.0)
        waits.append(wait)
    assert waits == [0.0, 0.0, pytest.approx(10.0)]
    wait, state = take(state, policy, 10.0)
    assert wait == 0.0
    assert available(state, policy, 10.0) == pytest.approx(0.0)
    assert available(state, policy, 1000.0) == 2.0


def test_a_refused_take_leaves_the_budget_as_it_was() -> None:
    policy = BudgetPolicy(per_minute=60.0, burst=1.0)
    _, state = take(None, policy, 0.0)
    for _ in range(5):
        wait, state = take(state, policy, 0.5)
        assert wait == pytest.approx(0.5)
    assert take(state, policy, 1.0)[0] == 0.0


def test_sign_in_failures_back_off_for_minutes_doubling_to_the_cap() -> None:
    policy = SignInPolicy(backoff=300.0, backoff_cap=1000.0)
    first = after_failure(None, policy, 0.0, "HTTP 429", kind="throttled")
    second = after_failure(first, policy, 300.0, "HTTP 429", kind="throttled")
    third = after_failure(second, policy, 900.0, "HTTP 429", kind="throttled")
    assert (first.until, second.until, third.until) == (300.0, 900.0, 1900.0)
    assert first.active(299.0) and not first.active(300.0)


def test_a_token_is_replaced_shortly_before_it_expires() -> None:
    token = SignedInToken("jwt", issued_at=0.0, expires_at=3600.0)
    margin = refresh_margin(3600.0)
    assert margin == 300.0
    assert token.usable(3299.0, margin) and not token.usable(3301.0, margin)
    assert token.valid(3599.0) and not token.valid(3600.0)
    assert "jwt" not in repr(token)
