"""Bad inputs and faults, tried as a hostile user would: each gets a right number or one line on
stderr with exit status 2 and no traceback (docs/reliability.md lists every case and its test)."""

import json
import math

import numpy as np
import pytest

from inductive_bias.cli.main import main

from cli_checks import one_line_error


def run_json(argv, capsys):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


# -- underflow: the deepest tail is a number -----------------------------------------------------
def test_deepest_targets_give_finite_bits_on_digits(capsys):
    # -e 1e-200 raised ZeroDivisionError (K''(ŝ) underflowed), -e 5e-324 a math domain error.
    out = run_json(["measure", "--data", "digits", "-e", "1e-5", "1e-200", "5e-324"], capsys)
    bits = [r["bits"] for r in out["results"]]
    assert all(math.isfinite(b) for b in bits)
    assert bits[0] < bits[1] < bits[2]
    # Offset 0: the small-ball law ln P ~ (D/2) ln eps, so the bits grow linearly in ln eps.
    slope_12 = (bits[2] - bits[1]) / math.log2(1e-200 / 5e-324)
    slope_01 = (bits[1] - bits[0]) / math.log2(1e-5 / 1e-200)
    assert slope_12 == pytest.approx(slope_01, rel=1e-3)


# -- wrong answers refused: complex and negative losses, one member ------------------------------
def test_complex_losses_are_refused_not_silently_made_real():
    from inductive_bias import measure_losses
    from inductive_bias.exceptions import InputError

    with pytest.raises(InputError, match="losses: must be real"):
        measure_losses(np.array([0.1 + 1j, 0.2, 0.3]))
    with pytest.raises(InputError, match=r"losses: must be >= 0"):
        measure_losses([-0.1, 0.2, 0.3])


def test_negative_losses_file_is_refused(tmp_path, capsys):
    path = tmp_path / "neg.txt"
    path.write_text("0.1\n-0.2\n0.3\n")
    one_line_error(["fit", "--losses", str(path)], capsys, "--losses: must be >= 0")


# -- files that are not what they claim ----------------------------------------------------------
def _arrays(rng=None):
    rng = rng or np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    return dict(X_train=X[:30], y_train=y[:30], X_test=X[30:], y_test=y[30:])


@pytest.mark.parametrize("change, expect", [
    ({"X_train": np.array([["a", "b", "c"]] * 30)}, "X_train holds <U1 values"),
    ({"X_train": np.array(3.0)}, "X_train is a 0-d array"),
    ({"y_test": np.array(1)}, "y_test is a 0-d array"),
    ({"X_train": np.ones((30, 3)) + 1j}, "X_train holds complex numbers"),
    ({"y_train": np.ones(30) + 0j}, "y_train holds complex numbers"),
    ({"X_train": np.array([None] * 30, dtype=object)}, "Object arrays cannot be loaded when allow_pickle=False"),
])
def test_npz_with_strings_scalars_or_complex_numbers(tmp_path, capsys, change, expect):
    path = tmp_path / "bad.npz"
    np.savez(path, **{**_arrays(), **change})
    one_line_error(["measure", "-e", "0.1", "--data", str(path)], capsys, expect)


def test_truncated_npz_is_one_line(tmp_path, capsys):
    whole = tmp_path / "whole.npz"
    np.savez(whole, **_arrays())
    data = whole.read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        path = tmp_path / f"cut{cut}.npz"
        path.write_bytes(data[:cut])
        one_line_error(["measure", "-e", "0.1", "--data", str(path)], capsys, "--data: cannot read")


# -- scales the kernel cannot represent --------------------------------------------------------
def test_features_of_1e300_name_the_features(tmp_path, capsys):
    path = tmp_path / "huge.npz"
    arrays = _arrays()
    np.savez(path, **{**arrays, "X_train": arrays["X_train"] * 1e300, "X_test": arrays["X_test"] * 1e300})
    one_line_error(["measure", "-e", "0.1", "--data", str(path)], capsys, "--data: X_train: features up to")
    one_line_error(["measure", "-e", "0.1", "--data", str(path), "--lengthscale", "median"], capsys,
                   "--data: X_train: features up to")


