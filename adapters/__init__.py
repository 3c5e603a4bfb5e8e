"""Adapters: the I/O behind the domain's ports (stores, TradingView, cache, events)."""
