"""The inputs of the bound (docs/method.md §5) estimated from a task's training data: n, R, m, δ, P, D."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._random import check_random_state
from ..exceptions import InputError
from .._validation import check_choice, check_positive
from ..tasks import Task
from .bound import ComplexityBound, complexity_bound
from .dimension import DimensionEstimate, intrinsic_dimension
from .separation import SeparationEstimate, class_separation, evt_separation

__all__ = ["DELTA_METHODS", "TaskGeometry", "estimate_geometry"]

DELTA_METHODS = ("auto", "exact", "sample", "evt")


@dataclass(frozen=True)
class TaskGeometry:
    """What the bound needs to know about a task, with how each figure was obtained.

    Attributes
    ----------
    n : int                          training points
    R : float                        maximum norm of the training inputs
    dimension : DimensionEstimate    m, with its interval
    separation : SeparationEstimate  δ, with its method
    classes : int                    P = classes, D = classes - 1
    task : dict                      the task's description
    """

    n: int
    R: float
    dimension: DimensionEstimate
    separation: SeparationEstimate
    classes: int
    task: dict

    @property
    def m(self) -> float:
        return self.dimension.m

    @property
    def delta(self) -> float:
        return self.separation.delta

    def bound(self, target_error, *, output_bound: float = 1.0) -> ComplexityBound:
        """The bound of docs/method.md §5 at ε = ``target_error`` with these inputs."""
        return complexity_bound(target_error, self.n, self.m, self.R, self.delta, self.classes,
                                output_bound=output_bound)

    def bound_range(self, target_error, *, output_bound: float = 1.0, points: int = 21) -> tuple[float, float]:
        """Smallest and largest bound (bits) as m runs over its interval (on a grid of ``points``
        values, ends included): how much the uncertainty in m moves the bound."""
        low, high = self.dimension.interval
        values = [complexity_bound(target_error, self.n, m, self.R, self.delta, self.classes,
                                   output_bound=output_bound).bits for m in np.linspace(low, high, points)]
        return float(min(values)), float(max(values))

    def to_dict(self) -> dict:
        return {"n": self.n, "R": self.R, "m": self.m, "delta": self.delta, "classes": self.classes,
                "outputs": self.classes - 1, "combinations": self.classes,
                "dimension": self.dimension.to_dict(), "separation": self.separation.to_dict(), "task": self.task}


def estimate_geometry(task: Task, *, k: int = 10, queries: int = 1000, delta_method: str = "auto",
                      sample: int = 5000, pairs: int = 200_000, min_distance: float = 0.0,
                      seed=0, progress=None) -> TaskGeometry:
    """Estimate the bound's inputs from a classification task's training data (docs/method.md §5).

    R is the largest norm of a training input; m the Levina–Bickel estimate over ``k`` neighbours
    (:func:`intrinsic_dimension`); δ the minimum distance between differently labelled training
    inputs, by ``delta_method``: "exact" (all pairs), "sample" (all pairs of ``sample`` points),
    "evt" (extreme-value extrapolation from ``pairs`` random pairs), or "auto" (exact where
    n <= ``sample``, else evt). P is the number of classes and D = P - 1.

    Parameters
    ----------
    task : Task
        A classification task (one-hot targets).
    k, queries : int
        See :func:`intrinsic_dimension`.
    delta_method : {"auto", "exact", "sample", "evt"}, default "auto"
    sample, pairs : int
        See :func:`class_separation` and :func:`evt_separation`.
    min_distance : float, default 0
        Differently labelled pairs this close or closer are ignored; the default ignores only
        identical inputs with different labels (which would make δ = 0 and the bound infinite),
        and ``separation.ignored_pairs`` counts them.
    seed : int, Generator or None, default 0
        One generator, drawn from in a fixed order (m first, then δ).
    progress : callable, optional
        Called with a one-line description as each stage starts (the CLI prints them on a
        terminal).

    Returns
    -------
    TaskGeometry
    """
    if not isinstance(task, Task):
        raise InputError("task", f"must be a Task; got {type(task).__name__}")
    if task.classes is None:
        raise InputError("data", f"task {task.name!r} is not a classification task: δ is the minimum distance "
                         "between differently labelled points; give the bound's inputs explicitly instead")
    check_choice("delta_method", delta_method, DELTA_METHODS)
    sample = check_positive("sample", sample, integer=True)
    X = task.X_train
    labels = np.argmax(task.Y_train, axis=1)
    from .separation import _row_norms  # scaled: features of 1e-300 have a norm, not 0

    R = float(np.max(_row_norms(X)))
    if R == 0:
        raise InputError("data", "every training input is the zero vector (R = 0)")
    rng = check_random_state(seed)
    say = progress or (lambda message: None)
    say(f"intrinsic dimension: Levina–Bickel over {k} neighbours of {min(queries, X.shape[0])} points")
    dimension = intrinsic_dimension(X, k, queries=queries, seed=rng)
    method = delta_method
    if method == "auto":
        method = "exact" if X.shape[0] <= sample else "evt"
    say(f"δ: {method} minimum distance between differently labelled points")
    if method == "evt":
        separation = evt_separation(X, labels, pairs=pairs, min_distance=min_distance, seed=rng)
    else:
        separation = class_separation(X, labels, sample=X.shape[0] if method == "exact" else sample,
                                      min_distance=min_distance, seed=rng)
    return TaskGeometry(n=task.n_train, R=R, dimension=dimension, separation=separation,
                        classes=len(task.classes), task=task.describe())
