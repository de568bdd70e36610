"""``inductive-bias measure``: I(ε) of a task for a hypothesis space.

GP spaces are measured exactly (or from samples); trained spaces (networks, scikit-learn models)
from their members: read from a sample store (``--store`` with ``--space-id`` or the space's
flags), or trained now, in memory, when no store is given.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np

from .. import measure
from ..exceptions import InputError
from ..estimators import ESTIMATORS, uses_predictions
from .._measure import EXACT_METHODS
from ._common import add_estimation, add_output, add_target_error, emit
from ._space_args import (add_gp_arguments, add_trained_space_arguments, build_gp_space, build_trained_space,
                          refuse_foreign_flags, trained_spaces)
from ._task_args import add_task_arguments, task_from_args

DEFAULT_HYPOTHESES = 1000
POOR_FIT_P = 0.01  # a goodness-of-fit p-value below this gets a caution under the table


def add_parser(sub):
    p = sub.add_parser("measure", help="inductive bias (bits) a task requires from a hypothesis space",
                       description="Measure I(ε) = -log2 P[test loss <= ε] for hypotheses drawn from a space.")
    add_task_arguments(p)
    space = p.add_argument_group("hypothesis space")
    space.add_argument("--space", default=None, choices=["gp", *trained_spaces()],
                       help="hypothesis space (default gp; trained spaces: see their flags below)")
    add_gp_arguments(space, shared_with_kernel_ridge=True)
    add_trained_space_arguments(p, kernel_flags=False)
    store = p.add_argument_group("sample store (trained spaces)")
    store.add_argument("--store", metavar="FILE", help="read the members from this sample store (see `sample`)")
    store.add_argument("--space-id", metavar="ID", help="the stored space (see `runs`); instead of the space flags")
    store.add_argument("--fit-threshold", type=float, metavar="MSE",
                       help="training MSE at or below which a member fits the data (default: the space's "
                            "--stop-train-mse, else 1%% of the training targets' variance)")
    store.add_argument("--fitted-only", action="store_true",
                       help="estimate from the members that fit the training data only")
    est = p.add_argument_group("estimation")
    add_target_error(est)
    add_estimation(est, ["exact", *ESTIMATORS], default=None)
    for action in p._actions:
        if action.dest == "estimator":
            action.help = "how I(ε) is obtained (default: exact for gp, sampled for trained spaces)"
    est.add_argument("--hypotheses", type=int, default=None, metavar="N",
                     help=f"hypotheses sampled for a sample-based estimator or the plot (default "
                          f"{DEFAULT_HYPOTHESES}; with --store: all stored members)")
    est.add_argument("--method", default="auto", choices=EXACT_METHODS,
                     help="tail evaluation of the exact law (default auto: inversion)")
    add_output(p)
    return p


def run(args) -> int:
    trained = args.space not in (None, "gp")
    if args.store or args.space_id or trained:
        for dest, default in (("amplitude", 1.0), ("jitter", None), ("method", "auto")):
            if getattr(args, dest) != default:
                raise InputError(dest, "applies to --space gp, not to trained spaces")
        return _run_trained(args)
    refuse_foreign_flags(args, "gp", set())
    if args.fit_threshold is not None or args.fitted_only:
        raise InputError("fit_threshold" if args.fit_threshold is not None else "fitted_only",
                         "applies to trained spaces (--store, --space mlp ...), not to --space gp")
    task = task_from_args(args)
    space = build_gp_space(args)
    estimator = args.estimator or "exact"
    hypotheses = DEFAULT_HYPOTHESES if args.hypotheses is None else args.hypotheses
    result = measure(task, space, args.target_error, estimator=estimator, hypotheses=hypotheses,
                     seed=args.seed, method=args.method, n_bootstrap=args.bootstrap)
    emit(result, args)
    if args.plot:
        from ..reports.plot import plot_measurement

        plot_measurement(result, task, space, args.plot, hypotheses=hypotheses, seed=args.seed)
    return 0


def _flag_space(args, notes):
    """The trained space of the flags, with the task: (space, task)."""
    if args.space in (None, "gp"):
        raise InputError("space", "a sample store holds trained spaces: give --space-id, or the flags of a trained "
                                  f"space ({', '.join(trained_spaces())})")
    space = build_trained_space(args, notes)
    return space, task_from_args(args)


def _run_trained(args) -> int:
    from ..store import SampleStore, SamplingInterrupted, measure_store, sample_into_store
    from ..store.sample_store import describe_difference, space_id_for, task_identity

    if args.space_id and not args.store:
        raise InputError("space_id", "needs --store, the sample store that holds the space")
    estimator = args.estimator or "sampled"
    if estimator == "exact":
        raise InputError("estimator", "'exact' needs a space whose loss law is known (a GP); trained spaces are "
                                      f"measured from their members: use one of {', '.join(ESTIMATORS)}")
    notes: list = []
    if args.store:
        store = SampleStore(args.store, create=False)
        task = None
        try:
            if args.space_id:
                record = store.space(args.space_id)
                if args.space not in (None, "gp"):  # flags given too: they must describe the stored space
                    space, task = _flag_space(args, notes)
                    given = {"space": space.spec(), "task": task_identity(task), "run_seed": args.seed}
                    stored = {"space": record.spec, "task": record.task_identity, "run_seed": record.run_seed}
                    if space_id_for(space.spec(), given["task"], args.seed) != record.space_id:
                        raise InputError("space_id", f"{record.space_id} was stored for another spec than these "
                                                     f"flags ({describe_difference(stored, given)})")
                space_id = record.space_id
                if uses_predictions(estimator) and args.space in (None, "gp"):
                    task = task_from_args(args)  # its test targets, for stored predictions
            else:
                space, task = _flag_space(args, notes)
                space_id = space_id_for(space.spec(), task_identity(task), args.seed)
                known = {s.space_id: s for s in store.spaces()}
                if space_id not in known:
                    nearest = _nearest(known.values(), space, task, args.seed)
                    raise InputError("store", f"{args.store} holds no space with these flags and --seed {args.seed} "
                                              f"(its id would be {space_id}){nearest}")
            result = measure_store(store, space_id, args.target_error, estimator=estimator,
                                   n_bootstrap=args.bootstrap, seed=args.seed, hypotheses=args.hypotheses,
                                   fit_threshold=args.fit_threshold, fitted_only=args.fitted_only,
                                   task=task)
        finally:
            store.close()
    else:  # no store: train the members now, in memory
        space, task = _flag_space(args, notes)
        hypotheses = DEFAULT_HYPOTHESES if args.hypotheses is None else args.hypotheses
        with SampleStore(":memory:") as store:
            try:
                outcome = sample_into_store(task, space, store, hypotheses, args.seed,
                                            predictions=uses_predictions(estimator))
            except SamplingInterrupted as stop:
                print(f"inductive-bias measure: {stop}", file=sys.stderr)
                return 130
            result = measure_store(store, outcome.space_id, args.target_error, estimator=estimator,
                                   n_bootstrap=args.bootstrap, seed=args.seed, fit_threshold=args.fit_threshold,
                                   fitted_only=args.fitted_only, task=task)
    for note in notes:
        print(f"inductive-bias measure: note: {note}", file=sys.stderr)
    emit(result, args)
    if not args.json:
        sys.stdout.write(members_line(result.diagnostics) + "\n")
    if args.plot:
        from ..reports.plot import plot_losses

        d = result.diagnostics
        losses = np.array(d["test_losses"], dtype=float)  # null (a diverged member) reads as NaN
        used = np.isfinite(losses)
        if d["fitted_only"]:
            used &= np.array(d["train_losses"]) <= d["fit_threshold"]
        # a point mass has no fitted law to draw: its points and histogram only
        shown = replace(result, estimator="empirical") if d.get("point_mass") else result
        plot_losses(shown, losses[used], args.plot)
    return 0


def members_line(d: dict) -> str:
    """``members  64 (run seed 0), 62 fit the training data (train MSE <= 0.0009: rule)``."""
    text = f"members  {d['members']} (run seed {d['run_seed']})"
    if d.get("members_fit") is not None:
        text += (f", {d['members_fit']} fit the training data (train MSE <= {d['fit_threshold']:.3g}: "
                 f"{d['fit_threshold_rule']})")
    if d.get("fitted_only"):
        text += f"; estimated from those {d['members_used']}"
    if d.get("non_finite_members"):
        text += f"; {d['non_finite_members']} with a non-finite test loss left out"
    p_value = (d.get("goodness_of_fit") or {}).get("ks_pvalue")
    if p_value is not None and p_value < POOR_FIT_P:
        text += (f"\ncaution  the fitted law does not describe these losses (Kolmogorov-Smirnov p = {p_value:.2g}): "
                 "its bits are unreliable; compare --estimator empirical")
    return text


def _nearest(records, space, task, seed) -> str:
    """Where a stored space of the same kind exists, which of its fields differ from the flags."""
    from ..store.sample_store import describe_difference, task_identity

    given = {"space": space.spec(), "task": task_identity(task), "run_seed": seed}
    same_kind = [r for r in records if r.spec.get("space") == given["space"].get("space")]
    if not same_kind:
        return "; `inductive-bias runs` lists what it holds"
    nearest = min(same_kind, key=lambda r: len(describe_difference(
        {"space": r.spec, "task": r.task_identity, "run_seed": r.run_seed}, given, limit=99).split("; ")))
    stored = {"space": nearest.spec, "task": nearest.task_identity, "run_seed": nearest.run_seed}
    return f"; the nearest, {nearest.space_id}, differs in {describe_difference(stored, given, limit=3)}"
