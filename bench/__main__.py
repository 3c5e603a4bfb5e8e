"""Run every ``bench/bench_*.py`` in its own process and pass its JSON lines through.

Exits non-zero when a benchmark fails or a figure misses its target.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.report import meets_target


def main() -> int:
    modules = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    missed: list[str] = []
    for module in modules:
        completed = subprocess.run(
            [sys.executable, "-m", f"bench.{module}"], capture_output=True, text=True, check=False
        )
        for raw in completed.stdout.splitlines():
            print(raw, flush=True)
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if not meets_target(line):
                missed.append(str(line["metric"]))
        if completed.returncode != 0:
            sys.stderr.write(completed.stderr)
            missed.append(f"{module} (exit {completed.returncode})")
    if missed:
        print("missed targets: " + ", ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