@pytest.mark.parametrize("argv, expect", [
    (["--amplitude", "1e200"], "--amplitude: must lie in"),
    (["--amplitude", "1e-300"], "--amplitude: must lie in"),
    (["--lengthscale", "1e-300"], "--lengthscale: 1e-300 is too small"),
])
def test_kernel_scales_out_of_range(capsys, argv, expect):
    one_line_error(["measure", "-e", "0.5", *argv], capsys, expect)


def test_a_tiny_but_representable_lengthscale_is_the_prior():
    # ℓ = 1e-100: every off-diagonal kernel entry is exp(-1e200) = 0, so the posterior is the
    # prior: mean 0 and covariance a²I, and the loss law has m k unit-over-mk weights.
    from inductive_bias import GaussianProcess
    from inductive_bias.tasks import load_task

    task = load_task("digits", n_train=50, n_test=40)
    law, _ = GaussianProcess("rbf", 1e-100).loss_distribution(task)
    m, k = task.Y_test.shape
    assert law.mean == pytest.approx(float(np.mean(np.sum(task.Y_test**2, axis=1))) / k + 1.0, rel=1e-9)


# -- where the output goes ----------------------------------------------------------------------
@pytest.mark.parametrize("name, expect", [
    ("folder", "is a folder"),
    ("figure", "must end in one of .png"),
    ("figure.xyz", "must end in one of .png"),
    ("missing/figure.png", "directory"),
])
def test_plot_paths_are_refused_before_the_work(tmp_path, capsys, monkeypatch, name, expect):
    (tmp_path / "folder").mkdir()

    def must_not_measure(*args, **kwargs):
        raise AssertionError("measured before the figure's path was checked")

    monkeypatch.setattr("inductive_bias.cli.measure_cmd.measure", must_not_measure)
    one_line_error(["measure", "-e", "0.5", "--plot", str(tmp_path / name)], capsys, "--plot: ")
    assert not (tmp_path / "folder.png").exists()  # `--plot DIR` used to write DIR.png beside it


def test_unwritable_plot_path(tmp_path, capsys, read_only):
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only(folder):
        one_line_error(["fit", "--losses", "x.txt", "--qq", str(folder / "q.png")], capsys, "--qq: cannot write")


def test_stdout_to_a_full_disk_is_one_line(capsys, monkeypatch):
    import os

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        monkeypatch.setattr("sys.stdout", full)
        status = main(["measure", "-e", "0.5", "--data", "digits", "--n-train", "50", "--n-test", "40"])
        err = capsys.readouterr().err
    assert status == 2
    assert err.strip().splitlines() == [
        "inductive-bias measure: error: cannot write (the output): No space left on device"]


def test_an_ascii_terminal_gets_words_for_greek_letters(capsys, monkeypatch):
    import io

    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii")
    monkeypatch.setattr("sys.stdout", ascii_out)
    assert main(["complexity", "--preset", "mnist", "--error", "0.1"]) == 0
    ascii_out.flush()
    text = raw.getvalue().decode("ascii")
    assert "2piR/delta" in text and "δ" not in text


# -- messages -----------------------------------------------------------------------------------
def test_empty_and_one_line_losses_files(tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "one.txt").write_text("0.3\n")
    one_line_error(["fit", "--losses", str(tmp_path / "empty.txt")], capsys, "holds 0 loss(es); an estimate needs at least 2")
    one_line_error(["fit", "--losses", str(tmp_path / "one.txt")], capsys, "holds 1 loss(es); an estimate needs at least 2")


def test_task_seed_is_named_as_task_seed(capsys):
    one_line_error(["measure", "-e", "0.5", "--task-seed", "-1"], capsys, "--task-seed: ")


