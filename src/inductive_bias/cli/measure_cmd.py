"""``inductive-bias measure``: I(ε) of a task for a hypothesis space."""

from __future__ import annotations

from .. import measure
from ..estimators import ESTIMATORS
from ..measure import EXACT_METHODS
from ..spaces import KERNELS, GaussianProcess
from ..tasks import load_task
from ._common import add_estimation, add_output, add_target_error, emit


def _lengthscale(text: str):
    return text if text == "median" else float(text)


def add_parser(sub):
    p = sub.add_parser("measure", help="inductive bias (bits) a task requires from a hypothesis space",
                       description="Measure I(ε) = -log2 P[test loss <= ε] for hypotheses drawn from a space.")
    data = p.add_argument_group("task")
    data.add_argument("--data", default="digits", help="a built-in task name or a .npz file with X_train, "
                      "y_train, X_test, y_test (default digits)")
    data.add_argument("--n-train", type=int, help="training points of a built-in task (digits: 500)")
    data.add_argument("--n-test", type=int, help="test points of a built-in task (digits: 500)")
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
    task = load_task(args.data, n_train=args.n_train, n_test=args.n_test)
    space = build_space(args)
    result = measure(task, space, args.target_error, estimator=args.estimator, hypotheses=args.hypotheses,
                     seed=args.seed, method=args.method, n_bootstrap=args.bootstrap)
    emit(result, args)
    if args.plot:
        from ..reports.plot import plot_measurement

        plot_measurement(result, task, space, args.plot, hypotheses=args.hypotheses, seed=args.seed)
    return 0
