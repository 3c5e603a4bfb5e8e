"""What live quotes need from the outside world: the values and ports shared by the quote
use cases (the API side, synchronous) and the streamer (asynchronous).

Three kinds of state, each with its own lifetime:

* the **desired state** (feed running or stopped, subscribed symbols) is durable: it lives in
  the bar store's database (SQLite locally, MongoDB on AWS) so it survives a restart of the
  API or the streamer (``SubscriptionStore``);
* the **hot state** (latest quotes, bars in progress, the streamer's status and its
  aggregator snapshot) lives in Redis, or in this process when no Redis is configured
  (``QuoteStateReader`` for the API, ``QuoteStateWriter`` for the streamer);
* a **control signal** tells the streamer that the desired state changed
  (``ControlNotifier`` / ``ControlListener``): Redis pub/sub, or an in-process signal. A lost
  signal only delays the change: the streamer also reconciles periodically.

The quotes themselves come over a ``QuoteConnection`` (TradingView's quote session), which
hands what it reads to the streamer's ``QuoteSink``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.bars import Bar
from domain.errors import DomainError
from domain.intervals import Interval
from domain.quotes import LatestQuote
from domain.sessions import TradingSession
from domain.symbols import Symbol


class QuoteStateUnavailable(DomainError):
    """The hot quote state (Redis) could not be read or written; the caller retries or reports."""

    code = "quote_state_unavailable"


@dataclass(frozen=True, slots=True)
class DesiredQuotes:
    """What the API asked for: is the feed running, and which symbols are subscribed."""

    running: bool = False
    symbols: tuple[Symbol, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "symbols", tuple(sorted(set(self.symbols))))


@dataclass(frozen=True, slots=True)
class StreamerStatus:
    """What the streamer reports about itself, written with every flush that changes it.

    ``updated_at`` (UTC epoch seconds) lets a reader tell a live report from the last words
    of a streamer that has gone away. ``unknown_symbols`` maps each symbol TradingView did
    not know to its reason; such a symbol is not asked for again until it is unsubscribed
    and subscribed anew.
    """

    connected: bool
    updated_at: float
    running: bool = False
    last_tick_at: float | None = None
    active_symbols: tuple[str, ...] = ()
    unknown_symbols: Mapping[str, str] = field(default_factory=dict)
    reconnects: int = 0
    connected_since: float | None = None


BarSlot = tuple[str, Interval]
"""A bar in progress is kept per ``("EXCHANGE:TICKER", interval)``."""


@dataclass(slots=True)
class StateBatch:
    """One coalesced flush of the hot state: only what changed since the previous one."""

    quotes: list[LatestQuote] = field(default_factory=list)
    bars: dict[BarSlot, Bar] = field(default_factory=dict)
    cleared_bars: list[BarSlot] = field(default_factory=list)
    """Bars completed with no new one begun yet: nothing is in progress there now."""
    removed_symbols: list[str] = field(default_factory=list)
    """Symbols no longer subscribed: their quote and bars are deleted."""
    status: StreamerStatus | None = None

    def __bool__(self) -> bool:
        return bool(
            self.quotes or self.bars or self.cleared_bars or self.removed_symbols or self.status
        )


class SubscriptionStore(Protocol):
    """The durable desired state. Every method is synchronous (run it in a thread from async
    code) and raises ``StoreUnavailable`` when the database cannot be used."""

    def desired(self) -> DesiredQuotes: ...

    def set_running(self, running: bool) -> None: ...

    def add_symbol(self, symbol: Symbol) -> bool:
        """Subscribe ``symbol``; ``False`` when it already was."""
        ...

    def remove_symbol(self, symbol: Symbol) -> bool:
        """Unsubscribe ``symbol``; ``False`` when it was not subscribed."""
        ...

    def close(self) -> None: ...


class QuoteStateReader(Protocol):
    """The API's view of the hot state. Raises ``QuoteStateUnavailable`` when unreachable."""

    def latest(self, symbol: Symbol) -> LatestQuote | None: ...

    def latest_many(self, symbols: Sequence[Symbol]) -> list[LatestQuote]:
        """The latest quote of each symbol that has one, in the order given."""
        ...

    def current_bar(self, symbol: Symbol, interval: Interval) -> Bar | None: ...

    def streamer_status(self) -> StreamerStatus | None: ...


class QuoteStateWriter(Protocol):
    """The streamer's side of the hot state. Raises ``QuoteStateUnavailable`` on failure;
    the caller keeps what it could not write and tries again."""

    async def write(self, batch: StateBatch) -> None:
        """Apply the batch in one round trip (one pipeline on Redis)."""
        ...

    async def save_snapshot(self, snapshot: Mapping[str, Any]) -> None:
        """Keep the streamer's resumable state (aggregators, bars not yet stored)."""
        ...

    async def load_snapshot(self) -> dict[str, Any] | None: ...

    async def aclose(self) -> None: ...


class ControlNotifier(Protocol):
    """Tells the streamer that the desired state changed (best effort: it also polls)."""

    def notify(self) -> None: ...


class ControlListener(Protocol):
    """The streamer's end of the control signal."""

    async def wait(self, within: float) -> bool:
        """``True`` when a signal arrived within ``within`` seconds, else ``False``.

        Raises ``QuoteStateUnavailable`` when the signal channel is broken (the caller
        backs off and calls again).
        """
        ...

    async def aclose(self) -> None: ...


class QuoteSink(Protocol):
    """What a quote connection tells the streamer as messages arrive."""

    def on_quote(self, name: str, update: dict[str, Any], received: float) -> None:
        """The changed quote values of ``name`` (``EXCHANGE:TICKER``): the hot path."""
        ...

    def on_quote_refused(self, name: str, reason: str) -> None:
        """The source will not quote ``name``."""
        ...

    async def on_resolved(self, symbol: Symbol, session: TradingSession) -> None:
        """A ``resolve`` answered: the symbol's trading session."""
        ...

    def on_unresolvable(self, symbol: Symbol, reason: str) -> None:
        """A ``resolve`` refused: the source does not know the symbol."""
        ...


class QuoteConnection(Protocol):
    """One open connection to the quote source: a quote session for the subscribed symbols
    and the resolution of their trading sessions. Methods raise ``FeedUnavailable`` (and
    ``FeedProtocolError``, ``AuthenticationRejected``) when the connection fails."""

    async def start(self) -> None:
        """Create the sessions; the connection is usable once this returns."""
        ...

    async def add_symbols(self, symbols: Sequence[Symbol]) -> None: ...

    async def remove_symbols(self, symbols: Sequence[Symbol]) -> None: ...

    async def resolve(self, symbol: Symbol, now: float) -> None:
        """Ask for ``symbol``'s trading session; the answer reaches the sink."""
        ...

    def resolving(self) -> set[Symbol]:
        """Symbols asked for and not answered yet."""
        ...

    def expire_resolutions(self, older_than: float) -> list[Symbol]:
        """Forget requests sent before ``older_than`` (so they can be asked again)."""
        ...

    async def read(
        self, sink: QuoteSink, *, idle_timeout: float, clock: Callable[[], float]
    ) -> None:
        """Hand every message to ``sink``, stamped ``clock()`` as received, until the
        connection fails (it raises then).

        Silence with neither messages nor heartbeats for ``idle_timeout`` seconds is a
        dead connection (``FeedUnavailable``).
        """
        ...

    async def close(self) -> None: ...


QuoteConnector = Callable[[], Awaitable[QuoteConnection]]
"""Opens an authenticated quote connection (raises ``FeedUnavailable``,
``AuthenticationRejected``)."""
