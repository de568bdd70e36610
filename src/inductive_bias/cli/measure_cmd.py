"""``inductive-bias measure``: I(ε) of a task for a hypothesis space.

GP spaces are measured exactly (or from samples); trained spaces (networks, scikit-learn models)
from their members: read from a sample store (``--store`` with ``--space-id`` or the space's
flags), or trained now, in memory, when no store is given.
"""

from __future__ import annotations

import sys
import warnings

from ..distributions.generalized_chi2 import TAIL_METHODS
from ..estimators import ESTIMATOR_NAMES
from ..exceptions import ConditioningWarning, InputError
from ..measuring import EXACT, measure, measure_store, plan_measurement
from ..spaces.registry import SPACES
from ..store import SampleStore
from ._common import add_estimation, add_output, add_target_error, emit, figure_style, interval_width, plot_path
from .space_args import add_space_arguments, build_space_from_args, space_flags_given, trained_spaces
from .task_args import add_task_arguments, task_flags_given, task_from_args

DEFAULT_HYPOTHESES = 1000
POOR_FIT_P = 0.01  # a goodness-of-fit p-value below this gets a caution under the table


def add_parser(sub):
    p = sub.add_parser("measure", help="inductive bias (bits) a task requires from a hypothesis space",
                       description="Measure I(ε) = -log2 P[test loss <= ε] for hypotheses drawn from a space.")
    add_task_arguments(p)
    space = p.add_argument_group("hypothesis space")
    space.add_argument("--space", default=None, choices=list(SPACES),
                       help="hypothesis space (default gp; nngp and ntk: infinite-width networks, exact; "
                            "trained spaces: see their flags below)")
    add_space_arguments(p)
    store = p.add_argument_group("sample store (trained spaces)")
    store.add_argument("--store", metavar="FILE",
                       help="read the members from this sample store (see `sample`); members --hypotheses asks for "
                            "beyond those stored are trained into it first, as `sample` would")
    store.add_argument("--space-id", metavar="ID", help="the stored space (see `runs`); instead of the space flags")
    store.add_argument("--fit-threshold", type=float, metavar="MSE",
                       help="training MSE at or below which a member fits the data (default: the space's "
                            "--stop-train-mse, else 1%% of the training targets' variance)")
    store.add_argument("--fitted-only", action="store_true", default=None,
                       help="estimate from the members that fit the training data only (default for spaces "
                            "trained until fit, docs/method.md §8)")
    store.add_argument("--all-members", dest="fitted_only", action="store_false",
                       help="estimate from every member with a finite test loss, fitting or not")
    est = p.add_argument_group("estimation")
    add_target_error(est)
    add_estimation(est, [EXACT, *ESTIMATOR_NAMES], default=None)
    for action in p._actions:
        if action.dest == "estimator":
            action.help = "how I(ε) is obtained (default: exact for gp, sampled for trained spaces)"
    est.add_argument("--hypotheses", type=int, default=None, metavar="N",
                     help=f"hypotheses sampled for a sample-based estimator or the plot (default "
                          f"{DEFAULT_HYPOTHESES}; with --store: all stored members, and those missing are trained)")
    est.add_argument("--interval-width", type=interval_width, default=1.0, metavar="BITS",
                     help="sample-size planning: report the members an interval this wide would need "
                          "(default 1 bit)")
    est.add_argument("--method", default="auto", choices=TAIL_METHODS,
                     help="tail evaluation of the exact law (default auto: inversion)")
    add_output(p)
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no progress on stderr while members train (default: a bar on a terminal, else a line at "
                        "most every 10 s)")
    return p


def _refuse_gp_flags(args, space: str | None) -> None:
    """A flag of --space gp alone (and --method, the tail evaluation of an exact law) given for a
    trained space, or for a stored one (``space`` None), is an error."""
    gp_only = [name for name in space_flags_given(args, ["gp"])
               if not any(SPACES[other].parameter(name) for other in SPACES if other != "gp")]
    if args.method != "auto":
        gp_only.append("method")
    if gp_only:
        raise InputError(gp_only[0], f"applies to --space gp, not to "
                                     f"{'trained spaces' if space is None or SPACES[space].trained else space}")


