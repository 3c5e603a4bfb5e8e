"""Bars, series keys, statuses and symbols the store tests write and read back."""

from __future__ import annotations

from domain.bars import Bar, SeriesKey
from domain.intervals import Interval
from domain.series import SymbolInfo, SyncState, SyncStatus
from domain.sessions import Subsession
from domain.symbols import Symbol

DAY = 86_400
START = 1_704_067_200  # 2024-01-01 00:00 UTC

AAPL = Symbol("NASDAQ", "AAPL")
AAPL_DAILY = SeriesKey(AAPL, Interval.D1)
AAPL_MINUTE = SeriesKey(AAPL, Interval.M1)
AAPL_MONTHLY = SeriesKey(AAPL, Interval.MN1)
MSFT_MINUTE = SeriesKey(Symbol("NASDAQ", "MSFT"), Interval.M1)
BTC_MINUTE = SeriesKey(Symbol("BINANCE", "BTCUSDT"), Interval.M1)


def make_bars(
    count: int, *, start: int = START, step: int = DAY, price: float = 100.0
) -> list[Bar]:
    """``count`` valid bars ``step`` seconds apart, prices drifting from ``price``."""
    bars = []
    for i in range(count):
        open_ = price + i * 0.25
        close = open_ + (0.5 if i % 2 else -0.5)
        bars.append(
            Bar(
                time=start + i * step,
                open=open_,
                high=max(open_, close) + 0.125,
                low=min(open_, close) - 0.125,
                close=close,
                volume=1_000.0 + i,
            )
        )
    return bars


def repriced(bar: Bar, shift: float) -> Bar:
    """The same bar time with every price moved by ``shift`` and another volume."""
    return Bar(
        time=bar.time,
        open=bar.open + shift,
        high=bar.high + shift,
        low=bar.low + shift,
        close=bar.close + shift,
        volume=None if bar.volume is None else bar.volume + 1,
    )


def failed_status(key: SeriesKey) -> SyncStatus:
    return SyncStatus(
        key=key,
        status=SyncState.FAILED,
        bar_count=42,
        last_sync_at=START + 10 * DAY,
        last_bar_at=START + 9 * DAY,
        first_bar_at=START,
        error_code="feed_unavailable",
        error_message="TradingView did not answer within 20 s",
        extra={"job_id": "abc-123", "attempt": "2"},
    )


def ok_status(key: SeriesKey) -> SyncStatus:
    return SyncStatus(
        key=key,
        status=SyncState.OK,
        bar_count=5_000,
        last_sync_at=START + DAY,
        last_bar_at=START,
        first_bar_at=START - 4_999 * DAY,
    )


def symbol_info(symbol: Symbol) -> SymbolInfo:
    return SymbolInfo(
        symbol=symbol,
        name=symbol.ticker,
        description=f"{symbol.ticker} on {symbol.exchange}",
        type="stock",
        currency="USD",
        timezone="America/New_York",
        session="0930-1600",
        session_holidays="20240101,20240704",
        pricescale=100,
        has_volume=True,
        corrections="0930-1300:20241129,20241224",
        subsession_id="regular",
        subsessions=(
            Subsession("regular", "0930-1600", "0930-1300:20241129,20241224", "Regular"),
            Subsession("extended", "0400-0930,0930-1600,1600-2000", "", "Extended"),
        ),
    )
