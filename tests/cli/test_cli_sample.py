"""``inductive-bias sample``, ``runs`` and ``measure --store``; kill-and-resume with a real SIGKILL."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import inductive_bias
from inductive_bias._random import member_seeds
from inductive_bias.cli.main import main
from inductive_bias.store import SampleStore

TASK = ["--data", "digits", "--n-train", "150", "--n-test", "100"]
FOREST = ["--space", "random_forest", "--n-estimators", "5"]


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sample_runs_measure(tmp_path, capsys):
    store = str(tmp_path / "runs.db")
    code, out, err = _run(capsys, "sample", *TASK, *FOREST, "--hypotheses", "6", "--store", store, "--seed", "3",
                          "--json")
    assert code == 0 and err == ""  # stderr is no terminal here: no progress bar
    sampled = json.loads(out)
    assert (sampled["trained"], sampled["stored"], sampled["run_seed"]) == (6, 6, 3)
    code, out, _ = _run(capsys, "sample", *TASK, *FOREST, "--hypotheses", "8", "--store", store, "--seed", "3")
    assert code == 0 and "8 of 8 members present (6 before, 2 trained in" in out

    code, out, _ = _run(capsys, "runs", "--store", store, "--json")
    listed, = json.loads(out)
    assert listed["space_id"] == sampled["space_id"] and listed["members"] == 8 and listed["run_seed"] == 3
    code, out, _ = _run(capsys, "runs", "--store", store)
    assert sampled["space_id"] in out and "random_forest" in out

    by_id = _run(capsys, "measure", "--store", store, "--space-id", sampled["space_id"], "-e", "0.03",
                 "--estimator", "empirical", "--json")
    by_flags = _run(capsys, "measure", "--store", store, *TASK, *FOREST, "--seed", "3", "-e", "0.03",
                    "--estimator", "empirical", "--json")
    assert by_id[0] == by_flags[0] == 0
    a, b = json.loads(by_id[1]), json.loads(by_flags[1])
    assert a["results"] == b["results"] and a["members"]["members"] == 8
    assert a["members"]["fit_threshold_rule"].startswith("1% of the training targets' variance")
    assert len(a["members"]["train_losses"]) == 8
    png = tmp_path / "bits.png"
    code, out, _ = _run(capsys, "measure", "--store", store, "--space-id", sampled["space_id"][:6], "-e", "0.03",
                        "--estimator", "empirical", "--plot", str(png))
    assert code == 0 and "members  8 (run seed 3)" in out and "fit the training data" in out
    assert png.read_bytes().startswith(b"\x89PNG")


def test_measure_trains_in_memory_without_a_store(capsys):
    code, out, _ = _run(capsys, "measure", *TASK, "--space", "extra_trees", "--n-estimators", "3",
                        "--hypotheses", "4", "-e", "0.05", "--estimator", "empirical", "--json")
    result = json.loads(out)
    assert code == 0 and result["members"]["members"] == 4 and result["members"]["store"] is None  # trained in memory
    assert result["members"]["fit_share"] == 1.0  # extra trees interpolate the training data


@pytest.mark.parametrize("space, flags", [("decision_tree", ["--splitter", "random"]),
                                          ("linear", ["--epochs", "50", "--step-size", "0.5", "--init-std", "2"])])
def test_new_model_classes_through_the_cli(capsys, space, flags):
    code, out, _ = _run(capsys, "measure", *TASK, "--space", space, *flags, "--hypotheses", "4", "-e", "0.2",
                        "--estimator", "empirical", "--json")
    result = json.loads(out)
    assert code == 0 and result["space"]["space"] == space and result["members"]["members"] == 4
    assert len(set(result["members"]["test_losses"])) > 1           # a distribution, not a point mass
    if space == "linear":
        assert (result["space"]["epochs"], result["space"]["step_size"], result["space"]["init_std"]) == (50, 0.5, 2.0)
    else:
        assert result["space"]["splitter"] == "random" and result["members"]["fit_share"] == 1.0


@pytest.mark.parametrize("argv, message", [
    (["sample", "--space", "svm"], "argument --space: invalid choice: 'svm'"),
    (["sample", "--space", "mlp", "--epochs", "0"], "error: --epochs: must lie in (0, 10000000]; got 0"),
    (["sample", "--space", "mlp", "--lr", "-0.001"], "error: --lr: must be finite and > 0; got -0.001"),
    (["sample", "--space", "mlp", "--hidden", "64", "0"], "error: --hidden: must be finite and > 0; got 0"),
    (["sample", "--space", "knn", "--epochs", "5"], "error: --epochs: does not apply to --space knn"),
    (["sample", "--space", "random_forest", "--n-estimators", "0"], "error: --n-estimators: must be finite and > 0"),
    (["sample", "--space", "linear", "--hypotheses", "0"], "error: --hypotheses: must be finite and > 0"),
    (["sample", "--space", "knn", "--splitter", "random"], "error: --splitter: does not apply to --space knn"),
    (["sample", "--space", "mlp", "--step-size", "0.5"], "error: --step-size: does not apply to --space mlp"),
    (["sample", "--space", "linear", "--step-size", "2.5"], "error: --step-size: must lie in (0, 2)"),
    (["sample", "--space", "random_forest", "--max-epochs", "5"], "error: --max-epochs: does not apply"),
])
def test_bad_sample_flags(tmp_path, capsys, argv, message):
    full = argv + ["--store", str(tmp_path / "s.db")] + ([] if "--hypotheses" in argv else ["--hypotheses", "2"])
    try:
        code = main(full)
    except SystemExit as exit:  # argparse's own errors (unknown choice)
        code = exit.code
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not (tmp_path / "s.db").exists()  # refused before the store was touched


def test_cuda_without_gpu_is_refused(tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    code, _, err = _run(capsys, "sample", "--space", "mlp", "--device", "cuda", "--hypotheses", "2",
                        "--store", str(tmp_path / "s.db"))
    assert code == 2 and "--device: 'cuda' asked for, but no CUDA GPU is available to PyTorch" in err


def test_store_errors_are_one_line(tmp_path, capsys):
    store = str(tmp_path / "runs.db")
    code, out, _ = _run(capsys, "sample", *TASK, *FOREST, "--hypotheses", "2", "--store", store, "--json")
    space_id = json.loads(out)["space_id"]
    garbage = tmp_path / "notes.db"
    garbage.write_text("hello\n")
    cases = [
        (["runs", "--store", str(garbage)], "--store: " + str(garbage) + " is not a readable sample store"),
        (["runs", "--store", str(tmp_path / "none.db")], "--store: no such store"),
        (["measure", "--store", store, "--space-id", space_id, *TASK, "--space", "random_forest",
          "--n-estimators", "6"], f"--space-id: {space_id} was stored for another spec than these flags "
                                  "(space.n_estimators: 5 stored, 6 given)"),
        (["measure", "--store", store, *TASK, "--space", "random_forest", "--n-estimators", "6"],
         "differs in space.n_estimators: 5 stored, 6 given"),
        (["measure", "--store", store, "--space-id", space_id, "--estimator", "exact"],
         "--estimator: 'exact' needs a space whose loss law is known"),
        (["measure", "--store", store, "--space-id", "0000ffff"], "--space-id: '0000ffff' is not in"),
        (["measure", "--store", store, "--space-id", space_id, "--hypotheses", "3"], "is not the one space"),
        (["measure", "--store", store, "--space-id", space_id, "--hypotheses", "1"], "needs at least 2"),
        (["sample", "--space", "linear", "--hypotheses", "2", "--store", str(garbage)], "not a readable sample store"),
    ]
    for argv, message in cases:
        code, out, err = _run(capsys, *argv)
        assert code == 2 and message in err and err.count("\n") == 1, (argv, err)
    assert garbage.read_text() == "hello\n"


def test_point_mass_note(tmp_path, capsys):
    code, out, err = _run(capsys, "sample", *TASK, "--space", "knn", "--hypotheses", "2",
                          "--store", str(tmp_path / "s.db"))
    assert code == 0 and "note: knn has no internal randomness" in err and "knn (point mass)" in out


# -- a real SIGKILL ---------------------------------------------------------------------------------
def _committed(path) -> dict:
    """{index: (seed, test_loss)} as another process sees the store now."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=5)
        try:
            rows = db.execute("SELECT member_index, seed, test_loss FROM members").fetchall()
        finally:
            db.close()
    except sqlite3.OperationalError:  # not created yet
        return {}
    return {i: (s, loss) for i, s, loss in rows}


