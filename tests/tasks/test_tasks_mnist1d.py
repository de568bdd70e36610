"""MNIST-1D built offline by the mnist1d package's generator (tasks/mnist1d.py)."""

import random

import numpy as np
import pytest

mnist1d = pytest.importorskip("mnist1d", reason="the optional mnist1d package (pip install mnist1d) builds MNIST-1D")

from inductive_bias import load_task  # noqa: E402
from inductive_bias.exceptions import InputError  # noqa: E402
from inductive_bias.tasks import load_mnist1d  # noqa: E402


def test_points_are_the_generators_own_and_global_generators_untouched():
    from mnist1d.data import get_dataset_args, make_dataset

    np.random.seed(123)
    random.seed(123)
    before = (np.random.get_state()[1].copy(), random.getstate())
    task = load_mnist1d(300, 200, seed=4)
    assert np.array_equal(np.random.get_state()[1], before[0]) and random.getstate() == before[1]
    assert task.X_train.shape == (300, 40) and task.X_test.shape == (200, 40) and task.n_outputs == 10
    # independently: the package's own dataset (its default arguments), and every point we hold
    # is one of its training (resp. test) signals with the same label
    data = make_dataset(get_dataset_args())
    rows = {row.tobytes(): int(label) for row, label in zip(data["x"], data["y"])}
    test_rows = {row.tobytes(): int(label) for row, label in zip(data["x_test"], data["y_test"])}
    labels = task.Y_train.argmax(axis=1)
    assert all(rows.get(x.tobytes()) == int(y) for x, y in zip(task.X_train, labels))
    assert all(test_rows.get(x.tobytes()) == int(y) for x, y in zip(task.X_test, task.Y_test.argmax(axis=1)))
    # stratified: each class gets its share of the 300 training points, rounded (largest remainder)
    share = 300 * np.bincount(data["y"], minlength=10) / len(data["y"])
    assert np.all(np.abs(np.bincount(labels, minlength=10) - share) < 1)
    # same seed, same task; another seed, other points
    assert np.array_equal(load_mnist1d(300, 200, seed=4).X_train, task.X_train)
    assert not np.array_equal(load_mnist1d(300, 200, seed=5).X_train, task.X_train)


def test_sizes_classes_and_the_registry():
    task = load_task("mnist1d", n_train=100, n_test=50, classes="3,8")
    assert task.classes == (3, 8) and task.n_outputs == 2 and task.describe()["name"] == "mnist1d"
    assert "make_dataset" in task.describe()["source"]
    with pytest.raises(InputError, match="^n_test: asks for 1001 points but the MNIST-1D test split"):
        load_mnist1d(100, 1001)
    with pytest.raises(InputError, match="^n_train: asks for 4001 points"):
        load_mnist1d(4001, 10)
    with pytest.raises(InputError, match="^pca: does not apply to --data mnist1d"):
        load_task("mnist1d", pca=3)


def test_cli_measures_a_gp_on_mnist1d(capsys):
    import json

    from inductive_bias.cli.main import main

    code = main(["measure", "--data", "mnist1d", "--n-train", "100", "--n-test", "100", "--lengthscale", "median",
                 "--permute-features", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["task"]["name"] == "mnist1d" and out["task"]["permuted_features"] is True
    assert all(np.isfinite(r["bits"]) for r in out["results"])
