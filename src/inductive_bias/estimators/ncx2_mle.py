"""Scaled noncentral chi-square fitted by a converged maximum likelihood (docs/method.md §3).

``"ncx2-mle"``: the paper's family, loc + scale·χ²_df(nc) with loc = 0, but with the optimiser
run to the likelihood's maximum (``scipy.stats.ncx2.fit(losses, floc=0)``, kept as "paper", often
stops short of it). ``"ncx2-loc"``: the same family with a free location, which can place the
law's left end where the sample puts it instead of at 0.

Both maximise the log-likelihood in unconstrained coordinates (ln df, ln nc, ln scale and, with a
free location, loc = min(losses) - exp(u)·sd), started from a moment fit: first by L-BFGS-B
(finite-difference gradients), then by Powell's method from its result, each restarted from its
own result until the log-likelihood stops rising by more than 1e-3 (at most 3 runs of 600
evaluations each; a fit whose last Powell run still gained 0.5 is a FitError). L-BFGS-B reaches
the maximum in a few hundred evaluations where Powell alone took ~1,450 and often stopped short
of it; Powell then checks it without derivatives. Bootstrap refits start from the full-sample
fit. I(ε) is read off the fitted law exactly through the generalized chi-square machinery of
docs/method.md §2 (a one-term generalized chi-square), so it never underflows.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import optimize, special, stats

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


# Debye's uniform expansion of I_ν(νt) (DLMF 10.41.3): its terms u_k(p)/ν^k, p = (1 + t²)^(-1/2),
# with u_1 … u_4 of DLMF 10.41.10 written as p^k times a polynomial in p², evaluated by Horner.
_U = ((24.0, (3.0, -5.0)),
      (1152.0, (81.0, -462.0, 385.0)),
      (414720.0, (30375.0, -369603.0, 765765.0, -425425.0)),
      (39813120.0, (4465125.0, -94121676.0, 349922430.0, -446185740.0, 185910725.0)))
# From this order on the truncation after four terms, O(ν^-5), is below the float64 cancellation of
# the log-density (within 2e-11 of a 50-digit evaluation over the tested grid); below it, scipy's
# exponentially scaled Bessel function is used where it does not underflow.
_DEBYE_ORDER = 50.0


def _log_bessel_i(nu: float, z: np.ndarray) -> np.ndarray:
    """ln I_ν(z) for z > 0, without the underflow of I_ν or of its scaled form at large ν.

    ν ≥ 50: Debye's expansion, uniform in z, with four correction terms. Smaller ν: ln(ive(ν, z)) + z,
    NaN where that underflows (left to the caller)."""
    if nu >= _DEBYE_ORDER:
        t = z / nu
        root = np.sqrt(1.0 + t * t)
        p = 1.0 / root
        p2, term, series = p * p, 1.0, 1.0
        for denominator, coefficients in _U:
            term = term * p / nu
            horner = coefficients[-1]
            for c in coefficients[-2::-1]:
                horner = horner * p2 + c
            series = series + term * horner / denominator
        eta = root + np.log(t / (1.0 + root))
        return nu * eta - 0.5 * math.log(2.0 * math.pi * nu) + 0.5 * np.log(p) + np.log(series)
    with np.errstate(divide="ignore"):
        scaled = special.ive(nu, z)
    out = np.log(scaled) + z
    out[~(scaled > 1e-290) | ~np.isfinite(scaled)] = np.nan
    return out


def ncx2_logpdf(x, df, nc, loc=0.0, scale=1.0) -> np.ndarray:
    """ln of the density of loc + scale·χ²_df(nc) at ``x``.

    With y = (x - loc)/scale, ν = df/2 - 1 and z = √(nc·y) the density of χ²_df(nc) is
    ½ exp(-(y + nc)/2) (y/nc)^(ν/2) I_ν(z); it is evaluated in log space with ln I_ν from
    :func:`_log_bessel_i`, so it neither underflows nor becomes -inf at large df, where
    ``scipy.stats.ncx2.logpdf`` returns -inf (e.g. df=2000, nc=160, x=2160: density 0.0059; scipy
    1.x) — and it costs a few microseconds, not scipy's per-call overhead, which made the
    maximum-likelihood bootstrap slow. Points where scipy's scaled Bessel function underflows
    (ν < 50 and z below ~1e-6) fall back to ``scipy.stats.ncx2``. Agreement with a 50-digit
    evaluation is tested (tests/estimators/test_ncx2_mle.py).
    """
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    out = np.full(x.shape, -np.inf)
    y = (x - loc) / scale
    inside = y > 0
    if not (df > 0 and nc >= 0 and scale > 0) or not inside.any():
        return out
    y = y[inside]
    nu = 0.5 * df - 1.0
    with np.errstate(all="ignore"):
        if nc == 0.0:
            value = nu * np.log(y) - 0.5 * y - 0.5 * df * math.log(2.0) - special.gammaln(0.5 * df)
        else:
            z = np.sqrt(nc * y)
            value = -math.log(2.0) - 0.5 * (y + nc) + 0.5 * nu * (np.log(y) - math.log(nc)) + _log_bessel_i(nu, z)
        value = value - math.log(scale)
        bad = np.isnan(value)
        if bad.any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                value[bad] = stats.ncx2.logpdf(y[bad], df, nc) - math.log(scale)
    out[inside] = value
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
        with np.errstate(over="ignore"):
            df, nc, scale = np.exp(theta[:3])
            loc = anchor - float(np.exp(theta[3])) * sd if self.free_location else 0.0
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

    def _climb(self, method, options, theta, best, args):
        """Runs of ``method`` from the best point so far until one gains at most _TOLERANCE in
        log-likelihood (at most _MAX_RESTARTS runs): the best point, its value and the last gain."""
        improved = math.inf
        for _ in range(_MAX_RESTARTS):
            result = optimize.minimize(self._negloglik, theta, args=args, method=method, options=options)
            improved = best - result.fun if math.isfinite(result.fun) else 0.0
            if result.fun <= best:
                theta, best = result.x, float(result.fun)
            if improved <= _TOLERANCE:
                break
        return theta, best, improved

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
        # The optimisers probe overflowing coordinates (their values are +inf there, handled);
        # numpy's and scipy's warnings about them are not the user's business.
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for method, options in (("L-BFGS-B", {"maxfun": _MAX_EVALUATIONS}),
                                    ("Powell", {"xtol": 1e-6, "ftol": 1e-10, "maxfev": _MAX_EVALUATIONS})):
                theta, best, improved = self._climb(method, options, theta, best, (losses, anchor, sd))
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