def run(args) -> int:
    if args.store or args.space_id:
        if args.space in SPACES and not SPACES[args.space].trained and args.space != "gp":
            raise InputError("store" if args.store else "space_id",
                             f"--space {args.space} is measured exactly; a sample store holds trained spaces")
        _refuse_gp_flags(args, args.space if args.space not in (None, "gp") else None)
    elif args.space in trained_spaces():
        _refuse_gp_flags(args, args.space)
    if args.space_id and not args.store:
        raise InputError("space_id", "needs --store, the sample store that holds the space")
    if args.plot:
        from ..reports.plot import check_figure_path

        args.plot = plot_path(args)
        check_figure_path(args.plot)  # before the work, not after it
        style = figure_style(args, args.plot.rsplit(".", 1)[-1] if args.plot.rsplit(".", 1)[-1] in
                             ("png", "pdf", "svg") else "png")
    notes: list = []
    if args.store:
        result = _from_store(args, notes)
    else:
        task = task_from_args(args, notes)
        space = build_space_from_args(args, args.space or "gp", notes)
        hypotheses = DEFAULT_HYPOTHESES if args.hypotheses is None else args.hypotheses
        with warnings.catch_warnings():
            if not args.json:  # the table carries them, under its rows
                warnings.simplefilter("ignore", ConditioningWarning)
            result = measure(task, space, args.target_error, estimator=args.estimator,
                             hypotheses=hypotheses, seed=args.seed, method=args.method, n_bootstrap=args.bootstrap,
                             fit_threshold=args.fit_threshold, fitted_only=args.fitted_only,
                             interval_width=args.interval_width, progress=False if args.quiet else None)
    for note in notes:
        print(f"inductive-bias measure: note: {note}", file=sys.stderr)
    emit(result, args)
    if not args.json and result.members is not None and result.members.train_losses is not None:
        sys.stdout.write(members_line(result) + "\n")
    if args.plot:
        from ..reports.plot import plot_result

        plot_result(result, args.plot, style)
    return 0


def _from_store(args, notes):
    """Measure a stored space, named by --space-id or by the space's flags (SpaceKey); members that
    --hypotheses asks for and the store lacks are trained into it first (measure_store)."""
    if args.space in (None, "gp") and not args.space_id:
        raise InputError("space", "a sample store holds trained spaces: give --space-id, or the flags of a trained "
                                  f"space ({', '.join(trained_spaces())})")
    plan = plan_measurement(args.estimator, has_exact_law=False, n_bootstrap=args.bootstrap,
                            interval_width=args.interval_width)
    space = task = None
    if args.space not in (None, "gp"):
        space, task = build_space_from_args(args, args.space, notes), task_from_args(args)
    else:
        with SampleStore(args.store, create=False) as store:
            record = store.resolve(args.space_id)
            short = args.hypotheses is not None and \
                sum(1 for i in store.member_indices(record.space_id) if i < args.hypotheses) < args.hypotheses
            reads = plan.uses_predictions and store.has_predictions(record.space_id)
        if short or reads:  # its test targets, for stored predictions; its data, to train the missing members
            task = task_from_args(args)
        elif task_flags_given(args):
            raise InputError(task_flags_given(args)[0], f"does not apply to --store with --space-id: space "
                                                        f"{record.space_id} carries its task; the task flags "
                                                        "serve only to check a trained space's flags, to train "
                                                        "members --hypotheses asks for beyond those stored, or to "
                                                        "score stored predictions (sampled with --predictions)")
    return measure_store(args.store, args.space_id, args.target_error, space=space,
                         estimator=args.estimator or "sampled", n_bootstrap=args.bootstrap, seed=args.seed,
                         hypotheses=args.hypotheses, fit_threshold=args.fit_threshold, fitted_only=args.fitted_only,
                         task=task, interval_width=args.interval_width, progress=False if args.quiet else None)


def members_line(result) -> str:
    """``members  64 (run seed 0), 62 fit the training data (train MSE <= 0.0009: rule)``."""
    d = result.members
    text = f"members  {d.members}" + (f" (run seed {d.run_seed})" if d.run_seed is not None else "")
    if d.members_fit is not None:
        text += (f", {d.members_fit} fit the training data (train MSE <= {d.fit_threshold:.3g}: "
                 f"{d.fit_threshold_rule})")
    if d.fitted_only:
        text += (f"; estimated from those {d.members_used}" if result.loss.samples != 0
                 else "; too few to estimate from (docs/method.md §8)")
    if d.non_finite_members:
        text += f"; {d.non_finite_members} with a non-finite test loss left out"
    text += caution_lines(result)
    return text


def caution_lines(result) -> str:
    """The cautions every sample-based result carries under its table, whichever command printed it:
    a fitted law that misfits its losses (Kolmogorov–Smirnov p below :data:`POOR_FIT_P`)."""
    fit = result.fit
    p_value = ((fit.goodness_of_fit if fit else None) or {}).get("ks_pvalue")
    if p_value is None or p_value >= POOR_FIT_P or fit.rejection or fit.failure:
        return ""
    return (f"\ncaution  the fitted law does not describe these losses (Kolmogorov-Smirnov p = {p_value:.2g}): its "
            "model figures are unreliable; the direct count (--estimator sampled) assumes nothing")