def _environment():
    env = dict(os.environ)
    src = str(Path(inductive_bias.__file__).resolve().parents[1])
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_sigkill_loses_nothing_committed_and_resume_completes(tmp_path, capsys):
    store = tmp_path / "runs.db"
    n, seed = 12, 5
    argv = ["sample", "--data", "digits", "--n-train", "300", "--n-test", "200", "--space", "random_forest",
            "--n-estimators", "20", "--hypotheses", str(n), "--store", str(store), "--seed", str(seed)]
    process = subprocess.Popen([sys.executable, "-m", "inductive_bias", *argv], env=_environment(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        seen = {}
        while len(seen) < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
            seen = _committed(store)
        assert len(seen) >= 3, process.stderr.read() if process.poll() is not None else "too slow"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    with SampleStore(store, create=False) as opened:
        assert opened.integrity_check() == "ok"
        after = {m.index: (m.seed, m.test_loss) for m in opened.members(opened.spaces()[0].space_id)}
    assert len(after) < n, "the run finished before the kill: nothing was tested"
    assert all(after[i] == seen[i] for i in seen)  # no committed member lost or changed
    assert all(s == member_seeds(seed, i, 1)[0] for i, (s, _) in after.items())

    assert main(argv) == 0
    capsys.readouterr()
    with SampleStore(store, create=False) as opened:
        assert opened.integrity_check() == "ok"
        members = opened.members(opened.spaces()[0].space_id)
    assert [m.index for m in members] == list(range(n))
    seeds = [m.seed for m in members]
    assert seeds == member_seeds(seed, 0, n) and len(set(seeds)) == n
    assert all((m.seed, m.test_loss) == after[m.index] for m in members if m.index in after)


def test_sigint_says_how_to_resume(tmp_path):
    store = tmp_path / "runs.db"
    argv = ["sample", "--data", "digits", "--n-train", "300", "--n-test", "200", "--space", "random_forest",
            "--n-estimators", "20", "--hypotheses", "30", "--store", str(store)]
    process = subprocess.Popen([sys.executable, "-m", "inductive_bias", *argv], env=_environment(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(_committed(store)) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    committed = len(_committed(store))
    assert process.returncode == 130
    assert f"interrupted: {committed} of 30 members of space" in err
    assert "run the same command again to train the other" in err and err.count("\n") == 1


def test_members_line_cautions_on_a_failed_fit():
    from inductive_bias.cli.measure_cmd import members_line

    from types import SimpleNamespace

    from inductive_bias.results import FitReport, MemberReport

    members = MemberReport(members=96, members_used=96, run_seed=0, members_fit=0, fit_threshold=0.0009,
                           fit_threshold_rule="r")
    good = members_line(SimpleNamespace(members=members, fit=FitReport("sampled", goodness_of_fit={"ks_pvalue": 0.4})))
    bad = members_line(SimpleNamespace(members=members, fit=FitReport("sampled", goodness_of_fit={"ks_pvalue": 4e-34})))
    assert "caution" not in good and good.startswith("members  96 (run seed 0), 0 fit the training data")
    assert bad.splitlines()[1].startswith("caution  the fitted law does not describe these losses")


@pytest.mark.parametrize("argv, message", [
    (["measure", "--epochs", "3"], "--epochs: does not apply to --space gp"),
    (["measure", "--fitted-only"], "--fitted-only: applies to trained spaces"),
    (["measure", "--space", "knn", "--amplitude", "2"], "--amplitude: applies to --space gp, not to trained spaces"),
    (["measure", "--space-id", "abcd"], "--space-id: needs --store"),
])
def test_measure_refuses_flags_of_the_other_kind_of_space(capsys, argv, message):
    code, _, err = _run(capsys, *argv)
    assert code == 2 and message in err and err.count("\n") == 1


# -- every architecture option is a flag (so an experiment file can set it) ------------------------
@pytest.mark.parametrize("argv, expected", [
    (["--space", "mlp", "--width", "32", "--depth", "3"], {"hidden": [32, 32, 32]}),
    (["--space", "mlp", "--depth", "1"], {"hidden": [256]}),
    (["--space", "mlp", "--width", "64"], {"hidden": [64, 64]}),
    (["--space", "mlp", "--depth", "0"], {"hidden": []}),
    (["--space", "cnn", "--channels", "8", "8", "4", "--filter-size", "5"], {"channels": [8, 8, 4], "kernel_size": 5}),
    (["--space", "lcn", "--channels", "6", "--image-shape", "1", "8", "8"], {"channels": [6], "image_shape": [1, 8, 8]}),
    (["--space", "vit", "--width", "16", "--depth", "3", "--heads", "2", "--patch-size", "4", "--mlp-dim", "24"],
     {"dim": 16, "depth": 3, "heads": 2, "patch_size": 4, "mlp_dim": 24}),
])
def test_architecture_options_are_flags(argv, expected):
    from inductive_bias.cli.space_args import build_space_from_args
    from inductive_bias.cli.main import build_parser

    args = build_parser().parse_args(["sample", *argv, "--store", "unused.db", "--hypotheses", "1"])
    spec = build_space_from_args(args, args.space).spec()
    assert {key: spec[key] for key in expected} == expected


@pytest.mark.parametrize("argv, message", [
    (["--space", "cnn", "--width", "8"], "--width: sizes a layer list: it applies with --layers; without them give "
                                         "--channels"),
    (["--space", "cnn", "--layers", "myrtle5", "--channels", "8"], "--channels: cannot be combined with --layers"),
    (["--space", "cnn", "--layers", "conv3-maxpool2-gap-dense"], "--layers: max pooling has no closed-form"),
    (["--space", "lcn", "--width", "8"], "--width: applies to --space mlp and vit and cnn with --layers; for lcn"),
    (["--space", "cnn", "--depth", "2"], "--depth: applies to --space mlp and vit; for cnn give --channels"),
    (["--space", "mlp", "--hidden", "8", "--depth", "2"], "--depth: cannot be combined with --hidden"),
    (["--space", "mlp", "--filter-size", "3"], "--filter-size: is not an option of architecture 'mlp'"),
    (["--space", "cnn", "--filter-size", "4"], "--filter-size: must be odd"),
    (["--space", "vit", "--heads", "5"], "--heads: must divide dim=32"),
    (["--space", "knn", "--channels", "4"], "--channels: does not apply to --space knn"),
])
def test_bad_architecture_flags(tmp_path, capsys, argv, message):
    code, _, err = _run(capsys, "sample", *TASK, *argv, "--hypotheses", "1", "--store", str(tmp_path / "s.db"))
    assert code == 2 and message in err and "Traceback" not in err
