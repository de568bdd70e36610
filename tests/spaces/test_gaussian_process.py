"""The GP space against independent computations: a naive posterior by explicit solves, and Monte
Carlo over hypotheses formed from that naive posterior (docs/method.md §2)."""

import math

import numpy as np
import pytest

from inductive_bias.exceptions import ConditioningWarning
from scipy.spatial.distance import cdist, pdist

from inductive_bias import GaussianProcess, Task
from inductive_bias._validation import InputError


def small_task(seed=0, n=40, m=25, d=3, k=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + m, d))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)
    return Task.from_arrays(X[:n], y[:n], X[n:], y[n:], name="small")


def naive_posterior(task, ell, a=1.0, delta=1e-10):
    k = lambda A, B: np.exp(-cdist(A, B, "sqeuclidean") / (2 * ell**2))
    K = a**2 * k(task.X_train, task.X_train) + delta * a**2 * np.eye(task.n_train)
    Ks = a**2 * k(task.X_test, task.X_train)
    Kss = a**2 * k(task.X_test, task.X_test)
    mean = Ks @ np.linalg.solve(K, task.Y_train)
    cov = Kss - Ks @ np.linalg.solve(K, Ks.T)
    return mean, 0.5 * (cov + cov.T)


@pytest.mark.parametrize("amplitude", [1.0, 2.5])
def test_posterior_matches_explicit_solves(amplitude):
    task = small_task()
    post = GaussianProcess("rbf", 1.3, amplitude).posterior(task)
    mean, cov = naive_posterior(task, 1.3, amplitude)
    np.testing.assert_allclose(post.mean, mean, atol=1e-8)
    np.testing.assert_allclose(post.covariance, cov, atol=1e-8 * amplitude**2)
    assert post.jitter == pytest.approx(1e-10 * amplitude**2)


def test_loss_law_matches_monte_carlo_of_hypotheses():
    task = small_task(seed=1)
    law, info = GaussianProcess("rbf", 1.0).loss_distribution(task)
    mean, cov = naive_posterior(task, 1.0)
    rng = np.random.default_rng(2)
    root = np.linalg.cholesky(cov + 1e-9 * np.eye(len(cov)))
    n = 40_000
    h = mean + np.einsum("ij,njk->nik", root, rng.standard_normal((n, *mean.shape)))
    losses = task.test_loss(h)
    assert abs(losses.mean() - law.mean) < 4 * law.std / math.sqrt(n)
    assert losses.std() == pytest.approx(law.std, rel=0.03)
    for q in [0.01, 0.2, 0.6]:
        eps = float(np.quantile(losses, q))
        p = math.exp(float(law.log_cdf(eps)[0]))
        assert abs(p - q) < 4 * math.sqrt(q * (1 - q) / n) + 1 / n
    assert info["loss_mean"] == pytest.approx(law.mean)


def test_sampled_predictions_and_sampled_losses_agree():
    task = small_task(seed=3)
    space = GaussianProcess("matern52", 2.0)
    with_predictions = space.sample(task, 4000, seed=0, predictions=True)
    from_law = space.sample(task, 4000, seed=1)
    assert with_predictions.predictions.shape == (4000, task.n_test, task.n_outputs)
    law, _ = space.loss_distribution(task)
    for sample in (with_predictions.losses, from_law.losses):
        assert abs(sample.mean() - law.mean) < 4 * law.std / math.sqrt(sample.size)


def test_test_points_on_training_points_are_pinned():
    task = small_task(seed=4)
    # Repeat three training inputs (with their labels) among the test points.
    X_test = np.vstack([task.X_train[:3], task.X_test])
    Y_test = np.vstack([task.Y_train[:3] + np.array([0.5, 0.0, 0.0]), task.Y_test])
    pinned = Task(task.X_train, task.Y_train, X_test, Y_test)
    law, info = GaussianProcess("rbf", 1.0).loss_distribution(pinned)
    assert info["pinned_directions"] >= 3
    # The posterior mean there equals the training label, so the error of 0.5 put in the first
    # output of each of the three rows is fixed: offset 3 * 0.5^2 / (mk).
    assert law.offset == pytest.approx(3 * 0.25 / (pinned.n_test * pinned.n_outputs), rel=1e-6)
    assert np.isinf(law.bits(0.9 * law.offset)[0])


def test_kernels_and_median_lengthscale():
    task = small_task(seed=5)
    space = GaussianProcess("laplace", "median")
    post = space.posterior(task)
    assert post.lengthscale == pytest.approx(float(np.median(pdist(task.X_train))))


def test_digits_published_setting_is_the_prior():
    # rbf, lengthscale 1 on raw 0..16 pixels: distinct images are ~20+ apart, so exp(-r^2/2)
    # vanishes, the posterior is the prior (Σ = I, M = 0) and L = (1/mk) chi2_{mk}(sum Y^2).
    from inductive_bias import digits

    task = digits()
    law, _ = GaussianProcess("rbf", 1.0).loss_distribution(task)
    m, k = task.Y_test.shape
    assert law.mean == pytest.approx(1 + 1 / k, rel=1e-9)
    assert law.variance == pytest.approx((2 * m * k + 4 * m) / (m * k) ** 2, rel=1e-9)


def test_bad_settings_are_refused():
    with pytest.raises(InputError, match="kernel"):
        GaussianProcess("cosine")
    with pytest.raises(InputError, match="lengthscale"):
        GaussianProcess("rbf", -1.0)
    with pytest.raises(InputError, match="lengthscale"):
        GaussianProcess("rbf", "mean")
    with pytest.raises(InputError, match="amplitude"):
        GaussianProcess("rbf", 1.0, 0.0)


def test_a_kernel_matrix_that_is_not_positive_definite_says_what_to_change():
    task = small_task(seed=6)
    X = np.vstack([task.X_train, task.X_train[:5]])
    Y = np.vstack([task.Y_train, task.Y_train[:5]])
    duplicated = Task(X, Y, task.X_test, task.Y_test)
    # No jitter and exact duplicates: singular; the message names the jitter and what to do.
    with pytest.raises(InputError, match="jitter.*not positive definite.*increase the jitter"):
        GaussianProcess("rbf", 5.0, jitter=0.0).loss_distribution(duplicated)
    # The default jitter makes the factorisation possible, but the solve is ill-conditioned (ℓ = 5
    # on 4 features, duplicates): the result says so (spaces/conditioning.py).
    with pytest.warns(ConditioningWarning) as caught:
        law, info = GaussianProcess("rbf", 5.0).loss_distribution(duplicated)
    assert math.isfinite(law.mean) and info["warnings"] == [str(w.message) for w in caught]
