"""A TradingView websocket simulator on loopback: history, quotes and fault switches.

It speaks TradingView's protocol (framing, heartbeats, auth, chart and quote sessions, error
cascades) over one deterministic set of trades per listing: the quotes send every trade and
each history bar aggregates exactly the trades of its period (``simulator.market``). The
catalogue's metadata is TradingView's own where a capture shows it. The TradingView client,
the streamer and ``make demo`` run on it without the internet.
"""

from simulator.config import SimulatorConfig
from simulator.server import Simulator, serve_forever
from simulator.stats import SimulatorStats

__all__ = ["Simulator", "SimulatorConfig", "SimulatorStats", "serve_forever"]
