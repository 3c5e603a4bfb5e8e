"""The control signal over Redis pub/sub: the API publishes, the streamer listens.

Pub/sub delivers only to listeners connected at that moment, so a signal sent while the
streamer is reconnecting is lost; the listener therefore reports a signal right after each
(re)subscription, which makes the streamer reconcile from the durable desired state.
"""

from __future__ import annotations

import asyncio
import contextlib

import redis
import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from adapters.quote_state import names
from adapters.quote_state.redis_state import unavailable

_SIGNAL = b"changed"


class RedisControlNotifier:
    """``ControlNotifier``: publishes on the control channel; ``close()`` closes ``client``
    (the composition root shares its one client instead, and closes it itself)."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    def notify(self) -> None:
        try:
            self._client.publish(names.CONTROL_CHANNEL, _SIGNAL)
        except RedisError as exc:
            raise unavailable("signal the streamer", exc) from exc

    def close(self) -> None:
        self._client.close()


class RedisControlListener:
    """``ControlListener``: one pub/sub connection, re-established after a failure."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self._pubsub: PubSub | None = None

    async def wait(self, within: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        try:
            if self._pubsub is None:
                pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                self._pubsub = pubsub
                await pubsub.subscribe(names.CONTROL_CHANNEL)
                return True  # signals sent while unsubscribed are lost: reconcile now
            while (remaining := deadline - loop.time()) > 0:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=remaining
                )
                if message is not None:
                    return True
            return False
        except RedisError as exc:
            await self._drop()
            raise unavailable("listen for control signals", exc) from exc

    async def _drop(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            # The connection is already broken; closing only releases it.
            with contextlib.suppress(RedisError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def aclose(self) -> None:
        await self._drop()
        await self._client.aclose()
