"""``inductive-bias fit``: sample-based estimators on losses measured elsewhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._validation import InputError
from ..estimators import ESTIMATORS
from ..measure import measure_losses
from ._common import add_estimation, add_output, add_target_error, emit


def add_parser(sub):
    p = sub.add_parser("fit", help="I(ε) from test losses you measured (one number per line, or .npy)",
                       description="Run a sample-based estimator (SPEC §3) on a file of test losses.")
    p.add_argument("--losses", required=True, metavar="FILE", help="text file, one loss per line, or .npy")
    add_target_error(p)
    add_estimation(p, list(ESTIMATORS), default="paper")
    add_output(p)
    return p


def read_losses(path: str) -> np.ndarray:
    file = Path(path)
    if not file.is_file():
        raise InputError("losses", f"no such file: {path}")
    try:
        if file.suffix == ".npy":
            values = np.load(file, allow_pickle=False)
        else:
            values = np.loadtxt(file, dtype=np.float64, ndmin=1)
    except (OSError, ValueError, EOFError) as error:
        raise InputError("losses", f"cannot read {path}: {str(error).splitlines()[0]}") from None
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise InputError("losses", f"{path} must hold one loss per line (a 1-D array); got shape {values.shape}")
    return values


def run(args) -> int:
    losses = read_losses(args.losses)
    result = measure_losses(losses, args.target_error, estimator=args.estimator, n_bootstrap=args.bootstrap,
                            seed=args.seed, task={"name": Path(args.losses).name, "source": args.losses},
                            space={"space": "losses from file"})
    emit(result, args)
    if args.plot:
        from ..reports.plot import plot_losses

        plot_losses(result, losses, args.plot)
    return 0
