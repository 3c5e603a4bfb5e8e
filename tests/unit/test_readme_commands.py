"""What the README tells a user to type does what it says."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from functions.api.routes.ohlcv import CACHE_HEADER, CACHE_HEADER_VALUES

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
SIMULATOR_URL = "ws://127.0.0.1:8790/socket.io/websocket?from=chart&type=chart"


def test_every_export_of_the_tradingview_url_sets_the_whole_url_in_a_shell() -> None:
    """Unquoted, ``&`` ends the command: the variable would stop at ``from=chart``."""
    exports = re.findall(r"^\s*(export PQ_TRADINGVIEW_URL=\S+)$", README, re.MULTILINE)
    assert exports
    for line in exports:
        shell = subprocess.run(
            ["bash", "-c", f'{line}\nprintf %s "$PQ_TRADINGVIEW_URL"'],
            capture_output=True,
            text=True,
            check=True,
        )
        assert shell.stdout == SIMULATOR_URL, line


def test_every_value_of_the_cache_header_is_documented() -> None:
    assert f"`{CACHE_HEADER}`" in README
    for value in CACHE_HEADER_VALUES.values():
        assert f"`{value}`" in README, value
