"""The "median" lengthscale of docs/method.md §2 when the n(n-1)/2 pairwise distances do not fit in memory.
(The posterior out of core is computed by :mod:`.gaussian`.)"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._cpu import usable_cores
from ..exceptions import InputError


def median_distance(X: np.ndarray, memory_limit: int, seed: int = 0) -> float:
    """The exact median of the n(n-1)/2 pairwise distances of X — the value
    ``np.median(scipy.spatial.distance.pdist(X))`` gives (docs/method.md §2, "median" lengthscale) — without
    holding them all: a sample of pairs brackets the median's rank, then one blocked pass over all
    pairs counts the distances below the bracket and keeps only those inside it.

    Distances come from ``cdist`` on row blocks, which evaluates the same expression as ``pdist``,
    so the selected values are the same numbers. The bracket is widened and the pass repeated in
    the (rare) case the sample misjudged it.
    """
    from scipy.spatial.distance import cdist

    n = len(X)
    total = n * (n - 1) // 2
    if total == 0:
        raise InputError("lengthscale", "'median' needs at least 2 training points")
    X = np.ascontiguousarray(X, dtype=np.float64)
    ranks = [(total - 1) // 2, total // 2]  # np.median: the mean of the two middle order statistics
    rng = np.random.default_rng(seed)
    draws = min(total, 200_000)
    i = rng.integers(0, n, size=4 * draws)
    j = rng.integers(0, n, size=4 * draws)
    keep = i != j
    i, j = i[keep][:draws], j[keep][:draws]
    step = max(1, memory_limit // (8 * 4 * X.shape[1]))  # pairs per chunk: differences and temporaries
    sample = np.sort(np.concatenate([np.sqrt(np.einsum("ij,ij->i", D, D))
                                     for D in (X[i[s:s + step]] - X[j[s:s + step]] for s in range(0, len(i), step))]))
    # cdist releases the GIL: one block per core at a time (each within its share of the limit)
    workers = min(usable_cores(), n - 1)
    rows = max(1, min(n, memory_limit // (8 * 4 * n * workers)))  # a block of distances and its temporaries
    spread = 6.0 * 0.5 / np.sqrt(len(sample))  # six standard errors of the sample's median quantile
    while True:
        if spread < 0.5:
            lo = sample[max(int((0.5 - spread) * len(sample)), 0)] * (1 - 1e-12)
            hi = sample[min(int((0.5 + spread) * len(sample)), len(sample) - 1)] * (1 + 1e-12)
        else:  # the sample misjudged twice: keep every distance (correct, at the memory of pdist)
            lo, hi = -np.inf, np.inf

        def count(start, lo=lo, hi=hi):
            """(distances below the bracket, those inside it) of the rows from ``start``."""
            stop = min(start + rows, n - 1)
            block = cdist(X[start:stop], X[start + 1:])  # row r: distances to points r+1 ..
            upper = np.arange(start, stop)[:, None] < np.arange(start + 1, n)[None, :]
            values = block[upper]
            return int(np.count_nonzero(values < lo)), values[(values >= lo) & (values <= hi)]

        starts = range(0, n - 1, rows)
        if workers > 1 and len(starts) > 1:
            with ThreadPoolExecutor(workers) as pool:
                parts = list(pool.map(count, starts))
        else:
            parts = [count(start) for start in starts]
        below = sum(part[0] for part in parts)
        inside = np.sort(np.concatenate([part[1] for part in parts]))
        if below <= ranks[0] and ranks[1] < below + len(inside):
            return float(0.5 * (inside[ranks[0] - below] + inside[ranks[1] - below]))
        spread = min(0.5, 4 * spread)
