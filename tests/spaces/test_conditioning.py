"""Conditioning diagnostics of GP solves (spaces/conditioning.py): the estimates against direct
computations, and ill-conditioned problems flagged in the result, its JSON and the table."""

import json
import math
import warnings

import numpy as np
import pytest
from scipy.spatial.distance import cdist, pdist

from inductive_bias import GaussianProcess, measure
from inductive_bias.cli.main import main
from inductive_bias.exceptions import ConditioningWarning, ExtrapolationWarning
from inductive_bias.spaces.conditioning import backward_error, condition_number
from inductive_bias.tasks import load_synthetic


@pytest.mark.parametrize("n, spread", [(5, 1.0), (40, 1e-3), (80, 1e-7)])
def test_condition_estimate_is_within_a_small_factor_of_numpy(n, spread):
    """dpocon estimates κ₁; LAPACK's estimator is a lower bound within a factor ~3 in practice."""
    rng = np.random.default_rng(n)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    A = (Q * np.geomspace(1.0, spread, n)) @ Q.T
    A = 0.5 * (A + A.T)
    exact = np.linalg.cond(A, 1)
    estimate = condition_number(np.linalg.cholesky(A), np.abs(A).sum(axis=0).max())
    assert exact / 10 <= estimate <= exact * 1.000001


def test_backward_error_is_the_normwise_formula():
    A = np.array([[4.0, 1.0], [1.0, 3.0]])
    b = np.array([[1.0], [2.0]])
    x = np.linalg.solve(A, b) + 1e-6
    r = A @ x - b
    expected = np.linalg.norm(r) / (np.linalg.norm(A) * np.linalg.norm(x) + np.linalg.norm(b))
    assert backward_error(r, np.linalg.norm(A), x, b) == pytest.approx(expected, rel=1e-14)


def _independent_mean_loss(task, noise):
    """E[L] of docs/method.md §2 with K + σ²I (+ the default jitter), by numpy's dense solve."""
    ell = float(np.median(pdist(task.X_train)))
    k = lambda A, B: np.exp(-cdist(A, B, "sqeuclidean") / (2 * ell**2))  # noqa: E731
    A = k(task.X_train, task.X_train) + (noise + 1e-10) * np.eye(task.n_train)
    Ks = k(task.X_test, task.X_train)
    M = Ks @ np.linalg.solve(A, task.Y_train)
    S = k(task.X_test, task.X_test) - Ks @ np.linalg.solve(A, Ks.T)
    m, c = task.Y_test.shape
    return (np.sum((M - task.Y_test) ** 2) + c * np.trace(S)) / (m * c)


@pytest.fixture(scope="module")
def synthetic_tasks():
    return {m: load_synthetic(intrinsic_dim=m) for m in (1, 2, 4, 8)}


@pytest.mark.parametrize("m", [1, 2, 4])
def test_noise_free_rbf_on_dense_low_dimensional_data_is_flagged(synthetic_tasks, m):
    """The issue's case: rbf, median lengthscale, jitter 1e-10 on 500 points of a 1-, 2- or
    4-dimensional manifold: condition ~1e11-1e13, a posterior mean off by orders of magnitude."""
    with pytest.warns(ConditioningWarning) as caught:
        result = measure(synthetic_tasks[m], GaussianProcess("rbf", "median"), [0.1])
    assert any("ill-conditioned" in str(w.message) and "--noise" in str(w.message) for w in caught)
    assert result.warnings and all("\n" not in w for w in result.warnings)
    r = result.results[0]
    assert r.reliable is False and r.warnings == result.warnings and "unreliable" in r.reason
    cond = result.diagnostics["conditioning"]
    assert cond["condition_number"] > 1e10 and not cond["mean_trusted"]
    data = json.loads(result.to_json())
    assert data["warnings"] == list(result.warnings)
    assert data["results"][0]["reliable"] is False and data["results"][0]["warnings"] == list(result.warnings)


