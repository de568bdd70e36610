"""The direct count (docs/method.md §3): of N sampled hypotheses, k reach ε, so P[L <= ε] is estimated by
k/N and I(ε) by -log2(k/N), with the exact (Clopper–Pearson) binomial interval.

It assumes nothing about the loss law, only independent members, and so it is the one figure a
trained space's sample supports everywhere: on the deep-count benchmark (benchmarks/deep_count.md)
it was the only estimator whose intervals covered the truth at every depth. Where no member
reaches ε (k = 0) there is no point estimate: the sample proves only the one-sided bound
I(ε) > -log2(1 - (α/2)^(1/N)) ≈ log2(N / ln(2/α)) (the Clopper–Pearson upper end of P), which
:func:`~inductive_bias.estimators.estimate_bits` reports as a figure of kind ``"bound"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import FittedLaw, SampleEstimator


@dataclass(frozen=True)
class CountLaw(FittedLaw):
    """The sample's own distribution: I(ε) = -log2(#{ℓ_i <= ε} / N) (+inf where none is below)."""

    sorted_losses: np.ndarray = None

    def bits(self, eps):
        eps = np.atleast_1d(np.asarray(eps, dtype=np.float64))
        below = np.searchsorted(self.sorted_losses, eps, side="right")
        with np.errstate(divide="ignore"):
            return -np.log2(below / self.sorted_losses.size)

    def log_cdf(self, x):
        return None

    log_sf = log_cdf


class CountEstimator(SampleEstimator):
    """The direct count with its Clopper–Pearson interval (module docstring). Its interval is exact,
    so it draws no bootstrap."""

    name = "count"
    fits_a_law = False

    def fit(self, losses, start=None):
        return CountLaw(params={}, sorted_losses=np.sort(losses))
