"""``inductive-bias tasks``: the built-in tasks and the loaders, with the options each takes."""

from __future__ import annotations

import inspect
import json
import sys

from ..tasks.registry import TASKS
from .task_args import option_flags


def add_parser(sub):
    p = sub.add_parser("tasks", help="list the built-in tasks and data loaders (--data values) and their options",
                       description="List what --data accepts: built-in tasks (no files needed) and loaders "
                                   "(read files you have), with the options each takes.")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return p


def _flag(option: str, source) -> str:
    """The command-line flag that sets a loader keyword; for an on/off option, the one that
    changes the loader's default (``--no-scale`` for image files, ``--scale`` for digits)."""
    flag = option_flags().get(option, "--" + option.replace("_", "-"))
    parameter = inspect.signature(source.function()).parameters.get(option)
    if parameter is not None and parameter.default is True:
        flag = "--no-" + flag[2:]
    return flag


def run(args) -> int:
    if args.json:
        table = {name: {"kind": s.kind, "options": [_flag(o, s) for o in s.options], "summary": s.summary}
                 for name, s in TASKS.items()}
        sys.stdout.write(json.dumps(table, indent=2) + "\n")
        return 0
    lines = []
    for kind in ("built-in", "loader"):
        lines.append(f"{kind}s:" if kind == "loader" else "built-in tasks (no files needed):")
        for name, source in TASKS.items():
            if source.kind != kind:
                continue
            lines.append(f"  {name:<20} {source.summary}")
            lines.append(f"  {'':<20} options: {' '.join(_flag(o, source) for o in source.options)}")
        lines.append("")
    lines.append("every task also takes --permute-features: its input features in one fixed order drawn from "
                 "--task-seed")
    lines.append("(n/n): default training/test points. Example: inductive-bias measure --data synthetic "
                 "--intrinsic-dim 4 --lengthscale median")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
