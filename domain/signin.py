"""The rules of the deployment's one TradingView sign-in.

TradingView blocks an account for a day or more after a few sign-ins in a row, so a token
obtained by signing in is kept where every process finds it, with its expiry, and used
until shortly before it expires. A sign-in that fails, or a token TradingView rejects soon
after it was issued, starts a back-off of minutes (doubling with each failure up to a cap)
during which nobody signs in.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SignedInToken:
    token: str = field(repr=False)
    issued_at: float
    expires_at: float

    def usable(self, now: float, margin: float) -> bool:
        """Still valid ``margin`` seconds from now (refreshed before it runs out)."""
        return now + margin < self.expires_at

    def valid(self, now: float) -> bool:
        return now < self.expires_at


def refresh_margin(lifetime: float) -> float:
    """How early before its expiry a token is replaced: a tenth of its life, at most 5 min."""
    return min(300.0, max(0.0, lifetime) / 10.0)


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    backoff: float = 300.0
    """Seconds nobody signs in after the first failure."""
    backoff_cap: float = 3600.0
    """The longest back-off, however many failures in a row."""
    default_lifetime: float = 3600.0
    """A token's life when TradingView does not say (no ``exp`` claim)."""


@dataclass(frozen=True, slots=True)
class SignInBackoff:
    until: float
    failures: int
    reason: str
    kind: str
    """``refused`` (the credentials), ``throttled`` (HTTP 429 or 5xx) or ``unreachable``."""

    def active(self, now: float) -> bool:
        return now < self.until


def after_failure(
    previous: SignInBackoff | None,
    policy: SignInPolicy,
    now: float,
    reason: str,
    *,
    kind: str,
) -> SignInBackoff:
    """The back-off after one more failed sign-in."""
    failures = (previous.failures if previous is not None else 0) + 1
    hold = min(policy.backoff_cap, policy.backoff * 2 ** (failures - 1))
    return SignInBackoff(
        until=now + hold,
        failures=failures,
        reason=reason,
        kind=kind,
    )


def rejected_too_soon(token: SignedInToken, policy: SignInPolicy, now: float) -> bool:
    """TradingView rejected a token issued less than a back-off ago: signing in again at
    once would only burn another sign-in."""
    return now - token.issued_at < policy.backoff
