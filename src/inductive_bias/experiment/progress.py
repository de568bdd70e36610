"""What an experiment prints while it runs: one line per space (which, how many members were
trained and how many were already stored), on stderr through ``rich``; silent where stderr is
not a terminal unless asked for."""

from __future__ import annotations

import sys


class ExperimentProgress:
    """``[2/7] mlp[hidden=64]  sweep point 2 of 3`` then ``trained 16, 0 stored before``."""

    def __init__(self, total: int, *, enabled: bool | None = None, console=None):
        from rich.console import Console

        self.console = console or Console(file=sys.stderr, highlight=False)
        self.enabled = self.console.is_terminal if enabled is None else bool(enabled)
        self.total = total

    def space(self, index: int, name: str, sweep: dict) -> None:
        if self.enabled:
            swept = ", ".join(f"{k} = {v}" for k, v in sweep.items())
            self.console.print(f"[bold][{index + 1}/{self.total}][/bold] {name}"
                               + (f"  [dim](sweep: {swept})[/dim]" if swept else ""), markup=True,
                               highlight=False)

    def trained(self, trained: int, before: int, wanted: int) -> None:
        if self.enabled:
            self.console.print(f"      members {wanted}: {trained} trained now, {before} were stored",
                               markup=False, highlight=False)

    def close(self) -> None:
        pass
