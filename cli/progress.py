"""Progress of a long sync on stderr: one updating line on a terminal, a line per page otherwise."""

from __future__ import annotations

import sys
from typing import TextIO


class SyncProgress:
    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self._interactive = self.stream.isatty()
        self._shown = False

    def __call__(self, received: int, wanted: int) -> None:
        text = f"{self.label}: {received:,}/{wanted:,} bars"
        if self._interactive:
            self.stream.write("\r" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self._shown = True

    def done(self) -> None:
        if self._shown and self._interactive:
            self.stream.write("\n")
            self.stream.flush()
