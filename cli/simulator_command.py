"""``pocketquant simulator``: the TradingView simulator, with every switch as a flag.

Each field of ``SimulatorConfig`` is a flag (``drop_after_messages`` is
``--drop-after-messages``), its help the field's own docstring in ``simulator/config.py``:
a switch added there is on the command line at once, and a test fails while one has no
docstring or the README does not list it.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import dataclasses
import inspect
import textwrap
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from config.settings import Settings
from domain.errors import InvalidInput

if TYPE_CHECKING:  # the simulator's package starts a websocket server: imported on use
    from simulator.config import SimulatorConfig

DEFAULT_PORT = 8790
"""The command's port (the config's own default, 0, picks any free port)."""
DEFAULT_SIGNIN_PORT = 8791
"""The command's sign-in endpoint port, beside it."""
_COMMAND_DEFAULTS = {"port": DEFAULT_PORT, "signin_port": DEFAULT_SIGNIN_PORT}


def _moment(text: str) -> int:
    """Epoch seconds, or an ISO 8601 time (UTC unless it names an offset)."""
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not epoch seconds nor ISO 8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _names(text: str) -> set[str]:
    return {item.strip() for item in text.split(",") if item.strip()}


_PARSERS: dict[str, Callable[[str], Any]] = {"now": _moment}
"""Fields read another way than their type says."""


@dataclasses.dataclass(frozen=True)
class Switch:
    """One ``SimulatorConfig`` field as a command-line flag."""

    field: str
    flag: str
    help: str
    default: Any
    parse: Callable[[str], Any] | None
    """``None``: an on/off flag."""


def field_docs(cls: type) -> dict[str, str]:
    """Each dataclass field's docstring (the string right after it), whitespace folded."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = next(node for node in tree.body if isinstance(node, ast.ClassDef)).body
    docs: dict[str, str] = {}
    for node, after in zip(body, [*body[1:], None], strict=True):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = " ".join(after.value.value.replace("``", "").split())
    return docs


def _parser_for(name: str, hint: Any) -> Callable[[str], Any] | None:
    if name in _PARSERS:
        return _PARSERS[name]
    if hint is bool:
        return None
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _parser_for(name, inner)
    if hint in (int, float, str):
        parse: Callable[[str], Any] = hint
        return parse
    if typing.get_origin(hint) is set and args == (str,):
        return _names
    raise TypeError(f"SimulatorConfig.{name}: no command-line form for {hint!r}")


def simulator_switches() -> list[Switch]:
    """Every ``SimulatorConfig`` field as a flag, in the order the config lists them."""
    from simulator.config import SimulatorConfig

    hints = typing.get_type_hints(SimulatorConfig)
    docs = field_docs(SimulatorConfig)
    defaults = SimulatorConfig()
    switches: list[Switch] = []
    for item in dataclasses.fields(SimulatorConfig):
        default = _COMMAND_DEFAULTS.get(item.name, getattr(defaults, item.name))
        switches.append(
            Switch(
                item.name,
                "--" + item.name.replace("_", "-"),
                docs.get(item.name, ""),
                default,
                _parser_for(item.name, hints[item.name]),
            )
        )
    return switches


def add_simulator_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``simulator`` to the ``pocketquant`` sub-commands."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "simulator",
        help="run the TradingView protocol simulator (every fault switch a flag)",
        description=(
            "Speak TradingView's websocket protocol on loopback: history, quotes and the "
            "fault switches below. Lists are comma-separated; times are epoch seconds or "
            "ISO 8601."
        ),
    )
    for switch in simulator_switches():
        shown = "" if switch.default in (None, set(), "") else f" (default {switch.default})"
        if switch.parse is None:
            parser.add_argument(
                switch.flag,
                dest=switch.field,
                action=argparse.BooleanOptionalAction,
                default=switch.default,
                help=switch.help,
            )
        else:
            parser.add_argument(
                switch.flag,
                dest=switch.field,
                type=switch.parse,
                default=switch.default,
                metavar=switch.field.upper(),
                help=switch.help + shown,
            )
    parser.set_defaults(handler=run_simulator_command)
    return parser


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """The ``SimulatorConfig`` the parsed flags describe."""
    from simulator.config import SimulatorConfig

    values = {switch.field: getattr(args, switch.field) for switch in simulator_switches()}
    return SimulatorConfig(**values)


def run_simulator_command(args: argparse.Namespace, settings: Settings) -> int:
    config = config_from_args(args)
    changed = [
        f"{switch.flag} {getattr(config, switch.field)}"
        for switch in simulator_switches()
        if switch.field not in ("host", *_COMMAND_DEFAULTS)
        and getattr(config, switch.field) != switch.default
    ]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(config, changed))
    return 0


async def _serve(config: SimulatorConfig, changed: list[str]) -> None:
    from simulator.server import Simulator

    try:
        async with Simulator(config) as simulator:
            print(f"TradingView simulator on {simulator.url}")
            print(f"point PocketQuant at it with: export PQ_TRADINGVIEW_URL='{simulator.url}'")
            print(f"sign in there with: export PQ_TRADINGVIEW_SIGNIN_URL='{simulator.signin_url}'")
            if changed:
                print("switches: " + ", ".join(changed))
            print("Ctrl-C stops it.", flush=True)
            await asyncio.Event().wait()
    except OSError as error:  # the port is taken, or the address is not this machine's
        where = f"{config.host}:{config.port}"
        raise InvalidInput("port", f"cannot listen on {where}: {error.strerror}") from None
