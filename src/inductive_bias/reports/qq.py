"""Quantile–quantile plot of sampled losses against a fitted law (docs/method.md §3, goodness of fit)."""

from __future__ import annotations

import numpy as np
from scipy import special

from ..exceptions import InputError
from .plot import _save


def qq_points(law, losses) -> tuple[np.ndarray, np.ndarray]:
    """Normal scores of the fitted and the empirical CDF at the sorted losses.

    x = Φ^{-1}(F̂(ℓ_(i))), y = Φ^{-1}((i - 1/2)/N): on the line y = x where the law fits. Normal
    scores stretch both tails, where an extrapolating estimator's errors start.
    """
    if law.log_cdf(np.asarray(losses[:1], dtype=np.float64)) is None:
        raise InputError("estimator", "the empirical estimator has no fitted law to compare with")
    x = np.sort(np.asarray(losses, dtype=np.float64))
    n = x.size
    log_F = np.asarray(law.log_cdf(x), dtype=np.float64)
    fitted = special.ndtri(np.clip(np.exp(log_F), 1e-300, 1 - 1e-16))
    empirical = special.ndtri((np.arange(1, n + 1) - 0.5) / n)
    return fitted, empirical


def plot_qq(law, losses, path, *, label: str = "fitted law") -> None:
    """Write a QQ plot (normal scores, :func:`qq_points`) of ``losses`` against ``law`` to a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fitted, empirical = qq_points(law, losses)
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    lo = float(np.nanmin([fitted.min(), empirical.min()]))
    hi = float(np.nanmax([fitted.max(), empirical.max()]))
    ax.plot([lo, hi], [lo, hi], color="black", lw=1, label="perfect fit")
    ax.plot(fitted, empirical, ".", ms=3, color="tab:blue", label=f"{len(empirical)} sampled losses")
    ax.set_xlabel(f"normal score under the {label}")
    ax.set_ylabel("normal score of the sample (empirical)")
    ax.legend()
    ax.grid(alpha=0.3)
    _save(plt, fig, path, "qq")
