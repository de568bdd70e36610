"""What ``fit --plot`` costs for the fitted laws of one term (ncx2-mle, ncx2-loc, gchi2-moments).

Fits each estimator once to 300 losses (a scaled chi-square sample, seed 0), then times drawing the
figure (``plot_result``, what ``--plot`` adds to the fit) with the law's curve read in one
vectorised pass of its closed-form CDF (``curve_bits``, the current road) and point by point
through the exact inversion (``bits``, the road before), ``--repeats`` times each; prints medians,
and the whole ``fit --plot`` command's median wall time on the current road.

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
from inductive_bias.estimators.laws import GeneralizedChiSquareLaw
from inductive_bias.reports import plot as plot_module

ESTIMATORS = ("ncx2-mle", "ncx2-loc", "gchi2-moments")


def run(argv):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(argv) == 0


def main_():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        losses = Path(folder) / "losses.txt"
        np.savetxt(losses, np.random.default_rng(0).chisquare(3, 300) * 0.01 + 0.02)
        print(f"{'estimator':15s} {'plot, pointwise':>16s} {'plot, vectorised':>17s} {'speed-up':>9s} "
              f"{'fit --plot, now':>16s} {'fit alone':>10s}")
        for name in ESTIMATORS:
            argv = ["fit", "--losses", str(losses), "--estimator", name, "-e", "0.03", "--bootstrap", "20"]
            results = []
            original = plot_module.plot_result
            with mock.patch("inductive_bias.reports.plot_result", lambda result, *a, **k: results.append(result)):
                run(argv + ["--plot", str(Path(folder) / "x.png")])
            result = results[0]

            def plot_seconds():
                tic = time.perf_counter()
                original(result, Path(folder) / "figure.png")
                return time.perf_counter() - tic

            vectorised = [plot_seconds() for _ in range(args.repeats)]
            with mock.patch.object(GeneralizedChiSquareLaw, "curve_bits", GeneralizedChiSquareLaw.bits):
                pointwise = [plot_seconds() for _ in range(args.repeats)]
            whole, alone = [], []
            for _ in range(args.repeats):
                tic = time.perf_counter()
                run(argv + ["--plot", str(Path(folder) / "y.png")])
                whole.append(time.perf_counter() - tic)
                tic = time.perf_counter()
                run(argv)
                alone.append(time.perf_counter() - tic)
            p, v = statistics.median(pointwise), statistics.median(vectorised)
            print(f"{name:15s} {p:15.2f}s {v:16.2f}s {p / v:8.1f}x {statistics.median(whole):15.2f}s "
                  f"{statistics.median(alone):9.2f}s", flush=True)


if __name__ == "__main__":
    main_()
