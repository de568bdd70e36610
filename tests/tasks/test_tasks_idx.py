"""MNIST / Fashion-MNIST from IDX files written here in the real format."""

import gzip
import struct

import numpy as np
import pytest

from inductive_bias import load_task
from inductive_bias._validation import InputError
from inductive_bias.exceptions import DefaultSizeWarning
from inductive_bias.tasks.idx import load_fashion_mnist, load_mnist, read_idx


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding: 0, 0, type 0x08 (ubyte), ndim, big-endian uint32 dims, the data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    return struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write_mnist(folder, n_train=60, n_test=40, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, size=(n_train, 28, 28)),
        "train-labels-idx1-ubyte": np.arange(n_train) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, size=(n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": np.arange(n_test) % 10,
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        data = idx_bytes(array)
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_round_trip(tmp_path, gz):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    data = idx_bytes(array)
    path = tmp_path / "a.idx"
    path.write_bytes(gzip.compress(data) if gz else data)
    assert np.array_equal(read_idx(path), array)


def test_read_idx_int32_big_endian(tmp_path):
    values = np.array([1, -2, 70000], dtype=">i4")
    path = tmp_path / "b.idx"
    path.write_bytes(struct.pack(">BBBBI", 0, 0, 0x0C, 1, 3) + values.tobytes())
    assert read_idx(path).tolist() == [1, -2, 70000]


def test_truncated_and_malformed_files_name_the_file(tmp_path):
    data = idx_bytes(np.zeros((3, 28, 28)))
    truncated = tmp_path / "train-images-idx3-ubyte"
    truncated.write_bytes(data[:-5])
    with pytest.raises(InputError, match="truncated") as caught:
        read_idx(truncated)
    assert str(truncated) in str(caught.value)
    bad_magic = tmp_path / "bad"
    bad_magic.write_bytes(b"\x01\x02" + data[2:])
    with pytest.raises(InputError, match="not an IDX file"):
        read_idx(bad_magic)
    bad_type = tmp_path / "type"
    bad_type.write_bytes(b"\x00\x00\x07\x01" + data[4:])
    with pytest.raises(InputError, match="type byte 0x07"):
        read_idx(bad_type)
    broken_gz = tmp_path / "broken.gz"
    broken_gz.write_bytes(gzip.compress(data)[:-10])
    with pytest.raises(InputError, match="broken.gz"):
        read_idx(broken_gz)


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_selects_stratified_scaled_pixels(tmp_path, gz):
    arrays = write_mnist(tmp_path, gz=gz)
    task = load_mnist(tmp_path, n_train=30, n_test=20, seed=1)
    assert task.X_train.shape == (30, 784) and task.Y_train.shape == (30, 10)
    assert task.X_test.shape == (20, 784)
    # Stratified: 60 training images, 6 per class -> 3 per class among 30.
    assert task.Y_train.sum(axis=0).tolist() == [3.0] * 10
    # Every selected row is one of the file's images divided by 255, with its own label.
    images = arrays["train-images-idx3-ubyte"].reshape(60, -1) / 255.0
    for x, y in zip(task.X_train, task.Y_train):
        match = np.flatnonzero(np.all(images == x, axis=1))
        assert match.size == 1 and arrays["train-labels-idx1-ubyte"][match[0]] == np.argmax(y)
    info = task.describe()
    assert info["seed"] == 1 and "scaled to [0, 1]" in info["preprocessing"]
    assert np.array_equal(load_mnist(tmp_path, n_train=30, n_test=20, seed=1).X_train, task.X_train)


def test_classes_pca_resize_and_torchvision_layout(tmp_path):
    write_mnist(tmp_path / "MNIST" / "raw")
    task = load_mnist(tmp_path, n_train=10, n_test=8, classes="3,8", resize=14, pca=5)
    assert task.classes == (3, 8) and task.X_train.shape == (10, 5) and task.n_outputs == 2
    assert "resized to 14x14" in task.info["preprocessing"] and "PCA to 5" in task.info["preprocessing"]


def test_fashion_class_names(tmp_path):
    write_mnist(tmp_path)
    task = load_fashion_mnist(tmp_path, n_train=10, n_test=4, classes="Sandal,Sneaker")
    assert task.classes == (5, 7) and task.info["class_names"] == ["Sandal", "Sneaker"]


def test_missing_files_and_mismatched_labels(tmp_path):
    with pytest.raises(InputError, match="does not hold the mnist files"):
        load_mnist(tmp_path)
    write_mnist(tmp_path, gz=False)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(39)))
    with pytest.raises(InputError, match="t10k-labels-idx1-ubyte holds labels of shape"):
        load_mnist(tmp_path)


def test_too_many_points_names_the_option(tmp_path):
    write_mnist(tmp_path)
    with pytest.raises(InputError, match="n_train"), pytest.warns(DefaultSizeWarning, match="n_test"):
        load_mnist(tmp_path, n_train=61)


def test_load_task_resolves_mnist(tmp_path):
    write_mnist(tmp_path)
    task = load_task("mnist", data_dir=str(tmp_path), n_train=20, n_test=10)
    assert task.name == "mnist" and task.n_train == 20
