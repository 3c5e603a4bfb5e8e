"""What the simulator has seen and done, for tests to assert on."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SimulatorStats:
    connections_opened: int = 0
    connections_closed: int = 0
    handshakes_refused: int = 0
    connections_dropped: int = 0
    """Closed by a fault switch (``drop_after_messages``, ``drop_all``)."""
    heartbeats_sent: int = 0
    heartbeats_echoed: int = 0
    heartbeat_timeouts: int = 0
    auth_tokens: list[str] = field(default_factory=list)
    auth_rejected: int = 0
    protocol_errors: int = 0
    messages_received: Counter[str] = field(default_factory=Counter)
    """Client method messages by name."""
    messages_sent: int = 0
    """Websocket messages sent, heartbeats included."""
    frames_sent: Counter[str] = field(default_factory=Counter)
    """Server method frames by name (``~h~`` heartbeats and the hello not included)."""
    bars_sent: int = 0
    signin_attempts: int = 0
    signins: int = 0
    """Sign-ins that returned a token."""
    issued_tokens: dict[str, float] = field(default_factory=dict)
    """Each token the sign-in issued, with its expiry (epoch seconds)."""

    @property
    def active_connections(self) -> int:
        return self.connections_opened - self.connections_closed
