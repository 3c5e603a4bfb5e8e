"""A TradingView websocket simulator on loopback: history, quotes and fault switches.

It speaks the protocol described in ``/work/shared/tradingview-protocol.md`` (framing,
heartbeats, auth, chart and quote sessions, error cascades) over deterministic synthetic
bars, so the TradingView client, the streamer and ``make demo`` run without the internet.
"""

from simulator.config import SimulatorConfig
from simulator.server import Simulator, serve_forever
from simulator.stats import SimulatorStats

__all__ = ["Simulator", "SimulatorConfig", "SimulatorStats", "serve_forever"]
