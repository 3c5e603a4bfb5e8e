"""What the store keeps beside bars: symbol metadata and the sync status of each series."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from domain.bars import SeriesKey
from domain.sessions import Subsession, TradingSession
from domain.symbols import Symbol


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    """What TradingView says of a symbol in ``symbol_resolved``."""

    symbol: Symbol
    name: str
    description: str = ""
    type: str = ""
    currency: str | None = None
    timezone: str = "Etc/UTC"
    session: str = "24x7"
    session_holidays: str = ""
    pricescale: int | None = None
    has_volume: bool = True
    corrections: str = ""
    """Hours of single days (``corrections``) of the subsession ``session`` describes."""
    subsession_id: str = ""
    """Which subsession ``session`` describes (``regular``, ``extended``); empty when unsaid."""
    subsessions: tuple[Subsession, ...] = ()

    @property
    def trading_session(self) -> TradingSession:
        """The regular hours (whichever subsession the symbol was resolved with)."""
        return TradingSession.from_tradingview(
            self.timezone,
            self.session,
            self.session_holidays,
            corrections=self.corrections,
            subsessions=self.subsessions,
            subsession_id=self.subsession_id or None,
        )


class SyncState(Enum):
    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """The outcome of the latest sync of one series. Times are UTC epoch seconds."""

    key: SeriesKey
    status: SyncState
    bar_count: int = 0
    last_sync_at: int | None = None
    last_bar_at: int | None = None
    first_bar_at: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
