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


def _relu_dual(k11, k12, k22):
    """E[relu(u) relu(v)] for (u, v) Gaussian with variances k11, k22 and covariance k12."""
    norm = np.sqrt(k11 * k22)
    theta = np.arccos(np.clip(k12 / norm, -1.0, 1.0))
    return norm / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))


def test_signals_are_one_row_images_so_the_cnn_kernel_convolves_along_them():
    # The task records image_shape (1, 40); the infinite-width CNN reads it as a (C, H, W) =
    # (1, 1, 40) image, where its 3 x 3 'same' filter reaches only padding above and below: a
    # 1-D convolution with filter 3 and weight variance σw²/3 per layer. Checked against an
    # independent 1-D NNGP recursion (ReLU, 2 layers, flatten read-out) written out here.
    from inductive_bias import InfiniteWidthNetwork
    from inductive_bias.spaces.infinite_width.conv_kernels import conv_kernels

    task = load_mnist1d(30, 10, seed=1)
    assert task.info["image_shape"] == [1, 40]
    space = InfiniteWidthNetwork("nngp", "cnn", depth=2, filter_size=3)
    X_train, _, shape = space._inputs(task)
    assert shape == (1, 1, 40) and np.array_equal(X_train, task.X_train)
    sw2, sb2, F = 2.0, 0.1, 3
    X = task.X_train[:6]
    K, _ = conv_kernels(X, X, shape, 2, "relu", sw2, sb2, filter_size=F, ntk=False)

    def window_sum(a):  # Σ_{d=-1..1} a[..., p + d], zero outside the signal
        padded = np.pad(a, [(0, 0)] * (a.ndim - 1) + [(1, 1)])
        return padded[..., :-2] + padded[..., 1:-1] + padded[..., 2:]

    layer = sw2 / F  # the 1-D network's weight variance; fan-in F
    k = layer / F * window_sum(X[:, None, :] * X[None, :, :]) + sb2          # (n, n, 40): p = p'
    var = np.diagonal(k, axis1=0, axis2=1).T                                 # (n, 40)
    k = layer / F * window_sum(_relu_dual(var[:, None], k, var[None, :])) + sb2
    var = np.diagonal(k, axis1=0, axis2=1).T
    expected = sw2 * _relu_dual(var[:, None], k, var[None, :]).mean(axis=-1) + sb2
    assert np.allclose(K, expected, rtol=1e-12, atol=0)
    # and the sequence matters: reversing the samples of one signal changes its kernel row
    assert not np.allclose(conv_kernels(X[:1, ::-1].copy(), X, shape, 2, "relu", sw2, sb2, ntk=False)[0], K[:1])
