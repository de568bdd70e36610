"""The maximum-likelihood noncentral chi-square (docs/method.md §3): its log-density against a
50-digit evaluation, its optimum against perturbations of it, and its road through the CLI."""

import math
import warnings

import mpmath
import numpy as np
import pytest
from scipy import stats

from inductive_bias.estimators.moments import sample_moments
from inductive_bias.estimators.ncx2_mle import Ncx2MLEEstimator, ncx2_logpdf


def _reference(x, df, nc):
    """ln of the χ²_df(nc) density at x with 50 significant digits (mpmath's Bessel function)."""
    with mpmath.workdps(50):
        x, df, nc = mpmath.mpf(x), mpmath.mpf(df), mpmath.mpf(nc)
        nu = df / 2 - 1
        if nc == 0:
            return float(nu * mpmath.log(x) - x / 2 - df / 2 * mpmath.log(2) - mpmath.loggamma(df / 2))
        bessel = mpmath.besseli(nu, mpmath.sqrt(nc * x), maxterms=10**6)
        return float(-mpmath.log(2) - (x + nc) / 2 + nu / 2 * mpmath.log(x / nc) + mpmath.log(bessel))


# Orders on both sides of the switch to Debye's expansion (ν = df/2 - 1 = 50), the regime where
# scipy's logpdf is -inf (df in the thousands), and points from the far left to the right tail.
@pytest.mark.parametrize("df", [0.7, 3.0, 40.0, 101.0, 103.0, 2000.0, 36000.0])
@pytest.mark.parametrize("nc", [0.0, 0.4, 160.0, 18000.0])
def test_log_density_matches_50_digits(df, nc):
    mean, sd = df + nc, math.sqrt(2 * (df + 2 * nc))
    points = [x for x in (1e-3 * mean, mean - 3 * sd, mean, mean + 5 * sd, 3 * mean) if x > 0]
    ours = ncx2_logpdf(points, df, nc)
    for x, value in zip(points, ours):
        reference = _reference(x, df, nc)
        # float64 arithmetic on terms of size up to |reference|: 1e-10 of max(1, |ln f|) is the
        # cancellation budget (measured worst 1.7e-11 over a wider grid)
        assert abs(value - reference) <= 1e-10 * max(1.0, abs(reference)), (x, df, nc, value, reference)


def test_log_density_is_finite_where_scipy_gives_minus_infinity_and_agrees_where_it_does_not():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isneginf(stats.ncx2.logpdf(2160.0, 2000.0, 160.0))
    assert ncx2_logpdf(2160.0, 2000.0, 160.0)[0] == pytest.approx(math.log(stats.ncx2.pdf(2160.0, 2000.0, 160.0)),
                                                                 abs=1e-9)
    x = np.array([0.5, 3.0, 9.0])
    np.testing.assert_allclose(ncx2_logpdf(x * 0.1 + 2.0, 5.0, 2.0, loc=2.0, scale=0.1),
                               stats.ncx2.logpdf(x * 0.1 + 2.0, 5.0, 2.0, loc=2.0, scale=0.1), rtol=1e-12)
    assert np.all(np.isneginf(ncx2_logpdf([1.0, 2.0], 5.0, 2.0, loc=2.0)))  # at and below loc


@pytest.mark.parametrize("free_location", [False, True])
def test_the_fit_is_a_maximum_of_the_likelihood(free_location):
    """No step of 1e-3 along any coordinate (or diagonal) from the fitted point raises the
    log-likelihood by more than the optimiser's tolerance (1e-3)."""
    rng = np.random.default_rng(3)
    losses = (0.4 if free_location else 0.0) + 0.01 * rng.noncentral_chisquare(12.0, 6.0, 400)
    estimator = Ncx2MLEEstimator(free_location)
    fitted = estimator.fit(losses)
    theta = np.array(fitted.params["theta"])
    anchor, sd = float(np.min(losses)), sample_moments(losses)[1]
    best = -fitted.params["log_likelihood"]
    steps = [s * e for e in np.eye(len(theta)) for s in (1e-3, -1e-3)]
    steps += [s * np.ones(len(theta)) for s in (1e-3, -1e-3)]
    for step in steps:
        assert estimator._negloglik(theta + step, losses, anchor, sd) >= best - 1e-3, step
