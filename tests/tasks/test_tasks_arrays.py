"""Tasks from .npz, .npy and .csv files."""

import numpy as np
import pytest

from inductive_bias import load_task
from inductive_bias._validation import InputError
from inductive_bias.tasks.arrays import load_arrays, load_npz


def test_npz_with_a_split_is_kept(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "t.npz"
    np.savez(path, X_train=rng.random((10, 3)), y_train=np.arange(10) % 2, X_test=rng.random((4, 3)),
             y_test=np.array([0, 1, 0, 1]))
    task = load_npz(path)
    assert task.n_train == 10 and task.classes == (0, 1) and task.info["split"] == "as given in the file"
    smaller = load_task(str(path), n_train=6, n_test=2)
    assert smaller.n_train == 6 and smaller.Y_train.sum(axis=0).tolist() == [3.0, 3.0]


def test_npz_with_X_y_is_split(tmp_path):
    path = tmp_path / "xy.npz"
    np.savez(path, X=np.arange(40.0).reshape(20, 2), y=np.arange(20) % 4)
    task = load_arrays(path, seed=1)
    assert task.n_test == 5 and task.n_train == 15
    rows = {tuple(r) for r in np.vstack([task.X_train, task.X_test]).tolist()}
    assert len(rows) == 20  # test and training points are disjoint and cover the table


def test_npy_table_label_column(tmp_path):
    table = np.column_stack([np.arange(12) % 3, np.arange(12.0), np.arange(12.0) ** 2])
    path = tmp_path / "t.npy"
    np.save(path, table)
    task = load_arrays(path, label_column=0, n_test=3)
    assert task.classes == (0, 1, 2) and task.X_train.shape == (9, 2)
    # the label of each row is its first feature mod 3
    assert np.array_equal(np.argmax(task.Y_train, axis=1), task.X_train[:, 0].astype(int) % 3)


def test_csv_with_header_and_word_labels(tmp_path):
    path = tmp_path / "iris.csv"
    lines = ["sepal,petal,species"] + [f"{i}.5,{i * 2},{'setosa' if i % 2 else 'virginica'}" for i in range(10)]
    path.write_text("\n".join(lines) + "\n")
    task = load_task(str(path), n_test=4, classes="setosa,virginica")
    assert task.classes == ("setosa", "virginica") and task.X_train.shape == (6, 2)
    by_name = load_arrays(path, label_column="species")
    assert by_name.classes == ("setosa", "virginica")


def test_csv_regression_targets(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("\n".join(f"{i},{i * 0.5 + 0.25}" for i in range(8)))
    task = load_arrays(path, n_test=2)
    assert task.classes is None and task.Y_train.shape == (6, 1)
    assert np.allclose(task.Y_train[:, 0], task.X_train[:, 0] * 0.5 + 0.25)


def test_malformed_files_are_named(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("1,2,0\n3,x,1\n")
    with pytest.raises(InputError, match=r"bad.csv line 2 column 2: 'x' is not a number"):
        load_arrays(csv)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("1,2,0\n3,1\n")
    with pytest.raises(InputError, match="ragged.csv line 2 has 2 fields"):
        load_arrays(ragged)
    npy = tmp_path / "t.npy"
    np.save(npy, np.arange(6.0).reshape(2, 3))
    npy.write_bytes(npy.read_bytes()[:-8])
    with pytest.raises(InputError, match="t.npy"):
        load_arrays(npy)
    npz = tmp_path / "t.npz"
    np.savez(npz, A=np.zeros(3))
    with pytest.raises(InputError, match="lacks array"):
        load_arrays(npz)
    with pytest.raises(InputError, match="no such file"):
        load_task(str(tmp_path / "missing.csv"))
