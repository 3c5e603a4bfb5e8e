"""The simulator's settings and fault switches; every field may change while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SimulatorConfig:
    host: str = "127.0.0.1"
    """The address to listen on (loopback unless told otherwise)."""
    port: int = 0
    """0 picks any free port; ``Simulator.url`` tells which."""
    max_bars_per_request: int = 5000
    """Bars per ``create_series`` or ``request_more_data`` reply at most."""
    history_limit: int | None = None
    """Bars a series offers in total (the account's limit); ``None`` = back to the listing."""
    quote_interval: float = 1.0
    """Real seconds between partial ``qsd`` updates of a symbol."""
    heartbeat_interval: float = 10.0
    """Seconds between the heartbeats (``~h~n``) sent to each client."""
    heartbeat_timeout: float = 30.0
    """A client that has not echoed a heartbeat this many seconds after it was sent is closed."""
    drop_after_messages: int | None = None
    """Abort a connection once it has been sent this many websocket messages (the hello counts,
    heartbeats do not)."""
    reply_delay: float = 0.0
    """Seconds to wait before answering each client message."""
    reject_token: bool = False
    """Answer every ``set_auth_token`` with ``protocol_error ["bad auth token"]``."""
    now: int | None = None
    """Epoch seconds at which the simulator's clock starts: history ends there and quotes run
    on from it; ``None`` = the real time."""
    rejected_tokens: set[str] = field(default_factory=set)
    """Tokens refused even when ``reject_token`` is off."""
    tick_speed: float = 1.0
    """Simulated seconds per real second on the clock (which starts at ``now``); 0 stops it."""
    live_bars: bool = False
    """Send ``du`` updates of the newest bar every ``quote_interval`` after a series loads."""
    refuse_status: int | None = None
    """Refuse new websocket handshakes with this HTTP status (e.g. 403 or 429)."""
    delayed_exchanges: set[str] = field(default_factory=set)
    """Exchanges served as an anonymous account sees them: mode ``delayed_streaming_900``."""
    symbol_error_delay: float = 0.1
    """How long an unknown symbol's ``symbol_error`` waits for a ``create_series`` to follow."""

    # --- refusals, as TradingView plays them (each may be switched while it runs) ---------
    refuse_retry_after: int | None = None
    """With ``refuse_status``: the ``Retry-After`` header (seconds) of the refusal."""
    protocol_error: str | None = None
    """Answer every ``set_auth_token`` with ``protocol_error [text]`` and close: how
    TradingView reports rate limits and bans (e.g. "rate limit exceeded")."""
    signin_port: int | None = 0
    """The sign-in endpoint's port (0: any free one; ``None``: none); ``Simulator.signin_url``."""
    signin_password: str | None = None
    """The password the sign-in accepts (``None``: any)."""
    signin_refuse_status: int | None = None
    """Refuse sign-ins with this HTTP status (429 as TradingView throttles, 500, ...)."""
    signin_reject: bool = False
    """Answer sign-ins as TradingView answers wrong credentials (HTTP 200, an ``error``)."""
    token_lifetime: float = 3600.0
    """Seconds a signed-in token lives (its JWT ``exp``); an expired one is a bad auth token."""
