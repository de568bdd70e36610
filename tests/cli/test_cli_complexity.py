"""``inductive-bias complexity`` and ``inductive-bias compare``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from inductive_bias import GaussianProcess, digits, measure
from inductive_bias.cli.main import main
from inductive_bias.complexity import PRESETS, complexity_bound, estimate_geometry


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_preset_json_reports_bits_and_inputs(capsys):
    out = run_json(capsys, "complexity", "--preset", "imagenet", "--json")
    assert out["bits"] == complexity_bound(**PRESETS["imagenet"]).bits
    assert 3.5e41 < out["bits"] < 3.6e41
    assert out["inputs"]["m"] == 48 and out["inputs"]["delta"] == 65 and out["inputs"]["outputs"] == 999
    assert out["preset"] == "imagenet"


def test_presets_with_outputs_combinations_and_output_bound(capsys):
    # The Omniglot preset sets D, P and B itself (no classes); an explicit option still replaces one.
    out = run_json(capsys, "complexity", "--preset", "omniglot", "--json")
    assert out["bits"] == complexity_bound(**PRESETS["omniglot"]).bits
    assert out["inputs"]["combinations"] == 1 and out["inputs"]["output_bound"] == PRESETS["omniglot"]["output_bound"]
    out = run_json(capsys, "complexity", "--preset", "omniglot", "--output-bound", "1", "--json")
    assert out["bits"] == complexity_bound(**{**PRESETS["omniglot"], "output_bound": 1.0}).bits
    out = run_json(capsys, "complexity", "--preset", "svhn", "--json")
    assert out["bits"] == pytest.approx(1.2129e31, rel=1e-4)


def test_explicit_inputs_and_preset_overrides(capsys):
    out = run_json(capsys, "complexity", "--n", "60000", "--m", "14", "--R", "17.179045827183984",
                   "--delta", "2.3987084824335305", "--classes", "10", "--error", "0.001", "--json")
    assert out["bits"] == complexity_bound(**PRESETS["mnist"]).bits
    out = run_json(capsys, "complexity", "--preset", "mnist", "--m", "20", "--json")
    assert out["bits"] == complexity_bound(**{**PRESETS["mnist"], "m": 20}).bits
    out = run_json(capsys, "complexity", "--n", "100", "--m", "3", "--R", "1", "--delta", "0.5", "--outputs", "2",
                   "--combinations", "5", "--output-bound", "2", "--error", "0.1", "--json")
    assert out["bits"] == complexity_bound(0.1, 100, 3, 1, 0.5, outputs=2, combinations=5, output_bound=2).bits


def test_table_output(capsys):
    assert main(["complexity", "--preset", "cifar10"]) == 0
    text = capsys.readouterr().out
    assert "upper bound  3.437718e+32 bits" in text and "preset cifar10" in text


@pytest.mark.parametrize("argv, flag", [
    (["--n", "100", "--m", "3", "--R", "-1", "--delta", "0.5", "--classes", "3", "--error", "0.1"], "--R"),
    (["--n", "100", "--m", "3", "--R", "1", "--classes", "3", "--error", "0.1"], "--delta"),
    (["--n", "100", "--m", "3", "--R", "1", "--delta", "0.5", "--error", "0.1"], "--classes"),
    (["--n", "100", "--m", "3", "--R", "1", "--delta", "0.5", "--classes", "3"], "--error"),
    (["--preset", "mnist", "--error", "0"], "--target-error"),
    (["--preset", "mnist", "--classes", "1"], "--classes"),
    (["--data", "nothing.npz", "--error", "0.1"], "--data"),
    (["--preset", "mnist", "--n-train", "100"], "--n-train"),
    (["--data", "digits", "--n-train", "60", "--error", "0.1", "--k", "2"], "--k"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, flag):
    assert main(["complexity", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"inductive-bias complexity: error: {flag}:") and "\n" not in err


def test_from_a_task_reports_the_estimates_with_intervals(capsys):
    out = run_json(capsys, "complexity", "--data", "digits", "--n-train", "150", "--n-test", "50",
                   "--error", "0.5", "--json")
    geometry = estimate_geometry(digits(150, 50), seed=0)
    estimates = out["estimates"]
    assert estimates["n"] == 150 and estimates["classes"] == 10
    assert estimates["m"] == geometry.m and estimates["delta"] == geometry.delta
    assert estimates["dimension"]["interval"][0] < estimates["m"] < estimates["dimension"]["interval"][1]
    assert estimates["separation"]["method"] == "exact"
    assert out["bits"] == geometry.bound(0.5).bits
    low, high = out["range_over_m"]
    assert low <= out["bits"] <= high
    assert main(["complexity", "--data", "digits", "--n-train", "150", "--n-test", "50", "--error", "0.5",
                 "--delta-method", "evt", "--pairs", "5000"]) == 0
    text = capsys.readouterr().out
    assert "evt: extrapolated from 5,000 random pairs" in text and "Levina–Bickel" in text


def test_compare_with_a_losses_file(capsys, tmp_path):
    task = digits(100, 60)
    space = GaussianProcess("rbf", 1.0)
    losses = space.sample(task, 150, seed=3).losses
    path = tmp_path / "draws.txt"
    np.savetxt(path, losses)
    out = run_json(capsys, "compare", "--n-train", "100", "--n-test", "60", "--target-error", "1.0", "0.95",
                   "--losses", f"gp draws={path}", "--bootstrap", "20", "--json")
    assert out["target_errors"] == [1.0, 0.95]
    exact = measure(task, space, [1.0, 0.95])
    assert [row["gp rbf (exact)"]["bits"] for row in out["rows"]] == exact.bits.tolist()
    assert all(row["gp draws (sampled)"]["interval"] is not None for row in out["rows"])
    bounds = [estimate_geometry(task, seed=0).bound(e).bits for e in (1.0, 0.95)]
    assert [row["upper_bound"]["bits"] for row in out["rows"]] == bounds
    assert main(["compare", "--n-train", "100", "--n-test", "60", "--target-error", "1.0",
                 "--losses", str(path), "--bootstrap", "20"]) == 0
    text = capsys.readouterr().out
    assert "upper bound (docs/method.md §5)" in text and "draws.txt (sampled)" in text and "gp rbf (exact)" in text


def test_compare_bad_losses_file_is_exit_2(capsys, tmp_path):
    assert main(["compare", "--n-train", "60", "--n-test", "40", "--losses", str(tmp_path / "missing.txt")]) == 2
    assert "error: --losses: no such file" in capsys.readouterr().err


def test_compare_measures_the_spaces_of_a_store(capsys, tmp_path):
    store = tmp_path / "runs.db"
    assert main(["sample", "--data", "digits", "--space", "extra_trees", "--n-estimators", "5",
                 "--hypotheses", "12", "--store", str(store)]) == 0
    capsys.readouterr()
    assert main(["compare", "--data", "digits", "-e", "0.03", "0.02", "--store", str(store),
                 "--bootstrap", "20", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = [name for name in data["spaces"]]
    assert any(name.startswith("extra_trees") for name in names)
    stored = next(v for k, v in data["spaces"].items() if k.startswith("extra_trees"))
    assert [r["target_error"] for r in stored["results"]] == [0.03, 0.02]
    # Without -e the comparison settles the default ε once, and the stored space is measured there.
    assert main(["compare", "--data", "digits", "--store", str(store), "--bootstrap", "20", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    stored = next(v for k, v in data["spaces"].items() if k.startswith("extra_trees"))
    assert [r["target_error"] for r in stored["results"]] == data["target_errors"]
    # A store with no space of this task is refused in one line.
    assert main(["compare", "--data", "digits", "--n-train", "100", "-e", "0.03", "--store", str(store)]) == 2
    assert "no space trained on this task" in capsys.readouterr().err
