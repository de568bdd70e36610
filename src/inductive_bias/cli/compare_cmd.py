"""``inductive-bias compare``: the upper bound of docs/method.md §5 beside the exact GP inductive bias and
sample-based estimates from loss files, at the same target errors."""

from __future__ import annotations

import sys
from pathlib import Path

from ..exceptions import InputError
from ..complexity.compare import compare
from ..reports import format_comparison
from ..estimators import ESTIMATOR_NAMES
from ._common import add_target_error, bootstrap_count
from .task_args import add_task_arguments, task_from_args
from .complexity_cmd import add_geometry_arguments, geometry_from_args
from .fit_cmd import read_losses
from .space_args import add_space_arguments, build_space_from_args


def add_parser(sub):
    p = sub.add_parser(
        "compare", help="the model-agnostic upper bound beside measured inductive bias, at the same ε",
        description="For one task and each target error ε: the upper bound of docs/method.md §5 (from the task's "
                    "geometry), the exact inductive bias of a GP space (docs/method.md §2), and sample-based estimates "
                    "(docs/method.md §3) from files of test losses of other spaces.")
    add_task_arguments(p)
    add_space_arguments(p, ["gp"], title="GP space (measured exactly)")
    other = p.add_argument_group("other spaces")
    other.add_argument("--losses", nargs="+", default=[], metavar="[NAME=]FILE",
                       help="test losses of another space's hypotheses (one per line, or .npy); "
                       "NAME labels the row (default: the file name)")
    other.add_argument("--store", metavar="FILE",
                       help="a sample store (see `sample`): its spaces trained on this task are measured too")
    other.add_argument("--space-id", nargs="+", metavar="ID",
                       help="only these stored spaces (default: every space of --store trained on this task)")
    other.add_argument("--estimator", default="sampled", choices=list(ESTIMATOR_NAMES),
                       help="sample-based estimator for --losses and --store (default sampled)")
    other.add_argument("--bootstrap", type=bootstrap_count, default=50, metavar="B",
                       help="bootstrap refits for the intervals of --losses estimates (default 50)")
    add_target_error(p)
    p.add_argument("--output-bound", type=float, default=1.0, help="bound B on the output norm (default 1)")
    add_geometry_arguments(p)
    p.add_argument("--seed", type=int, default=0, help="seed of every random draw (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return p


def _named_losses(entries) -> dict:
    out = {}
    for entry in entries:
        name, sep, path = entry.partition("=")
        if not sep:
            name, path = Path(entry).name, entry
        if not name:
            raise InputError("losses", f"empty name in {entry!r}; write NAME=FILE")
        if name in out:
            raise InputError("losses", f"two loss files are named {name!r}; label them NAME=FILE")
        out[name] = read_losses(path)
    return out


def _stored(args, task, store) -> dict:
    """The stored spaces to compare: name -> a function measuring that space at the comparison's ε."""
    if store is None:
        return {}
    from ..measuring import measure_store

    if args.space_id:
        records = [store.resolve(prefix, task) for prefix in args.space_id]
    else:
        records = store.spaces(task)
        if not records:
            raise InputError("store", f"{args.store} holds no space trained on this task (see `inductive-bias runs`)")

    def measuring(space_id):
        return lambda eps: measure_store(store, space_id, eps, estimator=args.estimator,
                                         n_bootstrap=args.bootstrap, seed=args.seed, task=task)

    return {f"{r.spec.get('space')} {r.space_id[:8]} ({args.estimator})": measuring(r.space_id) for r in records}


def run(args) -> int:
    losses = _named_losses(args.losses)
    task = task_from_args(args)
    space = build_space_from_args(args, "gp", spaces=["gp"])
    if args.space_id and not args.store:
        raise InputError("space_id", "needs --store")
    from ..store import SampleStore

    store = SampleStore(args.store, create=False) if args.store else None
    try:
        measured = _stored(args, task, store)
        geometry = geometry_from_args(task, args)
        result = compare(task, args.target_error, space=space, measured=measured, losses=losses,
                         estimator=args.estimator, n_bootstrap=args.bootstrap, geometry=geometry,
                         output_bound=args.output_bound, seed=args.seed)
    finally:
        if store is not None:
            store.close()
    sys.stdout.write((result.to_json() if args.json else format_comparison(result)) + "\n")
    return 0
