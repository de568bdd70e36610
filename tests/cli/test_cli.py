"""The command line: output forms users' scripts rely on, and one-line errors with exit status 2."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from inductive_bias.cli.main import main


def run_cli(*args, cwd=None):
    """Run the CLI in a fresh interpreter, as a user would."""
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "src")
    env["PYTHONPATH"] = os.path.abspath(src) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "inductive_bias", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


@pytest.fixture
def npz(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(70, 3))
    y = (X[:, 0] > 0).astype(int)
    path = tmp_path / "toy.npz"
    np.savez(path, X_train=X[:50], y_train=y[:50], X_test=X[50:], y_test=y[50:])
    return path


def test_measure_json_on_an_npz_file(npz, capsys):
    assert main(["measure", "--data", str(npz), "--kernel", "laplace", "--lengthscale", "median",
                 "--target-error", "0.3", "0.2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["target_error"] for r in data["results"]] == [0.3, 0.2]
    assert all(isinstance(r["bits"], float) and "bits_lower_bound" in r for r in data["results"])
    assert data["task"]["name"] == "toy" and data["space"]["lengthscale"] == "median"


def test_measure_table_and_plot_on_digits(tmp_path, capsys):
    png = tmp_path / "curve.png"
    assert main(["measure", "--target-error", "1.05", "0.5", "--plot", str(png), "--hypotheses", "300"]) == 0
    out = capsys.readouterr().out
    assert "digits" in out and "Chernoff lower bound" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fit_reads_text_and_npy(tmp_path, capsys):
    losses = 0.01 * np.random.default_rng(1).noncentral_chisquare(40, 4, size=200)
    text = tmp_path / "losses.txt"
    np.savetxt(text, losses)
    npy = tmp_path / "losses.npy"
    np.save(npy, losses)
    outputs = []
    for path in (text, npy):
        assert main(["fit", "--losses", str(path), "-e", "0.3", "--bootstrap", "20", "--json"]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0]["results"][0]["bits"] == pytest.approx(outputs[1]["results"][0]["bits"], rel=1e-9)
    # The default, "sampled", is the direct count: no law, no goodness of fit, a figure of kind count or bound.
    assert outputs[0]["estimator"] == "count" and outputs[0]["fit"]["requested_estimator"] == "sampled"
    assert outputs[0]["results"][0]["kind"] in ("count", "bound")


@pytest.mark.parametrize("make_args, expect", [
    (lambda p: ["measure", "-e", "-0.5"], "--target-error"),
    (lambda p: ["measure", "-e", "0"], "--target-error"),
    (lambda p: ["measure", "-e", "abc"], "--target-error"),
    (lambda p: ["measure", "-e", "0.5", "--kernel", "cosine"], "--kernel"),
    (lambda p: ["measure", "-e", "0.5", "--lengthscale", "-2"], "--lengthscale"),
    (lambda p: ["measure", "-e", "0.5", "--data", str(p / "missing.npz")], "--data"),
    (lambda p: ["measure", "-e", "0.5", "--data", str(p / "bad.npz")], "--data"),
    (lambda p: ["measure", "-e", "0.5", "--data", str(p / "nan.npz")], "--data: X_train"),
    (lambda p: ["measure", "-e", "0.5", "--data", str(p / "shape.npz")], "--data: y_train"),
    (lambda p: ["measure", "-e", "0.5", "--data", str(p / "empty.npz")], "--data: y_test"),
    (lambda p: ["measure", "-e", "0.5", "--data", str(p / "dup.npz"), "--jitter", "0"], "--jitter"),
    (lambda p: ["fit", "--losses", str(p / "missing.txt")], "--losses"),
    (lambda p: ["fit", "--losses", str(p / "words.txt")], "--losses"),
])
def test_bad_input_is_one_line_with_exit_status_2(tmp_path, capsys, make_args, expect):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    (tmp_path / "bad.npz").write_bytes(b"not a zip file")
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    np.savez(tmp_path / "nan.npz", X_train=X_nan[:20], y_train=y[:20], X_test=X[20:], y_test=y[20:])
    np.savez(tmp_path / "shape.npz", X_train=X[:20], y_train=y[:19], X_test=X[20:], y_test=y[20:])
    np.savez(tmp_path / "empty.npz", X_train=X[:20], y_train=y[:20], X_test=X[:0], y_test=y[:0])
    Xd = np.vstack([X[:20], X[:5]])
    np.savez(tmp_path / "dup.npz", X_train=Xd, y_train=np.concatenate([y[:20], y[:5]]), X_test=X[20:], y_test=y[20:])
    (tmp_path / "words.txt").write_text("0.1\nzero point two\n")
    try:
        status = main(make_args(tmp_path))
    except SystemExit as exit_:  # argparse's own errors (a non-numeric value, an unknown choice)
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert expect in lines[0].lower() or expect in lines[0]


def test_a_real_process_prints_no_traceback(tmp_path):
    done = run_cli("measure", "--data", str(tmp_path / "missing.npz"), "-e", "0.5")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    assert "--data" in done.stderr and "missing.npz" in done.stderr