# -- sizes: refused up front with the figure and the limit --------------------------------------
@pytest.mark.parametrize("argv, expect", [
    (["measure", "-e", "0.5", "--hypotheses", str(10**12), "--estimator", "empirical"],
     "--hypotheses: 1000000000000 needs at least 29.1 TiB of memory for the hypotheses' losses; "),
    (["measure", "-e", "0.5", "--data", "synthetic", "--ambient-dim", str(10**9)],
     "--ambient-dim: 1000000000 needs at least 14.6 TiB of memory"),
    (["measure", "-e", "0.5", "--data", "synthetic", "--n-train", str(10**8)],
     "--n-train: 100000000 needs at least 264 GiB of memory"),
    (["sample", "--space", "random_forest", "--hypotheses", str(10**12), "--store", "never.db", "--n-train", "50"],
     "--hypotheses: 1000000000000 needs at least 58.2 TiB of memory for the list of members to train"),
])
def test_sizes_beyond_memory_are_refused_with_the_figures(tmp_path, capsys, monkeypatch, argv, expect):
    # A fixed 16 GiB "available" so that the figures do not depend on this machine.
    monkeypatch.setattr("inductive_bias._memory.available_memory", lambda: 16 << 30)
    monkeypatch.chdir(tmp_path)
    line = one_line_error(argv, capsys, expect)
    assert line.endswith("16 GiB is available")


def test_gp_kernel_matrices_beyond_memory(capsys, monkeypatch):
    # 2000 + 500 points: 8 (n² + 2mn + 2m²) = 52,000,000 bytes = 49.6 MiB; with 16 MiB "available"
    # the GP refuses before building K.
    monkeypatch.setattr("inductive_bias._memory.available_memory", lambda: 16 << 20)
    one_line_error(["measure", "-e", "0.5", "--data", "synthetic", "--n-train", "2000"], capsys,
                   "--n-train: 2000 needs at least 49.6 MiB of memory for the GP's kernel matrices "
                   "(2000 training and 500 test points); 16 MiB is available")


def test_digits_beyond_its_size_names_n_train(capsys):
    one_line_error(["measure", "-e", "0.5", "--n-train", str(10**8)], capsys, "--n-train: n_train + n_test must be <= 1797")


def test_resize_beyond_memory(tmp_path, capsys):
    from PIL import Image

    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        for i in range(4):
            Image.fromarray(rng.integers(0, 255, (5, 5), dtype=np.uint8), "L").save(tmp_path / name / f"{i}.png")
    # 6 training images at 100000 x 100000 pixels: 960 TB before any pixel is computed.
    one_line_error(["measure", "-e", "0.5", "--data", str(tmp_path), "--resize", "100000"], capsys,
                   "--resize: 100000x100000 needs at least")


# -- how labels are read -------------------------------------------------------------------------
def _integer_targets(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1000, 2))
    y = rng.integers(0, 4000, size=1000)  # prices, say: 4,000 possible integer values
    path = tmp_path / "prices.npz"
    np.savez(path, X=X, y=y)
    return path, X, y


def test_many_distinct_integers_are_not_silently_made_classes(tmp_path, capsys):
    path, _, y = _integer_targets(tmp_path)
    distinct = np.unique(y).size
    one_line_error(["measure", "-e", "0.5", "--data", str(path)], capsys,
                   f"--targets: {path} holds {distinct} distinct integer labels among 1000 points")


def test_targets_regression_reads_integers_as_one_output(tmp_path):
    from inductive_bias.tasks import load_task

    path, X, y = _integer_targets(tmp_path)
    task = load_task(str(path), targets="regression", n_test=100)
    assert task.classes is None and task.n_outputs == 1
    # the targets are the file's numbers, not one-hot columns
    assert set(task.Y_train[:, 0].tolist()) <= set(y.astype(float).tolist())
    classes = load_task(str(path), targets="classes")
    assert classes.n_outputs == np.unique(y).size


def test_auto_says_how_integer_labels_were_read(tmp_path, capsys):
    path = tmp_path / "toy.npz"
    np.savez(path, **_arrays())
    assert main(["measure", "-e", "0.5", "--data", str(path)]) == 0
    err = capsys.readouterr().err
    assert "integer labels read as 2 classes (one-hot outputs); --targets regression reads them as numbers" in err


def test_targets_classes_refuses_real_numbers(tmp_path, capsys):
    path = tmp_path / "reals.npz"
    arrays = _arrays()
    np.savez(path, **{**arrays, "y_train": arrays["X_train"][:, 0], "y_test": arrays["X_test"][:, 0]})
    one_line_error(["measure", "-e", "0.5", "--data", str(path), "--targets", "classes"], capsys,
                   "--targets: 'classes' needs integer or word labels")


