"""A progress bar on stderr, drawn by ``rich`` and only when the stream is a terminal."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """``label ━━━━━━━━━╸━━━━━━ 12/64 3.1 members/s 0:00:13`` redrawn in place; silent when
    ``enabled`` is False. ``enabled=None`` means: when ``stream`` is a TTY (a pipe, a file or a
    test gets no control characters)."""

    def __init__(self, total: int, *, initial: int = 0, label: str = "", unit: str = "members",
                 enabled: bool | None = None, stream=None, width: int = 24):
        self.stream = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) if enabled is None else bool(enabled)
        self.total, self.done, self.start_done = int(total), int(initial), int(initial)
        self.unit = unit
        self.started = time.perf_counter()
        self._progress = None
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            console = Console(file=self.stream, force_terminal=True, highlight=False)
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(bar_width=width),
                                      MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                                      TimeRemainingColumn(), console=console, refresh_per_second=8)
            self._task = self._progress.add_task(label.strip(), total=self.total, completed=self.done, rate="")
            self._progress.start()

    def update(self, count: int = 1) -> None:
        self.done += int(count)
        if self._progress is not None:
            elapsed = time.perf_counter() - self.started
            trained = self.done - self.start_done
            rate = f"{trained / elapsed:.2f} {self.unit}/s" if elapsed > 0 and trained else ""
            self._progress.update(self._task, completed=self.done, rate=rate)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.refresh()
            self._progress.stop()
            self._progress = None
