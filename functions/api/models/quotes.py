"""The bodies of the ``/quotes`` routes, each made from the use case's value (``of``)."""

from __future__ import annotations

from pydantic import Field

from application.queries import iso_utc
from application.quotes import BarInProgress, ControlResult, FeedStatus
from domain.intervals import Interval
from domain.quotes import LatestQuote
from functions.api.models.fields import ApiModel, Timestamp, iso_time, omitted_when_none


class QuoteResponse(ApiModel):
    symbol: str
    exchange: str
    timestamp: Timestamp | None = Field(description="The exchange's time of the last trade.")
    last_price: float | None
    bid: float | None
    ask: float | None
    volume: float | None = Field(description="The session's cumulative volume.")
    change: float | None
    change_percent: float | None
    open_price: float | None
    high_price: float | None
    low_price: float | None
    prev_close: float | None

    @classmethod
    def of(cls, quote: LatestQuote) -> QuoteResponse:
        return cls(
            symbol=quote.symbol.ticker,
            exchange=quote.symbol.exchange,
            timestamp=iso_time(quote.timestamp),
            last_price=quote.last_price,
            bid=quote.bid,
            ask=quote.ask,
            volume=quote.volume,
            change=quote.change,
            change_percent=quote.change_percent,
            open_price=quote.open_price,
            high_price=quote.high_price,
            low_price=quote.low_price,
            prev_close=quote.prev_close,
        )


class AllQuotesResponse(ApiModel):
    count: int
    data: list[QuoteResponse] = Field(description="One per subscription that has a quote.")

    @classmethod
    def of(cls, quotes: list[LatestQuote]) -> AllQuotesResponse:
        return cls(count=len(quotes), data=[QuoteResponse.of(quote) for quote in quotes])


class CurrentBarResponse(ApiModel):
    symbol: str
    exchange: str
    interval: Interval
    datetime: Timestamp = Field(description="Bar open time, ISO 8601 UTC.")
    open: float
    high: float
    low: float
    close: float
    volume: float | None

    @classmethod
    def of(cls, current: BarInProgress) -> CurrentBarResponse:
        bar = current.bar
        return cls(
            symbol=current.symbol.ticker,
            exchange=current.symbol.exchange,
            interval=current.interval,
            datetime=iso_utc(bar.time),
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
        )


class QuoteStatusResponse(ApiModel):
    running: bool = Field(description="Whether the feed was asked to run (start/stop).")
    subscription_count: int
    active_symbols: list[str] = Field(description="Symbols the streamer is receiving now.")
    connected: bool = Field(description="Whether the streamer is connected to TradingView.")
    last_tick_at: Timestamp | None = Field(description="Exchange time of the newest tick.")
    unknown_symbols: dict[str, str] = Field(
        description="Subscribed symbols TradingView does not know, with its reason."
    )

    @classmethod
    def of(cls, status: FeedStatus) -> QuoteStatusResponse:
        return cls(
            running=status.running,
            subscription_count=status.subscription_count,
            active_symbols=list(status.active_symbols),
            connected=status.connected,
            last_tick_at=iso_time(status.last_tick_at),
            unknown_symbols=dict(status.unknown_symbols),
        )


class QuoteControlResponse(ApiModel):
    running: bool
    subscription_count: int
    changed: bool = Field(description="False when the request changed nothing.")
    symbol: str | None = omitted_when_none("Subscribe and unsubscribe only.")
    exchange: str | None = omitted_when_none("Subscribe and unsubscribe only.")
    subscribed: bool | None = omitted_when_none("Subscribe and unsubscribe only.")

    @classmethod
    def of(cls, result: ControlResult) -> QuoteControlResponse:
        symbol = result.symbol
        return cls(
            running=result.running,
            subscription_count=result.subscription_count,
            changed=result.changed,
            symbol=symbol.ticker if symbol is not None else None,
            exchange=symbol.exchange if symbol is not None else None,
            subscribed=result.subscribed,
        )
