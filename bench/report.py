"""The one output format of every benchmark."""

from __future__ import annotations

import json
import sys
from typing import Literal

Unit = Literal["ticks/s", "bars/s", "req/s", "s", "ms"]
RATE_UNITS = ("ticks/s", "bars/s", "req/s")


def report(metric: str, value: float, unit: Unit, target: float) -> None:
    """Print ``{"metric", "value", "unit", "target"}`` as one JSON line."""
    print(json.dumps({"metric": metric, "value": round(value, 4), "unit": unit, "target": target}))
    sys.stdout.flush()


def meets_target(line: dict[str, object]) -> bool:
    value, target = float(str(line["value"])), float(str(line["target"]))
    return value >= target if line["unit"] in RATE_UNITS else value <= target
