"""δ, the minimum distance between differently labelled inputs (docs/method.md §5).

Two estimators:

- :func:`class_separation`: the exact minimum over all differently labelled pairs of a sample of
  the points (of all points where ``sample`` >= n). On a proper subsample it over-estimates δ.
- :func:`evt_separation`: extreme-value extrapolation from random pairs to all pairs. Distances
  d of random differently labelled pairs are drawn, and the upper tail of y = 1/d is modelled as
  a generalized Pareto tail. With y sorted, the k largest values above the threshold y_(N-k),

      M_r = 1/k Σ_{i<k} (ln y_(N-i) - ln y_(N-k))^r,            r = 1, 2
      γ̂  = M_1 + 1 - ½ (1 - M_1²/M_2)^{-1}                     (moment estimator; Dekkers,
                                                                 Einmahl & de Haan 1989)
      γ̂₋ = 1 - ½ (1 - M_1²/M_2)^{-1},   â = y_(N-k) M_1 (1 - min(γ̂₋, 0))
      ŷ_p = y_(N-k) + â ((k / (N p))^γ̂ - 1) / γ̂                 (de Haan & Ferreira 2006, §4.3)

  with p = 1/N_all, N_all the number of distinct differently labelled pairs of the whole set:
  ŷ_p is the level that 1/d exceeds about once among all pairs, and δ̂ = 1/ŷ_p, capped by the
  smallest sampled distance. This is the method of the published code (which takes â = y_(N-k)
  M_1, the γ > 0 case of the same formula); its scatter is that of a minimum, so expect tens of
  percent, not digits.

Pairs at distance <= ``min_distance`` are ignored by both (the published code skipped pairs closer
than 1 in raw pixel units, i.e. near-duplicate images with different labels).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .._memory import check_memory
from .._random import check_random_state
from ..exceptions import InputError
from .._validation import check_array, check_positive

__all__ = ["SeparationEstimate", "class_separation", "evt_separation", "extrapolate_minimum"]

_CHUNK_ROWS = 1024
_CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class SeparationEstimate:
    """An estimate of δ.

    Attributes
    ----------
    delta : float
    method : str
        "exact" (every differently labelled pair), "sample" (every pair of a subsample) or "evt".
    sample_minimum : float
        The smallest distance among the pairs examined: an upper bound on the true δ of the set.
    pairs_examined : int
    pairs_total : int
        Distinct differently labelled pairs of the whole set.
    points : int
    min_distance : float
        Pairs at or below it were ignored.
    ignored_pairs : int
        Examined pairs at or below ``min_distance``.
    gamma : float or None
        The moment estimate of the extreme-value index of 1/d (evt only).
    tail : int or None
        k, the number of upper order statistics used (evt only).
    """

    delta: float
    method: str
    sample_minimum: float
    pairs_examined: int
    pairs_total: int
    points: int
    min_distance: float
    ignored_pairs: int
    gamma: float | None = None
    tail: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _unit_scale(X):
    """X divided by a power of two (exact) when its entries are far from 1, and that power's
    exponent: squared distances of features of 1e-300 underflow to 0 and of 1e200 overflow,
    while the distances themselves are representable (they are scaled back on return)."""
    top = float(np.max(np.abs(X))) if X.size else 0.0
    if top > 0 and not 2.0**-100 < top < 2.0**100:
        exponent = math.frexp(top)[1]
        return np.ldexp(X, -exponent), exponent
    return X, 0


def _check_inputs(X, labels, min_distance):
    X = check_array("X", X, ndim=2, min_rows=2)
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != X.shape[0]:
        raise InputError("labels", f"must be 1-D with one label per row of X ({X.shape[0]}); got shape {labels.shape}")
    _, counts = np.unique(labels, return_counts=True)
    if counts.size < 2:
        raise InputError("labels", "need at least two different labels to measure a distance between classes")
    min_distance = check_positive("min_distance", min_distance, allow_zero=True)
    n = X.shape[0]
    pairs_total = (n * n - int(np.sum(counts.astype(np.int64) ** 2))) // 2
    return X, labels, min_distance, pairs_total


def class_separation(X, labels, *, sample: int = 5000, min_distance: float = 0.0, seed=0) -> SeparationEstimate:
    """δ as the minimum distance between differently labelled points of a sample (docs/method.md §5).

    Parameters
    ----------
    X : array of shape (n, d)
    labels : array of shape (n,)
    sample : int, default 5000
        Points drawn (without replacement) among which every differently labelled pair is
        measured; where ``sample`` >= n, all pairs are and the result is exact.
    min_distance : float, default 0
        Pairs at or below this distance are ignored.
    seed : int, Generator or None, default 0

    Returns
    -------
    SeparationEstimate
    """
    X, labels, min_distance, pairs_total = _check_inputs(X, labels, min_distance)
    X, exponent = _unit_scale(X)
    given_min_distance, min_distance = min_distance, math.ldexp(min_distance, -exponent)
    sample = check_positive("sample", sample, integer=True)
    if sample < 2:
        raise InputError("sample", f"must be >= 2; got {sample}")
    n = X.shape[0]
    if sample >= n:
        index, method = np.arange(n), "exact"
    else:
        index, method = np.sort(check_random_state(seed).choice(n, sample, replace=False)), "sample"
    Xs, ls = X[index], labels[index]
    sq = np.einsum("ij,ij->i", Xs, Xs)
    best, examined, ignored = math.inf, 0, 0
    threshold = min_distance * min_distance
    for start in range(0, len(Xs), _CHUNK_ROWS):
        stop = min(start + _CHUNK_ROWS, len(Xs))
        # upper triangle only: pairs (i, j) with j > i
        d2 = sq[start:stop, None] + sq[None, :] - 2.0 * (Xs[start:stop] @ Xs.T)
        rows = np.arange(start, stop)[:, None]
        valid = (ls[start:stop, None] != ls[None, :]) & (np.arange(len(Xs))[None, :] > rows)
        examined += int(valid.sum())
        # the Gram form loses digits for close pairs: recompute candidates from differences
        close = valid & (d2 <= threshold + 1e-9 * (sq[start:stop, None] + sq[None, :]))
        if close.any():
            i, j = np.nonzero(close)
            exact = _row_norms(Xs[start + i] - Xs[j])
            pinned = exact <= min_distance
            ignored += int(pinned.sum())
            d2[i[pinned], j[pinned]] = np.inf
            d2[i[~pinned], j[~pinned]] = exact[~pinned] ** 2
            valid[i[pinned], j[pinned]] = False
        d2 = np.where(valid, d2, np.inf)
        r = np.argmin(d2, axis=1)
        finite = np.isfinite(d2[np.arange(stop - start), r])
        if finite.any():
            candidates = _row_norms(Xs[start:stop][finite] - Xs[r[finite]])
            best = min(best, float(candidates.min()))
    if not math.isfinite(best):
        if min_distance == 0:  # nothing to lower: the data themselves put both labels on one point
            raise InputError("data", "every differently labelled pair of points coincides (distance 0): the same "
                                     "inputs carry different labels, so no positive separation δ exists")
        raise InputError("min_distance", f"every differently labelled pair is within {given_min_distance:g}; lower it")
    best = math.ldexp(best, exponent)
    return SeparationEstimate(delta=best, method=method, sample_minimum=best, pairs_examined=examined,
                              pairs_total=int(pairs_total), points=n, min_distance=given_min_distance,
                              ignored_pairs=ignored)


def _row_norms(diff: np.ndarray) -> np.ndarray:
    """Euclidean norms of the rows, scaled by each row's largest entry so that features of
    1e-300 (whose squares underflow to 0) or 1e200 (whose squares overflow) keep their distance."""
    top = np.max(np.abs(diff), axis=1)
    safe = np.where(top > 0, top, 1.0)
    return top * np.linalg.norm(diff / safe[:, None], axis=1)


def _pair_distances(X, i, j):
    out = np.empty(i.size)
    step = max(1, _CHUNK_ELEMENTS // max(1, X.shape[1]))
    for s in range(0, i.size, step):
        out[s : s + step] = _row_norms(X[i[s : s + step]] - X[j[s : s + step]])
    return out


def _moment_tail(y: np.ndarray, k: int) -> tuple[float, float, float]:
    """(γ̂, â, threshold y_(N-k)) of the moment estimator on the k largest of ``y`` (> 0)."""
    y = np.sort(y)
    threshold = y[-k - 1]
    logs = np.log(y[-k:]) - math.log(threshold)
    m1 = float(np.mean(logs))
    m2 = float(np.mean(logs * logs))
    gamma_minus = 1.0 - 0.5 / (1.0 - m1 * m1 / m2)
    gamma = m1 + gamma_minus
    scale = threshold * m1 * (1.0 - min(gamma_minus, 0.0))
    return gamma, scale, threshold


def extrapolate_minimum(distances, total: float, tail: int) -> tuple[float, float]:
    """The smallest of ``total`` distances, extrapolated from a random sample of them.

    The upper tail of 1/d is fitted by the moment estimator on its ``tail`` largest values, and
    the level that 1/d exceeds with probability 1/``total`` is read off (see the module
    docstring); the result is its inverse, capped by the smallest sampled distance.

    Parameters
    ----------
    distances : array of shape (N,)
        Positive distances, an i.i.d. sample of the ``total`` ones.
    total : float
        How many distances the minimum is taken over.
    tail : int
        k, with 2 <= k < N.

    Returns
    -------
    (delta, gamma) : the extrapolated minimum and the extreme-value index of 1/d.
    """
    d = np.asarray(distances, dtype=np.float64)
    if d.ndim != 1 or d.size < 3 or not np.all(np.isfinite(d) & (d > 0)):
        raise InputError("distances", "must be a 1-D array of at least 3 finite positive distances")
    if not 2 <= tail < d.size:
        raise InputError("tail", f"must lie in [2, {d.size}); got {tail}")
    gamma, scale, threshold = _moment_tail(1.0 / d, tail)
    growth = tail * float(total) / d.size  # k / (N p) with p = 1/total
    if abs(gamma) < 1e-12:
        level = threshold + scale * math.log(growth)
    else:
        level = threshold + scale * math.expm1(gamma * math.log(growth)) / gamma
    return float(min(1.0 / level, float(d.min()))), float(gamma)


def evt_separation(X, labels, *, pairs: int = 200_000, tail: int | None = None, min_distance: float = 0.0,
                   seed=0) -> SeparationEstimate:
    """δ by extreme-value extrapolation from ``pairs`` random differently labelled pairs to all
    of them (the moment estimator and its high-quantile formula; see the module docstring).

    Parameters
    ----------
    X : array of shape (n, d)
    labels : array of shape (n,)
    pairs : int, default 200000
        Random differently labelled pairs drawn (uniformly, with replacement).
    tail : int, optional
        k, the upper order statistics of 1/d used; default 1% of the pairs (at least 20).
    min_distance : float, default 0
        Pairs at or below this distance are ignored.
    seed : int, Generator or None, default 0

    Returns
    -------
    SeparationEstimate
        ``method`` "evt", with ``gamma`` and ``tail``; ``sample_minimum`` is the smallest sampled
        distance, which caps ``delta``.
    """
    X, labels, min_distance, pairs_total = _check_inputs(X, labels, min_distance)
    X, exponent = _unit_scale(X)
    given_min_distance, min_distance = min_distance, math.ldexp(min_distance, -exponent)
    pairs = check_positive("pairs", pairs, integer=True)
    if tail is None:  # derived from the pairs: a refusal names the pairs, which the caller chose
        if pairs < 3:
            raise InputError("pairs", f"must be at least 3 for the extreme-value estimate (its tail is 2 or more of "
                                      f"the pairs); got {pairs}")
        tail = min(max(20, pairs // 100), pairs - 1)
    tail = check_positive("tail", tail, integer=True)
    if not 2 <= tail < pairs:
        raise InputError("tail", f"must lie in [2, pairs); got {tail} with pairs = {pairs}")
    # the pair indices and their distances (2^63 pairs was numpy's "maximum allowed dimension")
    check_memory("pairs", pairs, 48 * pairs, f"{pairs} random pairs")
    rng = check_random_state(seed)
    n = X.shape[0]
    i_all, j_all, have = [], [], 0
    while have < pairs:
        draw = max(1024, 2 * (pairs - have))
        i = rng.integers(0, n, draw)
        j = rng.integers(0, n, draw)
        keep = labels[i] != labels[j]
        i_all.append(i[keep])
        j_all.append(j[keep])
        have += int(keep.sum())
    i = np.concatenate(i_all)[:pairs]
    j = np.concatenate(j_all)[:pairs]
    d = _pair_distances(X, i, j)
    pinned = d <= min_distance
    d = d[~pinned]
    if d.size <= tail:
        if min_distance == 0:
            raise InputError("data", f"only {d.size} sampled differently labelled pairs are apart (the others "
                                     f"coincide); the extreme-value estimate needs more than {tail}")
        raise InputError("min_distance", f"only {d.size} sampled pairs lie beyond {given_min_distance:g}; "
                         f"need more than tail = {tail}")
    delta, gamma = extrapolate_minimum(d, pairs_total, tail)
    sample_minimum = float(d.min())
    delta, sample_minimum = math.ldexp(delta, exponent), math.ldexp(sample_minimum, exponent)
    return SeparationEstimate(delta=delta, method="evt", sample_minimum=sample_minimum, pairs_examined=int(pairs),
                              pairs_total=int(pairs_total), points=n, min_distance=given_min_distance,
                              ignored_pairs=int(pinned.sum()), gamma=float(gamma), tail=int(tail))
