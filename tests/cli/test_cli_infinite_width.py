"""``inductive-bias measure --space nngp|ntk``: the exact bits of infinite-width networks (docs/method.md §7)."""

import json

import numpy as np
import pytest

from inductive_bias import InfiniteWidthNetwork, measure
from inductive_bias.cli.main import main
from inductive_bias.tasks import load_npz


@pytest.fixture
def npz(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(90, 6))
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    path = tmp_path / "toy.npz"
    np.savez(path, X_train=X[:50], y_train=y[:50], X_test=X[50:], y_test=y[50:])
    return path


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_measure_gives_the_spaces_exact_bits(npz, capsys, kind):
    """The CLI's bits are the Python API's for the same space, with its Chernoff bound and spec."""
    args = ["measure", "--data", str(npz), "--space", kind, "--architecture", "mlp", "--depth", "3",
            "--activation", "erf", "--weight-var", "1.5", "--bias-var", "0.05", "-e", "0.2", "0.15", "--json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["estimator"] == "exact"
    assert data["space"] == {"space": kind, "architecture": "mlp", "depth": 3, "activation": "erf",
                             "weight_var": 1.5, "bias_var": 0.05, "jitter": None}
    space = InfiniteWidthNetwork(kind, "mlp", depth=3, activation="erf", weight_var=1.5, bias_var=0.05)
    expected = measure(load_npz(npz), space, target_error=[0.2, 0.15])
    for got, want in zip(data["results"], expected.results):
        assert got["bits"] == pytest.approx(want.bits, rel=1e-12)
        assert 0 <= got["bits_lower_bound"] <= got["bits"]


def test_measure_table_and_plot(npz, tmp_path, capsys):
    png = tmp_path / "ntk.png"
    assert main(["measure", "--data", str(npz), "--space", "ntk", "-e", "0.2", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "ntk" in out and "Chernoff lower bound" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("extra, flag", [
    (["--space", "nngp", "--epochs", "3"], "--epochs"),            # a trained network's flag
    (["--space", "ntk", "--n-estimators", "3"], "--n-estimators"),
    (["--space", "nngp", "--lengthscale", "2"], "--lengthscale"),   # a GP flag
    (["--space", "ntk", "--amplitude", "2"], "--amplitude"),
    (["--space", "random_forest", "--depth", "3"], "--depth"),      # shared with mlp/vit, not a forest
    (["--weight-var", "2"], "--weight-var"),
    (["--space", "ntk", "--activation", "swish"], "--activation"),
    (["--space", "nngp", "--depth", "-1"], "--depth"),
    (["--space", "nngp", "--bias-var", "-0.1"], "--bias-var"),
    (["--space", "ntk", "--store", "runs.db"], "--store"),
])
def test_flags_that_do_not_apply_are_one_line_errors(npz, capsys, extra, flag):
    assert main(["measure", "--data", str(npz), "-e", "0.2", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith(f"inductive-bias measure: error: {flag}:"), err
