"""Progress on stderr that suits where it goes: a ``rich`` bar redrawn in place on a terminal; a
plain log line at most every ``LOG_EVERY`` seconds elsewhere (a pipe, a file, a batch job's log),
with the members done, the rate and the time left; nothing when switched off."""

from __future__ import annotations

import sys
import time

#: seconds between two log lines where stderr is not a terminal
LOG_EVERY = 10.0
#: members that arrive within this many seconds of each other came from one batch (one chunk)
BURST = 1.0
#: a steady stream never pauses for BURST: a line overdue by BURST is written at the first update
#: more than this after the one before (never between members committed together)
BATCH_GAP = 0.05


def _clock_text(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


class ProgressBar:
    """``label ━━━━━━━━━╸━━━━━━ 12/64 3.1 members/s 0:00:13`` redrawn in place on a terminal, or
    ``label: 12/64 members, 3.1 members/s, 0:00:13 left`` once every ``every`` seconds elsewhere.

    ``enabled``: None or True, the form that suits ``stream`` (a bar where it is a TTY, log lines
    otherwise); False, nothing. ``clock`` (seconds, monotonic) is for tests.
    """

    def __init__(self, total: int, *, initial: int = 0, label: str = "", unit: str = "members",
                 enabled: bool | None = None, stream=None, width: int = 24, every: float = LOG_EVERY,
                 clock=time.monotonic):
        self.stream = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        terminal = bool(isatty and isatty())
        self.enabled = enabled is not False
        self.mode = "off" if not self.enabled else ("bar" if terminal else "log")
        self.total, self.done, self.start_done = int(total), int(initial), int(initial)
        self.unit, self.label, self.every, self.clock = unit, label.strip(), float(every), clock
        self.started = self.last_line = self._last_update = clock()
        self.lines = 0
        self._due = False
        self._progress = None
        if self.mode == "bar":
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            console = Console(file=self.stream, force_terminal=True, highlight=False)
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(bar_width=width),
                                      MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                                      TimeRemainingColumn(), console=console, refresh_per_second=8)
            self._task = self._progress.add_task(self.label, total=self.total, completed=self.done, rate="")
            self._progress.start()

    def _rate(self, now: float) -> float | None:
        elapsed, trained = now - self.started, self.done - self.start_done
        return trained / elapsed if elapsed > 0 and trained > 0 else None

    def line(self, now: float | None = None) -> str:
        """The log line for now: members done of the total, rate and time left (where known)."""
        now = self.clock() if now is None else now
        rate = self._rate(now)
        parts = [f"{self.done}/{self.total} {self.unit}"]
        if rate is not None:
            parts.append(f"{rate:.3g} {self.unit}/s")
            parts.append(f"{_clock_text(max(self.total - self.done, 0) / rate)} left")
        parts.append(f"{_clock_text(now - self.started)} elapsed")
        return (f"{self.label}: " if self.label else "") + ", ".join(parts)

    def update(self, count: int = 1) -> None:
        now = self.clock()
        gap = now - self._last_update
        if self.mode == "log" and self._due and (gap > BURST or (gap > BATCH_GAP
                                                               and now - self.last_line >= self.every + BURST)):
            # the burst of members that made a line due has ended: say where it left off, not
            # "1/64 members" a moment before the other 63 arrive with it; a steady stream of
            # updates (a kernel's blocks of pairs, every half second) has no end of a burst, so
            # a line overdue by a burst's length is written at the next update that is not part
            # of one batch
            self._write(self._last_update)
        self.done += int(count)
        self._last_update = now
        if self.mode == "bar":
            rate = self._rate(now)
            self._progress.update(self._task, completed=self.done,
                                  rate="" if rate is None else f"{rate:.2f} {self.unit}/s")
        elif self.mode == "log" and now - self.last_line >= self.every:
            self._due = True

    def _write(self, now: float) -> None:
        self.stream.write(self.line(now) + "\n")
        self.stream.flush()
        self.last_line = now
        self.lines += 1
        self._due = False

    def close(self) -> None:
        if self._progress is not None:
            self._progress.refresh()
            self._progress.stop()
            self._progress = None
        elif self.mode == "log" and (self.lines or self._due):  # a run long enough to log says where it ended
            self._write(self._last_update)
        self.mode = "off"
