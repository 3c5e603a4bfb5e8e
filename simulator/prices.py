"""Deterministic synthetic prices and bars.

A listing's log-price is a sum of sines whose periods run from years down to minutes, with
amplitudes growing like the square root of the period (a Brownian-looking spectrum) and
phases drawn from the symbol's seed, plus a little hashed jitter per timestamp. The path
depends only on the symbol and the moment, so a daily bar opens at the price of the first
1-minute bar of its session and a quote at ``t`` matches the bar in progress at ``t``.
Highs, lows and volumes add hashed noise per (symbol, interval, bar time).
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable, Sequence

from domain.bar_time import Period
from domain.intervals import Interval
from simulator.catalogue import Listing

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
_JITTER = 0.0004
_MASK = 0xFFFF
_UNIT = 1.0 / 65536.0

Row = list[float]
"""``[time, open, high, low, close(, volume)]`` as TradingView sends in ``v``."""


def _make_path(listing: Listing) -> Callable[[float], float]:
    rng = random.Random(listing.seed)
    vol = listing.volatility
    w0, w1, w2, w3, w4, w5, w6 = (2 * math.pi / (p * rng.uniform(0.9, 1.1)) for p in _PERIODS)
    a0, a1, a2, a3, a4, a5, a6 = (0.5 * vol * math.sqrt(min(p, _YEAR) / _YEAR) for p in _PERIODS)
    f0, f1, f2, f3, f4, f5, f6 = (rng.uniform(0, 2 * math.pi) for _ in _PERIODS)
    log_base = math.log(listing.base_price)
    seed = listing.seed
    sin, exp = math.sin, math.exp

    def path(t: float) -> float:
        jitter = ((hash((seed, t)) & _MASK) * _UNIT - 0.5) * _JITTER
        return exp(
            log_base
            + jitter
            + a0 * sin(w0 * t + f0)
            + a1 * sin(w1 * t + f1)
            + a2 * sin(w2 * t + f2)
            + a3 * sin(w3 * t + f3)
            + a4 * sin(w4 * t + f4)
            + a5 * sin(w5 * t + f5)
            + a6 * sin(w6 * t + f6)
        )

    return path


class PriceModel:
    """Prices of one listing: the path, whole bars and session volumes."""

    def __init__(self, listing: Listing) -> None:
        self.listing = listing
        self.path = _make_path(listing)
        self._scale = float(listing.pricescale)
        self._range = listing.volatility / math.sqrt(_YEAR)
        session_seconds = sum(b - a for a, b in _reference_windows(listing))
        daily = listing.daily_volume
        self._volume_rate = (daily / session_seconds) if daily is not None else None

    def round_price(self, value: float) -> float:
        # Half up, like the bars (round() would round halves to even and disagree).
        scale = self._scale
        return math.floor(value * scale + 0.5) / scale

    def price(self, t: float) -> float:
        return self.round_price(self.path(t))

    def bars(self, periods: Sequence[Period], interval: Interval, now: int) -> list[Row]:
        """One row per period, oldest first; the period holding ``now`` ends at ``now``."""
        listing = self.listing
        path = self.path
        scale = self._scale
        spread = self._range * 1.6
        rate = self._volume_rate
        vscale = 10.0**listing.volume_decimals
        salt = _salt(listing, interval)
        sqrt = math.sqrt
        reaches: dict[int, float] = {}
        rows: list[Row] = []
        append = rows.append
        previous_close_time = -1
        previous_close = 0.0
        for opens, closes in periods:
            ends = closes if closes < now else now
            if ends <= opens:
                ends = opens + 1
            o = previous_close if opens == previous_close_time else path(opens)
            c = path(ends)
            previous_close_time, previous_close = ends, c
            h_ = hash((salt, opens))
            span = ends - opens
            reach = reaches.get(span)
            if reach is None:
                reach = reaches[span] = spread * sqrt(span)
            high = (o if o > c else c) * (1.0 + reach * ((h_ & _MASK) * _UNIT))
            low = (c if o > c else o) * (1.0 - reach * (((h_ >> 16) & _MASK) * _UNIT))
            # int(x + 0.5) rounds these positive prices like round() but faster; both monotonic.
            row = [
                float(opens),
                int(o * scale + 0.5) / scale,
                int(high * scale + 0.5) / scale,
                int(low * scale + 0.5) / scale,
                int(c * scale + 0.5) / scale,
            ]
            if rate is not None:
                noise = 0.4 + 1.2 * (((h_ >> 32) & _MASK) * _UNIT)
                volume = rate * (closes - opens) * noise
                if ends < closes:
                    volume *= _shape((ends - opens) / (closes - opens))
                row.append(int(volume * vscale + 0.5) / vscale)
            append(row)
        return rows

    def session_volume(self, opens: int, closes: int, t: float) -> float:
        """Cumulative volume of the session ``[opens, closes)`` at ``t``; grows with ``t``.

        The rate follows a U shape (busy at the open and close), so it is not linear.
        """
        rate = self._volume_rate
        if rate is None:
            return 0.0
        length = closes - opens
        x = min(max((t - opens) / length, 0.0), 1.0)
        # The same noise as the daily bar of this session, so the totals agree.
        noise = 0.4 + 1.2 * (
            ((hash((_salt(self.listing, Interval.D1), opens)) >> 32) & _MASK) * _UNIT
        )
        return round(rate * length * noise * _shape(x), self.listing.volume_decimals)


def _shape(x: float) -> float:
    """Share of a session's volume traded by fraction ``x`` of it: U-shaped intraday rate."""
    return x + 0.5 * math.sin(2 * math.pi * x) / (2 * math.pi)


def _salt(listing: Listing, interval: Interval) -> int:
    return zlib.crc32(f"{listing.key}|{interval.value}".encode())


def _reference_windows(listing: Listing) -> list[Period]:
    """The session windows of a plain Wednesday, to size the volume rate."""
    from datetime import date

    session = listing.trading_session
    for day in (date(2024, 3, 13), date(2024, 3, 20), date(2024, 3, 27)):
        windows = session.windows(day)
        if windows:
            return windows
    return [(0, 86400)]
