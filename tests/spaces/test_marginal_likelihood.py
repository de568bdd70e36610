"""GP hyperparameters fitted by marginal likelihood (spaces/marginal_likelihood.py, docs/method.md §2),
checked against scikit-learn's GaussianProcessRegressor and against finite differences."""

import json
import math
import warnings

import numpy as np
import pytest

from inductive_bias import GaussianProcess, Task, measure
from inductive_bias.cli.main import main
from inductive_bias.exceptions import InputError
from inductive_bias.spaces.kernels import median_lengthscale
from inductive_bias.spaces.marginal_likelihood import fit_hyperparameters, log_marginal_likelihood

sklearn_gp = pytest.importorskip("sklearn.gaussian_process", reason="scikit-learn is the reference optimum")
sk_kernels = pytest.importorskip("sklearn.gaussian_process.kernels", reason="scikit-learn is the reference optimum")
from sklearn.exceptions import ConvergenceWarning  # noqa: E402


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    Y = np.column_stack([np.sin(2 * X[:, 0]), X[:, 1] * X[:, 2]]) + 0.1 * rng.normal(size=(80, 2))
    return X, Y


_SKLEARN = {"rbf": lambda ell, b: sk_kernels.RBF(ell, b),
            "laplace": lambda ell, b: sk_kernels.Matern(ell, b, nu=0.5),
            "matern32": lambda ell, b: sk_kernels.Matern(ell, b, nu=1.5),
            "matern52": lambda ell, b: sk_kernels.Matern(ell, b, nu=2.5)}


def _sklearn_fit(kernel, X, Y):
    """scikit-learn's optimum with our bounds and start: a² κ(ℓ) + σ² (WhiteKernel), 5 restarts."""
    med, s = median_lengthscale(X), float(np.mean(Y**2))
    k = (sk_kernels.ConstantKernel(s, (1e-5 * s, 1e5 * s)) * _SKLEARN[kernel](med, (1e-3 * med, 1e3 * med))
         + sk_kernels.WhiteKernel(1e-2 * s, (1e-9 * s, 1e3 * s)))
    return sklearn_gp.GaussianProcessRegressor(k, alpha=1e-10, n_restarts_optimizer=5, random_state=0).fit(X, Y)


@pytest.mark.parametrize("kernel", ["rbf", "matern32", "matern52", "laplace"])
def test_the_optimum_agrees_with_scikit_learn(data, kernel):
    X, Y = data
    fit = fit_hyperparameters(kernel, X, Y, lengthscale="ml", amplitude="ml", noise="ml", restarts=5, seed=0)
    with warnings.catch_warnings():  # scikit-learn notes an optimum at a bound (laplace: noise -> 0)
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = _sklearn_fit(kernel, X, Y)
    assert fit.log_marginal_likelihood == pytest.approx(reference.log_marginal_likelihood_value_, abs=1e-3)
    # our likelihood at our optimum is scikit-learn's likelihood there (jitter 1e-10 a² vs alpha 1e-10)
    theta = np.log([fit.amplitude**2, fit.lengthscale, fit.noise])
    assert fit.log_marginal_likelihood == pytest.approx(reference.log_marginal_likelihood(theta), abs=1e-6)
    assert fit.fitted == ("lengthscale", "amplitude", "noise") and len(fit.starts) == 5


@pytest.mark.parametrize("kernel", ["rbf", "laplace", "matern32", "matern52"])
def test_analytic_gradient_matches_finite_differences(data, kernel):
    X, Y = data
    theta = np.log([1.3, 0.49, 0.05])  # log ℓ, log a², log σ²

    def value(t):
        return log_marginal_likelihood(kernel, X, Y, math.exp(t[0]), math.exp(0.5 * t[1]), math.exp(t[2]))

    _, grad = log_marginal_likelihood(kernel, X, Y, 1.3, 0.7, 0.05, gradient=True)
    h = 1e-5  # central differences: error O(h²) ~ 1e-10 relative, far below the 1e-6 asked
    numeric = [(value(theta + h * e) - value(theta - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6)


def test_fixed_hyperparameters_stay_fixed_and_the_fit_is_seeded(data):
    X, Y = data
    a = fit_hyperparameters("rbf", X, Y, lengthscale="ml", amplitude=1.5, noise=0.01, restarts=3, seed=4)
    b = fit_hyperparameters("rbf", X, Y, lengthscale="ml", amplitude=1.5, noise=0.01, restarts=3, seed=4)
    assert a.amplitude == 1.5 and a.noise == 0.01 and a.fitted == ("lengthscale",)
    assert a == b and a.at_bound == ()
    # an interior optimum is a stationary point of the likelihood in ℓ
    _, grad = log_marginal_likelihood("rbf", X, Y, a.lengthscale, 1.5, 0.01, gradient=True)
    assert abs(grad[0]) < 1e-3


def test_the_space_measures_with_the_fitted_values_and_reports_them(data):
    X, Y = data
    task = Task(X[:60], Y[:60], X[60:], Y[60:], name="toy")
    space = GaussianProcess("rbf", "ml", "ml", noise="ml", restarts=3, seed=1)
    result = measure(task, space, [0.05])
    fitted = result.diagnostics["hyperparameters"]
    fit = fit_hyperparameters("rbf", task.X_train, task.Y_train, lengthscale="ml", amplitude="ml", noise="ml",
                              restarts=3, seed=1)
    assert fitted["log_marginal_likelihood"] == fit.log_marginal_likelihood
    assert result.diagnostics["lengthscale"] == fit.lengthscale and result.diagnostics["noise"] == fit.noise
    fixed = measure(task, GaussianProcess("rbf", fit.lengthscale, fit.amplitude, noise=fit.noise), [0.05])
    assert result.bits[0] == pytest.approx(fixed.bits[0], rel=1e-12)
    assert json.loads(result.to_json())["space"]["lengthscale"] == "ml"


def test_bad_fit_requests_are_input_errors(data):
    X, Y = data
    with pytest.raises(InputError, match="'ml'"):
        fit_hyperparameters("rbf", X, Y, lengthscale=1.0)
    with pytest.raises(InputError, match="restarts"):
        GaussianProcess("rbf", "ml", restarts=0)
    with pytest.raises(InputError, match="noise"):
        GaussianProcess("rbf", noise="fit")


def test_cli_lengthscale_ml(capsys):
    assert main(["measure", "--data", "digits", "--n-train", "100", "--n-test", "50", "--lengthscale", "ml",
                 "--noise", "ml", "--restarts", "2", "-e", "0.08", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    fitted = data["diagnostics"]["hyperparameters"]
    assert fitted["fitted"] == ["lengthscale", "noise"] and math.isfinite(fitted["log_marginal_likelihood"])
    assert data["diagnostics"]["lengthscale"] == fitted["lengthscale"]
