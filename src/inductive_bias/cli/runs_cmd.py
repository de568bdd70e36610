"""``inductive-bias runs``: what a sample store holds."""

from __future__ import annotations

import json
import sys

from ..store import SampleStore, store_summary
from ._common import file_name


def add_parser(sub):
    p = sub.add_parser("runs", help="list the spaces and members a sample store holds",
                       description="List the spaces of a sample store: id, settings, task, run seed, members, "
                                   "mean losses.")
    p.add_argument("--store", required=True, metavar="FILE", help="the sample store")
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.add_argument("--export", metavar="FILE", type=file_name,
                   help="write a consistent, self-contained copy of the store to this new file (SQLite's online "
                        "backup: safe while a run writes, members still in the -wal file included)")
    return p


def _number(value, spec):
    return "-" if value is None else format(value, spec)


def run(args) -> int:
    if args.export is not None:
        with SampleStore(args.store, create=False) as store:
            path = store.export(args.export)
            spaces = len(store.spaces())
        print(f"inductive-bias runs: exported {args.store} ({spaces} spaces) to {path}", file=sys.stderr)
        if args.json:  # --json promises JSON on stdout, with --export too (it printed nothing)
            sys.stdout.write(json.dumps({"store": str(args.store), "exported": str(path), "spaces": spaces}) + "\n")
        return 0
    spaces = store_summary(args.store)
    if args.json:
        sys.stdout.write(json.dumps(spaces, indent=2) + "\n")
        return 0
    if not spaces:
        sys.stdout.write(f"{args.store} holds no spaces yet\n")
        return 0
    header = (f"{'space id':<16}  {'members':>7}  {'seed':>5}  {'test loss':>10}  {'train loss':>10}  "
              f"{'accuracy':>8}  space (task beneath)")
    lines = [header, "-" * len(header)]
    for s in spaces:
        holes = f" ({s['missing_below_last']} missing below {s['last_index']})" if s["missing_below_last"] else ""
        lines.append(f"{s['space_id']:<16}  {s['members']:>7}  {s['run_seed']:>5}  "
                     f"{_number(s['test_loss_mean'], '10.6f')}  {_number(s['train_loss_mean'], '10.6f')}  "
                     f"{_number(s['test_accuracy_mean'], '8.4f')}  {s['summary']}{holes}")
        lines.append(f"{'':<16}  task {s['task_line']}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
