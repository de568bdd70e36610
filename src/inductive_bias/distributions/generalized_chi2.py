"""The generalized chi-square law of a GP hypothesis's test loss (docs/method.md §2).

    L = c0 + sum_i w_i * chi2_{d_i}(nu_i),        w_i > 0

Everything here is in log space: a probability of 2**-(10**6) is an ordinary number of bits.
The lower tail P[L <= eps] has several methods, chosen explicitly (``method=``):

``"auto"`` (the default)
    A law of one term, c0 + w chi2_d(nu), in closed form (the regularised incomplete gamma
    function and its Poisson mixture, scipy's chi2 and ncx2: ~1e-15 relative, one vectorised pass
    over eps) wherever that is a finite log-probability above ln 1e-300; every other law and point
    by ``"inversion"``. (The inversion's integrand decays slowly for one term: ~10**4 evaluations
    and only ~1e-4 relative accuracy there, where the closed form is exact.)
``"inversion"``
    Exact numerical inversion of the moment generating function along the vertical line through
    the saddlepoint, Re s = ŝ. The factor exp(K(ŝ) - ŝ eps) is taken out analytically and the
    remaining integral is O(1), so the relative accuracy (~1e-9) holds at any depth of the tail.
``"saddlepoint"``
    Lugannani–Rice (docs/method.md §2), in log space. Fast; its error is O(1/(number of terms)).
``"imhof"``
    Gil-Pelaez/Imhof inversion of the characteristic function on the imaginary axis. Absolute
    accuracy ~1e-13, so it is only meaningful where P is well above that (docs/method.md §2.7: P > ~1e-10).

Below the mean every method works in u = ln(-ŝ) with ŝ²K''(ŝ) and K(ŝ) - ŝ eps summed from O(1)
terms (``_lower_tail_terms``), so eps down to the smallest subnormal float gives bits: there ŝ
itself overflows and K''(ŝ) underflows (docs/method.md §2; checked against the small-ball asymptotic
ln P ~ (D/2) ln(eps - c0) and mpmath in tests/test_generalized_chi2.py).

``chernoff_bits`` is the rigorous lower bound (ŝ eps - K(ŝ)) / ln 2 on the bits, and
``tilted_log_cdf`` the exponential-tilting importance-sampling check that works at any depth.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import integrate, special, stats

from .._random import check_random_state
from ..exceptions import InputError, IntegrationWarning
from .._validation import check_positive

__all__ = ["GeneralizedChiSquare", "IntegrationWarning"]

LN2 = math.log(2.0)
TAIL_METHODS = ("auto", "inversion", "saddlepoint", "imhof")
#: below this the closed-form CDF of one term may have underflowed: the inversion takes over
_CLOSED_FORM_FLOOR = math.log(1e-300)


@dataclass(frozen=True)
class _LowerTail:
    """Log-space quantities of the lower tail at s = -e^u (see _lower_tail_terms)."""

    log_a: np.ndarray
    b: np.ndarray
    log_K1: float
    log_K2: float
    log_scaled_K2: float
    log_bound: float


@dataclass(frozen=True)
class Saddlepoint:
    """The saddlepoint ŝ of K'(ŝ) = eps and the cumulants there."""

    s: float
    K: float  # K(ŝ); nan where only the scaled quantities below are representable
    K2: float  # K''(ŝ); may underflow to 0 deep in the lower tail (use ``scaled_K2``)
    log_bound: float | None = None  # K(ŝ) - ŝ eps, summed stably (lower tail)
    scaled_K2: float | None = None  # ŝ² K''(ŝ), dimensionless and O(1) at any depth (lower tail)
    log_minus_s: float | None = None  # ln(-ŝ), finite where ŝ overflows (lower tail)

    def log_chernoff(self, eps: float) -> float:
        """ln of the Chernoff bound exp(K(ŝ) - ŝ eps) >= P (lower tail for ŝ < 0)."""
        return self.log_bound if self.log_bound is not None else self.K - self.s * eps


