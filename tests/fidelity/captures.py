"""Real TradingView captures read the way PocketQuant reads TradingView, and their sessions.

The captures live beside the repository (``shared/tradingview-captures``; its SOURCES.md
says where each frame comes from). ``symbol_resolved`` goes through the client's own
``parse_symbol_info`` and the bars through ``parse_bars``, so these tests cover the whole
path from TradingView's frames to the bar keys.

Four 1-minute series of the 2023 capture have no ``symbol_resolved`` of their own (it was
sent before the capture began). Each one below is paired with a session and says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from adapters.tradingview import codec, messages
from domain.aggregation import SymbolBarAggregator
from domain.bars import Bar
from domain.intervals import Interval
from domain.series import SymbolInfo
from domain.sessions import Subsession, TradingSession
from domain.symbols import Symbol

CAPTURES = Path(__file__).resolve().parents[3] / "shared" / "tradingview-captures"


def frames(name: str) -> list[codec.Message]:
    text = (CAPTURES / name).read_text(encoding="utf-8")
    if name.endswith(".payload.json"):  # stored as the payload alone, without its framing
        text = codec.frame(text)
    return [m for m in codec.parse_message(text) if isinstance(m, codec.Message)]


@cache
def symbol_info(name: str, symbol: Symbol) -> SymbolInfo:
    (resolved,) = [m for m in frames(name) if m.method == "symbol_resolved"]
    return messages.parse_symbol_info(symbol, resolved.params)


@cache
def bars(name: str) -> tuple[Bar, ...]:
    return tuple(
        bar
        for message in frames(name)
        if message.method in ("timescale_update", "du")
        for bar in messages.parse_bars(message.params, series_id=None)
    )


def series_data(name: str) -> dict[str, Any]:
    """The one series entry of a capture's ``timescale_update`` (for ``lbs`` and such)."""
    (update,) = [m for m in frames(name) if m.method == "timescale_update"]
    (entry,) = update.params[1].values()
    return dict(entry)


SPX = Symbol("SP", "SPX")
RUT = Symbol("TVC", "RUT")
BTCUSD = Symbol("BITSTAMP", "BTCUSD")
VCB = Symbol("HOSE", "VCB")
AAPL = Symbol("NASDAQ", "AAPL")


def spx_session() -> TradingSession:
    return symbol_info("symbol_resolved_sp_spx_2023.txt", SPX).trading_session


def rut_session() -> TradingSession:
    return symbol_info("symbol_resolved_tvc_rut_subsessions_2023.txt", RUT).trading_session


def btcusd_session() -> TradingSession:
    info = symbol_info("symbol_resolved_bitstamp_btcusd_session_2_0000-0000_2019.txt", BTCUSD)
    return info.trading_session


def vcb_session() -> TradingSession:
    name = "symbol_resolved_hose_vcb_lunch_break_2025.payload.json"
    return symbol_info(name, VCB).trading_session


def aapl_session() -> TradingSession:
    return symbol_info("symbol_resolved_nasdaq_aapl_2019.txt", AAPL).trading_session


def vix_like_session() -> TradingSession:
    """``sds_3``: a New York market printing 03:15-09:14 and 09:31-16:14, gaps included.

    No ``symbol_resolved`` came with it. Its values (14.88 on 2023-06-05) and hours are the
    Cboe volatility index's, whose published hours are 03:15-09:15 and 09:30-16:15; every bar
    lies in them, none falls between 09:15 and 09:30, and TradingView's own study output in
    the same capture shades 03:15-09:14 as pre-market. So: extended hours of two windows.
    """
    return TradingSession.from_tradingview(
        "America/New_York",
        "0930-1615",
        subsessions=(
            Subsession("regular", "0930-1615"),
            Subsession("extended", "0315-0915,0930-1615"),
            Subsession("premarket", "0315-0915"),
        ),
        subsession_id="regular",
    ).extended_hours


def overnight_fx_session() -> TradingSession:
    """``sds_4``: a market "trading around the clock" (SOURCES.md), Wednesday to Friday.

    No ``symbol_resolved`` came with it (its level, 104.2, is the US dollar index's). A
    trading day starts in the evening: TradingView's session-break study in the same capture
    marks Wednesday 19:45 and Thursday 19:31 New York as a new day's first bar, after prints
    until 17:22 and 18:04; Friday's last bar is 16:59. ``1900-1900`` (an overnight session
    opening at 19:00 the day before) is the round hour those breaks allow.
    """
    return TradingSession("America/New_York", "1900-1900")


