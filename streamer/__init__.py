"""The streamer: one TradingView connection with a quote session, bars of every interval
built from its ticks, and the state the API reads, flushed to Redis (or this process).

``pocketquant streamer`` runs it alone (the container's command); ``pocketquant run``
starts it in-process beside the local gateway with ``run_streamer(settings, stop=...)``.
Modules, one job each: ``config`` (tunables), ``quote_session`` (the protocol messages),
``quote_fields`` (TradingView fields → the API's quote), ``book`` (merged quotes and
aggregators per symbol: the hot path), ``symbols`` (trading sessions via ``resolve_symbol``),
``reconnect`` (backoff), ``feed`` (the connection's lifecycle), ``control`` (reconciling the
desired state), ``flusher`` (hot state, completed bars, events, snapshots), ``health``,
``metrics``, ``service`` (wiring and lifetime) and ``cli``.
"""

from streamer.config import StreamerConfig
from streamer.service import Streamer, run_streamer

__all__ = ["Streamer", "StreamerConfig", "run_streamer"]
