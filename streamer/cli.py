"""``pocketquant streamer``: the streamer alone, until SIGTERM or Ctrl-C (the container's
command). ``cli/main.py`` registers it with ``add_streamer_command(subparsers)``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import Any

from config.settings import Settings
from streamer.config import StreamerConfig


def add_streamer_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``streamer`` to the ``pocketquant`` sub-commands."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "streamer",
        help="run the live-quote streamer alone (TradingView quotes → bars, Redis, store)",
        description=(
            "Keep one TradingView connection with a quote session for the subscribed "
            "symbols, build bars of every interval from the ticks, and flush quotes and "
            "bars to Redis (PQ_REDIS_URL) and completed bars to the store. Subscriptions "
            "come from the API (POST /quotes/subscribe). SIGTERM saves the bars in progress."
        ),
    )
    parser.add_argument("--health-host", default="0.0.0.0", help="default 0.0.0.0")
    parser.add_argument(
        "--health-port", type=int, default=8080, help="GET /health on this port (default 8080)"
    )
    parser.set_defaults(handler=run_streamer_command)
    return parser


def run_streamer_command(args: argparse.Namespace, settings: Settings) -> int:
    # A service logs at PQ_LOG_LEVEL whether or not the CLI was asked to be verbose.
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger().setLevel(level)
    config = StreamerConfig(health_host=args.health_host, health_port=args.health_port)
    asyncio.run(_serve(settings, config))
    return 0


async def _serve(settings: Settings, config: StreamerConfig) -> None:
    # Imported here so other commands start fast.
    from streamer.service import Streamer
    from wiring.services import Services
    from wiring.streamer import streamer_parts

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    with Services(settings) as services:
        await Streamer(config, streamer_parts(services)).run(stop)