@dataclass(frozen=True)
class Series:
    """A captured series of bars with the session its bar times are checked against."""

    id: str
    file: str
    interval: Interval
    session: TradingSession
    why: str

    @property
    def bars(self) -> tuple[Bar, ...]:
        return bars(self.file)


def all_series() -> list[Series]:
    """Every capture in SOURCES.md that holds bars."""
    return [
        Series(
            "SP:SPX 1d",
            "timescale_update_daily_sp_spx_2023.txt",
            Interval.D1,
            spx_session(),
            "its own symbol_resolved",
        ),
        Series(
            "TVC:RUT 1m",
            "timescale_update_1m_tvc_rut_2023.txt",
            Interval.M1,
            rut_session(),
            "its own symbol_resolved (regular subsession, as the series was loaded)",
        ),
        Series(
            "NASDAQ:NDX 1m (sds_2)",
            "timescale_update_1m_sds2_nasdaq_ndx_2023.txt",
            Interval.M1,
            spx_session(),
            "SP:SPX's symbol_resolved of the same capture: a US index in New York with the "
            "same holidays; its 0930-1610 holds NDX's 16:00 closing bar, which a session "
            "ending at 16:00 would not (the end is excluded)",
        ),
        Series(
            "US index with volume 1m (sds_5)",
            "timescale_update_1m_sds5_with_volume_2023.txt",
            Interval.M1,
            spx_session(),
            "SP:SPX's symbol_resolved of the same capture (a US index quoted near 33,000: the "
            "Dow Jones); its 0930-1610 holds every bar, 09:30 to 16:04",
        ),
        Series(
            "VIX-like 1m extended (sds_3)",
            "timescale_update_1m_sds3_2023.txt",
            Interval.M1,
            vix_like_session(),
            "see vix_like_session",
        ),
        Series(
            "overnight 1m (sds_4)",
            "timescale_update_1m_sds4_24h_2023.txt",
            Interval.M1,
            overnight_fx_session(),
            "see overnight_fx_session",
        ),
        Series(
            "BITSTAMP:BTCUSD 15m",
            "multi_message_timescale_update_15m_series_completed_2019.txt",
            Interval.M15,
            btcusd_session(),
            "its own symbol_resolved, 2;0000-0000:1234567",
        ),
        Series(
            "BITSTAMP:BTCUSD 15m du",
            "multi_message_du_and_qsd_2019.txt",
            Interval.M15,
            btcusd_session(),
            "the live update of the series above",
        ),
        Series(
            "HOSE:VCB 1h",
            "timescale_update_1h_hose_vcb_2025.payload.json",
            Interval.H1,
            vcb_session(),
            "its own symbol_resolved, with holidays and a session correction",
        ),
        Series(
            "NASDAQ:AAPL 1d du",
            "du_daily_nasdaq_aapl_2019.txt",
            Interval.D1,
            aapl_session(),
            "its own symbol_resolved of the same 2019 capture",
        ),
    ]


# --- ticks from bars --------------------------------------------------------------------------

TICK_OFFSETS = (1, 15, 30, 59)
"""Seconds after a bar's open of the ticks made from it: open, high, low, close."""


def ticks_inside(bars: Iterable[Bar]) -> list[tuple[float, float, float | None]]:
    """Trades inside each bar's first minute giving its OHLC; the cumulative volume grows
    by each bar's volume at its first trade (``None`` for bars without volume)."""
    ticks: list[tuple[float, float, float | None]] = []
    cumulative = 0.0
    for bar in bars:
        reading: float | None = None
        if bar.volume is not None:
            cumulative += bar.volume
            reading = cumulative
        prices = (bar.open, bar.high, bar.low, bar.close)
        ticks.extend(
            (bar.time + offset, price, reading)
            for offset, price in zip(TICK_OFFSETS, prices, strict=True)
        )
    return ticks


def aggregate(
    ticks: Sequence[tuple[float, float, float | None]],
    session: TradingSession,
    intervals: Sequence[Interval],
) -> dict[Interval, list[Bar]]:
    """The completed bars ``SymbolBarAggregator`` gives for ``ticks``, by interval."""
    aggregator = SymbolBarAggregator(session, intervals)
    completed: dict[Interval, list[Bar]] = {interval: [] for interval in intervals}
    for time, price, volume in ticks:
        for done in aggregator.on_trade(time, price, volume):
            completed[done.interval].append(done.bar)
    for done in aggregator.flush_due(ticks[-1][0] + 40 * 86_400):
        completed[done.interval].append(done.bar)
    return completed


def local(zone: str, text: str) -> int:
    """``"2023-06-05 09:30"`` in ``zone`` as UTC epoch seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp())
