"""Exponential backoff with full jitter between reconnects.

The n-th consecutive failure waits a uniform random time in ``[0, min(cap, base * 2**n))``
("full jitter": many streamers restarted together do not reconnect in step). A connection
that stayed up for ``healthy_after`` seconds starts the sequence again from ``base``.
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    def __init__(
        self,
        base: float = 1.0,
        cap: float = 60.0,
        healthy_after: float = 30.0,
        *,
        rand: Callable[[float, float], float] = random.uniform,
    ) -> None:
        if base <= 0 or cap < base:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.healthy_after = healthy_after
        self._rand = rand
        self.failures = 0

    def ceiling(self) -> float:
        """The longest the next wait can be."""
        # min() before the power would overflow after ~1000 failures.
        return float(min(self.cap, self.base * 2 ** min(self.failures, 64)))

    def next_delay(self, lived: float = 0.0) -> float:
        """The wait before the next attempt, after a connection that lived ``lived`` seconds."""
        if lived >= self.healthy_after:
            self.failures = 0
        delay = self._rand(0.0, self.ceiling())
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0
