"""Milliseconds per pair of 28x28 images of the pooled CNN kernel (NNGP + NTK, docs/method.md §7).

A CNN of `depth` 'same' 3x3 convolutions, relu, σw² = 2, σb² = 0.1, global average pooling:
the kernel of one pair of images needs the recursion on all (28·28)² = 614,656 pairs of
positions, at every layer. Compared, on pairs of digits resized to 28x28 (an n x m cross block,
the pairs counted as n·m):

- numpy: the position-pair tensor of a block of image pairs by numpy operations (the road
  before the fused kernel);
- fused (numba): :mod:`inductive_bias.spaces.infinite_width._fused`, one thread and all usable
  cores;
- torch (CPU): the same recursion as numpy by torch operations (the road a GPU takes);

and Myrtle-5 (the ``myrtle5`` preset of the composable layers) on one pair of 32x32x3 images.

The floor: the work a pair needs whatever the code, at this machine's measured rates: one
arccos per position pair and layer (numpy's vectorised arccos, ns per element, measured here)
plus the arithmetic (box sums of K and Θ: 4(F−1) additions; the rest of the dual map and the
NTK update ~14 operations) at the machine's float64 GEMM rate (given: --gflops), split over
the cores. "CPU ms" is the thread's CPU time (time.thread_time), robust to other work on the
machine; "wall ms" the elapsed time.

    PYTHONPATH=src python benchmarks/infinite_width_pooled.py [--pairs 16] [--gflops 104]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time

import numpy as np
from scipy import ndimage

from inductive_bias import digits
from inductive_bias._cpu import usable_cores
from inductive_bias.spaces.infinite_width import _fused
from inductive_bias.spaces.infinite_width.conv_kernels import conv_kernels


def images(n: int) -> np.ndarray:
    X = digits(n, 1, seed=0).X_train.reshape(-1, 8, 8) / 16.0
    return np.clip(np.stack([ndimage.zoom(x, 3.5, order=1) for x in X]), 0.0, 1.0).reshape(n, -1)


def timed(function):
    wall, cpu = time.perf_counter(), time.thread_time()
    out = function()
    return out, time.perf_counter() - wall, time.thread_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=16, help="n = m = √pairs images on each side (default 16)")
    parser.add_argument("--numpy-pairs", type=int, default=4)
    parser.add_argument("--gflops", type=float, default=104.0)
    parser.add_argument("--output")
    args = parser.parse_args()
    side = max(1, int(round(args.pairs ** 0.5)))
    X = images(2 * side)
    A, B = X[:side], X[side:]
    small = max(1, int(round(args.numpy_pairs ** 0.5)))
    shape, F = (1, 28, 28), 3
    P = (28 * 28) ** 2
    x = np.random.default_rng(0).uniform(-1, 1, 1_000_000)
    tic = time.perf_counter()
    for _ in range(10):
        np.arccos(x)
    arccos_ns = (time.perf_counter() - tic) / 10 / x.size * 1e9
    cores = usable_cores()
    for dtype in ("float64", "float32"):  # compile
        conv_kernels(A[:1], B[:1], shape, 2, "relu", 2.0, 0.1, readout="gap", backend="numba", dtype=dtype)
    lines = ["# Pooled CNN kernel, 28x28 images: ms per pair of images (NNGP + NTK, float64)", "",
             f"`PYTHONPATH=src python benchmarks/infinite_width_pooled.py --pairs {args.pairs}` — "
             f"{datetime.date.today()}, {platform.machine()}, {cores} usable cores shared with other work; "
             f"numpy arccos {arccos_ns:.2f} ns/element here.", "",
             "| depth | road | pairs | CPU ms / pair (1 thread) | wall ms / pair | floor ms / pair (all cores) | "
             "max rel. difference to numpy |",
             "|---|---|---|---|---|---|---|"]
    for depth in (3, 10):
        kw = dict(readout="gap", progress=False)
        ref, wall, cpu = timed(lambda: conv_kernels(A[:small], B[:small], shape, depth, "relu", 2.0, 0.1,
                                                    backend="numpy", **kw))
        n_ref = small * small
        elements = P * depth
        flops = P * ((depth - 1) * (4 * (F - 1) + 14) + 14)
        floor = (elements * arccos_ns * 1e-9 + flops / (args.gflops * 1e9 / cores)) / cores * 1e3
        rows = [("numpy (before)", n_ref, cpu, wall, ref)]
        one, wall1, cpu1 = timed(lambda: _fused.pooled_numba(*_args(A, B, depth), threads=1))
        rows.append(("fused numba, 1 thread", side * side, cpu1, wall1, None))
        (K2, T2), wall2, _ = timed(lambda: conv_kernels(A, B, shape, depth, "relu", 2.0, 0.1, backend="numba", **kw))
        rows.append((f"fused numba, {cores} threads", side * side, float("nan"), wall2, (K2[:small, :small],
                                                                                        T2[:small, :small])))
        _, wall3, cpu3 = timed(lambda: _fused.pooled_numba(*_args(A, B, depth), threads=1, dtype="float32"))
        rows.append(("fused numba float32, 1 thread", side * side, cpu3, wall3, None))
        (K4, T4), wall4, _ = timed(lambda: conv_kernels(A, B, shape, depth, "relu", 2.0, 0.1, backend="numba",
                                                        dtype="float32", **kw))
        rows.append((f"fused numba float32, {cores} threads", side * side, float("nan"), wall4,
                     (K4[:small, :small], T4[:small, :small])))
        tt, wall_t, cpu_t = timed(lambda: conv_kernels(A[:small], B[:small], shape, depth, "relu", 2.0, 0.1,
                                                       backend="torch", **kw))
        rows.append(("torch, CPU", n_ref, cpu_t, wall_t, tt))
        for name, n, c, w, out in rows:
            diff = "" if out is None else f"{max(np.max(np.abs(o - r) / np.abs(r)) for o, r in zip(out, ref)):.1e}"
            cpu_ms = "—" if c != c else f"{c / n * 1e3:.1f}"
            lines.append(f"| {depth} | {name} | {n} | {cpu_ms} | {w / n * 1e3:.1f} | {floor:.2f} | {diff} |")
    # Myrtle-5 (composable layers, every pair of positions by numpy) on 32x32x3 random images
    from inductive_bias.spaces.infinite_width.layers import layer_kernels

    rng = np.random.default_rng(1)
    M = rng.uniform(size=(8, 3 * 32 * 32))
    _, wall, cpu = timed(lambda: layer_kernels(M[:4], M[4:], (3, 32, 32), "myrtle5", 2.0, 0.1))
    lines += ["", f"Myrtle-5 on 32x32x3 (layers, numpy road, 4 x 4 pairs of random images, each image's own "
                  f"recursion included): CPU {cpu / 16 * 1e3:.0f} ms, wall {wall / 16 * 1e3:.0f} ms per pair (NNGP + NTK)."]
    report = "\n".join(lines)
    print(report)
    if args.output:
        with open(args.output, "w") as f:
            f.write(report + "\n")


def _args(A, B, depth):
    from inductive_bias.spaces.infinite_width.conv_kernels import conv_variances

    a, b = A.reshape(-1, 1, 28, 28), B.reshape(-1, 1, 28, 28)
    return (a, b, conv_variances(a, depth, "relu", 2.0, 0.1, 3), conv_variances(b, depth, "relu", 2.0, 0.1, 3),
            depth, "relu", 2.0, 0.1, 3, True)


if __name__ == "__main__":
    main()