def test_noise_makes_them_trustworthy_and_the_loss_rises_with_dimension(synthetic_tasks):
    """With σ² = 1e-3: no warning, the law's mean equals the independent dense solve (0.3% asked,
    round-off achieved) and rises with m (issue: 0.0238, 0.0308, 0.0833, 0.2077)."""
    means = []
    for m, task in synthetic_tasks.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConditioningWarning)
            result = measure(task, GaussianProcess("rbf", "median", noise=1e-3), [0.1])
        assert result.warnings == () and result.results[0].reliable
        assert result.loss.mean == pytest.approx(_independent_mean_loss(task, 1e-3), rel=1e-6)
        means.append(result.loss.mean)
    np.testing.assert_allclose(means, [0.0238, 0.0308, 0.0833, 0.2077], rtol=3e-3)
    assert np.all(np.diff(means) > 0)


def test_well_conditioned_problem_is_not_flagged(small_digits):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConditioningWarning)
        result = measure(small_digits, GaussianProcess("rbf", 1.0), [0.09])
    assert result.warnings == () and all(r.reliable for r in result.results)
    assert result.diagnostics["conditioning"]["condition_number"] < 10


def test_the_table_and_json_of_the_cli_carry_the_warning(capsys):
    args = ["measure", "--data", "synthetic", "--intrinsic-dim", "2", "--kernel", "rbf", "--lengthscale", "median",
            "-e", "0.1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "unreliable" in out and "warning  ill-conditioned GP solve" in out and "--noise" in out
    with pytest.warns(ConditioningWarning):  # with --json the warning is also issued (stderr)
        assert main(args + ["--json"]) == 0
    data = json.loads(capsys.readouterr().out)  # still valid JSON
    assert data["results"][0]["reliable"] is False and data["warnings"]
    assert main(args + ["--noise", "1e-3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["warnings"] == [] and data["results"][0]["reliable"] is True
    assert math.isclose(data["loss"]["mean"], 0.0308, rel_tol=3e-3)


def test_no_false_alarm_where_the_noise_free_answer_is_the_models_own(synthetic_tasks):
    """m = 8, noise-free: condition ~1e7, and the bits barely move from no jitter to 1e-10
    (3,440.690 vs 3,440.687): the figure is the model's, so it is not flagged."""
    task = synthetic_tasks[8]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConditioningWarning)
        default = measure(task, GaussianProcess("rbf", "median"), [0.1])
        bare = measure(task, GaussianProcess("rbf", "median", jitter=0.0), [0.1])
    assert default.warnings == () and default.results[0].reliable
    assert default.bits[0] == pytest.approx(bare.bits[0], abs=0.01)


def test_warnings_survive_a_json_round_trip(synthetic_tasks):
    from inductive_bias import MeasureResult

    with pytest.warns(ConditioningWarning):
        result = measure(synthetic_tasks[2], GaussianProcess("rbf", "median"), [0.1])
    back = MeasureResult.from_json(result.to_json())
    assert back.warnings == result.warnings and back.results[0].warnings == result.warnings
    assert back.results[0].reliable is False


def test_sampled_figures_of_an_ill_conditioned_space_carry_the_warning_too(synthetic_tasks):
    """The hypotheses drawn from the flagged posterior inherit its warning: the sampled road
    reports it in the result, per target and in the JSON, like the exact road."""
    with pytest.warns(ConditioningWarning):
        result = measure(synthetic_tasks[2], GaussianProcess("rbf", "median"), [0.1], estimator="gchi2-moments",
                         hypotheses=50, n_bootstrap=20, seed=0)
    assert any("ill-conditioned" in w for w in result.warnings)
    assert all(r.reliable is False and "unreliable" in r.reason for r in result.results)
    assert json.loads(result.to_json())["results"][0]["reliable"] is False


def test_a_well_conditioned_sampled_space_has_no_warning(small_digits):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConditioningWarning)
        warnings.simplefilter("ignore", ExtrapolationWarning)  # the target's depth is not what is tested
        result = measure(small_digits, GaussianProcess("rbf", "median"), [0.05], estimator="gchi2-moments",
                         hypotheses=50, n_bootstrap=20, seed=0)
    assert not any("ill-conditioned" in w for w in result.warnings)
    assert all(r.reliable or r.extrapolated for r in result.results)  # only a model extrapolation is not
