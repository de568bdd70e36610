"""``inductive-bias fit``: sample-based estimators on losses measured elsewhere."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

from ..exceptions import InputError
from .._validation import check_input_file, check_numpy_magic
from ..estimators import ESTIMATOR_NAMES
from ..measuring import measure_losses
from ._common import add_estimation, add_output, add_target_error, emit, figure_style, file_name, plot_path


def add_parser(sub):
    p = sub.add_parser("fit", help="I(ε) from test losses you measured (one number per line, or .npy)",
                       description="Run a sample-based estimator (docs/method.md §3) on a file of test losses.")
    p.add_argument("--losses", required=True, metavar="FILE", help="text file, one loss per line, or .npy")
    p.add_argument("--predictions", metavar="NPY", help="the hypotheses' test predictions, shape (N, m, k), for "
                   "--estimator function-gaussian (and sampled, which then means it)")
    p.add_argument("--targets", metavar="NPY", help="the test targets, shape (m, k), with --predictions")
    add_target_error(p)
    add_estimation(p, list(ESTIMATOR_NAMES), default="sampled")
    add_output(p)
    p.add_argument("--qq", metavar="PNG", type=file_name, help="write a QQ plot of the losses against the fitted law to this PNG file")
    return p


def read_losses(path: str) -> np.ndarray:
    file = check_input_file("losses", path, "file of losses, one per line (or a .npy array)")
    try:
        if file.suffix == ".npy":
            check_numpy_magic("losses", file, ".npy")
            values = np.load(file, allow_pickle=False)
        else:
            with warnings.catch_warnings():  # an empty file: said below, in the one error line
                warnings.simplefilter("ignore", UserWarning)
                values = np.loadtxt(file, dtype=np.float64, ndmin=1)
    except InputError:
        raise
    except (OSError, ValueError, EOFError) as error:
        raise InputError("losses", f"cannot read {path}: {str(error).splitlines()[0]}") from None
    if np.iscomplexobj(values):
        raise InputError("losses", f"{path} holds complex numbers; losses are real mean squared errors")
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        raise InputError("losses", f"{path} holds {values.size} loss(es); an estimate needs at least 2, one per line")
    if values.ndim != 1:
        raise InputError("losses", f"{path} must hold one loss per line (a 1-D array); got shape {values.shape}")
    return values


def read_array(path: str, argument: str) -> np.ndarray:
    file = check_input_file(argument, path, ".npy file")
    check_numpy_magic(argument, file, ".npy")
    try:
        return np.asarray(np.load(file, allow_pickle=False), dtype=np.float64)
    except (OSError, ValueError, EOFError) as error:
        raise InputError(argument, f"cannot read {path} as .npy: {str(error).splitlines()[0]}") from None


def run(args) -> int:
    from ..reports.plot import check_figure_path

    if args.plot:
        args.plot = plot_path(args)
    for argument in ("plot", "qq"):  # before the work, not after it
        if getattr(args, argument):
            check_figure_path(getattr(args, argument), argument)
    losses = read_losses(args.losses)
    if (args.predictions is None) != (args.targets is None):
        raise InputError("predictions", "--predictions and --targets go together")
    predictions = None if args.predictions is None else read_array(args.predictions, "predictions")
    targets = None if args.targets is None else read_array(args.targets, "targets")
    result = measure_losses(losses, args.target_error, estimator=args.estimator, n_bootstrap=args.bootstrap,
                            seed=args.seed, task={"name": Path(args.losses).name, "source": args.losses},
                            space={"space": "losses from file"}, predictions=predictions, targets=targets)
    emit(result, args)
    if not args.json:
        from .measure_cmd import caution_lines

        cautions = caution_lines(result).strip("\n")
        if cautions:
            sys.stdout.write(cautions + "\n")
    if args.qq:
        if result.fit is None or result.fit.failure or result.law is None or \
                result.law.log_cdf(result.members.used_losses[:1]) is None:
            why = result.fit.failure if result.fit is not None and result.fit.failure else result.estimator
            raise InputError("qq", f"{result.estimator} has no fitted law to plot against ({why})")
        from ..reports import plot_qq

        plot_qq(result.law, result.members.used_losses, args.qq, label=f"{result.estimator} fit")
    if args.plot:
        from ..reports import plot_result

        suffix = args.plot.rsplit(".", 1)[-1].lower()
        plot_result(result, args.plot, figure_style(args, suffix if suffix in ("png", "pdf", "svg") else "png"))
    return 0
