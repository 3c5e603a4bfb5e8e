"""``pocketquant run``: the whole system on this machine, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING, Any

from config.settings import Settings

if TYPE_CHECKING:
    from local.stack import LocalStack

# Kept here, not imported from local.stack, so `pocketquant --help` stays quick to start.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
FEEDS = ("tradingview", "simulator")


def add_run_command(subparsers: Any) -> None:
    """Register ``run`` on the ``pocketquant`` sub-command parsers."""
    run = subparsers.add_parser(
        "run",
        help="run the local stack: HTTP API, background syncs, schedules",
        description=(
            "Start the HTTP API on loopback with the background sync worker and the "
            "scheduled syncs, all in this process. Ctrl-C stops it."
        ),
    )
    run.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    run.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    run.add_argument(
        "--feed",
        choices=FEEDS,
        default=FEEDS[0],
        help="tradingview (default) or the built-in simulator, for use with no internet",
    )
    run.add_argument(
        "--metrics",
        action="store_true",
        help="print the CloudWatch EMF metric lines (one per request) as on AWS",
    )
    run.set_defaults(handler=run_local_stack)


_BACKEND_NAMES = {"sqlite": "SQLite", "mongodb": "MongoDB", "redis": "Redis"}


def _backend(name: str) -> str:
    return _BACKEND_NAMES.get(name, name)


def _feed_line(stack: LocalStack) -> str:
    if stack.simulator is not None:
        return f"TradingView simulator at {stack.simulator.url}"
    return f"TradingView at {stack.settings.tradingview_url}"


def describe(stack: LocalStack) -> list[str]:
    """Where to look, as the lines ``pocketquant run`` prints. Never a secret."""
    settings = stack.settings
    services = stack.services
    if services is None:
        raise RuntimeError("the local stack is not running")
    store, cache = services.store, services.cache
    url = stack.url
    lines = [
        f"PocketQuant is running at {url}",
        f"  API docs   {url}/docs",
        f"  OpenAPI    {url}/openapi.json",
        f"  health     {url}/health",
        f"  store      {_backend(store.backend)}, {store.location}",
        f"  cache      {_backend(cache.backend)}",
        *_queue_lines(stack),
        f"  feed       {_feed_line(stack)}",
        f"  events     {settings.event_bus_name or 'in-process (logged)'}",
        "  API key    "
        + ("required: send x-api-key (PQ_API_KEY)" if settings.api_key else "not required"),
    ]
    if stack.scheduler is not None:
        for at, schedule in stack.scheduler.upcoming(datetime.now(UTC)):
            lines.append(f"  schedule   {schedule.name}: next at {at:%Y-%m-%d %H:%M} UTC")
    if settings.api_key is None and not _is_loopback(stack.options.host):
        lines.append(f"warning: listening on {stack.options.host} with no API key (PQ_API_KEY)")
    lines.append(
        f"try: curl -s -X POST {url}/market-data/sync -H 'Content-Type: application/json' "
        """-d '{"symbol": "AAPL", "exchange": "NASDAQ"}'"""
    )
    lines.append("Ctrl-C stops it.")
    return lines


def _queue_lines(stack: LocalStack) -> list[str]:
    queue = stack.queue
    if queue is None:
        return []
    waiting = queue.waiting()
    left = f" ({waiting} left from before, being worked)" if waiting else ""
    return [f"  jobs       SQLite, {queue.path}{left}"]


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _stop_on_signals(stop: threading.Event) -> None:
    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()
        # A second Ctrl-C while stopping ends the process at once.
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)


def run_local_stack(args: argparse.Namespace, settings: Settings) -> int:
    from local.stack import Feed, LocalStack, StackOptions

    logging.getLogger("pocketquant").setLevel(settings.log_level.upper())
    stop = threading.Event()
    _stop_on_signals(stop)
    options = StackOptions(
        host=args.host, port=args.port, feed=Feed(args.feed), metrics=args.metrics
    )
    try:
        stack = LocalStack(settings, options).start()
    except OSError as error:
        print(
            f"error: cannot listen on {args.host}:{args.port}: {error.strerror}; try --port",
            file=sys.stderr,
        )
        return 1
    try:
        print("\n".join(describe(stack)), flush=True)
        stop.wait()
        print("stopping…", flush=True)
    finally:
        stack.close()
    print("stopped.", flush=True)
    return 0
