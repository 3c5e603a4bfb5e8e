"""Live-quote state behind the ports of ``application.quote_ports``.

* desired subscriptions and the running flag, durable: SQLite (``sqlite_subscriptions``)
  or MongoDB (``mongo_subscriptions``);
* latest quotes, bars in progress, the streamer's status and snapshot: Redis
  (``redis_state``) or this process (``in_process``);
* the control signal from the API to the streamer: Redis pub/sub (``redis_control``) or
  in-process (``in_process``).

The composition root (``wiring``) picks them from the settings.
"""
