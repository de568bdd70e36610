"""The published estimator (docs/method.md §3, "paper"): a scaled noncentral chi-square with location 0,
fitted by maximum likelihood, read off at ε; where its CDF underflows, Sankaran's normal
approximation of the noncentral chi-square lower tail.

Kept exactly as published so that the paper's figures can be reproduced, but in bits. The
published tail returns z²/2 nats; ``tail="log-phi"`` returns -ln Φ(z) for the same z instead.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from .base import LN2, FitError, FittedLaw, SampleEstimator


def sankaran_z(x, df: float, nc: float) -> np.ndarray:
    """Sankaran's normalising transform of a noncentral chi-square at x (docs/method.md §3)."""
    x = np.asarray(x, dtype=np.float64)
    h = 1 - (2 / 3) * (df + nc) * (df + 3 * nc) / (df + 2 * nc) ** 2
    p = (df + 2 * nc) / (df + nc) ** 2
    q = (h - 1) * (1 - 3 * h)
    numerator = (x / (df + nc)) ** h - (1 + h * p * (h - 1 - (2 - h) * q * p / 2))
    return numerator / (h * math.sqrt(2 * p) * (1 + q * p / 2))


@dataclass(frozen=True)
class NoncentralChiSquareLaw(FittedLaw):
    """scale * χ²_df(nc) + loc."""

    df: float = 1.0
    nc: float = 0.0
    scale: float = 1.0
    loc: float = 0.0
    tail: str = "published"

    def log_cdf(self, x):
        return stats.ncx2.logcdf(np.asarray(x, dtype=np.float64), self.df, self.nc, loc=self.loc, scale=self.scale)

    def log_sf(self, x):
        return stats.ncx2.logsf(np.asarray(x, dtype=np.float64), self.df, self.nc, loc=self.loc, scale=self.scale)

    def bits(self, eps):
        eps = np.atleast_1d(np.asarray(eps, dtype=np.float64))
        with np.errstate(divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            nats = -self.log_cdf(eps)
        underflow = np.isinf(nats) & (eps > self.loc)
        if np.any(underflow):
            z = sankaran_z((eps[underflow] - self.loc) / self.scale, self.df, self.nc)
            nats[underflow] = z**2 / 2 if self.tail == "published" else -special.log_ndtr(z)
        return nats / LN2


class PaperEstimator(SampleEstimator):
    """``scipy.stats.ncx2.fit(losses, floc=0)``, as published.

    Parameters
    ----------
    tail : {"published", "log-phi"}
        What to return where the fitted CDF underflows: the published z²/2 nats or -ln Φ(z).
    """

    def __init__(self, tail: str = "published"):
        self.tail = tail
        self.name = "paper" if tail == "published" else "paper-logphi"

    def fit(self, losses, start=None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            # Always from scipy's default start, as published: that optimiser often stops short of
            # the likelihood's maximum, and its refits must do the same for the bootstrap to
            # measure the published procedure's spread.
            df, nc, loc, scale = stats.ncx2.fit(losses, floc=0)
        if not (np.isfinite([df, nc, scale]).all() and df > 0 and nc >= 0 and scale > 0):
            raise FitError(f"maximum likelihood returned df={df}, nc={nc}, scale={scale}")
        from .ncx2_mle import ncx2_logpdf

        loglik = float(np.sum(ncx2_logpdf(losses, df, nc, 0.0, scale)))
        if not math.isfinite(loglik):
            raise FitError(f"the fitted law gives the sample log-likelihood {loglik}")
        return NoncentralChiSquareLaw(
            params={"df": float(df), "nc": float(nc), "loc": 0.0, "scale": float(scale), "log_likelihood": loglik},
            df=float(df), nc=float(nc), scale=float(scale), loc=0.0, tail=self.tail,
        )
