"""A task: training and test data and the loss of docs/method.md §1."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._json import jsonable
from ..exceptions import InputError
from .._validation import check_array

__all__ = ["Task", "TARGET_READINGS", "task_line"]

TARGET_READINGS = ("auto", "classes", "regression")


def _is_label_vector(y: np.ndarray) -> bool:
    """Integer-valued 1-D arrays (or an (n, 1) column of them) are class labels."""
    if y.ndim == 2 and y.shape[1] == 1 and np.issubdtype(y.dtype, np.integer):
        return True
    if y.ndim != 1:
        return False
    if np.issubdtype(y.dtype, np.integer) or y.dtype == bool:
        return True
    if np.issubdtype(y.dtype, np.floating):
        return bool(np.all(np.isfinite(y)) and np.all(y == np.round(y)))
    return y.dtype.kind in "USO"  # string labels


@dataclass(frozen=True, eq=False)
class Task:
    """Training and test data; targets are always 2-D float arrays of shape (rows, k).

    Build one with :meth:`from_arrays`, which turns integer labels into one-hot rows (docs/method.md §1).

    Attributes
    ----------
    X_train, X_test : ndarray of shape (n, d) and (m, d)
    Y_train, Y_test : ndarray of shape (n, k) and (m, k)
    name : str
    classes : tuple or None
        The class labels, in one-hot column order, for classification tasks.
    info : dict
        How the task was made (source, preprocessing, seed): reported with every result.
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    name: str = "task"
    classes: tuple | None = None
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        X_train = check_array("X_train", self.X_train, ndim=2)
        X_test = check_array("X_test", self.X_test, ndim=2)
        Y_train = check_array("y_train", self.Y_train, ndim=2)
        Y_test = check_array("y_test", self.Y_test, ndim=2)
        if X_train.shape[0] != Y_train.shape[0]:
            raise InputError("y_train", f"has {Y_train.shape[0]} rows but X_train has {X_train.shape[0]}")
        if X_test.shape[0] != Y_test.shape[0]:
            raise InputError("y_test", f"has {Y_test.shape[0]} rows but X_test has {X_test.shape[0]}")
        if X_train.shape[1] != X_test.shape[1]:
            raise InputError("X_test", f"has {X_test.shape[1]} features but X_train has {X_train.shape[1]}")
        if Y_train.shape[1] != Y_test.shape[1]:
            raise InputError("y_test", f"has {Y_test.shape[1]} outputs but y_train has {Y_train.shape[1]}")
        for name, value in (("X_train", X_train), ("X_test", X_test), ("Y_train", Y_train), ("Y_test", Y_test)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @classmethod
    def from_arrays(cls, X_train, y_train, X_test, y_test, *, name: str = "task", classes=None, info=None,
                    targets: str = "auto") -> "Task":
        """Make a task from arrays; 1-D integer labels become one-hot rows over ``classes``
        (by default the sorted labels seen in either set), 2-D targets are used as they are and
        1-D non-integer targets become one output column.

        ``targets`` says how 1-D labels are read: "auto" (integers and words are classes,
        other numbers regression targets), "classes" or "regression" (integers as numbers)."""
        if targets not in TARGET_READINGS:
            raise InputError("targets", f"must be one of {', '.join(TARGET_READINGS)}; got {targets!r}")
        y_train_arr = np.asarray(y_train)
        y_test_arr = np.asarray(y_test)
        if y_train_arr.size == 0:
            raise InputError("y_train", "is empty")
        if y_test_arr.size == 0:
            raise InputError("y_test", "is empty")
        labels = _is_label_vector(y_train_arr) and _is_label_vector(y_test_arr)
        if targets == "classes" and not labels:
            raise InputError("targets", "'classes' needs 1-D integer or word labels; these targets are "
                                        f"{y_train_arr.dtype} of shape {y_train_arr.shape}")
        if targets == "regression" and labels and (y_train_arr.dtype.kind in "USO" or y_test_arr.dtype.kind in "USO"):
            raise InputError("targets", "'regression' needs numbers; these labels are words")
        if labels and targets != "regression":
            y_train_arr = y_train_arr.reshape(-1)
            y_test_arr = y_test_arr.reshape(-1)
            if classes is None:
                classes = np.unique(np.concatenate([y_train_arr, y_test_arr]))
            classes = tuple(np.asarray(classes).tolist())
            if len(classes) < 2:
                raise InputError("y_train", f"a classification task needs at least 2 classes; got {list(classes)}")
            index = {c: i for i, c in enumerate(classes)}
            Y_train = _one_hot(y_train_arr, index, "y_train")
            Y_test = _one_hot(y_test_arr, index, "y_test")
        else:
            Y_train = y_train_arr.reshape(len(y_train_arr), -1) if y_train_arr.ndim == 1 else y_train_arr
            Y_test = y_test_arr.reshape(len(y_test_arr), -1) if y_test_arr.ndim == 1 else y_test_arr
            classes = None
        return cls(X_train, Y_train, X_test, Y_test, name=name, classes=classes, info=dict(info or {}))

    # -- shapes -------------------------------------------------------------------------------
    @property
    def n_train(self) -> int:
        return self.X_train.shape[0]

    @property
    def n_test(self) -> int:
        return self.X_test.shape[0]

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_outputs(self) -> int:
        return self.Y_train.shape[1]

    # -- the loss of docs/method.md §1 -------------------------------------------------------------------
    def test_loss(self, predictions) -> np.ndarray:
        """Test MSE over all m test points and k outputs (docs/method.md §1) of predictions shaped
        (..., m, k); leading axes index hypotheses."""
        return _mse(np.asarray(predictions, dtype=np.float64), self.Y_test, "predictions")

    def train_loss(self, predictions) -> np.ndarray:
        """Training MSE, the same average over the training set."""
        return _mse(np.asarray(predictions, dtype=np.float64), self.Y_train, "predictions")

    def score(self, train_predictions, test_predictions) -> tuple:
        """How trained hypotheses did (docs/method.md §1, §4): (test MSE, training MSE, test accuracy
        or None for regression targets), each with the predictions' leading axes (one value per
        hypothesis). The one scoring every trained space uses."""
        test = np.asarray(test_predictions, dtype=np.float64)
        accuracy = None
        if self.classes is not None:
            accuracy = np.mean(test.argmax(axis=-1) == self.Y_test.argmax(axis=1), axis=-1)
        return self.test_loss(test), self.train_loss(train_predictions), accuracy

    def __repr__(self) -> str:
        """A line, not the arrays: ``Task(digits: 200 train / 200 test, 64 features, 10 classes; seed 0)``
        (:func:`task_line` says everything that identifies it)."""
        return f"Task({task_line(self.describe(), short=True)})"

    def _repr_html_(self) -> str:
        """A table of what the task is (its description and shapes), for a notebook."""
        from ..reports.frames import task_html

        return task_html(self)

    def describe(self) -> dict:
        """A JSON-ready description: name, shapes, classes, how the task was made, and the test MSE of
        the constant predictor (the mean training target), which anchors the default target errors
        (docs/method.md §1)."""
        constant = float(np.mean((self.Y_test - np.mean(self.Y_train, axis=0)) ** 2))
        return {
            "name": self.name,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_features": self.n_features,
            "n_outputs": self.n_outputs,
            "classes": None if self.classes is None else [jsonable(c) for c in self.classes],
            **{key: value for key, value in self.info.items() if key not in {"name"}},
            "constant_mse": constant,
        }


# Facts of a description that the shape part of a task line already says, or that say where the data
# were read from rather than what they are.
# not part of the line: the shape (said first), where it was read from, and what follows from the data
_SHAPE_KEYS = ("name", "n_train", "n_test", "n_features", "n_outputs", "classes", "source", "data_sha256",
               "constant_mse")


def task_line(description: dict, short: bool = False) -> str:
    """One line naming everything that identifies a task (:meth:`Task.describe`, or a store's
    record of it): ``digits: 200 train / 200 test, 64 features, 10 classes; seed 0, features
    permuted, split uniform random, preprocessing raw pixels 0..16``. Two tasks that differ in any
    of these differ in their line. ``short``: the shape, the seed and a permutation only."""
    d = description
    shape = f"{d.get('name', '?')}: {d.get('n_train', '?')} train / {d.get('n_test', '?')} test"
    if d.get("n_features") is not None:
        shape += f", {d['n_features']} features"
    classes = d.get("classes")
    if classes:
        shape += f", {len(classes)} classes"
    elif d.get("n_outputs") is not None:
        shape += f", {d['n_outputs']} output{'s' if d['n_outputs'] != 1 else ''}"
    facts = []
    for key, value in d.items():
        if key in _SHAPE_KEYS or value is None or (short and key not in ("seed", "permuted_features")):
            continue
        if key == "permuted_features":
            facts.append("features permuted" if value else "features in their own order")
        elif key == "preprocessing":  # the permutation is said once, above
            text = ", ".join(step for step in str(value).split(", ") if not step.startswith("features permuted"))
            if text:
                facts.append(f"preprocessing {text}")
        else:
            facts.append(f"{key} {value}")
    return shape + ("; " + ", ".join(facts) if facts else "")


def _one_hot(labels: np.ndarray, index: dict, name: str) -> np.ndarray:
    try:
        columns = np.fromiter((index[label] for label in labels.tolist()), dtype=np.int64, count=len(labels))
    except KeyError as missing:
        raise InputError(name, f"has label {missing.args[0]!r} that is not among the classes") from None
    Y = np.zeros((len(labels), len(index)))
    Y[np.arange(len(labels)), columns] = 1.0
    return Y


def _mse(predictions: np.ndarray, targets: np.ndarray, name: str) -> np.ndarray:
    if predictions.shape[-2:] != targets.shape:
        raise InputError(name, f"must end in shape {targets.shape}; got {predictions.shape}")
    return np.mean((predictions - targets) ** 2, axis=(-2, -1))
