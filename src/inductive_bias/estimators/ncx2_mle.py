"""Scaled noncentral chi-square fitted by a converged maximum likelihood (docs/method.md §3).

``"ncx2-mle"``: the paper's family, loc + scale·χ²_df(nc) with loc = 0, but with the optimiser
run to the likelihood's maximum (``scipy.stats.ncx2.fit(losses, floc=0)``, kept as "paper", often
stops short of it). ``"ncx2-loc"``: the same family with a free location, which can place the
law's left end where the sample puts it instead of at 0.

Both maximise the log-likelihood by Powell's method in unconstrained coordinates
(ln df, ln nc, ln scale and, with a free location, loc = min(losses) - exp(u)·sd), started from a
moment fit and restarted from its own result until the log-likelihood stops rising by more than
1e-3 (at most 3 runs of 600 evaluations; a fit still gaining 0.5 is a FitError). Bootstrap
refits start from the full-sample fit. I(ε) is read off the fitted law exactly
through the generalized chi-square machinery of docs/method.md §2 (a one-term generalized chi-square),
so it never underflows.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import optimize, stats

from ..distributions import GeneralizedChiSquare
from .base import FitError, SampleEstimator
from .laws import GeneralizedChiSquareLaw
from .moments import sample_moments

_MAX_RESTARTS = 3
_MAX_EVALUATIONS = 600
# Restart while a run raised the log-likelihood by more than this; give up (FitError) if the last
# run still raised it by more than _GIVE_UP, a difference a likelihood-ratio test would notice.
# Between the two the law sits on a flat ridge (near-normal samples leave df and nc unidentified)
# and the parameters record the last gain.
_TOLERANCE = 1e-3
_GIVE_UP = 0.5


def ncx2_logpdf(x, df, nc, loc=0.0, scale=1.0) -> np.ndarray:
    """ln of the noncentral chi-square density.

    ``scipy.stats.ncx2.logpdf`` returns -inf for df above about 2000 even where ``ncx2.pdf`` is an
    ordinary number (e.g. df=2000, nc=160 at x=2160: pdf 0.0059, logpdf -inf; scipy 1.x). Where
    that happens the logarithm of the density is taken instead, which is exact wherever the
    density does not underflow; only points with a density below ~1e-308 stay at -inf.
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = np.atleast_1d(stats.ncx2.logpdf(x, df, nc, loc=loc, scale=scale)).astype(np.float64)
        bad = ~np.isfinite(out)
        if np.any(bad):
            out[bad] = np.log(np.atleast_1d(stats.ncx2.pdf(np.atleast_1d(x)[bad], df, nc, loc=loc, scale=scale)))
    return out


class _Ncx2Law(GeneralizedChiSquareLaw):
    """loc + scale·χ²_df(nc); goodness of fit through scipy's ncx2 CDF (accurate in the bulk)."""

    def log_cdf(self, x):
        p = self.params
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return stats.ncx2.logcdf(np.asarray(x, dtype=np.float64), p["df"], p["nc"], loc=p["loc"], scale=p["scale"])

    def log_sf(self, x):
        p = self.params
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return stats.ncx2.logsf(np.asarray(x, dtype=np.float64), p["df"], p["nc"], loc=p["loc"], scale=p["scale"])


class Ncx2MLEEstimator(SampleEstimator):
    """Maximum-likelihood noncentral chi-square (module docstring).

    Parameters
    ----------
    free_location : bool
        False: loc = 0 ("ncx2-mle", the paper's family). True: loc is fitted ("ncx2-loc").
    """


    def __init__(self, free_location: bool):
        self.free_location = free_location
        self.name = "ncx2-loc" if free_location else "ncx2-mle"

    # -- coordinates ------------------------------------------------------------------------------
    def _unpack(self, theta, anchor, sd):
        df, nc, scale = np.exp(theta[:3])
        loc = anchor - math.exp(theta[3]) * sd if self.free_location else 0.0
        return df, nc, scale, loc

    def _start(self, losses):
        mu, sd, skew = sample_moments(losses)
        anchor = float(np.min(losses))
        if self.free_location:
            # c + a·χ²_d matched to three moments (as "gchi2-moments"), with a little noncentrality.
            skew = min(max(skew, 0.05), 2.0)
            d = 8.0 / skew**2
            a = sd * skew / 4.0
            loc = mu - a * d
            depth = max((anchor - loc) / sd, 1e-3)
            return np.log([0.9 * d, 0.05 * d, a / 1.0]).tolist() + [math.log(depth)], anchor, sd
        # loc = 0: scale (df + nc) = mu and 2 scale² (df + 2 nc) = sd² with nc = df.
        scale = sd**2 / (3.0 * mu)
        df = mu / (2.0 * scale)
        return np.log([df, df, scale]).tolist(), anchor, sd

    def _negloglik(self, theta, losses, anchor, sd):
        df, nc, scale, loc = self._unpack(theta, anchor, sd)
        if not (np.isfinite([df, nc, scale, loc]).all() and df > 0 and scale > 0):
            return math.inf
        value = -float(np.sum(ncx2_logpdf(losses, df, max(nc, 1e-12), loc, scale)))
        return value if math.isfinite(value) else math.inf

    def fit(self, losses, start=None):
        losses = np.asarray(losses, dtype=np.float64)
        if start is not None and "theta" in start.params:
            theta0 = list(start.params["theta"])
            _, sd, _ = sample_moments(losses)
            anchor = float(np.min(losses))
            if self.free_location:  # keep the same loc in the new sample's coordinates
                loc = start.params["loc"]
                if not loc < anchor:
                    loc = anchor - 1e-3 * sd
                theta0[3] = math.log((anchor - loc) / sd)
        else:
            theta0, anchor, sd = self._start(losses)
        theta = np.asarray(theta0, dtype=np.float64)
        best = self._negloglik(theta, losses, anchor, sd)
        if not math.isfinite(best):
            raise FitError("the starting point of the likelihood maximisation has zero likelihood")
        for _ in range(_MAX_RESTARTS):
            result = optimize.minimize(self._negloglik, theta, args=(losses, anchor, sd), method="Powell",
                                       options={"xtol": 1e-6, "ftol": 1e-10, "maxfev": _MAX_EVALUATIONS})
            improved = best - result.fun
            if result.fun <= best:
                theta, best = result.x, float(result.fun)
            if improved <= _TOLERANCE:
                break
        else:
            if improved > _GIVE_UP:
                raise FitError(f"the log-likelihood was still rising by {improved:.3g} after {_MAX_RESTARTS} "
                               "restarts of the optimiser")
        df, nc, scale, loc = self._unpack(theta, anchor, sd)
        if not (np.isfinite([df, nc, scale, loc]).all() and df > 0 and scale > 0):
            raise FitError(f"maximum likelihood returned df={df}, nc={nc}, scale={scale}, loc={loc}")
        law = GeneralizedChiSquare([scale], dof=df, noncentrality=max(nc, 0.0))
        return _Ncx2Law(params={"df": float(df), "nc": float(nc), "loc": float(loc), "scale": float(scale),
                                "log_likelihood": -best, "last_gain": float(improved), "theta": [float(t) for t in theta]},
                        law=law, shift=float(loc))
