"""When a symbol trades, from what TradingView's ``symbol_resolved`` says of it.

``TradingSession`` joins a session string (``domain.session_grammar`` reads it) to the
symbol's time zone, holidays (``session_holidays``), corrections of single days
(``corrections`` or a subsession's ``session-correction``, which beat holidays) and
subsessions (``regular``, ``extended``, ``premarket``, ``postmarket``). Its windows are the
``[open, close)`` UTC epoch seconds of each trading day's session ranges; a trading day is
the date a session belongs to (an overnight CME session opening on Sunday evening belongs
to Monday).

A session built from ``symbol_resolved`` follows the regular hours by default, whichever
subsession the symbol was resolved with; ``extended_hours`` gives the extended one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import chain
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidInput
from domain.session_grammar import (
    Minutes,
    SessionHistory,
    parse_corrections,
    parse_holidays,
    parse_session,
    reach,
)

REGULAR = "regular"
EXTENDED = "extended"

Window = tuple[int, int]
"""A session window's ``[open, close)`` in UTC epoch seconds."""

_WINDOW_CACHE_SIZE = 16_384


@dataclass(frozen=True, slots=True)
class Subsession:
    """One entry of ``symbol_resolved``'s ``subsessions``."""

    id: str
    session: str
    corrections: str = ""
    """Its ``session-correction``."""
    description: str = ""


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class TradingSession:
    """A symbol's trading hours: time zone, session string, holidays and corrections."""

    timezone: str = "Etc/UTC"
    spec: str = "24x7"
    """The session string of the hours in use."""
    holidays: frozenset[date] = field(default_factory=frozenset)
    corrections: str = ""
    """Corrections of the hours in use, TradingView's ``SESSION:YYYYMMDD,…;…``."""
    subsessions: tuple[Subsession, ...] = ()

    def __post_init__(self) -> None:
        try:
            _zone(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput("timezone", f"{self.timezone!r} is not a known time zone") from None
        parse_session(self.spec)
        parse_corrections(self.corrections)

    @classmethod
    def from_tradingview(
        cls,
        timezone: str | None,
        session: str | None,
        holidays: str | None = None,
        *,
        corrections: str | None = None,
        subsessions: Iterable[Subsession] = (),
        subsession_id: str | None = None,
        hours: str = REGULAR,
    ) -> TradingSession:
        """From ``symbol_resolved``'s ``timezone``, ``session``, ``session_holidays``,
        ``corrections``, ``subsessions`` and ``subsession_id`` (which of the subsessions
        ``session`` and ``corrections`` describe); the ``hours`` subsession is used when
        the symbol lists it, else ``session``.
        """
        resolved = subsession_id or hours
        listed = tuple(
            replace(sub, corrections=corrections)
            if sub.id == resolved and corrections and not sub.corrections
            else sub
            for sub in subsessions
        )
        chosen = next((sub for sub in listed if sub.id == hours), None)
        if chosen is not None:
            spec, chosen_corrections = chosen.session, chosen.corrections
        else:
            spec, chosen_corrections = session or "24x7", corrections or ""
        return cls(
            timezone or "Etc/UTC",
            spec,
            parse_holidays(holidays or ""),
            chosen_corrections,
            listed,
        )

    # --- the subsessions ------------------------------------------------------------------

    def subsession(self, subsession_id: str) -> TradingSession | None:
        """This symbol's ``subsession_id`` hours, or ``None`` when it lists no such one."""
        for sub in self.subsessions:
            if sub.id == subsession_id:
                return replace(self, spec=sub.session, corrections=sub.corrections)
        return None

    @property
    def regular_hours(self) -> TradingSession:
        return self.subsession(REGULAR) or self

    @property
    def extended_hours(self) -> TradingSession:
        """The extended session (pre- and post-market too); the same hours when none."""
        return self.subsession(EXTENDED) or self

    # --- the calendar ---------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    @property
    def is_24x7(self) -> bool:
        """Round the clock on every day (``24x7``, ``0000-0000:1234567``), with no holiday."""
        return _round_the_clock(self.spec) and not self.holidays and not self.corrections

    @property
    def reach(self) -> tuple[int, int]:
        """How many days before and after its trading day a window can open or close."""
        return _reach(self.spec, self.corrections)

    def local_date(self, epoch: int) -> date:
        return datetime.fromtimestamp(epoch, self.zone).date()

    def week_start(self, day: date) -> date:
        """The first day of the week holding ``day`` (Monday unless the session sets it)."""
        first = parse_session(self.spec).on(day).first_weekday
        return day - timedelta(days=(day.weekday() - first) % 7)

    def is_trading_day(self, day: date) -> bool:
        return bool(self.windows(day))

    def windows(self, day: date) -> list[Window]:
        """The ``[open, close)`` windows of trading day ``day``, oldest first."""
        return list(_windows(self, day))

    def ranges(self, day: date) -> tuple[Minutes, ...]:
        """Trading day ``day``'s ranges in minutes from its local midnight."""
        corrected = parse_corrections(self.corrections)
        if day in corrected:
            return corrected[day]
        if day in self.holidays:
            return ()
        return parse_session(self.spec).on(day).by_weekday[day.weekday()]

    def trading_day_of(self, epoch: int) -> tuple[date, Window] | None:
        """The trading day and window holding ``epoch``, or ``None`` outside every session."""
        local = self.local_date(epoch)
        before, after = self.reach
        for offset in range(-after, before + 1):
            day = local + timedelta(days=offset)
            for window in self.windows(day):
                if window[0] <= epoch < window[1]:
                    return day, window
        return None

    def next_open(self, epoch: int, within_days: int = 14) -> int | None:
        """The first window open after ``epoch`` within about ``within_days`` days."""
        local = self.local_date(epoch)
        before, after = self.reach
        found: int | None = None
        last_offset = within_days + before
        offset = -after
        while offset <= last_offset:
            for opens, _closes in self.windows(local + timedelta(days=offset)):
                if opens > epoch and (found is None or opens < found):
                    found = opens
                    # Later trading days open at most `before` days before their own date.
                    last_offset = min(last_offset, offset + before)
            offset += 1
        return found


@lru_cache(maxsize=_WINDOW_CACHE_SIZE)
def _windows(session: TradingSession, day: date) -> tuple[Window, ...]:
    ranges = session.ranges(day)
    if not ranges:
        return ()
    midnight = datetime.combine(day, time())
    zone = session.zone
    return tuple(
        (
            int((midnight + timedelta(minutes=start)).replace(tzinfo=zone).timestamp()),
            int((midnight + timedelta(minutes=end)).replace(tzinfo=zone).timestamp()),
        )
        for start, end in ranges
    )


@lru_cache(maxsize=512)
def _round_the_clock(spec: str) -> bool:
    return parse_session(spec).round_the_clock


@lru_cache(maxsize=512)
def _reach(spec: str, corrections: str) -> tuple[int, int]:
    history: SessionHistory = parse_session(spec)
    corrected: Mapping[date, tuple[Minutes, ...]] = parse_corrections(corrections)
    return reach(chain(history.ranges(), chain.from_iterable(corrected.values())))


UTC_24X7 = TradingSession()
