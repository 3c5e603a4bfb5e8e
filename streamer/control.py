"""Reconciling with the desired state: read it from the durable store whenever the API
signals a change, and every ``reconcile_interval`` seconds in case a signal was lost.

A store or signal-channel failure is logged and retried with backoff; the feed keeps the
last desired state it was given meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from application.quote_ports import (
    ControlListener,
    DesiredQuotes,
    QuoteStateUnavailable,
    SubscriptionStore,
)
from domain.errors import DomainError
from streamer.reconnect import Backoff

logger = logging.getLogger(__name__)


class Reconciler:
    def __init__(
        self,
        subscriptions: SubscriptionStore,
        listener: ControlListener,
        apply: Callable[[DesiredQuotes], None],
        *,
        interval: float,
        retry_base: float = 0.5,
        retry_cap: float = 30.0,
    ) -> None:
        self._subscriptions = subscriptions
        self._listener = listener
        self._apply = apply
        self._interval = interval
        self._store_backoff = Backoff(retry_base, retry_cap, healthy_after=float("inf"))
        self._signal_backoff = Backoff(retry_base, retry_cap, healthy_after=float("inf"))
        self.reconciles = 0
        self.last_desired: DesiredQuotes | None = None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if not await self.reconcile():
                await _pause(stop, self._store_backoff.next_delay())
                continue
            self._store_backoff.reset()
            try:
                await self._wait_signal(stop)
                self._signal_backoff.reset()
            except QuoteStateUnavailable as error:
                delay = self._signal_backoff.next_delay()
                logger.warning(
                    "control signals unavailable (%s); reconciling every %.1fs until back",
                    error.message,
                    delay,
                )
                await _pause(stop, delay)

    async def _wait_signal(self, stop: asyncio.Event) -> None:
        """Until a signal, ``interval`` seconds or ``stop``, whichever comes first."""
        signal = asyncio.ensure_future(self._listener.wait(self._interval))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({signal, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not signal.done():
                signal.cancel()
            await asyncio.gather(signal, stopping, return_exceptions=True)
        if not signal.cancelled():
            signal.result()  # re-raises QuoteStateUnavailable

    async def reconcile(self) -> bool:
        """Read the desired state and hand it to the feed; ``False`` when it could not be read."""
        try:
            desired = await asyncio.to_thread(self._subscriptions.desired)
        except DomainError as error:
            logger.warning("cannot read the desired quote state: %s", error.message)
            return False
        if desired != self.last_desired:
            logger.info(
                "desired quote state: %s, %d symbols",
                "running" if desired.running else "stopped",
                len(desired.symbols),
            )
        self.last_desired = desired
        self.reconciles += 1
        self._apply(desired)
        return True


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
