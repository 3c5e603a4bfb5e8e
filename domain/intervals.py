"""The thirteen bar intervals PocketQuant knows."""

from __future__ import annotations

from enum import Enum

from domain.errors import InvalidInput


class IntervalKind(Enum):
    INTRADAY = "intraday"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Interval(Enum):
    """Values are the API spelling; ``1m`` is a minute and ``1M`` a month."""

    M1 = "1m"
    M3 = "3m"
    M5 = "5m"
    M15 = "15m"
    M30 = "30m"
    M45 = "45m"
    H1 = "1h"
    H2 = "2h"
    H3 = "3h"
    H4 = "4h"
    D1 = "1d"
    W1 = "1w"
    MN1 = "1M"

    @classmethod
    def parse(cls, text: str) -> Interval:
        try:
            return cls(text)
        except ValueError:
            allowed = " ".join(i.value for i in cls)
            raise InvalidInput("interval", f"{text!r} is not one of: {allowed}") from None

    @property
    def kind(self) -> IntervalKind:
        return _KINDS.get(self, IntervalKind.INTRADAY)

    @property
    def is_intraday(self) -> bool:
        return self.kind is IntervalKind.INTRADAY

    @property
    def minutes(self) -> int:
        """Length in minutes for intraday intervals; nominal length for the others."""
        return _MINUTES[self]

    @property
    def seconds(self) -> int:
        return _MINUTES[self] * 60

    def __str__(self) -> str:
        return self.value


_KINDS = {
    Interval.D1: IntervalKind.DAILY,
    Interval.W1: IntervalKind.WEEKLY,
    Interval.MN1: IntervalKind.MONTHLY,
}

_MINUTES = {
    Interval.M1: 1,
    Interval.M3: 3,
    Interval.M5: 5,
    Interval.M15: 15,
    Interval.M30: 30,
    Interval.M45: 45,
    Interval.H1: 60,
    Interval.H2: 120,
    Interval.H3: 180,
    Interval.H4: 240,
    Interval.D1: 1440,
    Interval.W1: 7 * 1440,
    Interval.MN1: 30 * 1440,
}

ALL_INTERVALS: tuple[Interval, ...] = tuple(Interval)
