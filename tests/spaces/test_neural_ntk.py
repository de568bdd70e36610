"""Finite networks in the NTK parameterisation (docs/method.md §7): an option of the ``mlp`` and ``cnn`` spaces.

- At initialisation each output of a ReLU MLP in this parameterisation has variance K^{L+1}(x, x)
  of the NNGP recursion, computed here independently in closed form (the arc-cosine kernel). For
  ReLU the diagonal is exact at any width (E[relu(z)²] = Var z / 2 is linear in the variance, so
  the expectation passes through every layer); the covariance between two inputs carries an
  O(1/width) correction, far below the Monte Carlo error at width 512. Tolerance: 4 standard
  errors of the Monte Carlo mean, estimated from the draws themselves.
- Training: the batched ensemble must reproduce full-batch gradient descent on the same network
  written with autograd (same seed, same initial weights), to float32 rounding (1e-4 relative).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from inductive_bias import NeuralNetworks, digits
from inductive_bias._validation import InputError
from inductive_bias.cli.main import main
from inductive_bias.spaces.neural import architectures

SEEDS = [5, 6, 7]


@pytest.fixture(scope="module")
def task():
    return digits(40, 30, seed=1)


def relu_nngp(X, depth, weight_var, bias_var):
    """K^{L+1} of docs/method.md §7 for ReLU by the arc-cosine closed form, float64."""
    X = np.asarray(X, dtype=np.float64)
    K = weight_var * X @ X.T / X.shape[1] + bias_var
    for _ in range(depth):
        diag = np.sqrt(np.diag(K))
        norm = np.outer(diag, diag)
        theta = np.arccos(np.clip(K / norm, -1.0, 1.0))
        T = norm / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))
        K = weight_var * T + bias_var
    return K


def test_output_covariance_at_initialisation_is_the_nngp_kernel():
    weight_var, bias_var, hidden, draws = 2.0, 0.1, (512, 512), 1500
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 16))
    X[2] = X[0] + 0.3 * X[2]                                  # a correlated pair as well
    module = architectures.build("mlp", 16, 4, architectures.resolve_options("mlp", {"hidden": hidden}),
                                 ntk=(weight_var, bias_var))
    x = torch.tensor(X, dtype=torch.float32)
    outputs = []
    with torch.no_grad():
        for seed in range(draws):
            architectures.initialise(module, torch.Generator().manual_seed(seed))
            outputs.append(module(x).double().numpy())       # (3 inputs, 4 outputs)
    out = np.stack(outputs)                                   # (draws, 3, 4)
    K = relu_nngp(X, len(hidden), weight_var, bias_var)
    for i, j in [(0, 0), (1, 1), (2, 2), (0, 2), (0, 1)]:
        per_draw = (out[:, i, :] * out[:, j, :]).mean(axis=1)   # the 4 outputs of a draw: one sample
        error = per_draw.std(ddof=1) / math.sqrt(draws)
        assert abs(per_draw.mean() - K[i, j]) < 4 * error, (i, j, per_draw.mean(), K[i, j], error)
    assert K[0, 2] > 5 * out[:, 0, :].std() / math.sqrt(draws)  # the correlated pair is far from 0


def _gradient_descent(task, seed, *, hidden, weight_var, bias_var, lr, epochs):
    """One NTK-parameterised MLP trained by full-batch gradient descent with autograd."""
    X = torch.tensor(task.X_train, dtype=torch.float32)
    Y = torch.tensor(task.Y_train, dtype=torch.float32)
    module = architectures.build("mlp", X.shape[1], Y.shape[1],
                                 architectures.resolve_options("mlp", {"hidden": hidden}), ntk=(weight_var, bias_var))
    generator = torch.Generator().manual_seed(seed)
    architectures.initialise(module, generator)
    opt = torch.optim.SGD(module.parameters(), lr=lr)
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator)  # the member's data order: one full batch
        opt.zero_grad()
        F.mse_loss(module(X[order]), Y[order]).backward()
        opt.step()
    with torch.no_grad():
        pred = module(torch.tensor(task.X_test, dtype=torch.float32)).double().numpy()
    return float(np.mean((pred - task.Y_test) ** 2))


def test_members_are_networks_trained_by_full_batch_gradient_descent(task):
    space = NeuralNetworks("mlp", hidden=(32, 16), parameterization="ntk", weight_var=1.5, bias_var=0.2,
                           lr=0.02, epochs=15)
    assert space.optimizer == "sgd" and space.batch_size == "full"
    members = space.train_members(task, SEEDS)
    expected = [_gradient_descent(task, s, hidden=(32, 16), weight_var=1.5, bias_var=0.2, lr=0.02, epochs=15)
                for s in SEEDS]
    np.testing.assert_allclose([m.test_loss for m in members], expected, rtol=1e-4)
    # training does something: the loss moved from its value at initialisation
    before = NeuralNetworks("mlp", hidden=(32, 16), parameterization="ntk", weight_var=1.5, bias_var=0.2,
                            lr=1e-12, epochs=1).train_members(task, SEEDS)
    assert all(m.train_loss < b.train_loss for m, b in zip(members, before))


def test_cnn_in_ntk_parameterisation_trains_and_members_depend_on_their_seed_alone(task):
    space = NeuralNetworks("cnn", channels=(4,), parameterization="ntk", lr=0.01, epochs=4)
    together = space.train_members(task, SEEDS)
    alone = space.train_members(task, SEEDS[1:2])[0]
    assert alone.test_loss == pytest.approx(together[1].test_loss, rel=1e-5)
    assert all(np.isfinite(m.test_loss) for m in together)
    assert len({m.test_loss for m in together}) == len(SEEDS)


def test_parameterisation_is_part_of_the_identity():
    spec = NeuralNetworks("mlp", parameterization="ntk", weight_var=2.5, bias_var=0.0).spec()
    assert json.loads(json.dumps(spec)) == spec
    assert (spec["parameterization"], spec["weight_var"], spec["bias_var"]) == ("ntk", 2.5, 0.0)
    assert (spec["optimizer"], spec["batch_size"]) == ("sgd", "full")
    assert spec != NeuralNetworks("mlp", parameterization="ntk", weight_var=2.0, bias_var=0.0).spec()
    # the standard parameterisation keeps the identity it had (stores written before still match)
    standard = NeuralNetworks("mlp").spec()
    assert "parameterization" not in standard and standard["batch_size"] == 32 and standard["optimizer"] == "adam"
    assert NeuralNetworks("mlp", parameterization="ntk", optimizer="adam", batch_size=8).spec()["batch_size"] == 8


@pytest.mark.parametrize("kwargs,argument", [
    (dict(architecture="lcn", parameterization="ntk"), "parameterization"),
    (dict(architecture="vit", parameterization="ntk"), "parameterization"),
    (dict(architecture=lambda d, k: torch.nn.Linear(d, k), parameterization="ntk"), "parameterization"),
    (dict(parameterization="mup"), "parameterization"),
    (dict(weight_var=2.0), "weight_var"),
    (dict(bias_var=0.1), "bias_var"),
    (dict(parameterization="ntk", weight_var=0.0), "weight_var"),
    (dict(parameterization="ntk", bias_var=-0.1), "bias_var"),
    (dict(batch_size="half"), "batch_size"),
])
def test_bad_ntk_settings_name_the_argument(kwargs, argument):
    with pytest.raises(InputError) as error:
        NeuralNetworks(**kwargs)
    assert error.value.argument == argument and "\n" not in str(error.value)


def test_cli_flags(tmp_path, capsys):
    code = main(["sample", "--data", "digits", "--n-train", "40", "--n-test", "30", "--space", "mlp", "--hidden", "16",
                 "--parameterization", "ntk", "--weight-var", "1.5", "--bias-var", "0.05", "--epochs", "2",
                 "--lr", "0.01", "--hypotheses", "2", "--store", str(tmp_path / "s.db"), "--json"])
    out = capsys.readouterr().out
    assert code == 0
    code = main(["runs", "--store", str(tmp_path / "s.db"), "--json"])
    listed, = json.loads(capsys.readouterr().out)
    text = json.dumps(listed)
    assert '"parameterization": "ntk"' in text and '"weight_var": 1.5' in text and '"batch_size": "full"' in text, out
    code = main(["sample", "--space", "lcn", "--parameterization", "ntk", "--hypotheses", "2",
                 "--store", str(tmp_path / "t.db")])
    err = capsys.readouterr().err
    assert code == 2 and "parameterization" in err and err.count("\n") == 1


def test_cli_batch_size_full_and_bad_value(tmp_path, capsys):
    code = main(["sample", "--data", "digits", "--n-train", "30", "--n-test", "20", "--space", "mlp", "--hidden", "8",
                 "--batch-size", "full", "--epochs", "1", "--hypotheses", "1", "--store", str(tmp_path / "s.db")])
    assert code == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit:
        main(["sample", "--space", "mlp", "--batch-size", "half", "--hypotheses", "1", "--store", str(tmp_path / "t.db")])
    err = capsys.readouterr().err
    assert exit.value.code == 2 and "--batch-size: must be a positive integer or 'full'; got 'half'" in err
