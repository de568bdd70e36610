"""Accuracy of the generalized chi-square tail against independent computations (docs/method.md §2).

Golden values come from mpmath at 40 digits: the central case is a regularized incomplete gamma
function, the equal-weight noncentral case a Poisson mixture of them. Between methods we compare
in bits, the unit users read.
"""

import math
import warnings

import mpmath
import numpy as np
import pytest
from scipy import stats

from inductive_bias import GeneralizedChiSquare
from inductive_bias._validation import InputError

LN2 = math.log(2)
mpmath.mp.dps = 40


def golden_bits_central(weight, dof, eps):
    """-log2 P[w chi2_d <= eps] = -log2 P(d/2, eps/(2w)), regularized lower incomplete gamma."""
    p = mpmath.gammainc(mpmath.mpf(dof) / 2, 0, mpmath.mpf(eps) / (2 * weight), regularized=True)
    return float(-mpmath.log(p) / mpmath.log(2))


def golden_bits_noncentral(weight, dof, nc, eps):
    """-log2 P[w chi2_d(nc) <= eps]: sum_j Pois(j; nc/2) P[chi2_{d+2j} <= eps/w]."""
    x = mpmath.mpf(eps) / weight
    half = mpmath.mpf(nc) / 2
    total, j = mpmath.mpf(0), 0
    while True:
        term = mpmath.exp(-half + j * mpmath.log(half) - mpmath.loggamma(j + 1)) if half > 0 else (1 if j == 0 else 0)
        term *= mpmath.gammainc(mpmath.mpf(dof) / 2 + j, 0, x / 2, regularized=True)
        total += term
        if j > half and (term == 0 or term < total * mpmath.mpf(10) ** -30):
            break
        j += 1
    return float(-mpmath.log(total) / mpmath.log(2))


def random_law(rng, terms, dof=1.0, offset=0.0):
    """Unequal weights spanning two decades, half the terms noncentral."""
    w = np.exp(rng.uniform(np.log(0.01), np.log(1.0), terms))
    nu = np.where(rng.random(terms) < 0.5, rng.exponential(2.0, terms), 0.0)
    return GeneralizedChiSquare(w / w.sum(), dof=dof, noncentrality=nu, offset=offset)


# -- golden values at any depth -------------------------------------------------------------------
@pytest.mark.parametrize("dof, fraction", [(10, 0.5), (200, 0.6), (5000, 0.5), (5000, 0.1), (3_000_000, 0.35)])
def test_central_matches_incomplete_gamma_at_any_depth(dof, fraction):
    # One term w chi2_d is the sum of d unit terms; the depth goes from ~5 to ~1e6 bits.
    weight = 1.0 / dof
    law = GeneralizedChiSquare([weight], dof=dof)
    eps = fraction * law.mean
    golden = golden_bits_central(weight, dof, eps)
    bits = float(law.bits(eps)[0])
    assert math.isfinite(bits)
    # Inversion is exact up to quadrature (relative 1e-9 requested): 1e-8 relative in bits.
    assert bits == pytest.approx(golden, rel=1e-8, abs=1e-8)


def test_a_million_bits_is_finite_and_right():
    law = GeneralizedChiSquare(np.full(10, 1 / 3e6), dof=3e5)
    eps = 0.3 * law.mean
    golden = golden_bits_central(1 / 3e6, 3e6, eps)
    assert golden > 1e6
    assert float(law.bits(eps)[0]) == pytest.approx(golden, rel=1e-8)
    assert float(law.bits(eps, "saddlepoint")[0]) == pytest.approx(golden, rel=1e-6)


@pytest.mark.parametrize("terms, k, nc_per_term, fraction", [(50, 10, 0.3, 0.8), (500, 10, 0.1, 0.5), (500, 10, 0.1, 0.12)])
def test_equal_weight_noncentral_matches_poisson_mixture(terms, k, nc_per_term, fraction):
    # The digits GP law has this shape: m equal weights 1/(mk), k dof each.
    w = 1.0 / (terms * k)
    law = GeneralizedChiSquare(np.full(terms, w), dof=k, noncentrality=np.full(terms, nc_per_term))
    eps = fraction * law.mean
    golden = golden_bits_noncentral(w, terms * k, terms * nc_per_term, eps)
    assert float(law.bits(eps)[0]) == pytest.approx(golden, rel=1e-8)


def test_scipy_ncx2_agrees_where_it_does_not_underflow():
    law = GeneralizedChiSquare([2.0], dof=3, noncentrality=[1.5])
    eps = np.array([0.05, 0.5, 2.0, 5.0, 9.0, 20.0, 40.0])
    expected = -stats.ncx2.logcdf(eps / 2, 3, 1.5) / LN2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a single chi2_3 decays slowly: the quadrature may warn
        got = law.bits(eps)
    # One term is the hardest case for the inversion (algebraic decay); still 1e-6 bits.
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