def test_bootstrap_is_named_by_its_flag(tmp_path, capsys):
    path = tmp_path / "l.txt"
    path.write_text("0.1\n0.2\n0.3\n0.25\n")
    line = one_line_error(["fit", "--losses", str(path), "--bootstrap", "-1"], capsys, "--bootstrap: ")
    assert "--n-bootstrap" not in line


def test_an_argument_no_flag_sets_keeps_its_plain_name():
    from inductive_bias.cli.main import flag

    options = {"--data", "--seed", "--bootstrap"}
    assert flag("weights", options) == "weights"  # not an invented --weights
    assert flag("n_bootstrap", options) == "--bootstrap"
    assert flag("X_train", options) == "--data: X_train"
    assert flag("seed", options) == "--seed"


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_losses_beyond_double_precision_moments_are_refused_with_the_reason(tmp_path, capsys, scale):
    # 1e-300 used to read as "zero variance" (its squares underflow).
    path = tmp_path / "l.txt"
    np.savetxt(path, np.random.default_rng(0).chisquare(5, size=50) * scale)
    one_line_error(["fit", "--losses", str(path)], capsys, "--losses: are of scale")


def test_moments_are_exact_under_a_power_of_two_rescaling():
    from scipy import stats

    from inductive_bias.estimators.moments import sample_moments

    x = np.random.default_rng(0).chisquare(5, size=200)
    for power in (-900, 0, 900):  # squares of 2^-900 x underflow, cubes of 2^900 x overflow
        mean, sd, skew = sample_moments(np.ldexp(x, power))
        assert np.ldexp(mean, -power) == pytest.approx(np.mean(x), rel=1e-14)
        assert np.ldexp(sd, -power) == pytest.approx(np.std(x, ddof=1), rel=1e-14)
        assert skew == pytest.approx(stats.skew(x, bias=False), rel=1e-12)


def test_store_with_data_is_refused(tmp_path, capsys):
    from inductive_bias.spaces.base import Member
    from inductive_bias.store import SampleStore

    path = tmp_path / "s.db"
    with SampleStore(path) as store:
        space_id = store.open_space({"space": "x"}, {"name": "t"}, 0)
        for i in range(5):
            store.add_member(space_id, i, Member(100 + i, 0.1 + 0.01 * i, 0.01, 0.5, 0.1), {"python": "3"})
    one_line_error(["measure", "--store", str(path), "--space-id", space_id, "--data", "synthetic"], capsys,
                   "--data: does not apply to --store with --space-id")
    one_line_error(["measure", "--store", str(path), "--space-id", space_id, "--task-seed", "3"], capsys,
                   "--task-seed: does not apply to --store")


@pytest.mark.parametrize("task_flags", [["--data", "digits"], ["--task-seed", "2"], ["--n-train", "50"]])
def test_complexity_inputs_with_task_flags_are_refused(capsys, task_flags):
    one_line_error(["complexity", "--n", "100", "--m", "2", "--R", "1", "--delta", "0.1", "--error", "0.1",
                    "--classes", "2", *task_flags], capsys, f"{task_flags[0]}: give either the bound's inputs")


def test_complex_losses_file_is_refused(tmp_path, capsys):
    path = tmp_path / "c.npy"
    np.save(path, np.array([0.1 + 1j, 0.2, 0.3]))
    one_line_error(["fit", "--losses", str(path)], capsys, "holds complex numbers")


def test_losses_folder_is_named_a_folder(tmp_path, capsys):
    one_line_error(["fit", "--losses", str(tmp_path)], capsys, "is a folder; give a file of losses")


def test_a_constant_loss_names_the_space_not_the_data(capsys):
    """A lengthscale of 1e300 makes every kernel entry 1: the posterior variance vanishes and the
    loss is a constant. The line names the space's flags, not --data."""
    one_line_error(["measure", "--data", "digits", "--n-train", "100", "--n-test", "50", "--lengthscale", "1e300",
                    "-e", "0.02"], capsys, "--lengthscale")
