"""The streamer: one quote connection, bars of every interval built from its ticks, and the
state the API reads, flushed to Redis (or this process).

``pocketquant streamer`` runs it alone (the container's command); ``pocketquant run``
starts it on a thread beside the local gateway (``in_thread``). Its parts come from the
composition root (``wiring.streamer``). Modules, one job each: ``config`` (tunables),
``book`` (merged quotes and aggregators per symbol: the hot path), ``reconnect``
(backoff), ``feed`` (the connection's lifecycle), ``control`` (reconciling the desired
state), ``flusher`` (hot state, completed bars, events, snapshots), ``health``,
``metrics``, ``service`` (the parts and the lifetime) and ``cli``.
"""
