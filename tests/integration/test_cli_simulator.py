"""``pocketquant simulator`` as a process: its flags switch the faults on."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from websockets.asyncio.client import connect

from adapters.tradingview import codec

WAIT = 20.0


@asynccontextmanager
async def simulator_process(*flags: str) -> AsyncIterator[str]:
    """``pocketquant simulator --port 0 FLAGS``; yields the URL it prints."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "simulator", "--port", "0", *flags,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        async with asyncio.timeout(WAIT):
            first = (await process.stdout.readline()).decode()
        assert first.startswith("TradingView simulator on ws://"), first
        yield first.split(" on ", 1)[1].strip()
    finally:
        process.terminate()
        await process.wait()


async def first_payloads(url: str, *, until: Callable[[list[object]], bool]) -> list[object]:
    """Payloads after sending the anonymous token and opening a chart session."""
    seen: list[object] = []
    async with connect(url) as ws:
        await ws.send(codec.encode("set_auth_token", ["unauthorized_user_token"]))
        await ws.send(codec.encode("chart_create_session", ["cs_1", ""]))
        await ws.send(codec.encode("switch_timezone", ["cs_1", "Nowhere/Nowhere"]))
        async with asyncio.timeout(WAIT):
            async for raw in ws:
                seen.extend(codec.parse_message(str(raw)))
                if until(seen):
                    break
    return seen


def methods(payloads: list[object]) -> list[str]:
    return [p.method for p in payloads if isinstance(p, codec.Message)]


async def test_reject_token_flag_refuses_the_token() -> None:
    async with simulator_process("--reject-token") as url:
        seen = await first_payloads(url, until=lambda s: "protocol_error" in methods(s))
    errors = [p for p in seen if isinstance(p, codec.Message) and p.method == "protocol_error"]
    assert errors[0].params == ["bad auth token"]


async def test_without_flags_the_same_requests_are_answered() -> None:
    async with simulator_process() as url:
        seen = await first_payloads(url, until=lambda s: "critical_error" in methods(s))
    assert "protocol_error" not in methods(seen)
