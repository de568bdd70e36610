"""What an experiment prints while it runs, on stderr: on a terminal, one line per space (which,
how many members were trained and how many were already stored) through ``rich``; elsewhere (a
pipe, a log file) a plain line at most every ten seconds saying which space it is on; nothing
with ``enabled=False`` (``--quiet``)."""

from __future__ import annotations

import sys
import time

from .._progress import LOG_EVERY, _clock_text


class ExperimentProgress:
    """``[2/7] mlp[hidden=64]  sweep point 2 of 3`` then ``trained 16, 0 stored before`` on a
    terminal; ``experiment: space 2/7 mlp[hidden=64], 1 done, 0:00:12 elapsed`` in a log.

    ``enabled``: None or True, the form that suits stderr; False, nothing. ``stream`` and ``clock``
    are for tests."""

    def __init__(self, total: int, *, enabled: bool | None = None, console=None, stream=None,
                 clock=time.monotonic, every: float = LOG_EVERY):
        from rich.console import Console

        self.console = console or Console(file=sys.stderr if stream is None else stream, highlight=False)
        self.stream = self.console.file
        self.enabled = enabled is not False
        self.mode = "off" if not self.enabled else ("terminal" if self.console.is_terminal else "log")
        self.total, self.clock, self.every = total, clock, float(every)
        self.started = self.last_line = clock()  # a run shorter than ``every`` stays silent in a log
        self.index = 0

    def space(self, index: int, name: str, sweep: dict) -> None:
        self.index = index
        if self.mode == "terminal":
            from rich.markup import escape  # a swept name such as "mlp[hidden=64]" is no markup tag

            swept = escape(", ".join(f"{k} = {v}" for k, v in sweep.items()))
            self.console.print(f"[bold]\\[{index + 1}/{self.total}][/bold] {escape(name)}"
                               + (f"  [dim](sweep: {swept})[/dim]" if swept else ""), markup=True,
                               highlight=False)
        elif self.mode == "log":
            now = self.clock()
            if now - self.last_line >= self.every:
                self.stream.write(f"experiment: space {index + 1}/{self.total} {name}, {index} done, "
                                  f"{_clock_text(now - self.started)} elapsed\n")
                self.stream.flush()
                self.last_line = now

    def trained(self, trained: int, before: int, wanted: int) -> None:
        if self.mode == "terminal":
            self.console.print(f"      members {wanted}: {trained} trained now, {before} were stored",
                               markup=False, highlight=False)

    def close(self) -> None:
        pass
