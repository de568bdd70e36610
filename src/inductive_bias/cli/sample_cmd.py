"""``inductive-bias sample``: train members of a trained space into a sample store."""

from __future__ import annotations

import json
import sys

from .._memory import check_memory
from .._validation import check_positive
from ..exceptions import InputError
from ..store.sample_store import MAX_SEED, check_store_path
from ..store.runner import REPRODUCIBILITY
from ..store import SampleStore, SamplingInterrupted, sample_into_store, spec_summary, store_summary
from ..tasks import task_line
from .space_args import add_space_arguments, build_space_from_args, trained_spaces
from .task_args import add_task_arguments, task_from_args


def add_parser(sub):
    p = sub.add_parser("sample", help="train members of a space into a sample store (resumable)",
                       description="Train members 0..N-1 of a trained hypothesis space on a task and commit each "
                                   "to a SQLite sample store as it finishes. Members already stored are skipped: "
                                   "rerun the same command to resume, or raise --hypotheses to add members.")
    add_task_arguments(p)
    p.add_argument("--space", required=True, choices=trained_spaces(), help="the trained hypothesis space")
    add_space_arguments(p, trained_spaces())
    run = p.add_argument_group("run")
    run.add_argument("--hypotheses", type=int, required=True, metavar="N", help="members wanted in total")
    run.add_argument("--store", required=True, metavar="FILE", help="the sample store (created if missing)")
    run.add_argument("--seed", type=int, default=0, help="run seed; member i's seed derives from it (default 0)")
    run.add_argument("--predictions", action="store_true",
                     help="also store each member's test predictions (compressed float32)")
    run.add_argument("--executor", choices=["local", "ray"], default="local",
                     help="where members are trained: this process (default) or Ray tasks; either way this "
                          "process alone commits them to the store")
    run.add_argument("--ray-address", metavar="ADDR",
                     help="with --executor ray: a running Ray cluster (e.g. ray://head:10001 or auto); "
                          "default: a local cluster started for the run")
    run.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    run.add_argument("--quiet", "-q", action="store_true",
                     help="no progress on stderr (default: a bar on a terminal, else a line at most every 10 s)")
    return p


def run(args) -> int:
    check_positive("hypotheses", args.hypotheses, integer=True)
    check_positive("seed", args.seed, integer=True, allow_zero=True)
    if args.seed > MAX_SEED:
        raise InputError("seed", f"must be an integer from 0 to {MAX_SEED} (the largest integer a store holds); "
                                 f"got {args.seed}")
    if args.store == ":memory:":
        raise InputError("store", ":memory: would keep nothing after this command; give a store file "
                                  "(`experiment --store :memory:` trains and measures in one run)")
    check_store_path(args.store)
    if args.ray_address is not None and args.executor != "ray":  # before any note is printed
        raise InputError("ray_address", "applies to --executor ray only")
    # Before the store file is created: a refused size leaves nothing behind.
    check_memory("hypotheses", args.hypotheses, 64 * args.hypotheses, "the list of members to train")
    task = task_from_args(args)
    notes: list = []
    space = build_space_from_args(args, args.space, notes, spaces=trained_spaces())
    with SampleStore(args.store) as store:
        try:
            outcome = sample_into_store(task, space, store, args.hypotheses, args.seed, predictions=args.predictions,
                                        executor=args.executor, ray_address=args.ray_address,
                                        progress=False if args.quiet else None)
        except SamplingInterrupted as stop:
            print(f"inductive-bias sample: {stop}", file=sys.stderr)
            return 130
        for note in notes:  # once the members are in, so that an error (a bad input found by training) stays one line
            print(f"inductive-bias sample: note: {note}", file=sys.stderr)
    summary = next(s for s in store_summary(args.store) if s["space_id"] == outcome.space_id)
    record = {"space_id": outcome.space_id, "store": args.store, "space": space.spec(), "task": task.describe(),
              "run_seed": args.seed, "requested": outcome.requested, "present_before": outcome.present_before,
              "trained": outcome.trained, "skipped": outcome.skipped, "stored": outcome.stored,
              "seconds": outcome.seconds, "members_in_store": summary["members"],
              "test_loss_mean": summary["test_loss_mean"], "train_loss_mean": summary["train_loss_mean"],
              "test_accuracy_mean": summary["test_accuracy_mean"], "reproducibility": REPRODUCIBILITY}
    if args.json:
        sys.stdout.write(json.dumps(record, indent=2) + "\n")
        return 0
    accuracy = summary["test_accuracy_mean"]
    lines = [
        f"space  {outcome.space_id}  {spec_summary(space.spec())}",
        f"task   {task_line(task.describe())}; run seed {args.seed}",
        f"store  {args.store}: {outcome.stored} of {outcome.requested} members present "
        f"({outcome.present_before} before, {outcome.trained} trained in {outcome.seconds:.1f} s"
        + (f", {outcome.skipped} committed meanwhile by another process" if outcome.skipped else "") + ")",
        f"mean   test loss {_shown(summary['test_loss_mean'])}, train loss {_shown(summary['train_loss_mean'])}"
        + (f", test accuracy {accuracy:.4f}" if accuracy is not None else "")
        + f" over all {summary['members']} stored members",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _shown(value) -> str:
    return "none finite" if value is None else f"{value:.6g}"