# -- agreement between methods ---------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_agrees_with_imhof_to_a_thousandth_of_a_bit_where_p_above_1e_10(seed):
    rng = np.random.default_rng(seed)
    law = random_law(rng, terms=40, dof=2.0, offset=0.05)
    checked = 0
    for z in [-0.5, -1.0, -2.0, -3.0, -4.0, -5.0, -6.0]:
        eps = law.mean + z * law.std
        if eps <= law.offset:
            continue
        exact = float(law.bits(eps, "inversion")[0])
        if exact > -math.log2(1e-10):
            continue
        imhof = float(law.bits(eps, "imhof")[0])
        assert abs(exact - imhof) < 1e-3, (eps, exact, imhof)
        checked += 1
    assert checked >= 4


@pytest.mark.parametrize("target_bits", [100, 1000, 10_000])
def test_exact_agrees_with_tilted_importance_sampling_deep_in_the_tail(target_bits):
    rng = np.random.default_rng(7)
    law = random_law(rng, terms=3000, dof=10.0)
    # Find eps with about target_bits by bisection on the exact curve.
    lo, hi = law.offset + 1e-12, law.mean
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if law.bits(mid)[0] > target_bits else (lo, mid)
    eps = 0.5 * (lo + hi)
    exact_log_p = float(law.log_cdf(eps)[0])
    tilted, rel_se = law.tilted_log_cdf(eps, n_samples=8000, seed=11)
    # The weights' spread grows like sqrt(|ŝ| sd_tilt): ~0.12 at 1e4 bits for this law.
    assert rel_se < 0.2
    # ln P differs from its IS estimate by about the relative standard error; allow 4 of them.
    assert abs(tilted - exact_log_p) < 4 * rel_se + 1e-9, (exact_log_p, tilted, rel_se)


def test_saddlepoint_relative_error_in_bits_is_small_and_shrinks_with_depth():
    law = random_law(np.random.default_rng(3), terms=500, dof=10.0)
    errors = []
    for z in [2.0, 6.0, 15.0]:
        eps = law.mean - z * law.std
        exact = float(law.bits(eps, "inversion")[0])
        errors.append(abs(float(law.bits(eps, "saddlepoint")[0]) - exact) / exact)
    assert max(errors) < 1e-3
    assert errors[2] < errors[1] < errors[0]


def test_chernoff_is_a_lower_bound():
    law = random_law(np.random.default_rng(4), terms=200, dof=3.0, offset=0.1)
    eps = np.linspace(law.offset + 1e-3 * law.std, law.mean + law.std, 25)
    exact = law.bits(eps)
    bound = law.chernoff_bits(eps)
    assert np.all(bound <= exact + 1e-9)
    assert np.all(bound >= 0)


# -- the ends of the range ------------------------------------------------------------------------
def test_at_or_below_the_offset_nothing_reaches():
    law = GeneralizedChiSquare([0.2, 0.3], dof=1, offset=0.7)
    assert np.all(np.isinf(law.bits([0.7, 0.5])))
    assert np.all(np.isinf(law.chernoff_bits([0.7, 0.5])))
    assert np.isinf(law.tilted_log_cdf(0.6, 100, seed=0)[0])


def test_above_the_mean_gives_the_small_right_value():
    w = 1.0 / 400
    law = GeneralizedChiSquare(np.full(40, w), dof=10, noncentrality=np.full(40, 0.2))
    for z in [0.5, 2.0, 5.0]:
        eps = law.mean + z * law.std
        golden = -stats.ncx2.logcdf(eps / w, 400, 8.0) / LN2
        bits = float(law.bits(eps)[0])
        assert bits == pytest.approx(golden, rel=1e-6, abs=1e-12)
        assert 0 < bits < 1


# -- moments and sampling -----------------------------------------------------------------------
def test_mean_variance_and_cgf_derivatives():
    law = random_law(np.random.default_rng(5), terms=30, dof=2.0, offset=0.3)
    h = 1e-5
    d1 = (law.cgf(h) - law.cgf(-h)) / (2 * h)
    d2 = (law.cgf(h) - 2 * law.cgf(0.0) + law.cgf(-h)) / h**2
    assert float(d1) == pytest.approx(law.mean, rel=1e-8)
    assert float(d2) == pytest.approx(law.variance, rel=1e-4)


