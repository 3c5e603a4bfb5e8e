"""Printing bars as a table, CSV or JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import TextIO

from domain.bars import Bar
from functions.api.models.responses import BarRecord

FORMATS = ("table", "csv", "json")
_COLUMNS = ("datetime", "open", "high", "low", "close", "volume")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def write_bars(bars: Sequence[Bar], fmt: str, out: TextIO) -> None:
    # The very objects of the API's ``data`` list.
    records = [BarRecord.of(bar).model_dump(mode="json") for bar in bars]
    if fmt == "json":
        json.dump(records, out, indent=2)
        out.write("\n")
        return
    rows = [[_cell(record[column]) for column in _COLUMNS] for record in records]
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_COLUMNS)
        writer.writerows(rows)
        return
    widths = [max([len(c)] + [len(row[i]) for row in rows]) for i, c in enumerate(_COLUMNS)]
    out.write("  ".join(c.ljust(w) for c, w in zip(_COLUMNS, widths, strict=True)).rstrip() + "\n")
    for row in rows:
        out.write("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) + "\n")
