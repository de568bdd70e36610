"""CIFAR-10 from binary batches written here in the real format (records of 1 + 3072 bytes)."""

import numpy as np
import pytest

from inductive_bias._validation import InputError
from inductive_bias.tasks.cifar import load_cifar10, read_cifar_batch


def records(labels, rng):
    """Records: label byte, then the red plane, the green plane, the blue plane (row-major)."""
    images = rng.integers(0, 256, size=(len(labels), 32, 32, 3), dtype=np.uint8)
    planes = images.transpose(0, 3, 1, 2).reshape(len(labels), 3072)
    return np.concatenate([np.asarray(labels, dtype=np.uint8)[:, None], planes], axis=1).tobytes(), images


def write_cifar(folder, per_batch=20, batches=2, n_test=20, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    train_images = []
    for b in range(batches):
        data, images = records(np.arange(per_batch) % 10, rng)
        (folder / f"data_batch_{b + 1}.bin").write_bytes(data)
        train_images.append(images)
    data, test_images = records(np.arange(n_test) % 10, rng)
    (folder / "test_batch.bin").write_bytes(data)
    (folder / "batches.meta.txt").write_text("\n".join(
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]) + "\n")
    return np.concatenate(train_images), test_images


def test_channel_planes_become_rgb_pixels(tmp_path):
    train, test = write_cifar(tmp_path / "cifar-10-batches-bin")
    task = load_cifar10(tmp_path, n_train=40, n_test=20, scale=False, seed=2)
    assert task.X_train.shape == (40, 3072) and task.n_outputs == 10
    # Every row is one of the written images in (height, width, channel) order.
    flat = train.reshape(40, -1).astype(float)
    for x, y in zip(task.X_train, task.Y_train):
        match = np.flatnonzero(np.all(flat == x, axis=1))
        assert match.size == 1 and match[0] % 10 == np.argmax(y)
    assert sorted(map(tuple, task.X_test.tolist())) == sorted(map(tuple, test.reshape(20, -1).astype(float).tolist()))


def test_classes_by_name_grayscale_and_scaling(tmp_path):
    write_cifar(tmp_path)
    task = load_cifar10(tmp_path, n_train=8, n_test=4, classes="cat,dog", grayscale=True)
    assert task.classes == (3, 5) and task.info["class_names"] == ["cat", "dog"]
    assert task.X_train.shape == (8, 1024) and 0 <= task.X_train.min() and task.X_train.max() <= 1


def test_truncated_batch_is_rejected_naming_the_file(tmp_path):
    write_cifar(tmp_path)
    path = tmp_path / "data_batch_2.bin"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(InputError, match="data_batch_2.bin") as caught:
        load_cifar10(tmp_path, n_train=4, n_test=4)
    assert "truncated" in str(caught.value)


def test_bad_label_byte_is_rejected(tmp_path):
    rng = np.random.default_rng(0)
    data, _ = records([1, 12, 3], rng)
    path = tmp_path / "test_batch.bin"
    path.write_bytes(data)
    with pytest.raises(InputError, match="record 1 has label byte 12"):
        read_cifar_batch(path)


def test_missing_files(tmp_path):
    with pytest.raises(InputError, match="does not hold the CIFAR-10 binary files"):
        load_cifar10(tmp_path)
    with pytest.raises(InputError, match="data_dir"):
        load_cifar10(None)
