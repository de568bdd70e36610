"""A law of one term read in closed form (``method="auto"`` of GeneralizedChiSquare.log_cdf): against
an independent 40-digit series, the inversion in the deep tail, and several-term laws unchanged
(docs/reliability.md, "Second review": ``fit`` and ``fit --plot`` of ncx2 and gchi2-moments fits)."""

import math

import mpmath
import numpy as np
import pytest

from inductive_bias.distributions import GeneralizedChiSquare
from inductive_bias.estimators.laws import GeneralizedChiSquareLaw


def _mp_bits(z, d, nu):
    """-log2 P[χ²_d(ν) <= z]: the Poisson mixture of central chi-squares, by mpmath at 40 digits."""
    mpmath.mp.dps = 40
    z, d, lam = mpmath.mpf(z), mpmath.mpf(d), mpmath.mpf(nu) / 2
    if lam == 0:
        p = mpmath.gammainc(d / 2, 0, z / 2, regularized=True)
    else:
        p = mpmath.nsum(lambda j: mpmath.exp(-lam + j * mpmath.log(lam) - mpmath.loggamma(j + 1))
                        * mpmath.gammainc((d + 2 * j) / 2, 0, z / 2, regularized=True), [0, mpmath.inf])
    return float(-mpmath.log(p, 2))


@pytest.mark.parametrize("w, d, nu, shift", [(0.0088, 3.36, 0.0, 0.019), (0.0044, 11.09, 0.0035, 0.0),
                                             (1.0, 1.0, 30.0, 0.1), (0.01, 2.0, 5.0, -0.005)])
def test_one_term_curve_matches_the_series(w, d, nu, shift):
    law = GeneralizedChiSquareLaw(law=GeneralizedChiSquare([w], dof=d, noncentrality=[nu]), shift=shift)
    grid = np.linspace(shift + 1e-4 * w, shift + law.law.mean + 4 * law.law.std, 25)
    expected = np.array([_mp_bits((g - shift) / w, d, nu) for g in grid])
    # scipy's chi2 / ncx2 CDFs: ~1e-15 relative here; 1e-10 leaves room across scipy versions
    # (the inversion, the road before, is within 3e-4 of these on such slowly decaying laws)
    np.testing.assert_allclose(law.bits(grid), expected, rtol=1e-10, atol=1e-12)
    assert law.bits(np.array([shift - 1.0, shift]))[0] == math.inf  # below the support


def test_deep_tail_and_several_terms_take_the_inversion():
    law = GeneralizedChiSquare([0.01], dof=3.0, noncentrality=[0.0])
    deep = np.array([1e-250, 1e-220])  # P ~ (z/w)^1.5: below 1e-300, where the closed form is not used
    np.testing.assert_array_equal(law.bits(deep), law.bits(deep, "inversion"))
    # just above that floor (P ~ 1e-297) the closed form is still the series' to 1e-10
    assert law.bits(np.array([1e-200]))[0] == pytest.approx(_mp_bits(1e-198, 3.0, 0.0), rel=1e-10)
    several = GeneralizedChiSquareLaw(law=GeneralizedChiSquare([1.0, 0.5, 0.25], dof=2, noncentrality=[0.3, 0, 1]))
    grid = np.linspace(0.2, 6.0, 7)
    np.testing.assert_array_equal(several.law.bits(grid), several.law.bits(grid, "inversion"))
