"""The streamer's parts, from a container: ``Streamer(config, streamer_parts(services))``.

The durable desired state, the bar store and the event publisher (which keeps the query
cache in step) are the container's, shared with whatever else it serves and closed by
``Services.close()``. The hot state's writer and the control listener are opened for each
run in the streamer's own event loop: with Redis, async clients of their own (closed when
the run ends); without, the container's in-process state and signal, which the quote
routes of the same container read and send (the local stack).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from application.quote_ports import ControlListener, QuoteStateWriter
from domain.ports import BarStore, EventPublisher
from streamer.config import StreamerConfig
from streamer.service import PartsOpener, StreamerParts

if TYPE_CHECKING:
    from wiring.services import Services


def streamer_parts(
    services: Services,
    *,
    store: BarStore | None = None,
    events: EventPublisher | None = None,
) -> PartsOpener:
    """The opener of a streamer's parts; ``store`` and ``events`` replace the container's
    (tests record what the streamer stores and publishes)."""

    @asynccontextmanager
    async def open_parts(config: StreamerConfig) -> AsyncIterator[StreamerParts]:
        writer, listener = _hot_state(services)
        try:
            auth = services.tradingview_auth
            settings = services.settings
            from adapters.tradingview.quote_connection import quote_connector

            yield StreamerParts(
                subscriptions=services.subscriptions,
                writer=writer,
                listener=listener,
                store=store if store is not None else services.store,
                events=events if events is not None else services.events,
                connect=quote_connector(
                    settings.tradingview_url,
                    auth.token,
                    origin=settings.tradingview_origin,
                    timeout=config.connect_timeout,
                ),
                on_auth_rejected=auth.forget if auth.can_refresh else None,
            )
        finally:
            await listener.aclose()
            await writer.aclose()

    return open_parts


def _hot_state(services: Services) -> tuple[QuoteStateWriter, ControlListener]:
    url = services.settings.redis_url
    if url is None:
        return services.local_quote_state, services.local_control.listener()
    from adapters.quote_state.redis_control import RedisControlListener
    from adapters.quote_state.redis_state import RedisQuoteWriter, async_client

    return (
        RedisQuoteWriter(async_client(url.get_secret_value())),
        RedisControlListener(async_client(url.get_secret_value())),
    )
