"""Intrinsic dimension m by the Levina–Bickel maximum-likelihood estimator (docs/method.md §5).

Around a point x, model the data as a Poisson process of constant rate on an m-dimensional ball.
With T_j(x) the distance to the j-th nearest neighbour, the log ratios log(T_k/T_j), j < k, then
sum to a Gamma(k-1, rate m) variable, and the maximum-likelihood estimate at x is

    m̂_k(x) = [ 1/(k-1) Σ_{j=1}^{k-1} ln(T_k(x) / T_j(x)) ]^{-1}       (Levina & Bickel 2005, eq. 8)

Because the bracket has mean exactly 1/m, the point-wise brackets are averaged before inverting
(MacKay & Ghahramani's form of the pooled estimate, also what the published code computes):
m̂_k = 1 / mean_x(bracket). Averaging the point-wise m̂_k(x) instead would be biased upwards by
(k-1)/(k-2).

References
----------
E. Levina and P. J. Bickel, "Maximum likelihood estimation of intrinsic dimension", NIPS 2004.
D. J. C. MacKay and Z. Ghahramani, "Comments on 'Maximum likelihood estimation of intrinsic
dimension' by E. Levina and P. Bickel", 2005.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import math

import numpy as np

from .._random import check_random_state
from ..exceptions import InputError
from .._validation import check_array, check_positive

__all__ = ["DimensionEstimate", "intrinsic_dimension"]


@dataclass(frozen=True)
class DimensionEstimate:
    """An intrinsic-dimension estimate with its interval.

    Attributes
    ----------
    m : float
        The pooled Levina–Bickel estimate.
    interval : (float, float)
        Percentile interval of the estimate over ``n_subsamples`` resamples (with replacement) of
        the query points, at ``confidence``. It covers the sampling variability of the queries,
        not the estimator's bias (curvature, finite k, too few points for a large m).
    confidence : float
    k : int
        Neighbours used: T_1 .. T_k.
    queries : int
        Points whose neighbourhoods were measured (neighbours are searched among all points).
    points : int
        Distinct points searched.
    duplicates : int
        Repeated rows dropped before the search (a zero distance has no logarithm).
    n_subsamples : int
    """

    m: float
    interval: tuple
    confidence: float
    k: int
    queries: int
    points: int
    duplicates: int
    n_subsamples: int

    def to_dict(self) -> dict:
        out = asdict(self)
        out["interval"] = [float(v) for v in self.interval]
        return out


def intrinsic_dimension(X, k: int = 10, *, queries: int = 1000, n_subsamples: int = 200,
                        confidence: float = 0.95, seed=0) -> DimensionEstimate:
    """Intrinsic dimension of the rows of ``X`` by the Levina–Bickel MLE over ``k`` neighbours.

    Parameters
    ----------
    X : array of shape (n, d)
        The inputs (for a task: its training inputs).
    k : int, default 10
        Nearest neighbours per point (>= 3). Levina and Bickel find k between 10 and 20 stable;
        the published code used k = 5.
    queries : int, default 1000
        Points (drawn without replacement) whose neighbourhoods enter the estimate; all points
        where there are fewer.
    n_subsamples : int, default 200
        Resamples of the queries for the interval.
    confidence : float, default 0.95
    seed : int, Generator or None, default 0

    Returns
    -------
    DimensionEstimate

    Examples
    --------
    >>> import numpy as np
    >>> from inductive_bias.complexity import intrinsic_dimension
    >>> X = np.random.default_rng(0).normal(size=(3000, 4)) @ np.random.default_rng(1).normal(size=(4, 20))
    >>> round(float(intrinsic_dimension(X).m), 1)
    4.0
    """
    from sklearn.neighbors import NearestNeighbors

    X = check_array("X", X, ndim=2)
    # The estimate uses ratios of neighbour distances only, so it is unchanged by a power-of-two
    # rescaling, which keeps features of 1e-300 (squared distances 0) or 1e200 representable.
    top = float(np.max(np.abs(X))) if X.size else 0.0
    if top > 0 and not 2.0**-100 < top < 2.0**100:
        X = np.ldexp(X, -math.frexp(top)[1])
    k = check_positive("k", k, integer=True)
    if k < 3:
        raise InputError("k", f"must be >= 3 (the estimate needs two neighbour distances to compare); got {k}")
    queries = check_positive("queries", queries, integer=True)
    n_subsamples = check_positive("n_subsamples", n_subsamples, integer=True)
    if not 0 < confidence < 1:
        raise InputError("confidence", f"must lie in (0, 1); got {confidence!r}")
    rng = check_random_state(seed)

    distinct = np.unique(X, axis=0)
    duplicates = X.shape[0] - distinct.shape[0]
    n = distinct.shape[0]
    if n < k + 1:
        raise InputError("k", f"{k} neighbours need more than {k} distinct points; the data have {n} (give a "
                              "smaller --k, or data with more distinct points)")
    chosen = rng.choice(n, size=min(queries, n), replace=False)
    search = NearestNeighbors(n_neighbors=k + 1).fit(distinct)
    dist, _ = search.kneighbors(distinct[chosen])
    T = dist[:, 1:]  # column 0 is the query itself
    # bracket_i = 1/(k-1) Σ_{j<k} ln(T_k / T_j): mean 1/m under the local Poisson model
    bracket = np.mean(np.log(T[:, -1:]) - np.log(T[:, :-1]), axis=1)
    m = 1.0 / float(np.mean(bracket))
    resamples = rng.integers(0, bracket.size, size=(n_subsamples, bracket.size))
    estimates = 1.0 / np.mean(bracket[resamples], axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(estimates, [alpha, 1 - alpha])
    return DimensionEstimate(m=m, interval=(float(low), float(high)), confidence=confidence, k=k,
                             queries=int(chosen.size), points=int(n), duplicates=int(duplicates),
                             n_subsamples=n_subsamples)
