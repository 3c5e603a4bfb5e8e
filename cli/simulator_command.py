"""``pocketquant simulator``: the TradingView protocol simulator, with its refusals.

Each refusal flag plays one way TradingView turns a client away, so the guardrails can be
watched at work by hand (``make demo`` against it, then ``/health`` and the logs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Any

from config.settings import Settings


def add_simulator_command(commands: Any) -> None:
    sim = commands.add_parser("simulator", help="run the TradingView protocol simulator")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8790)
    sim.add_argument(
        "--signin-port", type=int, default=8791, help="the sign-in endpoint's port (8791)"
    )
    refusals = sim.add_argument_group("refusals (how TradingView turns a client away)")
    refusals.add_argument(
        "--refuse-status", type=int, metavar="STATUS", help="refuse handshakes, e.g. 429 or 403"
    )
    refusals.add_argument(
        "--retry-after", type=int, metavar="SECONDS", help="the Retry-After of those refusals"
    )
    refusals.add_argument(
        "--reject-token", action="store_true", help='answer every token with "bad auth token"'
    )
    refusals.add_argument(
        "--protocol-error", metavar="TEXT", help="answer every token with protocol_error TEXT"
    )
    refusals.add_argument(
        "--signin-refuse-status", type=int, metavar="STATUS", help="refuse sign-ins, e.g. 429"
    )
    refusals.add_argument(
        "--signin-reject", action="store_true", help="answer sign-ins as wrong credentials"
    )
    refusals.add_argument(
        "--token-lifetime",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="life of a signed-in token (3600)",
    )
    sim.set_defaults(handler=_cmd_simulator)


def _cmd_simulator(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.config import SimulatorConfig
    from simulator.server import Simulator

    config = SimulatorConfig(
        host=args.host,
        port=args.port,
        signin_port=args.signin_port,
        refuse_status=args.refuse_status,
        refuse_retry_after=args.retry_after,
        reject_token=args.reject_token,
        protocol_error=args.protocol_error,
        signin_refuse_status=args.signin_refuse_status,
        signin_reject=args.signin_reject,
        token_lifetime=args.token_lifetime,
    )

    async def serve() -> None:
        async with Simulator(config) as simulator:
            print(f"TradingView simulator on {simulator.url}")
            print(f"point PocketQuant at it with: export PQ_TRADINGVIEW_URL='{simulator.url}'")
            print(f"sign in there with: export PQ_TRADINGVIEW_SIGNIN_URL='{simulator.signin_url}'")
            print("Ctrl-C stops it.", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    return 0
