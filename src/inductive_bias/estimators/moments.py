"""A generalized chi-square fitted by moments (docs/method.md §3, "gchi2-moments").

The family is the one-term generalized chi-square with an offset, c + a·χ²_d, matched to the
sample mean μ, standard deviation σ and skewness γ of the losses:

    d = 8/γ²,   a = σγ/4,   c = μ - a d = μ - 2σ/γ.

It is the law of a GP space's loss when all posterior weights are equal and the noncentralities
small (docs/method.md §2), and the Pearson type III approximation otherwise. Its left end c lies 2/γ
standard deviations below the mean, so the deep tail is set by the sample skewness alone: its
standard error, about sqrt(6/N), is what limits this estimator (see docs/estimators.md).
Where the sample skewness is not positive the fit is the normal law (the d → ∞ limit), and the
parameters say so (``"normal_limit": true``).
"""

from __future__ import annotations

import math

import numpy as np

from ..distributions import GeneralizedChiSquare
from .base import FitError, SampleEstimator
from .laws import GeneralizedChiSquareLaw, NormalLaw

# Below this skewness d = 8/γ² exceeds 8e6 and the law is normal to within rounding.
_MIN_SKEW = 1e-3


def sample_moments(losses: np.ndarray) -> tuple[float, float, float]:
    """Mean, standard deviation (ddof=1) and adjusted Fisher–Pearson skewness G1."""
    x = np.asarray(losses, dtype=np.float64)
    n = x.size
    # Moments of x / 2^e with 2^e near the largest |x| (exact: a power of two), so that losses of
    # scale 1e-300 (whose squares underflow) or 1e300 (whose cubes overflow) keep their moments.
    largest = float(np.max(np.abs(x))) if n else 0.0
    scale = math.ldexp(1.0, math.frexp(largest)[1]) if largest > 0 and math.isfinite(largest) else 1.0
    y = x / scale
    mu = float(np.mean(y))
    d = y - mu
    m2 = float(np.mean(d * d))
    m3 = float(np.mean(d * d * d))
    if not m2 > 0:
        raise FitError("the losses have zero variance")
    g1 = m3 / m2**1.5
    G1 = g1 * math.sqrt(n * (n - 1)) / (n - 2) if n > 2 else g1
    return mu * scale, math.sqrt(m2 * n / (n - 1)) * scale, G1


class MomentEstimator(SampleEstimator):
    """c + a·χ²_d matched to the first three sample moments (module docstring)."""

    name = "gchi2-moments"

    def fit(self, losses, start=None):
        mu, sd, skew = sample_moments(losses)
        if skew < _MIN_SKEW:
            return NormalLaw(params={"mean": mu, "std": sd, "skewness": skew, "normal_limit": True},
                             mean=mu, std=sd)
        d = 8.0 / skew**2
        a = sd * skew / 4.0
        c = mu - a * d
        law = GeneralizedChiSquare([a], dof=d, noncentrality=0.0)
        return GeneralizedChiSquareLaw(
            params={"loc": c, "scale": a, "df": d, "skewness": skew, "mean": mu, "std": sd, "normal_limit": False},
            law=law, shift=c)
