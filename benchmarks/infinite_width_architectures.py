"""The exact inductive bias of network architectures in the infinite-width limit (docs/method.md §7).

On scikit-learn's digits (8x8 images, pixels scaled to [0, 1], one-hot MSE), for the same
activation and variances (relu, σw² = 2, σb² = 0.1, 2 hidden layers; 3x3 filters), the exact
law of the test loss of each architecture's NNGP and NTK space:

- mlp: fully connected;
- cnn-flatten: convolutions with a weight per position at the read-out (the same kernels as the
  LCN with flatten read-out, docs/method.md §7);
- lcn-gap: locally connected layers (no weight sharing), global average pooling;
- cnn-gap: convolutions and global average pooling (locality, weight sharing and invariance to
  translation).

Prints a Markdown table (mean and sd of the test loss, the bits at common ε, the seconds each
space took) and draws I(ε) per architecture to a PNG.

    PYTHONPATH=src python benchmarks/infinite_width_architectures.py [--n-train 100 --n-test 100]
        [--side 8] [--png docs/figures/infinite_width_digits.png] [--output benchmarks/infinite_width_architectures.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time

import numpy as np

from scipy import ndimage

from inductive_bias import InfiniteWidthNetwork, Task, digits

ARCHITECTURES = {
    "mlp": dict(architecture="mlp"),
    "cnn-flatten (= lcn-flatten)": dict(architecture="cnn", readout="flatten", filter_size=3),
    "lcn-gap": dict(architecture="lcn", readout="gap", filter_size=3),
    "cnn-gap": dict(architecture="cnn", readout="gap", filter_size=3),
}


def scaled_digits(n_train: int, n_test: int, seed: int, side: int = 8) -> Task:
    """digits with pixels in [0, 1], resized (bilinear) to side x side where asked."""
    t = digits(n_train, n_test, seed=seed)

    def images(X):
        X = X.reshape(-1, 8, 8) / 16.0
        if side != 8:
            X = np.clip(np.stack([ndimage.zoom(x, side / 8, order=1) for x in X]), 0.0, 1.0)
        return X.reshape(len(X), -1)

    return Task.from_arrays(images(t.X_train), t.Y_train, images(t.X_test), t.Y_test,
                            name=f"digits {side}x{side} in [0, 1]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=100)
    parser.add_argument("--n-test", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--side", type=int, default=8, help="resize the 8x8 digits to side x side (e.g. 28)")
    parser.add_argument("--png", default="docs/figures/infinite_width_digits.png")
    parser.add_argument("--output", help="also write the report to this file")
    args = parser.parse_args()
    task = scaled_digits(args.n_train, args.n_test, args.seed, args.side)

    laws, seconds = {}, {}
    for label, options in ARCHITECTURES.items():
        for kind in ("nngp", "ntk"):
            space = InfiniteWidthNetwork(kind, depth=args.depth, activation="relu", weight_var=2.0, bias_var=0.1,
                                         **options)
            tic = time.perf_counter()
            laws[label, kind], _ = space.loss_distribution(task)
            seconds[label, kind] = time.perf_counter() - tic

    means = [law.mean for law in laws.values()]
    # common targets: from the largest mean loss down to 3/4 of the smallest
    targets = [float(f"{x:.3g}") for x in np.linspace(max(means), 0.75 * min(means), 5)]
    lines = [f"# Exact inductive bias of architectures at infinite width (docs/method.md §7)", "",
             f"`PYTHONPATH=src python benchmarks/infinite_width_architectures.py --n-train {args.n_train} "
             f"--n-test {args.n_test} --side {args.side}` — {datetime.date.today()}, {platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} cores (shared with other work: timings are indicative).", "",
             f"Task: {task.name}, {task.n_train} train / {task.n_test} test, one-hot MSE. relu, "
             f"σw² = 2, σb² = 0.1, {args.depth} hidden layers, 3x3 filters. Bits by inversion (exact).", "",
             "| architecture | space | loss mean | loss sd | " + " | ".join(f"I({e})" for e in targets)
             + " | seconds |",
             "|---|---|---|---|" + "---|" * len(targets) + "---|"]
    for (label, kind), law in laws.items():
        bits = law.bits(targets)
        lines.append(f"| {label} | {kind} | {law.mean:.5f} | {law.std:.5f} | "
                     + " | ".join(f"{b:,.1f}" for b in bits) + f" | {seconds[label, kind]:.1f} |")
    report = "\n".join(lines)
    print(report)
    if args.output:
        with open(args.output, "w") as f:
            f.write(report + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    low = min(law.mean - 10 * law.std for law in laws.values())
    grid = np.linspace(max(low, 1e-6), max(means), 40)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    colours = dict(zip(ARCHITECTURES, ["C0", "C1", "C2", "C3"]))
    for (label, kind), law in laws.items():
        eps = grid[grid > law.offset]
        ax.plot(eps, law.bits(eps), color=colours[label], linestyle="-" if kind == "nngp" else "--",
                label=f"{label} {kind}")
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlabel("target error ε (test MSE)")
    ax.set_ylabel("I(ε), bits")
    ax.set_title(f"{task.name}, {task.n_train}/{task.n_test}: infinite-width architectures (exact)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(args.png) or ".", exist_ok=True)
    fig.savefig(args.png, dpi=90)
    print(f"\nfigure: {args.png}")


if __name__ == "__main__":
    main()
