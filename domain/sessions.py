"""Trading sessions as TradingView describes them in ``symbol_resolved``.

A session string lists daily time ranges in the exchange's time zone and, after a colon,
the days they apply to (1 = Sunday … 7 = Saturday; Monday to Friday when omitted):
``0930-1600``, ``0930-1600:23456``, ``0400-0930,0930-1600``, ``1700-1600:23456`` (a range
whose end is not after its start opens the evening before its trading day), ``24x7``.
Sections with other days are joined with ``|``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidInput

_WEEKDAYS = frozenset(range(5))  # Monday..Friday as Python weekday numbers
_MINUTES_PER_DAY = 1440


def _tv_day_to_weekday(digit: str) -> int:
    number = int(digit)
    if not 1 <= number <= 7:
        raise ValueError(digit)
    return (number + 5) % 7  # TradingView 1=Sunday → Python 6; 2=Monday → 0


def _parse_hhmm(text: str) -> int:
    if len(text) != 4 or not text.isdigit():
        raise ValueError(text)
    hours, minutes = int(text[:2]), int(text[2:])
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValueError(text)
    return hours * 60 + minutes


def _parse_range(text: str) -> tuple[int, int]:
    start_text, end_text = text.split("-")
    start, end = _parse_hhmm(start_text), _parse_hhmm(end_text)
    if end <= start:
        # Opens the previous evening (futures style); 0000-0000 is a whole day.
        start -= _MINUTES_PER_DAY
    return start, end


@lru_cache(maxsize=256)
def _parse_spec(spec: str) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Ranges per Python weekday (index 0 = Monday) in minutes from local midnight."""
    if spec.strip().lower() == "24x7":
        return tuple(((0, _MINUTES_PER_DAY),) for _ in range(7))
    per_day: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for section in spec.split("|"):
        ranges_text, _, days_text = section.strip().partition(":")
        days = frozenset(_tv_day_to_weekday(d) for d in days_text) if days_text else _WEEKDAYS
        ranges = [_parse_range(r) for r in ranges_text.split(",") if r]
        if not ranges:
            raise ValueError(section)
        for day in days:
            per_day[day].extend(ranges)
    return tuple(tuple(sorted(day)) for day in per_day)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class TradingSession:
    """When a symbol trades: its time zone, session string and holidays."""

    timezone: str = "Etc/UTC"
    spec: str = "24x7"
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            _zone(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput("timezone", f"{self.timezone!r} is not a known time zone") from None
        try:
            _parse_spec(self.spec)
        except (ValueError, IndexError):
            raise InvalidInput("session", f"{self.spec!r} is not a session string") from None

    @classmethod
    def from_tradingview(
        cls, timezone: str | None, session: str | None, holidays: str | None = None
    ) -> TradingSession:
        """Build from the ``timezone``, ``session`` and ``session_holidays`` fields."""
        parsed: set[date] = set()
        for raw in (holidays or "").split(","):
            item = raw.strip()
            if len(item) == 8 and item.isdigit():
                parsed.add(date(int(item[:4]), int(item[4:6]), int(item[6:])))
        return cls(timezone or "Etc/UTC", session or "24x7", frozenset(parsed))

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    @property
    def is_24x7(self) -> bool:
        return self.spec.strip().lower() == "24x7"

    def is_trading_day(self, day: date) -> bool:
        return bool(_parse_spec(self.spec)[day.weekday()]) and day not in self.holidays

    def windows(self, day: date) -> list[tuple[int, int]]:
        """The session's ``[open, close)`` windows of trading day ``day`` in UTC epoch seconds."""
        if not self.is_trading_day(day):
            return []
        midnight = datetime.combine(day, time())
        zone = self.zone
        result = []
        for start, end in _parse_spec(self.spec)[day.weekday()]:
            opens = (midnight + timedelta(minutes=start)).replace(tzinfo=zone)
            closes = (midnight + timedelta(minutes=end)).replace(tzinfo=zone)
            result.append((int(opens.timestamp()), int(closes.timestamp())))
        return result

    def local_date(self, epoch: int) -> date:
        return datetime.fromtimestamp(epoch, self.zone).date()

    def trading_day_of(self, epoch: int) -> tuple[date, tuple[int, int]] | None:
        """The trading day and window holding ``epoch``, or ``None`` outside every session."""
        local = self.local_date(epoch)
        # An overnight range belongs to the next day's session; check that day first.
        for day in (local + timedelta(days=1), local, local - timedelta(days=1)):
            for window in self.windows(day):
                if window[0] <= epoch < window[1]:
                    return day, window
        return None


UTC_24X7 = TradingSession()
