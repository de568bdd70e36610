"""Inductive bias against intrinsic dimension (docs/method.md §6), with the exact GP law (docs/method.md §2).

Synthetic tasks (``load_synthetic``) put their inputs on an m-dimensional manifold in R^32 and
label them by a smooth random teacher; only m changes. For each m and task seed, the exact
generalized chi-square law of the GP's test loss gives I(ε) at the same target errors ε for every
m, with the same number of training and test points.

Usage:  PYTHONPATH=src python benchmarks/dimension_experiment.py [--seeds 5] [--n 300] [--png docs/dimension.png]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import datetime, timezone

import numpy as np

from inductive_bias import GaussianProcess, measure
from inductive_bias.tasks import load_synthetic

DIMS = (1, 2, 4, 8, 16)
EPS = (0.05, 0.1, 0.2)


def run(kernel: str, seeds: int, n: int, ambient: int) -> dict:
    """bits[m] -> array (seeds, len(EPS)); also the mean test loss of each (m, seed)."""
    bits, means = {}, {}
    for m in DIMS:
        rows, loss = [], []
        for seed in range(seeds):
            if sys.stderr.isatty():
                print(f"\r{kernel}: m={m} seed={seed}   ", end="", file=sys.stderr)
            task = load_synthetic(n, n, intrinsic_dim=m, ambient_dim=ambient, seed=seed)
            result = measure(task, GaussianProcess(kernel, "median"), target_error=EPS, estimator="exact")
            rows.append([r.bits for r in result.results])
            loss.append(result.loss.mean)
        bits[m], means[m] = np.array(rows), np.array(loss)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    return {"bits": bits, "mean_loss": means}


def table(kernel: str, data: dict) -> str:
    head = "| m | mean test loss | " + " | ".join(f"I(ε={e}) bits" for e in EPS) + " |"
    lines = [f"kernel {kernel}, lengthscale median (mean ± sd over task seeds)", "", head,
             "|" + "---|" * (2 + len(EPS))]
    for m in DIMS:
        b, loss = data["bits"][m], data["mean_loss"][m]
        cells = [f"{np.mean(b[:, j]):,.1f} ± {np.std(b[:, j]):,.1f}" for j in range(len(EPS))]
        lines.append(f"| {m} | {np.mean(loss):.4f} ± {np.std(loss):.4f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(results: dict, path: str, n: int, ambient: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kernels = list(results)
    fig, axes = plt.subplots(1, len(kernels), figsize=(3.6 * len(kernels), 3.0), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, kernel in zip(axes, kernels):
        for j, e in enumerate(EPS):
            mean = [np.mean(results[kernel]["bits"][m][:, j]) for m in DIMS]
            sd = [np.std(results[kernel]["bits"][m][:, j]) for m in DIMS]
            ax.errorbar(DIMS, mean, yerr=sd, marker="o", ms=3, capsize=2, label=f"ε = {e}")
        ax.set_xscale("log", base=2)
        ax.set_xticks(DIMS, [str(m) for m in DIMS])
        ax.set_xlabel("intrinsic dimension m")
        ax.set_title(f"GP {kernel}, ℓ = median", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("I(ε), bits")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Inductive bias vs intrinsic dimension (n = {n} train / {n} test, D = {ambient})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="task seeds per m (default 5)")
    parser.add_argument("--n", type=int, default=300, help="training and test points (default 300 each)")
    parser.add_argument("--ambient", type=int, default=32, help="ambient dimension D (default 32)")
    parser.add_argument("--kernels", nargs="+", default=["laplace", "matern32"], help="GP kernels (default laplace matern32)")
    parser.add_argument("--png", default="docs/dimension.png", help="figure path (default docs/dimension.png)")
    args = parser.parse_args(argv)
    tic = time.perf_counter()
    results = {k: run(k, args.seeds, args.n, args.ambient) for k in args.kernels}
    print(f"# dimension experiment, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{platform.machine()} CPU, python {platform.python_version()}")
    print(f"# n = {args.n} train / {args.n} test, D = {args.ambient}, 2 classes, seeds 0..{args.seeds - 1}, "
          f"estimator exact, ε = {', '.join(map(str, EPS))}")
    for kernel, data in results.items():
        print()
        print(table(kernel, data))
    plot(results, args.png, args.n, args.ambient)
    print(f"\nfigure: {args.png}; {time.perf_counter() - tic:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