def test_samples_follow_the_law():
    law = random_law(np.random.default_rng(6), terms=20, dof=1.0, offset=0.2)
    x = law.sample(20_000, seed=1)
    # Sample mean within 4 standard errors.
    assert abs(x.mean() - law.mean) < 4 * law.std / math.sqrt(x.size)
    # The empirical CDF at three points within 4 binomial standard errors of the exact CDF.
    for q in [0.05, 0.3, 0.7]:
        eps = float(np.quantile(x, q))
        p = math.exp(float(law.log_cdf(eps)[0]))
        assert abs(p - q) < 4 * math.sqrt(q * (1 - q) / x.size) + 1 / x.size
    assert np.array_equal(law.sample(10, seed=3), law.sample(10, seed=3))


def test_bad_parameters_are_refused():
    with pytest.raises(InputError, match="weights"):
        GeneralizedChiSquare([1.0, -1.0])
    with pytest.raises(InputError, match="noncentrality"):
        GeneralizedChiSquare([1.0], noncentrality=[-0.1])
    with pytest.raises(InputError, match="method"):
        GeneralizedChiSquare([1.0]).log_cdf(0.5, method="magic")


# -- the deepest tail: eps down to the smallest subnormal float ---------------------------------
def small_ball_log_p(law, target):
    """ln P[L - c0 <= t] as t -> 0: the density of the Gaussian vector at the origin times the
    volume of the ellipsoid sum w_j z_j² <= t (D = sum d_i dimensions),
        ln P = (D/2) ln t - sum_i (d_i/2) ln(2 w_i) - sum_i nu_i/2 - ln Gamma(D/2 + 1),
    exact up to a relative O(t sum_i (d_i + nu_i) / w_i) — below 1e-190 for the targets used here."""
    D = float(np.sum(law.dof))
    return (0.5 * D * math.log(target) - float(np.sum(0.5 * law.dof * np.log(2 * law.weights)))
            - float(np.sum(law.noncentrality)) / 2 - math.lgamma(D / 2 + 1))


@pytest.mark.parametrize("target", [1e-50, 1e-200, 5e-324])
@pytest.mark.parametrize("offset", [0.0, 0.25])
def test_deepest_tail_matches_the_small_ball_asymptotic(target, offset):
    # K''(ŝ) underflows below eps ~ 1e-160 and ŝ overflows near 5e-324: both used to raise.
    law = random_law(np.random.default_rng(8), terms=60, dof=2.0, offset=offset)
    eps = offset + target
    if eps - offset != target:  # 0.25 + 1e-200 rounds to 0.25: nothing reaches it
        assert math.isinf(float(law.bits(eps)[0]))
        return
    golden = -small_ball_log_p(law, target) / LN2
    # Inversion: relative 1e-9 in P is 1.4e-9 bits; the asymptotic is exact to far better.
    assert float(law.bits(eps)[0]) == pytest.approx(golden, rel=1e-12, abs=1e-8)
    # In this limit Lugannani–Rice replaces ln Gamma(D/2+1) by Stirling's formula, off by its first
    # correction 1/(12 (D/2+1)) nats (D = 120 here: 0.0020 bits); allow twice that.
    stirling_bits = 1 / (12 * 61) / LN2
    assert float(law.bits(eps, "saddlepoint")[0]) == pytest.approx(golden, abs=2 * stirling_bits)
    chernoff = float(law.chernoff_bits(eps)[0])
    assert math.isfinite(chernoff) and chernoff <= golden + 1e-9


@pytest.mark.parametrize("eps", [1e-200, 5e-324])
def test_deepest_tail_of_one_term_matches_mpmath(eps):
    weight, dof = 0.01, 7
    law = GeneralizedChiSquare([weight], dof=dof)
    # mpmath's incomplete gamma at 40 digits: independent of both the asymptotic and the inversion.
    golden = golden_bits_central(weight, dof, eps)
    assert float(law.bits(eps)[0]) == pytest.approx(golden, rel=1e-10)


def test_offset_itself_and_below_stay_infinite_even_subnormally_close():
    law = GeneralizedChiSquare([0.5, 0.1], dof=1, offset=5e-324)
    assert np.all(np.isinf(law.bits([0.0, 5e-324])))
    assert math.isfinite(float(law.bits(1e-323)[0]))


def test_far_above_the_mean_every_method_gives_zero_bits_not_minus_zero():
    law = GeneralizedChiSquare([0.02, 0.01], dof=3, noncentrality=[0.5, 0.0])
    for eps in (1e3, 1e300, 1.7e308):
        # imhof (absolute accuracy only) is checked where Chebyshev puts P[L > eps] below 1e-16.
        for method in ("inversion", "saddlepoint") + (("imhof",) if eps > 1e10 else ()):
            bits = float(law.bits(eps, method)[0])
            # Chebyshev: P[L > eps] <= var / (eps - mean)² < 1e-8 here, so 0 <= I < 2e-8 bits.
            assert 0.0 <= bits < 2e-8 and math.copysign(1.0, bits) == 1.0, (eps, method, bits)
