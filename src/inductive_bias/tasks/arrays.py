"""Tasks from array files a user brings: ``.npz``, ``.npy`` and ``.csv``.

* ``.npz`` with ``X_train, y_train, X_test, y_test``: the split is kept;
  ``.npz`` with ``X, y``: one table, split below.
* ``.npy``: one 2-D numeric array, a row per point, the label in the last column (or
  ``label_column``).
* ``.csv``: comma-separated rows, an optional header line, the label in the last column (or the
  column ``label_column`` names or numbers); labels may be words.

A single table is split, seeded, into test points (by default a quarter) and training points;
stratified by class where the labels are classes. Integer or word labels become one-hot targets
(docs/method.md §1); non-integer numbers are regression targets (one output).
"""

from __future__ import annotations

import csv
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .._random import check_random_state
from .._validation import check_numpy_magic
from ..exceptions import InputError
from ._preprocess import apply_pca, resolve_classes, seed_record, stratified_indices
from .task import TARGET_READINGS, Task, _is_label_vector

__all__ = ["load_npz", "load_arrays"]

_KEYS = ("X_train", "y_train", "X_test", "y_test")
SUFFIXES = (".npz", ".npy", ".csv")


def _flat(X: np.ndarray) -> np.ndarray:
    if X.ndim == 1:
        return X.reshape(-1, 1)
    if X.ndim > 2:
        return X.reshape(len(X), -1)
    return X


def _read_npz(path: Path) -> dict:
    check_numpy_magic("data", path, ".npz")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if all(key in archive.files for key in _KEYS):
                arrays = {key: archive[key] for key in _KEYS}
            elif "X" in archive.files and "y" in archive.files:
                arrays = {"X": archive["X"], "y": archive["y"]}
            else:
                missing = [key for key in _KEYS if key not in archive.files]
                raise InputError("data", f"{path} lacks array(s) {', '.join(missing)}; it needs "
                                 f"{', '.join(_KEYS)} (or X and y); it holds {', '.join(archive.files) or 'nothing'}")
    except InputError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        # A truncated or corrupt archive (BadZipFile, a short read, a bad deflate stream).
        raise InputError("data", f"cannot read {path} as .npz: {error or type(error).__name__}") from None
    for key, array in arrays.items():
        _check_file_array(path, key, array)
    return arrays


def _check_file_array(path: Path, key: str, array: np.ndarray) -> None:
    """What a file holds must be one row per point, real numbers (labels may also be words)."""
    if array.ndim == 0:
        raise InputError("data", f"{path}: {key} is a 0-d array (one value {array!r}); it needs one row per point")
    if array.dtype.kind == "c":
        raise InputError("data", f"{path}: {key} holds complex numbers ({array.dtype}); it needs real numbers")
    labels = key.startswith("y")
    if array.dtype.kind not in ("biuf" + ("USO" if labels else "")):
        what = "labels or targets" if labels else "features"
        raise InputError("data", f"{path}: {key} holds {array.dtype} values; its {what} must be numbers")


def _read_npy(path: Path, label_column) -> tuple[np.ndarray, np.ndarray]:
    check_numpy_magic("data", path, ".npy")
    try:
        table = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise InputError("data", f"cannot read {path} as .npy: {error}") from None
    if table.ndim != 2 or table.shape[1] < 2 or table.dtype.kind not in "biuf":
        raise InputError("data", f"{path} must hold a 2-D table of real numbers (points x (features + label)); "
                         f"got {table.dtype} array of shape {table.shape}")
    col = _column_index(label_column, table.shape[1], None, path)
    return np.delete(table, col, axis=1), table[:, col]


def _column_index(label_column, width: int, header: list[str] | None, path: Path) -> int:
    if label_column is None:
        return width - 1
    if header is not None and str(label_column) in header:
        return header.index(str(label_column))
    try:
        col = int(label_column)
    except (TypeError, ValueError):
        raise InputError("label_column", f"{label_column!r} is not a column of {path}"
                         + (f" (columns: {', '.join(header)})" if header else "")) from None
    if not -width <= col < width:
        raise InputError("label_column", f"must be in {-width}..{width - 1} for {path}; got {col}")
    return col % width


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _read_csv(path: Path, label_column) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError("data", f"cannot read {path} as .csv: {error}") from None
    if not rows:
        raise InputError("data", f"{path} is empty")
    width = len(rows[0])
    if width < 2:
        raise InputError("data", f"{path} needs a label column and at least one feature column; line 1 has {width} field")
    header = None
    by_name = label_column is not None and _number(str(label_column)) is None
    guess = None if by_name else _column_index(label_column, width, None, path)
    if by_name or any(_number(c) is None for j, c in enumerate(rows[0]) if j != guess):
        header = [c.strip() for c in rows[0]]
        rows = rows[1:]
    col = _column_index(label_column, width, header, path)
    features, labels = [], []
    start = 2 if header else 1
    for line, row in enumerate(rows, start=start):
        if len(row) != width:
            raise InputError("data", f"{path} line {line} has {len(row)} fields; line {start} has {width}")
        values = []
        for j, cell in enumerate(row):
            if j == col:
                continue
            value = _number(cell)
            if value is None:
                raise InputError("data", f"{path} line {line} column {j + 1}: {cell!r} is not a number")
            values.append(value)
        features.append(values)
        labels.append(row[col].strip())
    if not features:
        raise InputError("data", f"{path} has a header but no rows")
    numeric = [_number(v) for v in labels]
    y = np.array(numeric, dtype=np.float64) if all(v is not None for v in numeric) else np.array(labels)
    return np.array(features, dtype=np.float64), y


