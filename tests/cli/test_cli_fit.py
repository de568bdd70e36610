"""``inductive-bias fit`` with the sample-based estimators of issue 6: predictions, "sampled", --qq."""

import json

import numpy as np
import pytest

from inductive_bias.cli.main import main


@pytest.fixture
def sampled(tmp_path):
    """Gaussian predictions of 400 hypotheses on 15 test points x 2 outputs, their losses, targets."""
    rng = np.random.default_rng(0)
    targets = rng.standard_normal((15, 2))
    preds = 0.4 * rng.standard_normal((400, 15, 2))
    losses = np.mean((preds - targets) ** 2, axis=(1, 2))
    paths = {name: tmp_path / f"{name}.npy" for name in ("losses", "predictions", "targets")}
    for name, value in zip(paths, (losses, preds, targets)):
        np.save(paths[name], value)
    return paths, losses


def test_function_gaussian_reads_the_predictions_and_sampled_is_the_count(sampled, capsys, tmp_path):
    paths, losses = sampled
    eps = str(float(np.quantile(losses, 0.1)))
    args = ["fit", "--losses", str(paths["losses"]), "--predictions", str(paths["predictions"]),
            "--targets", str(paths["targets"]), "--estimator", "function-gaussian", "-e", eps, "--bootstrap", "20",
            "--json", "--qq", str(tmp_path / "qq.png")]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["estimator"] == "function-gaussian" and out["fit"]["requested_estimator"] == "function-gaussian"
    assert out["fit"]["interval"] == "basic" and out["results"][0]["kind"] == "model"
    assert (tmp_path / "qq.png").stat().st_size > 1000
    # "sampled" is the direct count, with predictions or without
    for extra in ([], ["--predictions", str(paths["predictions"]), "--targets", str(paths["targets"])]):
        assert main(["fit", "--losses", str(paths["losses"]), "--estimator", "sampled", "-e", eps, "--json",
                     *extra]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["estimator"] == "count" and out["results"][0]["kind"] == "count"


@pytest.mark.parametrize("extra, argument", [
    (["--estimator", "function-gaussian"], "--estimator"),  # needs predictions
    (["--predictions", "PRED"], "--predictions"),  # without --targets
])
def test_errors_name_the_argument(sampled, capsys, extra, argument):
    paths, _ = sampled
    extra = [str(paths["predictions"]) if a == "PRED" else a for a in extra]
    assert main(["fit", "--losses", str(paths["losses"]), "-e", "0.1", *extra]) == 2
    assert f"error: {argument}:" in capsys.readouterr().err
