"""Sample-based estimators (docs/method.md §3): from N sampled test losses to I(ε), with an uncertainty and
a goodness-of-fit statistic for every figure."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ..exceptions import ExtrapolationWarning, FitError, InputError  # noqa: F401 (re-exported)
from .._validation import check_array

LN2 = math.log(2.0)


@dataclass(frozen=True)
class FittedLaw:
    """A loss law fitted to samples: ``bits(eps)`` and the CDF pieces the goodness of fit needs.

    Subclasses set ``params`` (JSON-ready) and implement :meth:`bits` and :meth:`log_cdf`,
    :meth:`log_sf` (for Anderson–Darling on the sample).
    """

    params: dict = field(default_factory=dict)

    def bits(self, eps: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def log_cdf(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def log_sf(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class SampleEstimator:
    """Fits a law to losses. ``fit(losses, start=None)``: ``start`` is the full-sample fit, which
    an estimator may use to begin a bootstrap refit's optimiser from (where that does not change
    what the estimator computes).

    Estimators with ``uses_predictions = True`` are fitted to the hypotheses' test predictions
    instead, by ``fit_predictions(predictions, targets, counts=None)``.

    A fitted law reads I(ε) below the sample too; such figures are model extrapolations (docs/method.md §3),
    labelled as such by :func:`~inductive_bias.estimators.estimate_bits`, which also rejects a law
    that contradicts the direct count inside the sample.
    """

    name = "estimator"
    uses_predictions = False
    #: whether the estimate comes from a fitted law, which reads I(ε) below the sample too; the
    #: direct count does not: it gives a bound there instead
    fits_a_law = True
    #: "percentile" (the replicates' quantiles) or "basic" (2·estimate minus them, which corrects for
    #: a bias the bootstrap reproduces); see :func:`estimate_bits`.
    bootstrap_interval = "percentile"

    def fit(self, losses: np.ndarray, start: FittedLaw | None = None) -> FittedLaw:
        raise NotImplementedError


def check_losses(losses, name: str = "losses") -> np.ndarray:
    losses = check_array(name, losses, ndim=1)
    if losses.size < 2:
        raise InputError(name, f"needs at least 2 values; got {losses.size}")
    if np.all(losses == losses[0]):
        raise InputError(name, f"are all equal ({float(losses[0])!r}); no law can be fitted to them")
    return losses


def goodness_of_fit(law: FittedLaw, losses: np.ndarray) -> dict:
    """Kolmogorov–Smirnov and Anderson–Darling statistics of the sample against the fitted law.

    Parameters were estimated from the same sample, so the KS p-value is optimistic (too large):
    a small value is evidence of misfit, a large one is not proof of fit.
    """
    x = np.sort(losses)
    n = x.size
    log_F = law.log_cdf(x)
    log_S = law.log_sf(x)
    F = np.exp(log_F)
    i = np.arange(1, n + 1)
    ks = float(max(np.max(i / n - F), np.max(F - (i - 1) / n)))
    ad = float(-n - np.mean((2 * i - 1) * (log_F + log_S[::-1])))
    return {"ks_statistic": ks, "ks_pvalue": float(stats.kstwo.sf(ks, n)), "anderson_darling": ad}
