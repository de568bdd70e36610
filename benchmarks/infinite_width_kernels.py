"""Time and peak memory of the infinite-width kernels (docs/method.md §7) on 28x28 images.

Inputs: scikit-learn's digits resized to 28x28 (bilinear), pixels in [0, 1]. For each
architecture the NTK and NNGP of a symmetric n x n block (what the training matrix needs) are
computed together (``ntk=True``), relu, σw² = 2, σb² = 0.1, depth 3, 3x3 filters:

- mlp: computed at n = 2,000 directly;
- cnn-flatten (= lcn): the position-diagonal recursion, n = --n-diagonal, projected to 2,000 by
  the number of pairs (n(n+1)/2: the cost is per pair);
- cnn-gap: the recursion over every pair of positions ((28·28)² numbers per pair of images),
  n = --n-pooled, projected the same way.

Peak memory is the largest traced allocation (tracemalloc, which numpy reports to) during each
computation: it is set by the block size, not by n.

    PYTHONPATH=src python benchmarks/infinite_width_kernels.py [--n-diagonal 200 --n-pooled 6]
        [--output benchmarks/infinite_width_kernels.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
import tracemalloc

import numpy as np
from scipy import ndimage

from inductive_bias import digits
from inductive_bias.spaces.infinite_width import conv_kernels, mlp_kernels

TARGET = 2000


def images(n: int) -> np.ndarray:
    t = digits(min(n, 1797 - 1), 1, seed=0)
    X = t.X_train.reshape(-1, 8, 8) / 16.0
    big = np.stack([ndimage.zoom(x, 3.5, order=1) for x in X])  # 8 * 3.5 = 28
    return np.clip(big, 0.0, 1.0).reshape(len(big), -1)


def measure(function) -> tuple[float, float]:
    tracemalloc.start()
    tic = time.perf_counter()
    function()
    seconds = time.perf_counter() - tic
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def pairs(n: int) -> int:
    return n * (n + 1) // 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-diagonal", type=int, default=200)
    parser.add_argument("--n-pooled", type=int, default=6)
    parser.add_argument("--output")
    args = parser.parse_args()
    shape = (1, 28, 28)
    rows = []
    X = images(TARGET)
    kw = dict(depth=3, activation="relu", weight_var=2.0, bias_var=0.1)
    s, mb = measure(lambda: mlp_kernels(X, X, kw["depth"], "relu", 2.0, 0.1, ntk=True))
    rows.append(("mlp", TARGET, s, mb, s))
    Xd = X[:args.n_diagonal]
    s, mb = measure(lambda: conv_kernels(Xd, Xd, shape, 3, "relu", 2.0, 0.1, readout="flatten", ntk=True))
    rows.append(("cnn-flatten (= lcn)", len(Xd), s, mb, s * pairs(TARGET) / pairs(len(Xd))))
    Xp = X[:args.n_pooled]
    s, mb = measure(lambda: conv_kernels(Xp, Xp, shape, 3, "relu", 2.0, 0.1, readout="gap", ntk=True))
    rows.append(("cnn-gap", len(Xp), s, mb, s * pairs(TARGET) / pairs(len(Xp))))

    lines = ["# Infinite-width kernels on 28x28 images: time and peak memory", "",
             f"`PYTHONPATH=src python benchmarks/infinite_width_kernels.py --n-diagonal {args.n_diagonal} "
             f"--n-pooled {args.n_pooled}` — {datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores "
             "shared with other work (single-threaded BLAS; timings indicative).", "",
             "NNGP and NTK together (one pass), relu, depth 3, 3x3 filters, symmetric n x n block.", "",
             "| architecture | n computed | seconds | peak traced memory (MiB) | projected seconds for n = 2,000 |",
             "|---|---|---|---|---|"]
    for name, n, s, mb, projected in rows:
        note = "" if n == TARGET else f" ({projected / 3600:.1f} h)"
        lines.append(f"| {name} | {n:,} | {s:.2f} | {mb:.0f} | {projected:,.0f}{note} |")
    per_pair = rows[2][2] / pairs(rows[2][1])
    lines += ["", f"cnn-gap: {per_pair * 1e3:.0f} ms per pair of images ((28·28)² = 614,656 position pairs, "
                  "3 layers); the projection assumes the cost per pair stays constant, which it does: "
                  "the blocks are a few pairs each whatever n."]
    report = "\n".join(lines)
    print(report)
    if args.output:
        with open(args.output, "w") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()
