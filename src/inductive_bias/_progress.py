"""A small progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """``12/64 [#####.............] 3.1/s eta 13s`` redrawn in place; silent when ``enabled`` is
    False. ``enabled=None`` means: when ``stream`` is a TTY."""

    def __init__(self, total: int, *, initial: int = 0, label: str = "", unit: str = "members",
                 enabled: bool | None = None, stream=None, width: int = 24):
        self.stream = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) if enabled is None else bool(enabled)
        self.total, self.done, self.start_done = int(total), int(initial), int(initial)
        self.label, self.unit, self.width = label, unit, width
        self.started = time.perf_counter()
        self._last = 0.0
        self._draw(force=True)

    def update(self, count: int = 1) -> None:
        self.done += int(count)
        self._draw()

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last < 0.1 and self.done < self.total:
            return
        self._last = now
        fraction = self.done / self.total if self.total else 1.0
        filled = int(round(self.width * fraction))
        elapsed = now - self.started
        trained = self.done - self.start_done
        rate = trained / elapsed if elapsed > 0 and trained else 0.0
        tail = f" {rate:.2f} {self.unit}/s eta {_duration((self.total - self.done) / rate)}" if rate else ""
        self.stream.write(f"\r{self.label}{self.done}/{self.total} [{'#' * filled}{'.' * (self.width - filled)}]"
                          f"{tail}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
