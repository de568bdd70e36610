"""``inductive-bias measure``: I(ε) of a task for a hypothesis space."""

from __future__ import annotations

from .. import measure
from ..estimators import ESTIMATORS
from ..measure import EXACT_METHODS
from ..spaces import KERNELS, GaussianProcess
from ._common import add_estimation, add_output, add_target_error, emit
from ._task_args import add_task_arguments, task_from_args


def _lengthscale(text: str):
    return text if text == "median" else float(text)


def add_parser(sub):
    p = sub.add_parser("measure", help="inductive bias (bits) a task requires from a hypothesis space",
                       description="Measure I(ε) = -log2 P[test loss <= ε] for hypotheses drawn from a space.")
    add_task_arguments(p)
    space = p.add_argument_group("hypothesis space")
    space.add_argument("--space", default="gp", choices=["gp"], help="hypothesis space (default gp)")
    space.add_argument("--kernel", default="rbf", choices=list(KERNELS), help="GP kernel (default rbf)")
    space.add_argument("--lengthscale", type=_lengthscale, default=1.0,
                       help="GP lengthscale: a number or 'median' (default 1.0, as published)")
    space.add_argument("--amplitude", type=float, default=1.0, help="GP prior standard deviation a (default 1)")
    space.add_argument("--jitter", type=float, help="added to the kernel diagonal (default 1e-10 a^2)")
    est = p.add_argument_group("estimation")
    add_target_error(est)
    add_estimation(est, ["exact", *ESTIMATORS], default="exact")
    est.add_argument("--hypotheses", type=int, default=1000, metavar="N",
                     help="hypotheses sampled for a sample-based estimator or the plot (default 1000)")
    est.add_argument("--method", default="auto", choices=EXACT_METHODS,
                     help="tail evaluation of the exact law (default auto: inversion)")
    add_output(p)
    return p


def build_space(args):
    return GaussianProcess(args.kernel, args.lengthscale, args.amplitude, args.jitter)


def run(args) -> int:
    task = task_from_args(args)
    space = build_space(args)
    result = measure(task, space, args.target_error, estimator=args.estimator, hypotheses=args.hypotheses,
                     seed=args.seed, method=args.method, n_bootstrap=args.bootstrap)
    emit(result, args)
    if args.plot:
        from ..reports.plot import plot_measurement

        plot_measurement(result, task, space, args.plot, hypotheses=args.hypotheses, seed=args.seed)
    return 0
