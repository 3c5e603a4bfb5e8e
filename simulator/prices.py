"""A listing's price level at any moment, and the stable hashes that seed everything else.

The log-price is a sum of sines whose periods run from years down to minutes, with
amplitudes growing like the square root of the period (a Brownian-looking spectrum) and
phases drawn from the symbol's seed. It depends only on the symbol and the moment, so any
session's open and close can be had without walking the history before it.
"""

from __future__ import annotations

import math
import random

_MASK64 = (1 << 64) - 1
_YEAR = 365.25 * 86400
_PERIODS = (
    3.7 * _YEAR,
    0.83 * _YEAR,
    61 * 86400.0,
    9.3 * 86400.0,
    1.3 * 86400.0,
    4.6 * 3600.0,
    37 * 60.0,
)


def mix(*values: int) -> int:
    """A 64-bit hash of integers (splitmix64 steps): the same on every run and machine."""
    state = 0x9E3779B97F4A7C15
    for value in values:
        state = (state ^ (value & _MASK64)) * 0xBF58476D1CE4E5B9 & _MASK64
        state = (state ^ (state >> 31)) * 0x94D049BB133111EB & _MASK64
        state ^= state >> 29
    return state


def unit(hashed: int, lane: int = 0) -> float:
    """One of four independent uniforms in [0, 1) that a 64-bit hash holds (16 bits each)."""
    return ((hashed >> (16 * lane)) & 0xFFFF) / 65536.0


class PricePath:
    """The price level of one listing at epoch ``t``."""

    def __init__(self, seed: int, base_price: float, volatility: float) -> None:
        rng = random.Random(seed)
        self._log_base = math.log(base_price)
        self._w = [2 * math.pi / (p * rng.uniform(0.9, 1.1)) for p in _PERIODS]
        self._a = [0.5 * volatility * math.sqrt(min(p, _YEAR) / _YEAR) for p in _PERIODS]
        self._f = [rng.uniform(0, 2 * math.pi) for _ in _PERIODS]

    def __call__(self, t: float) -> float:
        sin = math.sin
        w0, w1, w2, w3, w4, w5, w6 = self._w
        a0, a1, a2, a3, a4, a5, a6 = self._a
        f0, f1, f2, f3, f4, f5, f6 = self._f
        return math.exp(
            self._log_base
            + a0 * sin(w0 * t + f0)
            + a1 * sin(w1 * t + f1)
            + a2 * sin(w2 * t + f2)
            + a3 * sin(w3 * t + f3)
            + a4 * sin(w4 * t + f4)
            + a5 * sin(w5 * t + f5)
            + a6 * sin(w6 * t + f6)
        )


def year_fraction(seconds: float) -> float:
    return seconds / _YEAR
