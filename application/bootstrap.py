"""The composition root: picks each adapter from the settings.

Embedded defaults (SQLite, in-process bus) unless a variable names the real service.
"""

from __future__ import annotations

from config.settings import Settings
from domain.ports import BarStore, EventPublisher, MarketDataFeed


def build_store(settings: Settings) -> BarStore:
    from adapters.stores.factory import bar_store_from_settings

    return bar_store_from_settings(settings)


def build_feed(settings: Settings) -> MarketDataFeed:
    from adapters.tradingview.client import TradingViewHistoryClient

    return TradingViewHistoryClient.from_settings(settings)


def build_events(settings: Settings) -> EventPublisher:
    from adapters.events.in_process import InProcessEventBus

    return InProcessEventBus()
