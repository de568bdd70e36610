"""The published estimator (docs/method.md §3), kept exactly as published but in bits."""

import math

import numpy as np
import pytest
from scipy import special, stats

from inductive_bias.estimators import PaperEstimator, estimate_bits, sankaran_z
from inductive_bias.estimators.paper import NoncentralChiSquareLaw

LN2 = math.log(2)


def test_fit_is_scipys_maximum_likelihood_with_location_zero():
    losses = 0.01 * stats.ncx2.rvs(30, 5, size=500, random_state=np.random.default_rng(0))
    law = PaperEstimator().fit(losses)
    df, nc, loc, scale = stats.ncx2.fit(losses, floc=0)
    assert (law.df, law.nc, law.loc, law.scale) == (df, nc, 0.0, scale)
    eps = np.quantile(losses, [0.01, 0.1])
    expected = -stats.ncx2.logcdf(eps, df, nc, loc=0, scale=scale) / LN2
    np.testing.assert_allclose(law.bits(eps), expected, rtol=1e-12)


def test_sankaran_z_is_the_spec_formula():
    # docs/method.md §3, evaluated term by term.
    x, df, nc = 3.0, 7.0, 2.5
    h = 1 - 2 / 3 * (df + nc) * (df + 3 * nc) / (df + 2 * nc) ** 2
    p = (df + 2 * nc) / (df + nc) ** 2
    q = (h - 1) * (1 - 3 * h)
    z = ((x / (df + nc)) ** h - (1 + h * p * (h - 1 - (2 - h) * q * p / 2))) / (h * math.sqrt(2 * p) * (1 + q * p / 2))
    assert float(sankaran_z(x, df, nc)) == pytest.approx(z, rel=1e-14)
    # And it is a good normal approximation where the CDF is representable.
    assert float(special.ndtr(z)) == pytest.approx(stats.ncx2.cdf(x, df, nc), rel=0.05)


def test_underflowing_cdf_falls_back_to_the_published_tail_and_the_log_phi_variant():
    law = NoncentralChiSquareLaw(df=2000.0, nc=100.0, scale=1e-3)
    eps = 0.1  # 0.1/1e-3 = 100, far below the mean 2100: logcdf is -inf in scipy
    assert np.isinf(stats.ncx2.logcdf(eps, 2000, 100, scale=1e-3))
    z = float(sankaran_z(eps / 1e-3, 2000, 100))
    assert float(law.bits(eps)[0]) == pytest.approx(z**2 / 2 / LN2, rel=1e-12)
    log_phi = NoncentralChiSquareLaw(df=2000.0, nc=100.0, scale=1e-3, tail="log-phi")
    assert float(log_phi.bits(eps)[0]) == pytest.approx(-special.log_ndtr(z) / LN2, rel=1e-12)
    assert math.isfinite(float(log_phi.bits(1e-6)[0]))


def test_estimate_reports_interval_fit_and_goodness_of_fit():
    rng = np.random.default_rng(1)
    losses = 0.01 * rng.noncentral_chisquare(40, 4, size=300)
    eps = [0.3, 0.25]
    est = estimate_bits(losses, eps, "paper", n_bootstrap=20, seed=3)
    assert est.n_samples == 300 and est.n_bootstrap == 20 and est.kinds == ("model", "model")
    assert np.all((est.interval[:, 0] <= est.bits) & (est.bits <= est.interval[:, 1]))
    assert np.all(est.interval[:, 0] <= est.interval[:, 1])
    assert set(est.goodness_of_fit) == {"ks_statistic", "ks_pvalue", "anderson_darling"}
    assert est.goodness_of_fit["ks_statistic"] < 0.1  # a law of the fitted family fits
    again = estimate_bits(losses, eps, "paper", n_bootstrap=20, seed=3)
    np.testing.assert_array_equal(est.interval, again.interval)


def test_direct_count_and_its_bound():
    losses = np.arange(1, 101) / 100.0
    est = estimate_bits(losses, [0.1, 0.5, 0.005], "count")
    np.testing.assert_allclose(est.bits[:2], [-math.log2(0.1), 1.0])
    assert est.kinds == ("count", "count", "bound")
    # none of 100 reaches 0.005: only I > -log2(1 - 0.025^(1/100)), the Clopper-Pearson upper end of P
    assert est.bits[2] == pytest.approx(-math.log2(1 - 0.025 ** (1 / 100)), rel=1e-12)
    assert est.interval[2, 1] == math.inf
