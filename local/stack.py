"""The whole system in one process: what ``pocketquant run`` supervises.

The port is bound before anything else, so a busy port fails at once, before a queued job
is worked, the streamer's snapshot replayed or an event published. Then the parts start in
dependency order, and stop in reverse:

0. the metrics switch: EMF lines, CloudWatch's input on AWS, would drown the console's
   access log, so the handlers and the streamer print none unless ``metrics`` is asked;
1. the TradingView simulator (``feed="simulator"``), with the feed pointed at it;
2. the services container (``wiring``), built from those settings, installed for every
   handler;
3. the in-process sync queue, running jobs through the sync-worker handler;
4. the local scheduler, firing ``config.schedules`` through the scheduler handler;
5. the streamer on its own thread, on the same container's parts (without Redis its quote
   state and control signal are the ones the quote routes use);
6. the HTTP gateway in front of the api handler, on the socket bound first.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, Any

from config import timeouts
from config.schedules import SCHEDULES, ScheduleDefinition
from config.settings import Settings
from local.gateway import RunningGateway, listen, serve
from local.lambda_context import LocalLambdaContext
from local.scheduler import LocalScheduler
from local.simulator_thread import RunningSimulator
from wiring.services import Services, use_services

if TYPE_CHECKING:
    from streamer.in_thread import RunningStreamer
    from wiring.local import LocalSyncQueue

logger = logging.getLogger("pocketquant.local")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
"""The base URL of DESIGN.md: ``http://127.0.0.1:8765``."""


class Feed(Enum):
    TRADINGVIEW = "tradingview"
    SIMULATOR = "simulator"


@dataclass(frozen=True, slots=True)
class StackOptions:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    feed: Feed = Feed.TRADINGVIEW
    scheduler: bool = True
    retry_delay_s: float = timeouts.LOCAL_RETRY_DELAY_S
    """Wait before a failed background job is delivered again (SQS's visibility timeout)."""
    metrics: bool = False
    """Print the EMF metric lines the handlers and the streamer write on AWS."""


@dataclass
class _Parts:
    """What is running, in start order; closed in reverse."""

    closers: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def add(self, name: str, close: Callable[[], None]) -> None:
        self.closers.append((name, close))

    def close_all(self) -> None:
        while self.closers:
            name, close = self.closers.pop()
            try:
                close()
            except Exception:
                logger.exception("stopping the %s failed", name)


class LocalStack:
    """Start with :meth:`start` (or ``with``); stop with :meth:`close`."""

    def __init__(self, settings: Settings, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        self.settings = settings
        self.simulator: RunningSimulator | None = None
        self.services: Services | None = None
        self.queue: LocalSyncQueue | None = None
        self.scheduler: LocalScheduler | None = None
        self.streamer: RunningStreamer | None = None
        self.gateway: RunningGateway | None = None
        self._listener: socket.socket | None = None
        self._parts = _Parts()

    @property
    def url(self) -> str:
        if self.gateway is None:
            raise RuntimeError("the local stack is not running")
        return self.gateway.url

    def start(self) -> LocalStack:
        try:
            self._bind()
            self._configure_metrics()
            self._start_simulator()
            self._start_services()
            self._start_queue()
            self._start_scheduler()
            self._start_streamer()
            self._start_gateway()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        self._parts.close_all()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _bind(self) -> None:
        """Take the port first: ``OSError`` here, and nothing else has started."""
        listener = listen(self.options.host, self.options.port)
        self._listener = listener
        self._parts.add("listening socket", listener.close)

    def _configure_metrics(self) -> None:
        from functions.common.observability import set_metrics_enabled

        previous = set_metrics_enabled(self.options.metrics)

        def restore() -> None:
            set_metrics_enabled(previous)

        self._parts.add("metrics switch", restore)

    def _start_simulator(self) -> None:
        if self.options.feed is not Feed.SIMULATOR:
            return
        self.simulator = RunningSimulator()
        self._parts.add("simulator", self.simulator.close)
        # The services are built from these settings, so the feed dials the simulator (and
        # signs in there, never at TradingView).
        simulated = {
            "tradingview_url": self.simulator.url,
            "tradingview_signin_url": self.simulator.signin_url,
        }
        self.settings = self.settings.model_copy(update=simulated)

    def _start_services(self) -> None:
        services = Services(self.settings)
        previous = use_services(services)
        self.services = services

        def uninstall() -> None:
            use_services(previous)
            services.close()

        self._parts.add("services", uninstall)

    def _start_queue(self) -> None:
        from functions.sync_worker.handler import handler as sync_worker_handler
        from wiring.local import local_sync_queue

        assert self.services is not None
        self.queue = local_sync_queue(
            self.services,
            sync_worker_handler,
            lambda: LocalLambdaContext("pocketquant-sync-worker"),
            retry_delay_s=self.options.retry_delay_s,
        )
        self.services.set_sync_queue(self.queue)
        self._parts.add("sync worker", self.queue.close)

    def fire(self, schedule: ScheduleDefinition) -> dict[str, Any]:
        """What EventBridge Scheduler does when ``schedule`` is due: invoke the scheduler."""
        from functions.scheduler.handler import handler as scheduler_handler

        # No configured symbol list locally: the schedules sync what the store tracks.
        return scheduler_handler(
            schedule.target_input((), ()), LocalLambdaContext("pocketquant-scheduler")
        )

    def _start_scheduler(self) -> None:
        if not self.options.scheduler:
            return
        self.scheduler = LocalScheduler(SCHEDULES, self.fire)
        self.scheduler.start()
        self._parts.add("scheduler", self.scheduler.close)

    def _start_streamer(self) -> None:
        """Between the scheduler and the gateway, so the quote routes find it running and
        it stops after the gateway stopped taking requests."""
        from streamer.config import StreamerConfig
        from streamer.in_thread import RunningStreamer
        from streamer.service import Streamer
        from wiring.streamer import streamer_parts

        assert self.services is not None
        config = StreamerConfig(health_port=None)
        if not self.options.metrics:
            config = replace(config, metrics_interval=0)
        self.streamer = RunningStreamer(Streamer(config, streamer_parts(self.services)))
        self._parts.add("streamer", self.streamer.close)

    def _start_gateway(self) -> None:
        from functions.api.app import openapi_json
        from functions.api.handler import handler as api_handler

        # The deployed API declares a resource per documented route and sends the rest
        # through {proxy+}; the events carry the same resources here.
        routes = list(json.loads(openapi_json())["paths"])
        self.gateway = serve(
            api_handler,
            self.options.host,
            self.options.port,
            self.settings,
            routes=routes,
            listener=self._listener,
        )
        self._parts.add("gateway", self.gateway.close)
