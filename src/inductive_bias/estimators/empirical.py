"""The empirical fraction (SPEC §3): -log2(#{ℓ_i <= ε} / N). Valid only while many samples fall
below ε; +inf (with a reason) when none does."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import FittedLaw, SampleEstimator


@dataclass(frozen=True)
class EmpiricalLaw(FittedLaw):
    sorted_losses: np.ndarray = None

    def bits(self, eps):
        eps = np.atleast_1d(np.asarray(eps, dtype=np.float64))
        below = np.searchsorted(self.sorted_losses, eps, side="right")
        with np.errstate(divide="ignore"):
            return -np.log2(below / self.sorted_losses.size)

    def log_cdf(self, x):
        return None

    log_sf = log_cdf


class EmpiricalEstimator(SampleEstimator):
    name = "empirical"
    fits_a_law = False

    def fit(self, losses, start=None):
        return EmpiricalLaw(params={}, sorted_losses=np.sort(losses))
