"""Time of the bound (docs/method.md §5) and of estimating its inputs from a task of MNIST's shape.

The task is synthetic (no download): 20,000 training inputs in R^784, a smooth image of a
12-dimensional Gaussian latent, labelled by the largest of its first ten coordinates. Prints the
median of a few repetitions per stage.

    PYTHONPATH=src python benchmarks/complexity_inputs.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from inductive_bias import Task
from inductive_bias.complexity import (
    PRESETS,
    class_separation,
    complexity_bound,
    evt_separation,
    intrinsic_dimension,
)


def median_seconds(function, repeats):
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - tic)
    return statistics.median(times), result


def main():
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(20_000, 12))
    X = np.tanh(latent @ rng.normal(size=(12, 784)) / 3)
    labels = np.argmax(latent[:, :10], axis=1)
    task = Task.from_arrays(X, labels, X[:10], labels[:10], name="synthetic 20000 x 784")
    print(f"task: {task.n_train} x {task.n_features}, 10 classes, latent dimension 12")

    seconds, _ = median_seconds(lambda: complexity_bound(**PRESETS["imagenet"]), 1000)
    print(f"bound, ImageNet preset:                      {seconds * 1e6:8.1f} µs (median of 1000)")
    seconds, dim = median_seconds(lambda: intrinsic_dimension(task.X_train, 10, queries=1000, seed=0), 3)
    print(f"m, Levina–Bickel, k = 10, 1000 queries:      {seconds:8.2f} s  (median of 3)  m = {dim.m:.2f}")
    seconds, evt = median_seconds(lambda: evt_separation(task.X_train, labels, pairs=200_000, seed=0), 3)
    print(f"δ, evt from 200,000 pairs:                   {seconds:8.2f} s  (median of 3)  δ = {evt.delta:.4f}")
    seconds, sample = median_seconds(lambda: class_separation(task.X_train, labels, sample=5000, seed=0), 3)
    print(f"δ, all pairs of a 5,000-point sample:        {seconds:8.2f} s  (median of 3)  δ = {sample.delta:.4f}")
    seconds, exact = median_seconds(lambda: class_separation(task.X_train, labels, sample=task.n_train), 1)
    print(f"δ, exact over all {exact.pairs_total:,} pairs: {seconds:8.2f} s  (once)          δ = {exact.delta:.4f}")
    for seed in range(1, 4):
        other = evt_separation(task.X_train, labels, pairs=200_000, seed=seed)
        print(f"δ, evt with seed {seed}: {other.delta:.4f} (smallest sampled {other.sample_minimum:.4f}, γ = {other.gamma:.4f})")


if __name__ == "__main__":
    main()
