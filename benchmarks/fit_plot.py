"""What ``fit`` and ``fit --plot`` cost for the fitted laws of one term (ncx2-mle, ncx2-loc,
gchi2-moments), whose CDF is read in closed form (GeneralizedChiSquare.log_cdf, method "auto").

On 300 losses (a scaled chi-square sample, seed 0) with 20 bootstrap refits, times the whole
``fit --plot`` command, and drawing the figure alone (``plot_result``: the law's curve on a grid
of 200 points), ``--repeats`` times each, with the closed form (now) and without it (the
numerical inversion at every point, as before: ``_one_term_log_cdf`` patched to decline);
prints medians.

    python benchmarks/fit_plot.py [--repeats 3]
"""

import argparse
import contextlib
import io
import statistics
import tempfile
import time
import warnings
from pathlib import Path
from unittest import mock

import numpy as np

from inductive_bias.cli.main import main
from inductive_bias.distributions import GeneralizedChiSquare
from inductive_bias.reports import plot as plot_module

ESTIMATORS = ("ncx2-mle", "ncx2-loc", "gchi2-moments")


def run(argv):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(argv) == 0


def before():
    """The road before: every one-term law read by the inversion."""
    return mock.patch.object(GeneralizedChiSquare, "_one_term_log_cdf", lambda self, eps: None)


def main_():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        losses = Path(folder) / "losses.txt"
        np.savetxt(losses, np.random.default_rng(0).chisquare(3, 300) * 0.01 + 0.02)
        print(f"medians of {args.repeats}, seconds")
        print(f"{'estimator':15s} {'fit --plot before':>18s} {'now':>7s} {'plot before':>12s} {'now':>7s} "
              f"{'fit alone now':>14s}")
        for name in ESTIMATORS:
            argv = ["fit", "--losses", str(losses), "--estimator", name, "-e", "0.03", "--bootstrap", "20"]
            results = []
            with mock.patch("inductive_bias.reports.plot_result", lambda result, *a, **k: results.append(result)):
                run(argv + ["--plot", str(Path(folder) / "x.png")])
            result = results[0]

            def seconds(call):
                tic = time.perf_counter()
                call()
                return time.perf_counter() - tic

            def whole():
                return seconds(lambda: run(argv + ["--plot", str(Path(folder) / "y.png")]))

            def plot():
                return seconds(lambda: plot_module.plot_result(result, Path(folder) / "figure.png"))

            now = [whole() for _ in range(args.repeats)]
            plot_now = [plot() for _ in range(args.repeats)]
            alone = [seconds(lambda: run(argv)) for _ in range(args.repeats)]
            with before():
                then = [whole() for _ in range(args.repeats)]
                plot_then = [plot() for _ in range(args.repeats)]
            m = statistics.median
            print(f"{name:15s} {m(then):18.2f} {m(now):7.2f} {m(plot_then):12.2f} {m(plot_now):7.2f} "
                  f"{m(alone):14.2f}", flush=True)


if __name__ == "__main__":
    main_()