class GeneralizedChiSquare:
    """L = offset + sum_i weights[i] * chi2(dof[i], noncentrality[i]).

    Parameters
    ----------
    weights : array_like of shape (n,)
        Positive weights w_i.
    dof : float or array_like of shape (n,), default 1
        Degrees of freedom d_i > 0 of each term (k, the number of outputs, for a GP space).
    noncentrality : array_like of shape (n,), default 0
        Noncentrality parameters nu_i >= 0.
    offset : float, default 0
        The constant c0 >= 0.

    Examples
    --------
    >>> law = GeneralizedChiSquare([1.0, 2.0], dof=1, noncentrality=[0.5, 0.0])
    >>> round(law.mean, 6)
    3.5
    """

    def __init__(self, weights, dof=1.0, noncentrality=0.0, offset: float = 0.0):
        w = np.atleast_1d(np.asarray(weights, dtype=np.float64))
        if w.ndim != 1:
            raise InputError("weights", f"must be 1-D; got shape {w.shape}")
        if not np.all(np.isfinite(w) & (w > 0)):
            raise InputError("weights", "must be finite and > 0")
        d = np.broadcast_to(np.asarray(dof, dtype=np.float64), w.shape).copy()
        nu = np.broadcast_to(np.asarray(noncentrality, dtype=np.float64), w.shape).copy()
        if not np.all(np.isfinite(d) & (d > 0)):
            raise InputError("dof", "must be finite and > 0")
        if not np.all(np.isfinite(nu) & (nu >= 0)):
            raise InputError("noncentrality", "must be finite and >= 0")
        self.offset = check_positive("offset", offset, allow_zero=True)
        order = np.argsort(w)[::-1]  # largest weight first: the pole 1/(2 w_max) is w[0]
        self.weights, self.dof, self.noncentrality = w[order], d[order], nu[order]
        self._log_weights = np.log(self.weights)
        for array in (self.weights, self.dof, self.noncentrality):
            array.setflags(write=False)
        # Weights far from 1 (an amplitude of 1e100 makes them 1e200) overflow w² and w³ in the
        # variance and K''; the upper tail is then computed on the law divided by a power of two,
        # an exact rescaling (the lower tail already works in log space at any scale).
        exponent = math.frexp(float(self.weights[0]))[1]
        self._scale_exponent = exponent if abs(exponent) > 160 else 0
        self._unit_law = None

    # -- moments --------------------------------------------------------------------------------
    @property
    def mean(self) -> float:
        return float(self.offset + np.sum(self.weights * (self.dof + self.noncentrality)))

    @property
    def variance(self) -> float:
        """Var L (+inf where it exceeds the largest double, as at weights of 1e200)."""
        if self._scale_exponent:
            with np.errstate(over="ignore"):
                return float(np.ldexp(self._unit().variance, 2 * self._scale_exponent))
        return float(np.sum(2.0 * self.weights**2 * (self.dof + 2.0 * self.noncentrality)))

    @property
    def std(self) -> float:
        if self._scale_exponent:
            return float(np.ldexp(self._unit().std, self._scale_exponent))
        return math.sqrt(self.variance)

    def _unit(self) -> "GeneralizedChiSquare":
        """This law divided by 2**_scale_exponent (exact): its largest weight lies in [0.5, 1)."""
        if self._unit_law is None:
            e = -self._scale_exponent
            self._unit_law = GeneralizedChiSquare(np.ldexp(self.weights, e), self.dof, self.noncentrality,
                                                  float(np.ldexp(self.offset, e)))
        return self._unit_law

    def _log_K2_at_zero(self) -> float:
        """ln K''(0) = ln Var L, from O(1) terms so that it neither over- nor underflows."""
        relative = self.weights / self.weights[0]
        return 2.0 * float(self._log_weights[0]) + math.log(
            float(np.sum((2.0 * self.dof + 4.0 * self.noncentrality) * relative**2)))

    def _skewness(self) -> float:
        """Standardized third cumulant kappa3 / kappa2^(3/2), scale-free."""
        relative = self.weights / self.weights[0]
        k2 = float(np.sum((2.0 * self.dof + 4.0 * self.noncentrality) * relative**2))
        k3 = float(np.sum((8.0 * self.dof + 24.0 * self.noncentrality) * relative**3))
        return k3 / k2**1.5

    def _half_r_squared(self, s: float) -> float:
        """r²/2 = ŝ K'(ŝ) - K(ŝ) of Lugannani–Rice, summed from terms that are each >= 0 (valid
        for |2 ŝ w_i| <= 1/2, i.e. near the mean).

        With x_i = 2 ŝ w_i this is sum_i (d_i/2) [x_i/(1-x_i) + ln(1-x_i)] + nu_i x_i² / (2 (1-x_i)²);
        the bracket is sum_{k>=2} (1 - 1/k) x^k, summed as a series. Written as ŝ eps - K(ŝ) it is a
        difference of two numbers ~ŝ·mean whose value is ~ŝ² Var L: near the mean the difference
        is round-off, and 1/r - 1/u was divided by it (log1p(-1) crashed there). It is evaluated at
        eps' = K'(ŝ), the target the computed ŝ solves exactly, so that r and u agree.
        """
        x = 2.0 * s * self.weights
        bracket = np.zeros_like(x)
        power = x.copy()
        for k in range(2, 80):
            power = power * x
            bracket += (1.0 - 1.0 / k) * power
        return float(np.sum(0.5 * self.dof * bracket + 0.5 * self.noncentrality * x**2 / (1.0 - x) ** 2))

    @property
    def s_max(self) -> float:
        """K(s) is finite for s < 1 / (2 max w)."""
        return 0.5 / self.weights[0]

    # -- the cumulant generating function (docs/method.md §2) --------------------------------------------
    def cgf(self, s):
        """K(s) = s c0 + sum_i [-(d_i/2) ln(1 - 2 s w_i) + nu_i w_i s / (1 - 2 s w_i)]; s may be
        complex (principal logarithm: Re(1 - 2 s w) > 0 on the domain)."""
        s = np.asarray(s)
        a = 1.0 - 2.0 * np.multiply.outer(s, self.weights)
        return s * self.offset + np.sum(
            -0.5 * self.dof * np.log(a) + self.noncentrality * self.weights * s[..., None] / a, axis=-1
        )

    def _cgf_derivatives(self, s: float) -> tuple[float, float, float]:
        """K(s), K'(s) - c0 and K''(s) at a real s, with K'(s) - c0 summed from positive terms so
        that it keeps its relative accuracy as eps approaches c0."""
        w, d, nu = self.weights, self.dof, self.noncentrality
        # a saddlepoint ~1e100 standard deviations into the tail (a law of sd 1e-102 read at a
        # target 0.006 below its mean) overflows here; the callers take the non-finite K as the
        # method's breakdown and say so, so numpy's warning would only repeat it
        with np.errstate(over="ignore", invalid="ignore"):
            a = 1.0 - 2.0 * s * w
            q = w / a
            K = s * self.offset + float(np.sum(-0.5 * d * np.log(a) + nu * s * q))
            K1 = float(np.sum(d * q + nu * q / a))
            # q² overflows for weights past ~1e154 (2**700 in the rescaling tests): square q / max q
            # and scale back in Python floats, where K'' itself past float64's range is +inf, silently
            largest = float(np.max(np.abs(q))) if q.size else 0.0
            r = q / largest if largest > 1e150 else q
            K2 = float(np.sum(2.0 * d * r**2 + 4.0 * nu * r**2 / a))
        if r is not q:
            K2 = K2 * largest * largest
        return K, K1, K2

    def _lower_tail_terms(self, u: float, log_target: float) -> "_LowerTail":
        """The lower tail at s = -e^u, in log space (docs/method.md §2, Lugannani–Rice and Chernoff).

        With a_i = 1 - 2 s w_i = 1 + 2 e^u w_i and b_i = 2 e^u w_i / a_i in (0, 1):
        K'(s) - c0 = sum_i (d_i + nu_i / a_i) w_i / a_i, s² K''(s) = sum_i (d_i / 2 + nu_i / a_i) b_i²
        and K(s) - s eps = -sum_i [(d_i/2) ln a_i + nu_i b_i / 2] + e^u (eps - c0). Each is O(1) or
        a sum of O(1) terms however small eps - c0 is, where s, K' and K'' themselves over- and
        underflow (eps = 1e-200 puts K'' near 1e-400).
        """
        log_a = np.logaddexp(0.0, LN2 + u + self._log_weights)
        log_q = self._log_weights - log_a
        inverse_a = np.exp(-log_a)  # in (0, 1]
        # Each sum as (its largest factor) x (a sum of terms <= its count): no term under- or overflows.
        top = float(np.max(log_q))
        relative = np.exp(log_q - top)
        log_K1 = top + math.log(float(np.sum((self.dof + self.noncentrality * inverse_a) * relative)))
        log_K2 = 2 * top + math.log(float(np.sum((2 * self.dof + 4 * self.noncentrality * inverse_a) * relative**2)))
        log_b_top = LN2 + u + top
        log_scaled_K2 = 2 * log_b_top + math.log(
            float(np.sum((0.5 * self.dof + self.noncentrality * inverse_a) * relative**2)))
        b = np.exp(LN2 + u + log_q)
        log_bound = float(-np.sum(0.5 * self.dof * log_a + 0.5 * self.noncentrality * b)) + math.exp(u + log_target)
        return _LowerTail(log_a, b, log_K1, log_K2, log_scaled_K2, log_bound)

    def saddlepoint(self, eps: float) -> Saddlepoint:
        """Solve K'(ŝ) = eps (K' increases from c0 at s = -inf to +inf at s_max).

        Safeguarded Newton in u = ln(-s) (lower tail) or on (0, s_max) (upper tail), where the
        equation is close to linear; bisection keeps every step inside the bracket.
        """
        target = eps - self.offset
        if not target > 0:
            raise ValueError("the saddlepoint exists only for eps > offset")
        mean_excess = self.mean - self.offset
        if target == mean_excess:
            K, _, K2 = self._cgf_derivatives(0.0)
            return Saddlepoint(0.0, K, K2)
        if target < mean_excess:
            # g(u) = ln(K'(-e^u) - c0) - ln(target), decreasing in u; every quantity in log space
            # (see _lower_tail_terms) so that eps down to the smallest subnormal float still has
            # a saddlepoint although ŝ itself may overflow and K''(ŝ) underflow.
            log_target = math.log(target)

            def g(u):
                terms = self._lower_tail_terms(u, log_target)
                return terms.log_K1 - log_target, -math.exp(terms.log_K2 + u - terms.log_K1)

            # Bracket: K'(s) - c0 ~ sum(d)/(2|s|) as s -> -inf, so start near that scale.
            u = math.log(float(np.sum(self.dof)) / 2.0) - log_target
            lo, hi = u - 1.0, u + 1.0
            while g(lo)[0] < 0:
                lo -= 2.0 * (hi - lo)
            while g(hi)[0] > 0:
                hi += 2.0 * (hi - lo)
            u = _safeguarded_newton(g, lo, hi, decreasing=True)
            terms = self._lower_tail_terms(u, log_target)
            s = -math.exp(u) if u < 700.0 else -math.inf
            K = terms.log_bound + s * eps if math.isfinite(s) else math.nan
            # K''(ŝ) itself overflows for weights of 2**700 (the scaled quantities carry the work)
            K2 = math.exp(terms.log_K2) if terms.log_K2 < 709.0 else math.inf
            return Saddlepoint(s, K, K2, terms.log_bound, math.exp(terms.log_scaled_K2), u)
        else:
            def f(s):
                _, K1, K2 = self._cgf_derivatives(s)
                return (K1 - target) / target, K2 / target

            s = _safeguarded_newton(f, 0.0, self.s_max * (1 - 1e-15), decreasing=False)
        K, _, K2 = self._cgf_derivatives(s)
        return Saddlepoint(s, K, K2)

    # -- lower tail ---------------------------------------------------------------------------
    def log_cdf(self, eps, method: str = "auto") -> np.ndarray:
        """ln P[L <= eps] for each eps; -inf where eps <= offset (no hypothesis reaches it)."""
        if method not in TAIL_METHODS:
            raise InputError("method", f"must be one of {', '.join(TAIL_METHODS)}; got {method!r}")
        eps = np.atleast_1d(np.asarray(eps, dtype=np.float64))
        solver = {"auto": self._log_cdf_inversion, "inversion": self._log_cdf_inversion,
                  "saddlepoint": self._log_cdf_saddlepoint, "imhof": self._log_cdf_imhof}[method]
        if method != "imhof":  # imhof keeps its own guard, Chebyshev's bound as its value
            solver = self._far_above_the_mean(solver)
        out = self._one_term_log_cdf(eps) if method == "auto" else None
        if out is None:
            out = np.full(eps.shape, np.nan)
        for i in np.flatnonzero(np.isnan(out)):
            e = float(eps[i])
            out[i] = -math.inf if e <= self.offset else self._scaled_solver(solver, method, e)
        return out

    def _one_term_log_cdf(self, eps: np.ndarray) -> np.ndarray | None:
        """ln P[L <= eps] of a law of one term in closed form (module docstring, ``"auto"``); nan
        where it is not to be trusted (below ln 1e-300, where it may have underflowed, or not
        finite); None for a law of several terms."""
        if self.weights.size != 1:
            return None
        z = (eps - self.offset) / float(self.weights[0])
        d, nu = float(self.dof[0]), float(self.noncentrality[0])
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy's ncx2 warns where it loses the far tail: redone
            out = stats.chi2.logcdf(z, d) if nu == 0 else stats.ncx2.logcdf(z, d, nu)
        out = np.minimum(out, 0.0)
        out[~(np.isfinite(out) & (out > _CLOSED_FORM_FLOOR) & (z > 0))] = np.nan
        return out

    def _far_above_the_mean(self, solver):
        """``solver``, except that where Chebyshev puts P[L > eps] below 1e-17, under the resolution
        of 1 - Q in double precision, ln P is 0 exactly: there ŝ eps and the oscillation of the
        integrands over- and underflow (eps = 1e300 with a standard deviation of 1e-12)."""
        def guarded(eps: float) -> float:
            if eps > self.mean and self.std < 3e-9 * (eps - self.mean):
                return 0.0
            return solver(eps)
        return guarded

    def _scaled_solver(self, solver, method: str, eps: float) -> float:
        """The upper tail (eps above the mean) of a law with extreme weights, on its rescaled copy."""
        if not self._scale_exponent or eps <= self.mean:
            return solver(eps)
        with np.errstate(over="ignore"):
            scaled = float(np.ldexp(eps, -self._scale_exponent))
        if math.isinf(scaled):
            return 0.0  # eps is over 1e150 standard deviations above the mean: P = 1 to double precision
        return float(self._unit().log_cdf(scaled, method)[0])

    def bits(self, eps, method: str = "auto") -> np.ndarray:
        """I(eps) = -log2 P[L <= eps] (docs/method.md §1); +inf where eps <= offset."""
        return -self.log_cdf(eps, method) / LN2 + 0.0  # + 0.0: never print -0.0 bits

    def chernoff_bits(self, eps) -> np.ndarray:
        """A rigorous lower bound on I(eps): (ŝ eps - K(ŝ)) / ln 2 with ŝ <= 0 (docs/method.md §2, Chernoff).
        0 for eps at or above the mean, +inf at or below the offset."""
        out = []
        for e in np.atleast_1d(np.asarray(eps, dtype=np.float64)):
            if e <= self.offset:
                out.append(math.inf)
            elif e >= self.mean:
                out.append(0.0)
            else:
                out.append(-self.saddlepoint(float(e)).log_chernoff(float(e)) / LN2)
        return np.array(out)

    def _log_cdf_saddlepoint(self, eps: float) -> float:
        sp = self.saddlepoint(eps)
        # At the mean 1/r - 1/u tends to skewness / 6 (expand K to third order), so that
        # P -> 1/2 + skewness / (6 sqrt(2 pi)); within |r| < 1e-6 that limit is nearer the formula's
        # value (its O(r) error) than 1/r - 1/u computed by subtraction (its ~1e-16/r round-off).
        at_mean = math.log(0.5 + self._skewness() / (6.0 * math.sqrt(2.0 * math.pi)))
        if sp.s == 0.0:
            return at_mean
        near_mean = math.isfinite(sp.s) and 2.0 * abs(sp.s) * float(self.weights[0]) <= 0.5
        if near_mean:
            r = math.copysign(math.sqrt(2.0 * max(self._half_r_squared(sp.s), 0.0)), sp.s)
            _, _, K2 = self._cgf_derivatives(sp.s)
            u = sp.s * math.sqrt(K2)
        elif sp.s < 0:  # the scaled, log-space quantities: finite at any depth
            r = -math.sqrt(max(-2.0 * sp.log_bound, 0.0))
            u = -math.sqrt(sp.scaled_K2)
        else:
            r = math.copysign(math.sqrt(max(2.0 * (sp.s * eps - sp.K), 0.0)), sp.s)
            u = sp.s * math.sqrt(sp.K2)
        if abs(r) < 1e-6 or u == 0.0:
            return at_mean
        if sp.s < 0:
            # P = Phi(r) + phi(r) (1/r - 1/u) = Phi(r) [1 + (phi/Phi)(r) (1/r - 1/u)]
            log_phi_r = -0.5 * r * r - 0.5 * math.log(2 * math.pi)
            log_Phi_r = float(special.log_ndtr(r))
            correction = math.exp(log_phi_r - log_Phi_r) * (1.0 / r - 1.0 / u)
            if correction <= -1.0:
                return -math.inf  # the approximation breaks down (reported as such, not masked)
            return log_Phi_r + math.log1p(correction)
        # Upper tail Q = 1 - P = Phi(-r) - phi(r) (1/r - 1/u); ln P = log1p(-Q).
        Q = float(special.ndtr(-r)) - math.exp(-0.5 * r * r) / math.sqrt(2 * math.pi) * (1.0 / r - 1.0 / u)
        if Q >= 1.0:
            return -math.inf  # the approximation breaks down (reported as such, not masked)
        return math.log1p(-max(Q, 0.0))

    def _log_cdf_inversion(self, eps: float) -> float:
        """Inversion of the MGF along Re s = c (docs/method.md §2, exact; see module docstring).

        For c < 0:  P[L <= eps] = -(1/pi) int_0^inf Re[ e^{K(c+it) - (c+it) eps} / (c+it) ] dt
        For c > 0:  P[L >  eps] = +(1/pi) int_0^inf Re[ ... ] dt
        c is the saddlepoint, moved at least half a standard deviation's worth (0.5/sd in s)
        away from the pole at s = 0 so that the integrand stays smooth near the mean.
        """
        sp = self.saddlepoint(eps)
        # 0.5 / sd in log space: sd itself over- or underflows for weights of 1e±200.
        log_half = math.log(0.5) - 0.5 * self._log_K2_at_zero()
        lower = sp.s < 0 or (sp.s == 0.0)
        if lower:
            return self._log_cdf_inversion_lower(eps, sp, log_half)
        half = math.exp(log_half)
        c = max(sp.s, min(half, 0.5 * (sp.s + self.s_max)))
        Kc, _, K2c = self._cgf_derivatives(c)
        scale = 1.0 / math.sqrt(K2c)
        base = Kc - c * eps

        def integrand(x):
            t = x * scale
            s = complex(c, t)
            value = np.exp(self.cgf(s) - Kc - 1j * t * eps) / s
            return value.real * scale

        integral = _integrate_to_infinity(integrand)
        upper = integral / math.pi * math.exp(base)
        if 0 <= upper < 1:
            return math.log1p(-upper)
        return self._inversion_failed(eps, integral)

    def _log_cdf_inversion_lower(self, eps: float, sp: Saddlepoint, log_half: float) -> float:
        """The lower tail's inversion in the scaled variable tau, s = c (1 + i tau), c = -e^u < 0:

            P[L <= eps] = e^{K(c) - c eps} (1/pi) int_0^inf Re[ F(tau) / (1 + i tau) ] d tau,
            ln F(tau) = sum_i [-(d_i/2) ln(1 + i tau b_i) - nu_i (b_i/2) i tau (1 - b_i) / (1 + i tau b_i)]
                        + i tau e^u (eps - c0),

        with a_i, b_i as in :meth:`_lower_tail_terms`. Nothing in it over- or underflows at any
        depth: c itself never appears, only b_i in (0, 1) and e^u (eps - c0) ~ sum(d) / 2.
        """
        log_target = math.log(eps - self.offset)
        # Keep at least half a standard deviation (in s) away from the pole at s = 0.
        u = log_half if sp.log_minus_s is None else max(log_half, sp.log_minus_s)
        terms = self._lower_tail_terms(u, log_target)
        b, nu, d = terms.b, self.noncentrality, self.dof
        drift = math.exp(u + log_target)
        scale = 1.0 / math.sqrt(math.exp(terms.log_scaled_K2))

        def integrand(x):
            tau = x * scale
            z = 1.0 + 1j * tau * b
            exponent = np.sum(-0.5 * d * np.log(z) - 0.5 * nu * b * (1j * tau * (1.0 - b)) / z) + 1j * tau * drift
            return (np.exp(exponent) / (1.0 + 1j * tau)).real * scale

        integral, error = _integrate_to_infinity(integrand, warn=False)
        if integral > 0:
            value = terms.log_bound + math.log(integral / math.pi)
            if error > 1e-4 * integral:
                # Far out in the tail (a noncentrality of 1e199 when the amplitude is 1e-100) the
                # integrand oscillates past the quadrature, but ln P is then dominated by the
                # Chernoff exponent: the shortfall is worth a warning only where it shows in the
                # bits, i.e. where Lugannani–Rice disagrees beyond round-off.
                if abs(value - self._log_cdf_saddlepoint(eps)) > 1e-9 * abs(value):
                    _warn_integral(integral, error, stacklevel=3)
            return value
        return self._inversion_failed(eps, integral)

    def _inversion_failed(self, eps: float, integral: float) -> float:
        warnings.warn(f"inversion at eps={eps!r} gave an impossible integral {integral!r}; "
                      "returning the saddlepoint approximation instead", IntegrationWarning, stacklevel=3)
        return self._log_cdf_saddlepoint(eps)

    def _log_cdf_imhof(self, eps: float) -> float:
        """Gil-Pelaez / Imhof: P = 1/2 - (1/pi) int_0^inf Im[phi(t) e^{-i t eps}] / t dt.
        Absolute accuracy only: -inf if the result is not positive."""
        if eps > self.mean and self.std < 1e-8 * (eps - self.mean):
            # Chebyshev: P[L > eps] <= (sd / (eps - mean))² < 1e-16, below the method's absolute
            # accuracy, where the integrand's oscillation e^{-i t eps} is too fast for the quadrature.
            return math.log1p(-(self.std / (eps - self.mean)) ** 2)
        scale = 1.0 / self.std

        def integrand(x):
            t = x * scale
            if t == 0.0:
                return (self.mean - eps) * scale
            return float((np.exp(self.cgf(1j * t) - 1j * t * eps)).imag / t) * scale

        p = 0.5 - _integrate_to_infinity(integrand, epsabs=1e-15) / math.pi
        return math.log(p) if p > 0 else -math.inf

    # -- importance sampling check and sampling -------------------------------------------------
    def tilted_log_cdf(self, eps: float, n_samples: int = 4000, seed=None) -> tuple[float, float]:
        """ln P[L <= eps] by exponential tilting (docs/method.md §2), with its standard error (in ln units).

        Under the tilt by e^{ŝL}, term i is (w_i/a_i) chi2_{d_i}(nu_i/a_i) with a_i = 1 - 2ŝw_i,
        and P = E_tilt[1{L <= eps} exp(K(ŝ) - ŝ L)].
        """
        eps = float(eps)
        n_samples = check_positive("n_samples", n_samples, integer=True)
        if eps <= self.offset:
            return -math.inf, 0.0
        rng = check_random_state(seed)
        sp = self.saddlepoint(eps)
        s = min(sp.s, 0.0)
        a = 1.0 - 2.0 * s * self.weights
        tilted = GeneralizedChiSquare(self.weights / a, self.dof, self.noncentrality / a, self.offset)
        K = float(self.cgf(s))
        losses = tilted.sample(n_samples, rng)
        exponent = np.where(losses <= eps, -s * losses, -np.inf)
        log_mean = special.logsumexp(exponent) - math.log(n_samples)
        if not np.isfinite(log_mean):
            return -math.inf, math.inf
        ratios = np.exp(exponent - log_mean)  # weights relative to their mean
        rel_se = float(np.std(ratios, ddof=1) / math.sqrt(n_samples))
        return K + float(log_mean), rel_se

    def sample(self, n: int, seed=None) -> np.ndarray:
        """n independent draws of L."""
        rng = check_random_state(seed)
        n = check_positive("n", n, integer=True)
        out = np.full(n, self.offset)
        block = max(1, 2_000_000 // self.weights.size)
        for start in range(0, n, block):
            size = min(block, n - start)
            draws = rng.noncentral_chisquare(self.dof, self.noncentrality, size=(size, self.weights.size))
            out[start : start + size] += draws @ self.weights
        return out

    def __repr__(self) -> str:
        return (f"GeneralizedChiSquare(terms={self.weights.size}, offset={self.offset:.6g}, "
                f"mean={self.mean:.6g}, std={self.std:.6g})")


def _safeguarded_newton(f, lo: float, hi: float, *, decreasing: bool, tol: float = 1e-14,
                        max_iter: int = 300) -> float:
    """Root of a monotone f on the bracket [lo, hi] (f returns its value and derivative): Newton
    steps, and bisection wherever a Newton step would leave the shrinking bracket."""
    x = 0.5 * (lo + hi)
    for _ in range(max_iter):
        value, slope = f(x)
        if value == 0.0:
            return x
        if (value > 0) != decreasing:
            hi = x
        else:
            lo = x
        candidate = x - value / slope if slope != 0 else math.nan
        if not lo < candidate < hi:
            candidate = 0.5 * (lo + hi)
        if abs(candidate - x) <= tol * max(1.0, abs(x)):
            return candidate
        x = candidate
    return x


def _warn_integral(total: float, error: float, stacklevel: int) -> None:
    warnings.warn(f"integral {total:.6g} has estimated error {error:.2g}", IntegrationWarning,
                  stacklevel=stacklevel + 1)


def _integrate_to_infinity(integrand, epsabs: float = 0.0, epsrel: float = 1e-10, warn: bool = True):
    """int_0^inf by adaptive quadrature, warning (not failing) when accuracy is not reached; with
    ``warn=False`` the integral and its estimated error, for the caller to judge."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        head, head_err = integrate.quad(integrand, 0.0, 8.0, epsabs=epsabs, epsrel=epsrel, limit=400)
        tail, tail_err = integrate.quad(integrand, 8.0, math.inf, epsabs=epsabs, epsrel=epsrel, limit=400)
    total = head + tail
    if not warn:
        return total, head_err + tail_err
    # 1e-5 relative error in P is 1.4e-5 bits: warn only above ten times that.
    if head_err + tail_err > max(epsabs, 1e-4 * abs(total)):
        _warn_integral(total, head_err + tail_err, stacklevel=3)
    return total
