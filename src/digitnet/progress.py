"""A small progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time


class Bar:
    """``Bar("Epoch 3", total=5000)``; call ``update(done)`` then ``close()``.

    Silent (every call a no-op) when stderr is not a terminal or ``enabled`` is False.
    """

    def __init__(self, label: str, total: int | None, unit: str = "", enabled: bool | None = None):
        self.label = label
        self.total = total
        self.unit = unit
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.start = time.perf_counter()
        self.shown = False

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.start
        if self.total:
            frac = min(done / self.total, 1.0)
            bar = "#" * int(30 * frac)
            text = f"{self.label} [{bar:<30}] {done}/{self.total}{self.unit} {elapsed:5.1f}s"
        else:
            text = f"{self.label} {done}{self.unit} {elapsed:5.1f}s"
        sys.stderr.write("\r" + text)
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        """Erase the bar so the next line starts clean."""
        if self.enabled and self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
