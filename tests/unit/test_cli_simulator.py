"""``pocketquant simulator``: every switch of ``SimulatorConfig`` is a flag, documented."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from cli.main import build_parser
from cli.simulator_command import config_from_args, simulator_switches
from simulator.config import SimulatorConfig

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_config_field_is_a_flag_with_its_docstring_as_help() -> None:
    switches = {switch.field: switch for switch in simulator_switches()}
    assert list(switches) == [f.name for f in dataclasses.fields(SimulatorConfig)]
    undocumented = [name for name, switch in switches.items() if not switch.help]
    assert undocumented == [], "give these SimulatorConfig fields a docstring"
    assert switches["drop_after_messages"].flag == "--drop-after-messages"


def test_flags_give_the_config_they_name() -> None:
    args = build_parser().parse_args(
        [
            "simulator",
            "--port", "0",
            "--drop-after-messages", "3",
            "--reply-delay", "0.5",
            "--reject-token",
            "--rejected-tokens", "old.jwt, other.jwt",
            "--refuse-status", "429",
            "--delayed-exchanges", "NASDAQ,CME",
            "--now", "2024-03-15T20:00:00Z",
            "--tick-speed", "0",
            "--history-limit", "1000",
            "--live-bars",
        ]
    )  # fmt: skip
    config = config_from_args(args)
    assert config == dataclasses.replace(
        SimulatorConfig(),
        drop_after_messages=3,
        reply_delay=0.5,
        reject_token=True,
        rejected_tokens={"old.jwt", "other.jwt"},
        refuse_status=429,
        delayed_exchanges={"NASDAQ", "CME"},
        now=1_710_532_800,
        tick_speed=0.0,
        history_limit=1000,
        live_bars=True,
        signin_port=8791,
    )


def test_without_flags_the_simulator_listens_on_8790_with_no_fault() -> None:
    config = config_from_args(build_parser().parse_args(["simulator"]))
    # Its sign-in endpoint beside it, on 8791.
    assert config == dataclasses.replace(SimulatorConfig(), port=8790, signin_port=8791)


def test_the_readme_lists_every_flag() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### The simulator") :]
    section = section[: section.index("\n## ")]
    listed = set(re.findall(r"`(--[a-z-]+)", section))
    assert {switch.flag for switch in simulator_switches()} <= listed
