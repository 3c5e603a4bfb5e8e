"""One catalogue entry: what TradingView says of a symbol, and how its market behaves."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from domain.sessions import REGULAR, Subsession, TradingSession
from domain.symbols import Symbol

_EARLIEST = date(1970, 1, 2)  # bar times stay positive epochs
_REFERENCE_DAYS = (date(2024, 3, 13), date(2024, 3, 20), date(2024, 3, 27))
"""Plain Wednesdays, to size a listing's volume per second of its session."""


@dataclass(frozen=True)
class Hours:
    """One entry of ``symbol_resolved``'s ``subsessions``."""

    id: str
    description: str
    session: str
    private: bool = False
    correction: str = ""
    """Its ``session-correction`` (hours of single days), when TradingView sends one."""


def regular_hours(session: str, correction: str = "") -> Hours:
    return Hours(REGULAR, "Regular Trading Hours", session, correction=correction)


@dataclass(frozen=True)
class Listing:
    """A symbol's ``symbol_resolved`` metadata and the behaviour of its trades.

    Metadata (``subsessions``, ``holidays``, ``pricescale``, …) is TradingView's own where a
    capture shows it; the catalogue says where each value comes from. The rest shapes the
    simulated market: the price level, how much and how often it trades, and ``prints``,
    the windows in which trades happen (TVC:RUT prints until 16:05 inside its ``0930-1615``
    session, HOSE:VCB not during its lunch break).
    """

    exchange: str
    ticker: str
    description: str
    type: str
    currency: str
    timezone: str
    subsessions: tuple[Hours, ...]
    """The first is the regular session."""
    pricescale: int
    base_price: float
    volatility: float
    """Annualised: drives the price path and the bars' ranges."""
    daily_volume: float | None
    """Typical volume of a regular session; ``None``: no volume (``visible_plots_set`` ohlc)."""
    listed: date
    holidays: str = ""
    minmov: int = 1
    typespecs: tuple[str, ...] = ()
    country: str = ""
    provider: str = "ice"
    volume_decimals: int = 0
    """Volume comes in steps of ``10 ** -volume_decimals`` (HOSE: -2, lots of 100 shares)."""
    variable_tick_size: str = ""
    tradable: bool = True
    prints: str | None = None
    """Session string of the windows in which trades print, each window a segment that lies
    wholly inside or wholly outside the regular session; the widest session when ``None``.
    Holidays apply; corrections do not (HOSE:VCB's corrected Saturday has no bar)."""
    minute_fill: float = 1.0
    """Share of the minutes that hold a trade (illiquid markets leave minutes without a bar)."""
    trades_per_minute: int = 6
    repeat_fills: float = 0.05
    """Share of trades that are a further fill of the trade before it (same second, same
    price): TradingView's quotes show those as a change of ``volume`` alone."""
    sized_trades: bool = True
    """Whether each trade carries volume; an index's ticks need not (SP:SPX's volume comes
    in millions)."""

    @property
    def key(self) -> str:
        return f"{self.exchange}:{self.ticker}"

    @property
    def symbol(self) -> Symbol:
        return Symbol(self.exchange, self.ticker)

    @property
    def has_volume(self) -> bool:
        return self.daily_volume is not None

    @property
    def session(self) -> str:
        return self.subsessions[0].session

    def hours(self, subsession_id: str) -> Hours:
        """The subsession ``subsession_id``, or the regular one when the listing has none."""
        return next((h for h in self.subsessions if h.id == subsession_id), self.subsessions[0])

    @property
    def has_extended_hours(self) -> bool:
        return any(h.id == "extended" for h in self.subsessions)

    @cached_property
    def trading_session(self) -> TradingSession:
        """The regular hours, with the other subsessions listed (``extended_hours`` …)."""
        return TradingSession.from_tradingview(
            self.timezone,
            self.session,
            self.holidays,
            subsessions=tuple(
                Subsession(h.id, h.session, h.correction, h.description) for h in self.subsessions
            ),
            subsession_id=REGULAR,
        )

    def session_for(self, subsession_id: str) -> TradingSession:
        """The hours a series resolved with ``subsession_id`` follows."""
        return self.trading_session.subsession(self.hours(subsession_id).id) or (
            self.trading_session
        )

    @cached_property
    def prints_session(self) -> TradingSession:
        widest = self.hours("extended").session
        return TradingSession(self.timezone, self.prints or widest, self.trading_session.holidays)

    @cached_property
    def listed_epoch(self) -> int:
        first = max(self.listed, _EARLIEST)
        return (first.toordinal() - date(1970, 1, 1).toordinal()) * 86400

    @cached_property
    def reference_ordinal(self) -> int:
        """A plain trading day, to size volumes per second of session."""
        session = self.trading_session
        day = next((d for d in _REFERENCE_DAYS if session.is_trading_day(d)), _REFERENCE_DAYS[0])
        return day.toordinal()

    @cached_property
    def seed(self) -> int:
        return zlib.crc32(self.key.encode())