def _labels(y: np.ndarray) -> np.ndarray:
    """Integer-valued float labels become ints (so they print as 3, not 3.0)."""
    if np.issubdtype(y.dtype, np.floating) and _is_label_vector(y):
        return y.astype(np.int64)
    return y


def load_arrays(path, *, n_train: int | None = None, n_test: int | None = None, classes=None, seed=0,
                label_column=None, scale: bool = False, pca: int | None = None, targets: str = "auto") -> Task:
    """A task from a ``.npz``, ``.npy`` or ``.csv`` file (see the module description).

    Parameters
    ----------
    path : path
    n_train, n_test : int, optional
        Points drawn (seeded; stratified by class for classification). Default: all points of a
        given split; for a single table, a quarter for test and the rest for training.
    classes : sequence or str, optional
        Labels to keep (classification only).
    seed : int or Generator, default 0
    label_column : int or str, optional
        Column of the label in a ``.npy`` / ``.csv`` table (number, or name from the csv header);
        default the last.
    scale : bool, default False
        Min-max scale each feature to [0, 1] by its training minimum and maximum.
    pca : int, optional
        PCA to this many dimensions, fit on the training inputs.
    targets : {"auto", "classes", "regression"}, default "auto"
        How 1-D labels are read. "auto": words and integers are classes (one-hot), other numbers
        regression targets; integers with fewer than 5 points per distinct value on average and
        more than 100 values (4,000 distinct prices, say) are refused as ambiguous: say which.

    Returns
    -------
    Task
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("data", f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError("data", f"{path} must be .npz, .npy or .csv")
    if label_column is not None and suffix == ".npz":
        raise InputError("label_column", f"applies to .npy and .csv tables, not {path.name}")
    rng = check_random_state(seed)
    first, second = rng.spawn(2)
    if suffix == ".npz":
        arrays = _read_npz(path)
    elif suffix == ".npy":
        X, y = _read_npy(path, label_column)
        arrays = {"X": X, "y": y}
    else:
        X, y = _read_csv(path, label_column)
        arrays = {"X": X, "y": y}
    steps = []
    if "X" in arrays:
        X, y = _flat(np.asarray(arrays["X"])), _labels(np.asarray(arrays["y"]).reshape(-1) if np.ndim(arrays["y"]) == 1
                                                        or np.shape(arrays["y"])[1:] == (1,) else np.asarray(arrays["y"]))
        if len(X) != len(y):
            raise InputError("data", f"{path}: X has {len(X)} rows but y has {len(y)}")
        classify = _read_as_classes(targets, [y], path)
        chosen = _classes(classes, y, classify, path)
        keep = np.flatnonzero(np.isin(y, chosen)) if chosen is not None else np.arange(len(y))
        n_test = n_test if n_test is not None else max(1, int(round(0.25 * keep.size)))
        test = keep[_draw(y[keep], n_test, first, classify, "n_test", str(path))]
        rest = np.setdiff1d(keep, test)
        if rest.size == 0:
            raise InputError("n_test", f"takes all {keep.size} points of {path}; none are left for training")
        n_train = n_train if n_train is not None else rest.size
        train = rest[_draw(y[rest], n_train, second, classify, "n_train", f"{path} after the test points")]
        X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
        split = "seeded split of one table into test and training points" + (", stratified" if classify else "")
    else:
        X_train, X_test = _flat(arrays["X_train"]), _flat(arrays["X_test"])
        y_train, y_test = _labels(np.asarray(arrays["y_train"])), _labels(np.asarray(arrays["y_test"]))
        for name, X_part, y_part in (("y_train", X_train, y_train), ("y_test", X_test, y_test)):
            if len(X_part) != len(y_part):
                raise InputError(name, f"{path}: has {len(y_part)} rows but X_{name[2:]} has {len(X_part)}")
        classify = _read_as_classes(targets, [y_train, y_test], path)
        if classify:
            y_train, y_test = y_train.reshape(-1), y_test.reshape(-1)
        chosen = _classes(classes, np.concatenate([y_train, y_test]) if classify else y_train, classify, path)
        if chosen is not None:
            keep_train, keep_test = np.isin(y_train, chosen), np.isin(y_test, chosen)
            X_train, y_train, X_test, y_test = X_train[keep_train], y_train[keep_train], X_test[keep_test], y_test[keep_test]
        split = "as given in the file"
        if n_train is not None:
            pick = _draw(y_train, n_train, first, classify, "n_train", f"{path} (X_train)")
            X_train, y_train = X_train[pick], y_train[pick]
            split = "seeded selection from the file's training and test arrays"
        if n_test is not None:
            pick = _draw(y_test, n_test, second, classify, "n_test", f"{path} (X_test)")
            X_test, y_test = X_test[pick], y_test[pick]
            split = "seeded selection from the file's training and test arrays"
    X_train, X_test = np.asarray(X_train, dtype=np.float64), np.asarray(X_test, dtype=np.float64)
    if X_train.ndim != 2 or X_test.ndim != 2 or X_train.shape[1] != X_test.shape[1]:
        raise InputError("data", f"{path}: X_train {X_train.shape} and X_test {X_test.shape} must be tables with "
                         "the same number of columns")
    if scale:
        low, high = X_train.min(axis=0), X_train.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        X_train, X_test = (X_train - low) / span, (X_test - low) / span
        steps.append("min-max scaled per feature by the training range")
    X_train, X_test, pca_steps = apply_pca(X_train, X_test, None if pca is None else int(pca))
    steps += pca_steps
    info = {"source": str(path), "preprocessing": ", ".join(steps) or "none", "split": split,
            "seed": seed_record(seed)}
    return Task.from_arrays(X_train, y_train, X_test, y_test, name=path.stem,
                            classes=chosen if classify else None, info=info,
                            targets="classes" if classify else "regression" if targets == "regression" else "auto")


# "auto" reads integer labels as classes unless there are more than this many distinct values
# with fewer than _MIN_PER_CLASS points each on average: a regression target, most likely.
_AUTO_MAX_CLASSES = 100
_MIN_PER_CLASS = 5


def _read_as_classes(targets: str, parts: list, path: Path) -> bool:
    """Whether the labels of a file become one-hot classes (see ``targets`` of load_arrays)."""
    if targets not in TARGET_READINGS:
        raise InputError("targets", f"must be one of {', '.join(TARGET_READINGS)}; got {targets!r}")
    labels = all(_is_label_vector(np.asarray(y)) for y in parts)
    words = any(np.asarray(y).dtype.kind in "USO" for y in parts)
    if targets == "classes":
        if not labels:
            raise InputError("targets", f"'classes' needs integer or word labels; {path} holds non-integer targets")
        return True
    if targets == "regression":
        if words:
            raise InputError("targets", f"'regression' needs numbers; {path} holds words as labels")
        return False
    if not labels:
        return False
    if not words:
        values = np.concatenate([np.asarray(y).reshape(-1) for y in parts])
        distinct = np.unique(values).size
        if distinct > _AUTO_MAX_CLASSES and distinct * _MIN_PER_CLASS > values.size:
            raise InputError("targets", f"{path} holds {distinct} distinct integer labels among {values.size} "
                                        f"points (fewer than {_MIN_PER_CLASS} per value): classes or numbers? give "
                                        f"--targets classes ({distinct} one-hot outputs) or --targets regression "
                                        "(one output)")
    return True


def _classes(classes, y, classify: bool, path: Path):
    if not classify:
        if classes is not None:
            raise InputError("classes", f"applies to classification labels; {path} holds regression targets")
        return None
    available = sorted(np.unique(y).tolist())
    return resolve_classes(classes, available)


def _draw(y, n, rng, classify: bool, argument: str, where: str) -> np.ndarray:
    if classify:
        return stratified_indices(y, n, rng, argument=argument, where=where)
    from .._validation import check_positive

    n = check_positive(argument, n, integer=True)
    if n > len(y):
        raise InputError(argument, f"asks for {n} points but {where} has only {len(y)}")
    return rng.permutation(len(y))[:n]


def load_npz(path) -> Task:
    """A task from an ``.npz`` file holding X_train, y_train, X_test and y_test (or X and y)."""
    path = Path(path)
    if path.suffix.lower() != ".npz":
        raise InputError("data", f"{path} is not an .npz file")
    return load_arrays(path)
