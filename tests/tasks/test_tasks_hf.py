"""Hugging Face datasets saved to disk or read through load_dataset offline (optional extra)."""

import numpy as np
import pytest

from inductive_bias.exceptions import DefaultSizeWarning

datasets = pytest.importorskip("datasets", reason="the optional 'datasets' package (extra [hf]) is not installed")

from PIL import Image  # noqa: E402

from inductive_bias import load_task  # noqa: E402
from inductive_bias._validation import InputError  # noqa: E402
from inductive_bias.tasks.hf import load_hf  # noqa: E402


def image_dataset(n, seed):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    images = [Image.fromarray(np.full((4, 4), 80 * y, dtype=np.uint8) + rng.integers(0, 2, (4, 4), dtype=np.uint8))
              for y in labels]
    features = datasets.Features({"image": datasets.Image(), "label": datasets.ClassLabel(names=["a", "b", "c"])})
    return datasets.Dataset.from_dict({"image": images, "label": labels.tolist()}, features=features)


def test_saved_dataset_dict_with_images(tmp_path):
    saved = tmp_path / "saved"
    datasets.DatasetDict({"train": image_dataset(12, 0), "test": image_dataset(6, 1)}).save_to_disk(str(saved))
    with pytest.warns(DefaultSizeWarning) as caught:  # the default 1000 exceeds 8 and 4 rows: all are used
        task = load_hf(saved, classes="a,c")
    assert len(caught) == 2
    assert task.classes == (0, 2) and task.info["class_names"] == ["a", "c"]
    assert task.n_train == 8 and task.n_test == 4 and task.X_train.shape[1] == 16
    # Class "c" (label 2) images are about 160 / 255.
    c_rows = task.X_train[task.Y_train[:, 1] == 1]
    assert np.all(np.abs(c_rows - 160 / 255) <= 1 / 255)
    # --data with the saved folder finds the hf loader by itself.
    assert load_task(str(saved), n_train=6, n_test=3).n_train == 6


def test_single_numeric_dataset_is_split(tmp_path):
    saved = tmp_path / "numeric"
    table = datasets.Dataset.from_dict({"x1": np.arange(20.0).tolist(), "x2": (np.arange(20.0) ** 2).tolist(),
                                        "note": ["t"] * 20, "label": (np.arange(20) % 2).tolist()})
    table.save_to_disk(str(saved))
    task = load_hf(saved, seed=1)
    assert task.n_test == 5 and task.n_train == 15 and task.X_train.shape[1] == 2  # text column skipped
    assert np.allclose(task.X_train[:, 1], task.X_train[:, 0] ** 2)


def test_load_dataset_offline_from_local_files(tmp_path):
    folder = tmp_path / "csvdata"
    folder.mkdir()
    (folder / "train.csv").write_text("x,label\n" + "\n".join(f"{i},{i % 2}" for i in range(10)) + "\n")
    (folder / "test.csv").write_text("x,label\n" + "\n".join(f"{i},{i % 2}" for i in range(4)) + "\n")
    task = load_hf(tmp_path / "cache", hf_name=str(folder), n_train=6, n_test=4)
    assert task.n_train == 6 and task.n_test == 4 and task.X_train.shape[1] == 1


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(InputError, match="not a dataset saved with save_to_disk"):
        load_hf(tmp_path)
    saved = tmp_path / "s"
    datasets.DatasetDict({"train": image_dataset(6, 0)}).save_to_disk(str(saved))
    with pytest.raises(InputError, match="no test"):
        load_hf(saved)
    with pytest.raises(InputError, match="label_column"):
        load_hf(saved, test_split="train", label_column="nope")


def test_hub_names_are_read_offline_unless_download(tmp_path):
    # Offline mode makes load_dataset fail before any connection; the switch is restored after.
    before = datasets.config.HF_HUB_OFFLINE
    with pytest.raises(InputError, match="offline: only cached data is read; add --download"):
        load_hf(tmp_path / "cache", hf_name="someone/not-cached-here")
    assert datasets.config.HF_HUB_OFFLINE == before
