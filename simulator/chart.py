"""Chart sessions: ``resolve_symbol``, ``create_series``, ``request_more_data`` and friends."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.tradingview.intervals import from_tradingview
from domain.errors import FeedProtocolError
from domain.intervals import Interval
from simulator.catalogue import find, parse_spec
from simulator.clock import SimClock
from simulator.config import SimulatorConfig
from simulator.history import History, Row
from simulator.listing import Listing
from simulator.metadata import resolved_metadata
from simulator.protocol import Outbox, bulk_message, message, method_info
from simulator.stats import SimulatorStats

NODE = "sim1-charts-free-1-runner-1"
MODE = "streaming"
DELAYED_MODE = "delayed_streaming_900"
RT_UPDATE_PERIOD = 5
MAX_HISTORY_BARS = 2_000_000
"""A series ends here even without ``history_limit`` (1-minute crypto would go back years)."""
STANDARD_MINUTES = frozenset({"1", "3", "5", "15", "30", "45", "60", "120", "180", "240"})


@dataclass
class _Series:
    series_id: str
    turnaround: str
    symbol_id: str
    listing: Listing
    hours: str
    """The subsession whose hours the bars follow (``regular``, ``extended``)."""
    interval: Interval
    requested: int
    oldest: int = 0
    """Open time of the oldest bar sent so far; the next page ends there."""
    sent: int = 0
    exhausted: bool = False
    newest: Row | None = None
    live: asyncio.Task[None] | None = None


@dataclass
class _Symbol:
    listing: Listing | None
    hours: str = "regular"
    error_sent: bool = False
    pending_error: asyncio.Task[None] | None = None


@dataclass
class _ChartSession:
    id: str
    symbols: dict[str, _Symbol] = field(default_factory=dict)
    series: dict[str, _Series] = field(default_factory=dict)

    def cancel_tasks(self) -> None:
        for symbol in self.symbols.values():
            if symbol.pending_error is not None:
                symbol.pending_error.cancel()
        for series in self.series.values():
            if series.live is not None:
                series.live.cancel()


def _positive_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _entitlement_refusal(resolution: Any) -> str | None:
    """``series_error`` reason for a well-formed resolution a free account cannot have."""
    if not isinstance(resolution, str) or not resolution[:-1].isdigit():
        return None
    if resolution.endswith("S"):
        return "seconds_not_entitled"
    if resolution.isdigit() and resolution not in STANDARD_MINUTES:
        return "custom_resolution"
    return None


class ChartSessions:
    """Every chart session of one connection."""

    METHODS = frozenset(
        {
            "chart_create_session",
            "chart_delete_session",
            "switch_timezone",
            "resolve_symbol",
            "create_series",
            "modify_series",
            "remove_series",
            "request_more_data",
            "request_more_tickmarks",
        }
    )

    def __init__(
        self,
        outbox: Outbox,
        config: SimulatorConfig,
        clock: SimClock,
        history: History,
        stats: SimulatorStats,
    ) -> None:
        self._out = outbox
        self._config = config
        self._clock = clock
        self._history = history
        self._stats = stats
        self._sessions: dict[str, _ChartSession] = {}

    def close(self) -> None:
        for session in self._sessions.values():
            session.cancel_tasks()
        self._sessions.clear()

    async def handle(self, method: str, params: list[Any]) -> None:
        session_id = params[0] if params and isinstance(params[0], str) else ""
        if method == "chart_create_session":
            if session_id and session_id not in self._sessions:
                self._sessions[session_id] = _ChartSession(session_id)
                return
            await self._critical(session_id, "invalid parameters", method, params)
            return
        session = self._sessions.get(session_id)
        if session is None:
            await self._critical(session_id, "unknown_session_id", method, params)
            return
        if method == "chart_delete_session":
            session.cancel_tasks()
            del self._sessions[session_id]
        elif method == "switch_timezone":
            await self._switch_timezone(session, params)
        elif method == "resolve_symbol":
            await self._resolve_symbol(session, params)
        elif method in ("create_series", "modify_series"):
            await self._create_series(session, method, params)
        elif method == "remove_series":
            removed = session.series.pop(str(params[1]) if len(params) > 1 else "", None)
            if removed is not None and removed.live is not None:
                removed.live.cancel()
        elif method == "request_more_data":
            await self._request_more_data(session, params)
        # request_more_tickmarks only moves the chart's time axis; nothing to send.

    async def _critical(self, session_id: str, reason: str, method: str, params: list[Any]) -> None:
        await self._out.send(
            message("critical_error", [session_id, reason, method_info(method, params)])
        )

    async def _switch_timezone(self, session: _ChartSession, params: list[Any]) -> None:
        zone = params[1] if len(params) > 1 else None
        if isinstance(zone, str) and zone == "exchange":
            return
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
            await self._critical(session.id, "invalid timezone", "switch_timezone", params)
            return
        # Bar times do not depend on the chart's zone: daily bars stay at the session open.

    async def _resolve_symbol(self, session: _ChartSession, params: list[Any]) -> None:
        if len(params) < 3 or not isinstance(params[1], str) or not isinstance(params[2], str):
            await self._critical(session.id, "invalid parameters", "resolve_symbol", params)
            return
        symbol_id = params[1]
        spec = parse_spec(params[2])
        listing = find(spec.symbol) if spec else None
        previous = session.symbols.get(symbol_id)
        if previous is not None and previous.pending_error is not None:
            previous.pending_error.cancel()
        hours = listing.hours(spec.session).id if listing is not None and spec else "regular"
        entry = _Symbol(listing, hours)
        session.symbols[symbol_id] = entry
        if listing is not None:
            metadata = resolved_metadata(listing, hours)
            await self._out.send(
                message(
                    "symbol_resolved", [session.id, symbol_id, metadata], t=self._clock.quote_time()
                )
            )
            return
        # TradingView resolves asynchronously: a create_series sent right behind the
        # resolve_symbol gets series_loading before the symbol_error.
        entry.pending_error = asyncio.create_task(self._late_symbol_error(session, symbol_id))

    async def _late_symbol_error(self, session: _ChartSession, symbol_id: str) -> None:
        await asyncio.sleep(self._config.symbol_error_delay)
        entry = session.symbols.get(symbol_id)
        if entry is None or entry.error_sent:
            return
        entry.error_sent = True
        entry.pending_error = None
        await self._send_symbol_error(session, symbol_id)

    async def _send_symbol_error(self, session: _ChartSession, symbol_id: str) -> None:
        await self._out.send(message("symbol_error", [session.id, symbol_id, "invalid symbol"]))

    async def _create_series(self, session: _ChartSession, method: str, params: list[Any]) -> None:
        refusal = _entitlement_refusal(params[4] if len(params) > 4 else None)
        if refusal is not None and all(isinstance(p, str) for p in params[1:4]):
            # Valid TradingView resolutions this (free) account may not use.
            series_id, turnaround = params[1], params[2]
            await self._out.send(
                message("series_loading", [session.id, series_id, turnaround]),
            )
            await self._out.send(
                message("series_error", [session.id, series_id, turnaround, refusal])
            )
            return
        parsed = self._parse_series_params(session, method, params)
        if parsed is None:
            await self._critical(session.id, "invalid parameters", method, params)
            return
        series_id, turnaround, symbol_id, interval, count, end = parsed
        symbol = session.symbols.get(symbol_id)
        if symbol is None:
            await self._critical(session.id, "invalid parameters", method, params)
            return
        old = session.series.pop(series_id, None)
        if old is not None and old.live is not None:
            old.live.cancel()
        await self._out.send(message("series_loading", [session.id, series_id, turnaround]))
        listing = symbol.listing
        if listing is None:
            if symbol.pending_error is not None:
                symbol.pending_error.cancel()
                symbol.pending_error = None
            if not symbol.error_sent:
                symbol.error_sent = True
                await self._send_symbol_error(session, symbol_id)
            await self._out.send(
                message("series_error", [session.id, series_id, turnaround, "resolve error"])
            )
            return
        series = _Series(series_id, turnaround, symbol_id, listing, symbol.hours, interval, count)
        session.series[series_id] = series
        now = self._clock.history_end()
        await self._send_page(session, series, end if end is not None else now + 1, count, True)
        if self._config.live_bars:
            series.live = asyncio.create_task(self._live_updates(session, series))

    def _parse_series_params(
        self, session: _ChartSession, method: str, params: list[Any]
    ) -> tuple[str, str, str, Interval, int, int | None] | None:
        if len(params) < 5 or not all(isinstance(p, str) for p in params[1:5]):
            return None
        series_id, turnaround, symbol_id, resolution = params[1], params[2], params[3], params[4]
        try:
            interval = from_tradingview(resolution)
        except FeedProtocolError:
            return None
        if method == "modify_series":
            existing = session.series.get(series_id)
            return (
                series_id,
                turnaround,
                symbol_id,
                interval,
                existing.requested if existing else 300,
                None,
            )
        count_param = params[5] if len(params) > 5 else None
        count = _positive_int(count_param)
        end: int | None = None
        if count is None and isinstance(count_param, list) and len(count_param) == 3:
            # ["bar_count", to, n]: n bars up to ``to`` (a negative n is not supported).
            kind, to, n = count_param
            count = _positive_int(n)
            if kind != "bar_count" or not isinstance(to, int | float) or count is None:
                return None
            end = int(to) + 1
        if count is None:
            return None
        return series_id, turnaround, symbol_id, interval, count, end

    async def _request_more_data(self, session: _ChartSession, params: list[Any]) -> None:
        series = session.series.get(str(params[1])) if len(params) > 2 else None
        count = _positive_int(params[2]) if len(params) > 2 else None
        if series is None or count is None:
            await self._critical(session.id, "invalid parameters", "request_more_data", params)
            return
        await self._send_page(session, series, series.oldest, count, False)

    async def _send_page(
        self, session: _ChartSession, series: _Series, end: int, count: int, first: bool
    ) -> None:
        config = self._config
        limit = config.history_limit
        cap = limit if limit is not None else MAX_HISTORY_BARS
        want = max(0, min(count, config.max_bars_per_request, cap - series.sent))
        now = self._clock.history_end()
        t = self._clock.quote_time()
        if want > 0 and not series.exhausted:
            page = self._history.page(
                series.listing, series.hours, series.interval, end=end, count=want, now=now
            )
        else:
            page = None
        rows = page.rows if page is not None else []
        if rows:
            if first:
                series.newest = rows[-1]
            series.oldest = int(rows[0][0])
            series.sent += len(rows)
        if len(rows) < want:
            series.exhausted = True
        at_limit = limit is not None and series.sent >= limit
        self._stats.bars_sent += len(rows)
        body: dict[str, Any] = {
            "node": NODE,
            "s": [{"i": i, "v": row} for i, row in enumerate(rows)],
            "ns": {"d": "", "indexes": []},
            "t": series.turnaround,
        }
        if first and page is not None and page.newest_close is not None:
            body["lbs"] = {"bar_close_time": page.newest_close - 1}
        marks = {
            "index": 0,
            "zoffset": 0,
            "changes": [row[0] for row in rows],
            "marks": [],
            "index_diff": [],
        }
        extra: dict[str, Any] = {"rt_update_period": RT_UPDATE_PERIOD}
        if at_limit:
            extra["data_completed"] = "limit"
        frames = [
            bulk_message("timescale_update", [session.id, {series.series_id: body}, marks], t=t)
        ]
        if first and rows:
            frames.append(
                message(
                    "series_timeframe",
                    [
                        session.id,
                        series.series_id,
                        series.turnaround,
                        0,
                        len(rows) - 1,
                        "12M",
                        True,
                    ],
                )
            )
        frames.append(
            message(
                "series_completed",
                [
                    session.id,
                    series.series_id,
                    self._mode(series.listing),
                    series.turnaround,
                    extra,
                ],
                t=t,
            )
        )
        await self._out.send(*frames)

    def _mode(self, listing: Listing) -> str:
        return DELAYED_MODE if listing.exchange in self._config.delayed_exchanges else MODE

    async def _live_updates(self, session: _ChartSession, series: _Series) -> None:
        """``du`` updates of the newest bar as the quote clock moves (``config.live_bars``).

        An update of the current bar keeps its ``i``; a new bar takes the next one.
        """
        index = max(series.sent - 1, 0)
        last = series.newest
        while True:
            await asyncio.sleep(self._config.quote_interval)
            t = int(self._clock.quote_time())
            row = self._history.current_bar(series.listing, series.hours, series.interval, t)
            if row is None or row == last:
                continue
            if last is not None and row[0] > last[0]:
                index += 1
            last = row
            body = {
                series.series_id: {
                    "s": [{"i": index, "v": row}],
                    "ns": {"d": "", "indexes": "nochange"},
                    "t": series.turnaround,
                }
            }
            await self._out.send(message("du", [session.id, body], t=t))
