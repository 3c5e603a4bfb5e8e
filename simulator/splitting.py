"""Dividing a bar among its parts so that the parts aggregate back to exactly that bar.

The simulator's data are built top down: a session's bar first, then its 15-minute blocks,
their minutes, and the trades of each minute. Each step takes a parent's open, high, low,
close and volume (integer ticks and volume steps) and draws parts whose aggregate is exactly
the parent: the first part opens at the parent's open, the last closes at its close, the
highest high is its high, the lowest low its low, and the volumes add up to its volume. So
old history needs no trades at all, while the trades of any minute, drawn on demand,
aggregate to that minute's bar.

How: a random walk bridged from the open to the close gives the parts' opens and closes
(each part opens where the one before closed), with wicks around them; a monotone map then
stretches what lies above the parent's body to its high and what lies below to its low,
which keeps every part's own ordering (low ≤ open, close ≤ high) and the body untouched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from random import Random

from simulator.trades import Agg

MAX_EXTRA_PRICES = 2
"""A minute's high and low may each need a trade of their own besides the open and close."""


def split_volume(total: int, count: int, rng: Random, reserve: Sequence[int]) -> list[int]:
    """``count`` volumes adding up to ``total``, each at least its ``reserve``, the rest drawn
    at random (in integer steps, so nothing is lost to rounding)."""
    rest = total - sum(reserve)
    if rest < 0:
        raise ValueError(f"a volume of {total} cannot cover the reserve {sum(reserve)}")
    weights = [1 + int(rng.random() * 1024) for _ in range(count)]
    whole = sum(weights)
    shares = [reserve[i] + rest * weights[i] // whole for i in range(count)]
    leftover = total - sum(shares)
    for i in rng.sample(range(count), leftover):
        shares[i] += 1
    return shares


class _Fit:
    """The monotone map that takes the parts' extremes to the parent's high and low."""

    __slots__ = ("bottom", "down", "top", "up")

    def __init__(self, body: tuple[int, int], extremes: tuple[float, float], bar: Agg) -> None:
        self.bottom, self.top = bottom, top = body
        trough, peak = extremes
        self.up = (bar.high - top) / (peak - top) if peak > top else 0.0
        self.down = (bottom - bar.low) / (bottom - trough) if trough < bottom else 0.0

    def __call__(self, value: float) -> int:
        if value > self.top:
            value = self.top + (value - self.top) * self.up
        elif value < self.bottom:
            value = self.bottom - (self.bottom - value) * self.down
        return int(value + 0.5)


def _bridge(start: int, end: int, count: int, scale: float, rng: Random) -> list[float]:
    """``count + 1`` points of a random walk from ``start`` to ``end`` (exactly both)."""
    rand = rng.random
    walk = [0.0]
    total = 0.0
    for _ in range(count):
        total += (rand() - 0.5) * scale * 3.4  # about ``scale`` per step
        walk.append(total)
    drift = (end - start - total) / count
    points = [start + w + drift * i for i, w in enumerate(walk)]
    points[0], points[count] = float(start), float(end)
    return points


def split_bar(parent: Agg, count: int, rng: Random, reserve: Sequence[int] | None) -> list[Agg]:
    """``count`` consecutive parts of ``parent``; ``reserve`` is each part's least volume
    (``None`` when the symbol has no volume: every part's volume is 0)."""
    if count == 1:
        return [parent]
    o, h, l, c, v = parent  # noqa: E741 - the usual names of a bar's figures
    scale = max(h - l, 1) * 0.5 / math.sqrt(count)
    rand = rng.random
    points = _bridge(o, c, count, scale, rng)
    highs = [max(points[i], points[i + 1]) + scale * rand() for i in range(count)]
    lows = [min(points[i], points[i + 1]) - scale * rand() for i in range(count)]
    top, bottom = max(o, c), min(o, c)
    peak, trough = max(highs), min(lows)
    fit = _Fit((bottom, top), (trough, peak), parent)
    opens = [fit(p) for p in points]
    part_highs = [fit(x) for x in highs]
    part_lows = [fit(x) for x in lows]
    if peak <= top and h > top:  # no part rose above the body: one of them makes the high
        part_highs[int(rand() * count)] = h
    if trough >= bottom and l < bottom:
        part_lows[int(rand() * count)] = l
    volumes = split_volume(v, count, rng, reserve) if reserve is not None else [0] * count
    return [
        Agg(opens[i], part_highs[i], part_lows[i], opens[i + 1], volumes[i]) for i in range(count)
    ]


def least_trades(bar: Agg) -> int:
    """How many trades a minute needs at least: its open, its close, and a trade at its high
    and at its low unless the open or the close is there already."""
    o, h, l, c, _ = bar  # noqa: E741
    if o == c == h == l:
        return 1
    extras = sum(1 for price in {h, l} if price not in (o, c))
    return 2 + extras


def trade_prices(bar: Agg, count: int, rng: Random) -> list[int]:
    """``count`` trade prices (``count >= least_trades(bar)``): the first at the open, the last
    at the close, one at the high and one at the low, the others between."""
    o, h, l, c, _ = bar  # noqa: E741
    if count == 1:
        return [o]
    rand = rng.random
    scale = max(h - l, 1) / math.sqrt(count)
    prices = [o]
    level = float(o)
    for i in range(1, count - 1):
        level += (rand() - 0.5) * scale + (c - level) / (count - i)
        prices.append(min(h, max(l, int(level + 0.5))))
    prices.append(c)
    extras = [price for price in {h, l} if price not in (o, c)]
    interior = list(range(1, count - 1))
    for price, at in zip(sorted(extras), rng.sample(interior, len(extras)), strict=True):
        prices[at] = price
    return prices


def trade_seconds(count: int, rng: Random) -> list[int]:
    """Seconds into the minute of ``count`` trades, in order (several may share a second)."""
    return sorted(int(rng.random() * 60) for _ in range(count))


def repeat_fills(prices: list[int], seconds: list[int], share: float, rng: Random) -> None:
    """Make about ``share`` of the trades further fills of the trade before them: the same
    price in the same second, which TradingView's quotes show as a change of volume alone.
    The first and last trades, and those that make the high or the low, stay as they are."""
    if share <= 0 or len(prices) < 3:
        return
    keep = {max(prices), min(prices)}
    for i in range(1, len(prices) - 1):
        if prices[i] not in keep and rng.random() < share:
            prices[i] = prices[i - 1]
            seconds[i] = seconds[i - 1]
