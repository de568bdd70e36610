"""Benchmark of the exact GP machinery (issue: exact inductive bias of GP spaces).

1. digits (rbf, lengthscale 1, 500 train / 500 test): at several ε, the exact bits (inversion),
   the saddlepoint, the Chernoff lower bound, the tilted importance-sampling check, and the
   published estimator's bits from N = 100, 1000, 10000 sampled hypotheses, each with its wall time.
2. A synthetic task of 4,000 training and 2,000 test points: the time of ``measure`` against the
   bare LAPACK work it needs (Cholesky, triangular solves and the rank-n update, eigendecomposition)
   measured in the same run, as medians of repeats, and their ratio.

Prints a Markdown report; ``--output FILE`` also writes it there.

    python benchmarks/gp_exact.py [--repeats 3] [--output benchmarks/gp_exact.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time

import numpy as np
from scipy import linalg
from scipy.linalg.blas import dsyrk

from inductive_bias import GaussianProcess, Task, digits, measure
from inductive_bias.estimators import get_estimator
from inductive_bias.spaces.kernels import kernel_matrix


def timed(function, *args, **kwargs):
    tic = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - tic


def digits_table(lines: list[str]) -> None:
    task = digits()
    space = GaussianProcess("rbf", 1.0)
    (law, _), t_law = timed(space.loss_distribution, task)
    lines.append(f"Exact law: {law.weights.size} terms, mean {law.mean:.6g}, sd {law.std:.6g}; "
                 f"built in {t_law:.3f} s.\n")
    zs = [1.0, 2.3, 4.0, 6.0, 10.0, 15.0]
    eps = np.array([law.mean - z * law.std for z in zs] + [0.5])
    lines.append("| ε | sd below mean | exact bits | (s) | saddlepoint | Chernoff bound | tilted IS (4000) ± se | (s) |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for e in eps:
        exact, t_exact = timed(law.bits, e)
        saddle = law.bits(e, "saddlepoint")
        bound = law.chernoff_bits(e)
        (log_p, se), t_tilt = timed(law.tilted_log_cdf, e, 4000, 1)
        tilt_bits = -log_p / np.log(2)
        lines.append(f"| {e:.5g} | {(law.mean - e) / law.std:.1f} | {exact[0]:.4f} | {t_exact:.3f} | "
                     f"{saddle[0]:.4f} | {bound[0]:.4f} | {tilt_bits:.3f} ± {se / np.log(2):.3f} | {t_tilt:.2f} |")
    lines.append("")
    lines.append("Published estimator (scaled noncentral chi-square, loc 0, MLE) on N sampled hypotheses, "
                 "same ε; the last row is the wall time of each fit:\n")
    header = "| ε | exact | " + " | ".join(f"paper N={n}" for n in (100, 1000, 10000)) + " |"
    lines += [header, "|---" * (2 + 3) + "|"]
    columns = []
    for n in (100, 1000, 10000):
        samples, t_sample = timed(space.sample, task, n, 7)
        fitted, t_fit = timed(get_estimator("paper").fit, samples.losses)
        columns.append((fitted.bits(eps), t_fit))
    exact_all = law.bits(eps)
    for j, e in enumerate(eps):
        cells = " | ".join(f"{bits[j]:.3f}" for bits, _ in columns)
        lines.append(f"| {e:.5g} | {exact_all[j]:.3f} | {cells} |")
    lines.append("| fit time (s) | | " + " | ".join(f"{t:.2f}" for _, t in columns) + " |")
    lines.append("")


def bare_lapack(task: Task, ell: float) -> float:
    """The dense linear algebra measure needs, with the kernel matrices given; returns seconds."""
    K = kernel_matrix("rbf", task.X_train, task.X_train, ell)
    Ks = kernel_matrix("rbf", task.X_test, task.X_train, ell)
    Kss = kernel_matrix("rbf", task.X_test, task.X_test, ell)
    K[np.diag_indices_from(K)] += 1e-10
    tic = time.perf_counter()
    L = linalg.cholesky(K, lower=True, overwrite_a=True, check_finite=False)
    V = linalg.solve_triangular(L, Ks.T, lower=True, check_finite=False, overwrite_b=True)
    C = dsyrk(-1.0, V, beta=1.0, c=Kss, trans=1, lower=1, overwrite_c=1)
    linalg.eigh(C, lower=True, overwrite_a=True, check_finite=False, driver="evd")
    return time.perf_counter() - tic


def scaling_table(lines: list[str], repeats: int) -> None:
    rng = np.random.default_rng(0)
    n, m, d, k = 4000, 2000, 20, 10
    X = rng.normal(size=(n + m, d))
    teacher = rng.normal(size=(d, k))
    y = np.argmax(np.tanh(X @ teacher) + 0.3 * rng.normal(size=(n + m, k)), axis=1)
    task = Task.from_arrays(X[:n], y[:n], X[n:], y[n:], name="synthetic-4000x2000")
    ell = 5.0
    space = GaussianProcess("rbf", ell)
    law, _ = space.loss_distribution(task)
    eps = [law.mean - 2 * law.std, law.mean - 10 * law.std]
    measure_times, bare_times, stages = [], [], []
    for _ in range(repeats):  # interleaved, so that load changes hit both alike
        bare_times.append(bare_lapack(task, ell))
        result, t = timed(measure, task, space, eps)
        measure_times.append(t)
        stages.append(result.timings)
    med_measure, med_bare = statistics.median(measure_times), statistics.median(bare_times)
    lines.append(f"Task: {n} training and {m} test points, {d} features, {k} classes; rbf, ℓ = {ell}; "
                 f"{repeats} interleaved repeats, medians.\n")
    lines.append("| | seconds (median) | all repeats |")
    lines.append("|---|---|---|")
    lines.append(f"| bare LAPACK (cholesky + solve_triangular + syrk + eigh) | {med_bare:.3f} | "
                 + ", ".join(f"{t:.2f}" for t in bare_times) + " |")
    lines.append(f"| `measure` (kernels, conditioning, law, 2 targets) | {med_measure:.3f} | "
                 + ", ".join(f"{t:.2f}" for t in measure_times) + " |")
    lines.append(f"| **ratio measure / bare** | **{med_measure / med_bare:.2f}** | |")
    lines.append("")
    keys = [k for k in stages[0] if k != "total"]
    lines.append("Stages of `measure` (median seconds): " + ", ".join(
        f"{key} {statistics.median(s[key] for s in stages):.3f}" for key in keys) + ".\n")
    lines.append(f"Bits at ε = {eps[0]:.5g}, {eps[1]:.5g}: " + ", ".join(f"{b:.2f}" for b in result.bits) + ".\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", help="also write the Markdown report to this file")
    args = parser.parse_args(argv)
    lines = ["## Exact GP inductive bias (`benchmarks/gp_exact.py`)\n",
             f"Run {datetime.date.today().isoformat()} on {platform.machine()} with {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, numpy {np.__version__}. Shared machine: medians and ratios "
             "measured in one run.\n",
             "### digits, rbf, ℓ = 1, 500 train / 500 test\n"]
    digits_table(lines)
    lines.append("### measure against bare LAPACK\n")
    scaling_table(lines, args.repeats)
    report = "\n".join(lines)
    print(report)
    if args.output:
        with open(args.output, "w") as f:
            f.write(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
