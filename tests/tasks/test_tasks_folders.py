"""A folder of images per class, written here as PNG / JPEG files."""

import numpy as np
import pytest
from PIL import Image

from inductive_bias import load_task
from inductive_bias._validation import InputError
from inductive_bias.tasks.folders import load_folder


def write_class_folders(root, classes=("cat", "dog", "eel"), per_class=8, size=(6, 5), mode="RGB"):
    rng = np.random.default_rng(0)
    for value, name in enumerate(classes):
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(per_class):
            shape = (size[0], size[1], 3) if mode == "RGB" else size
            pixels = np.full(shape, 40 * value, dtype=np.uint8) + rng.integers(0, 3, size=shape, dtype=np.uint8)
            Image.fromarray(pixels, mode).save(folder / f"{i}.png")


def test_one_pool_is_split_stratified(tmp_path):
    write_class_folders(tmp_path)
    task = load_folder(tmp_path, seed=0)
    assert task.classes == ("cat", "dog", "eel")
    assert task.n_test == 6 and task.n_train == 18  # a quarter of 24 for test
    assert task.Y_test.sum(axis=0).tolist() == [2.0, 2.0, 2.0]
    assert task.X_train.shape[1] == 6 * 5 * 3
    # Pixels of class "dog" are near 40 / 255.
    dog = task.X_train[task.Y_train[:, 1] == 1]
    assert np.all(np.abs(dog - 40 / 255) <= 3 / 255)


def test_train_test_folders_grayscale_and_classes(tmp_path):
    write_class_folders(tmp_path / "train")
    write_class_folders(tmp_path / "test", per_class=3)
    task = load_task(str(tmp_path), classes="eel,cat", grayscale=True)
    assert task.classes == ("eel", "cat") and task.n_train == 16 and task.n_test == 6
    assert task.X_train.shape[1] == 30 and "grayscale" in task.info["preprocessing"]


def test_mixed_sizes_need_resize(tmp_path):
    write_class_folders(tmp_path, per_class=2)
    Image.fromarray(np.zeros((9, 9, 3), dtype=np.uint8)).save(tmp_path / "cat" / "big.png")
    with pytest.raises(InputError, match="give --resize"):
        load_folder(tmp_path, n_test=3, n_train=4)
    task = load_folder(tmp_path, resize=4, n_test=3)
    assert task.X_train.shape[1] == 4 * 4 * 3


def test_corrupt_image_is_named(tmp_path):
    write_class_folders(tmp_path, per_class=2)
    (tmp_path / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(InputError, match="broken.png"):
        load_folder(tmp_path, n_test=3)


def test_needs_two_class_folders(tmp_path):
    write_class_folders(tmp_path, classes=("only",))
    with pytest.raises(InputError, match="at least 2 classes"):
        load_folder(tmp_path)
