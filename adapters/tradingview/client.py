"""Historical bars from TradingView: the ``MarketDataFeed`` behind every sync.

Why not tvdatafeed: the original (rongardF/tvdatafeed) has no PyPI release, it is
synchronous (a blocking websocket per call, no use in an async service), it builds pandas
DataFrames we do not want in a Lambda layer, hard-codes the endpoint (so it cannot point at
the simulator), splits frames with a regex, converts times to the host's zone and stops at
one 5,000-bar page. This client speaks the protocol directly: one connection per request,
pages older history with ``request_more_data``, keys bars by time and maps every failure to
a domain error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.tradingview import messages
from adapters.tradingview.auth import TradingViewAuth
from adapters.tradingview.codec import Message
from adapters.tradingview.connection import ReplyTimeout, TradingViewConnection
from config.settings import TRADINGVIEW_URL, Settings
from domain.bars import Bar, validate_series
from domain.errors import AuthenticationRejected, FeedProtocolError, InvalidInput
from domain.intervals import Interval
from domain.ports import History, ProgressCallback
from domain.series import SymbolInfo
from domain.symbols import Symbol

PAGE_SIZE = 5000
"""Bars per request: what a free or anonymous account gets per series."""


@dataclass(slots=True)
class _Load:
    """What has arrived so far for one series."""

    symbol: Symbol
    bars: dict[int, Bar] = field(default_factory=dict)
    info: SymbolInfo | None = None
    reached_limit: bool = False

    @property
    def oldest(self) -> int | None:
        return min(self.bars) if self.bars else None

    def has_enough(self, n_bars: int, since: int | None) -> bool:
        if len(self.bars) >= n_bars:
            return True
        oldest = self.oldest
        return since is not None and oldest is not None and oldest <= since

    def absorb(self, message: Message) -> bool:
        """Take one message in; ``True`` when it ends the current page."""
        method = message.method
        if method in ("timescale_update", "du"):
            bars = self.bars
            for bar in messages.parse_bars(message.params):
                bars[bar.time] = bar
        elif method == "series_completed":
            completed = messages.parse_series_completed(message.params)
            if completed.series_id in ("", messages.SERIES_ID):
                self.reached_limit = self.reached_limit or completed.reached_limit
                return True
        elif method == "symbol_resolved":
            self.info = messages.parse_symbol_info(self.symbol, message.params)
        elif method in messages.ERROR_METHODS:
            error = messages.error_for(message, self.symbol)
            if error is not None:
                raise error
        return False

    def history(self, n_bars: int, since: int | None) -> History:
        if self.info is None:
            raise FeedProtocolError(f"{self.symbol}: TradingView sent bars but no symbol_resolved")
        times = sorted(self.bars)
        if since is not None:
            times = [t for t in times if t >= since]
        bars = [self.bars[t] for t in times[-n_bars:]]
        validate_series(bars)
        return History(info=self.info, bars=bars, reached_limit=self.reached_limit)


class TradingViewHistoryClient:
    """``MarketDataFeed`` over TradingView's chart sessions (or the simulator)."""

    def __init__(
        self,
        *,
        url: str = TRADINGVIEW_URL,
        origin: str = "https://www.tradingview.com",
        auth: TradingViewAuth | None = None,
        timeout: float = 20.0,
        page_size: int = PAGE_SIZE,
        more_data_timeout: float | None = None,
        extended_hours: bool = False,
        compression: bool = True,
    ) -> None:
        """``timeout`` bounds the wait for each reply; ``more_data_timeout`` (default: the
        same) is how long silence after ``request_more_data`` means "no older bars"."""
        if page_size < 1:
            raise InvalidInput("page_size", "must be at least 1")
        self.url = url
        self.origin = origin
        self.auth = auth or TradingViewAuth()
        self.timeout = timeout
        self.page_size = page_size
        self.more_data_timeout = timeout if more_data_timeout is None else more_data_timeout
        self.extended_hours = extended_hours
        self.compression = compression

    @classmethod
    def from_settings(
        cls, settings: Settings, auth: TradingViewAuth | None = None
    ) -> TradingViewHistoryClient:
        """``auth``: credentials shared with other clients; by default the settings' own."""
        return cls(
            url=settings.tradingview_url,
            origin=settings.tradingview_origin,
            auth=auth if auth is not None else TradingViewAuth.from_settings(settings),
            timeout=settings.tradingview_timeout,
        )

    async def fetch_history(
        self,
        symbol: Symbol,
        interval: Interval,
        n_bars: int,
        *,
        since: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> History:
        """The newest ``n_bars`` bars (oldest first), or every bar from ``since`` when fewer.

        Raises ``SymbolNotFound``, ``NotEntitled``, ``AuthenticationRejected``,
        ``FeedUnavailable`` or ``FeedProtocolError``; never returns a partial load.
        """
        if n_bars < 1:
            raise InvalidInput("n_bars", "must be at least 1")
        token = await self.auth.token()
        try:
            return await self._fetch(
                token, symbol, interval, n_bars=n_bars, since=since, progress=progress
            )
        except AuthenticationRejected:
            if not self.auth.can_refresh:
                raise
            # A cached sign-in token may have expired: sign in again, once.
            self.auth.forget()
            token = await self.auth.token()
            return await self._fetch(
                token, symbol, interval, n_bars=n_bars, since=since, progress=progress
            )

    def connect(self, token: str) -> TradingViewConnection:
        return TradingViewConnection(
            self.url,
            token,
            origin=self.origin,
            timeout=self.timeout,
            compression=self.compression,
        )

    async def _fetch(
        self,
        token: str,
        symbol: Symbol,
        interval: Interval,
        *,
        n_bars: int,
        since: int | None,
        progress: ProgressCallback | None,
    ) -> History:
        load = _Load(symbol)
        async with self.connect(token) as connection:
            chart_session = messages.chart_session_id()
            await connection.send(*messages.chart_create_session(chart_session))
            await connection.send(
                *messages.resolve_symbol(chart_session, symbol, extended_hours=self.extended_hours)
            )
            first_page = min(n_bars, self.page_size)
            await connection.send(*messages.create_series(chart_session, interval, first_page))
            await self._read_page(connection, load, quiet_ends_page=False)
            _report(progress, load, n_bars, since)
            while not load.reached_limit and not load.has_enough(n_bars, since):
                before = len(load.bars)
                count = min(n_bars - before, self.page_size)
                await connection.send(*messages.request_more_data(chart_session, count))
                await self._read_page(connection, load, quiet_ends_page=True)
                _report(progress, load, n_bars, since)
                if len(load.bars) == before:
                    break
        history = load.history(n_bars, since)
        kept = len(history.bars)
        if progress is not None and kept < n_bars:
            progress(kept, kept)  # all there is: the count the result gives
        return history

    async def _read_page(
        self, connection: TradingViewConnection, load: _Load, *, quiet_ends_page: bool
    ) -> None:
        """Read until ``series_completed``; errors, a close or a timeout raise.

        After ``request_more_data`` (``quiet_ends_page``) silence ends the page instead:
        no public capture shows how TradingView answers when nothing older exists.
        """
        timeout = self.more_data_timeout if quiet_ends_page else self.timeout
        while True:
            try:
                message = await connection.receive(timeout)
            except ReplyTimeout:
                if quiet_ends_page:
                    return
                raise
            if load.absorb(message):
                return


def _report(progress: ProgressCallback | None, load: _Load, n_bars: int, since: int | None) -> None:
    """Bars received that the result keeps (an incremental sync asks for more, to be safe,
    than it keeps: those from ``since``), out of ``n_bars``."""
    if progress is not None:
        kept = len(load.bars) if since is None else sum(1 for t in load.bars if t >= since)
        progress(min(kept, n_bars), n_bars)
