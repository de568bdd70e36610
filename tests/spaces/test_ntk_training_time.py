"""The ntk law after a finite training time T (Lee et al. 2019, eqs. 14-16), against the converged
law of docs/method.md §7, a direct matrix-exponential computation and the prior."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import linalg

from inductive_bias import InfiniteWidthNetwork, Task, measure
from inductive_bias.cli.main import main
from inductive_bias.exceptions import InputError
from inductive_bias.spaces.infinite_width import mlp_kernels
from inductive_bias.spaces.infinite_width.space import training_time_scale

DEPTH, SW2, SB2 = 2, 2.0, 0.1


@pytest.fixture(scope="module")
def task():
    """30 training and 12 test points in 20 dimensions: Θ well conditioned, so that 1e-9 relative
    agreement measures the formulas, not the conditioning."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(42, 20)) / np.sqrt(20)
    y = rng.integers(0, 3, size=42)
    return Task.from_arrays(X[:30], y[:30], X[30:], y[30:], name="training-time")


def space(**options):
    return InfiniteWidthNetwork("ntk", "mlp", depth=DEPTH, weight_var=SW2, bias_var=SB2, **options)


def _relative(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def test_a_long_training_time_gives_the_converged_law(task):
    """T so long that e^{-τ η_min} < 1e-30 for Θ's smallest eigenvalue η_min: the stopped law is the
    converged one to the rounding of two factorisations (~ cond(Θ) · eps ≈ 1e-13 here)."""
    K, theta = mlp_kernels(task.X_train, task.X_train, DEPTH, "relu", SW2, SB2, ntk=True)
    eta_min = float(np.linalg.eigvalsh(theta)[0])
    long = 70.0 / (eta_min * training_time_scale(task))
    converged, stopped = space().posterior(task), space(training_time=long).posterior(task)
    assert _relative(stopped.mean, converged.mean) < 1e-9
    assert _relative(stopped.covariance, converged.covariance) < 1e-9
    law_c, _ = space().loss_distribution(task)
    law_s, info = space(training_time=long).loss_distribution(task)
    assert info["training_time"] == long
    assert law_s.mean == pytest.approx(law_c.mean, rel=1e-9) and law_s.std == pytest.approx(law_c.std, rel=1e-9)
    eps = law_c.mean - 3 * law_c.std
    assert float(law_s.bits(eps)[0]) == pytest.approx(float(law_c.bits(eps)[0]), rel=1e-9)
    assert space(training_time=float("inf")).spec() == space().spec()  # inf is the converged law


@pytest.mark.parametrize("T", [0.05, 0.5, 3.0])
def test_a_short_training_time_matches_a_matrix_exponential(task, T):
    """Independent: Θ^-1 (I − e^{−τΘ}) = ∫_0^τ e^{−sΘ} ds, read off the exponential of the block
    matrix [[−Θ, I], [0, 0]] τ (Van Loan 1978) by scipy's expm, no eigendecomposition and no
    inverse; then M = Θ* F Y and Σ = K** + R K R^T − (R K*^T + K* R^T), R = Θ* F. expm's
    relative error is ~1e-14 at these norms; the tolerance 1e-9 leaves room for the jitter
    (1e-10 of Θ's diagonal, which the law adds and the reference does not)."""
    X = np.vstack([task.X_train, task.X_test])
    K, theta = mlp_kernels(X, X, DEPTH, "relu", SW2, SB2, ntk=True)
    n = task.n_train
    tau = 2.0 * T / (n * task.n_outputs)  # gradient flow on the mean MSE over n k entries
    block = np.zeros((2 * n, 2 * n))
    block[:n, :n], block[:n, n:] = -theta[:n, :n], np.eye(n)
    F = linalg.expm(block * tau)[:n, n:]
    R = theta[n:, :n] @ F
    mean = R @ task.Y_train
    cov = K[n:, n:] + R @ K[:n, :n] @ R.T - (R @ K[n:, :n].T + K[n:, :n] @ R.T)
    post = space(training_time=T).posterior(task)
    assert _relative(post.mean, mean) < 1e-9
    assert _relative(post.covariance, cov) < 1e-9
    assert post.training_time == T


def test_learning_rate_times_steps_is_the_training_time(task):
    a = space(training_time=2.5 * 40).posterior(task)
    b = space(learning_rate=2.5, steps=40).posterior(task)
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.eigenvalues, b.eigenvalues)


def test_no_training_is_the_prior(task):
    """T = 0: the initial network's outputs, mean 0 and covariance K** (to the rounding of
    Σ_nngp + G G^T, which adds and removes K* K^-1 K*^T)."""
    K_ss, _ = mlp_kernels(task.X_test, task.X_test, DEPTH, "relu", SW2, SB2, ntk=False)
    post = space(training_time=0.0).posterior(task)
    assert np.all(post.mean == 0.0)
    assert _relative(post.covariance, K_ss) < 1e-12
    law, info = space(training_time=0).loss_distribution(task)
    m, k = task.Y_test.shape
    assert law.mean == pytest.approx(np.sum(task.Y_test ** 2) / (m * k) + np.trace(K_ss) / m, rel=1e-12)


def test_the_law_moves_from_the_prior_to_the_converged_law(task):
    """Between the exact end points the law moves continuously: T = 1e4 (e^{-τ η_min} ~ 1e-7 here)
    is within 1e-6 of the converged mean loss, and far from the prior's."""
    prior = space(training_time=0.0).loss_distribution(task)[0].mean
    late = space(training_time=1e4).loss_distribution(task)[0].mean
    converged = space().loss_distribution(task)[0].mean
    assert late == pytest.approx(converged, rel=1e-6) and abs(prior - converged) > 0.1 * converged


@pytest.mark.parametrize("options, name", [({"kind": "nngp", "training_time": 1.0}, "training_time"),
                                           ({"training_time": -1.0}, "training_time"),
                                           ({"training_time": 1.0, "steps": 3}, "steps"),
                                           ({"learning_rate": 0.1}, "steps"),
                                           ({"steps": 10}, "learning_rate"),
                                           ({"learning_rate": 0.0, "steps": 10}, "learning_rate"),
                                           ({"learning_rate": 0.1, "steps": 2.5}, "steps")])
def test_bad_training_times_are_refused(options, name):
    kind = options.pop("kind", "ntk")
    with pytest.raises(InputError, match=f"^{name}:"):
        InfiniteWidthNetwork(kind, **options)


def test_the_command_line_gives_the_api_figures(tmp_path, capsys, task):
    path = tmp_path / "t.npz"
    np.savez(path, X_train=task.X_train, y_train=np.argmax(task.Y_train, 1), X_test=task.X_test,
             y_test=np.argmax(task.Y_test, 1))
    expected = measure(task, space(training_time=12.0), [0.2]).results[0].bits
    base = ["measure", "--data", str(path), "--space", "ntk", "--depth", str(DEPTH), "--weight-var", str(SW2),
            "--bias-var", str(SB2), "-e", "0.2", "--json"]
    for extra in (["--training-time", "12"], ["--lr", "0.5", "--steps", "24"],
                  ["--lr", "0.5", "--steps", "24"]):
        assert main([*base, *extra]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["results"][0]["bits"] == pytest.approx(expected, rel=1e-12)
        assert out["diagnostics"]["training_time"] == 12.0
    assert main(["measure", "--data", str(path), "--space", "nngp", "-e", "0.2", "--training-time", "1"]) == 2
    assert "--training-time: does not apply to --space nngp (it applies to ntk)" in capsys.readouterr().err
