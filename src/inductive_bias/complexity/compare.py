"""The upper bound of docs/method.md §5 beside measured inductive bias, at the same target errors.

:func:`compare` puts, for one task and each ε, the model-agnostic bound (what the task requires
at most, from its geometry) next to the exact inductive bias a Gaussian-process space requires
(docs/method.md §2) and any other measurements (sample-based estimates of other spaces, docs/method.md §3-4), each a
:class:`~inductive_bias.results.MeasureResult` at the same ε.

Caution on units: the bound's ε is the published bound's "error", which the published code
set to a classification error rate; the measured figures use ε as the test MSE of docs/method.md §1. The
comparison plugs the same number into both, as asked; read the bound as an order of magnitude.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import InputError
from ..measuring import measure, measure_losses
from .._json import dumps, jsonable
from ..results import MeasureResult
from ..tasks import Task
from .bound import ComplexityBound
from ..reports.table import format_bits
from .geometry import TaskGeometry, estimate_geometry

__all__ = ["Comparison", "compare"]


@dataclass(frozen=True)
class Comparison:
    """The bound and the measurements of one task at the same target errors.

    Attributes
    ----------
    task : dict
    target_errors : tuple of float
    bounds : tuple of ComplexityBound
        One per ε.
    bound_ranges : tuple of (float, float)
        The bound's smallest and largest value as m runs over its interval, per ε.
    geometry : dict
        The bound's inputs and how they were estimated (:meth:`TaskGeometry.to_dict`).
    spaces : dict of str -> MeasureResult
        Each measurement, by name, at ``target_errors``.
    """

    task: dict
    target_errors: tuple
    bounds: tuple
    bound_ranges: tuple
    geometry: dict
    spaces: dict = field(default_factory=dict)

    def rows(self) -> list[dict]:
        """One record per ε: the bound and every space's figure."""
        rows = []
        for j, eps in enumerate(self.target_errors):
            bound: ComplexityBound = self.bounds[j]
            row = {"target_error": float(eps), "upper_bound": {
                "bits": bound.bits, "log10_bits": bound.log10_bits, "range_over_m": list(self.bound_ranges[j]),
                "reason": bound.reason}}
            for name, result in self.spaces.items():
                row[name] = result.results[j].to_dict()
            rows.append(row)
        return rows

    def to_dict(self) -> dict:
        return {
            "task": jsonable(self.task),
            "target_errors": [float(e) for e in self.target_errors],
            "rows": jsonable(self.rows()),
            "bound_inputs": jsonable(self.geometry),
            "bounds": [b.to_dict() for b in self.bounds],
            "spaces": {name: r.to_dict() for name, r in self.spaces.items()},
        }

    def to_json(self, indent: int | None = 2) -> str:
        return dumps(self.to_dict(), indent)


def _check_measured(name, result, eps):
    if callable(result) and not isinstance(result, MeasureResult):
        result = result(eps)  # measured here, at the comparison's own ε
    if not isinstance(result, MeasureResult):
        raise InputError("measured", f"{name!r} must be a MeasureResult; got {type(result).__name__}")
    if result.target_errors.shape != eps.shape or not np.allclose(result.target_errors, eps, rtol=1e-12, atol=0):
        raise InputError("measured", f"{name!r} was measured at ε = {result.target_errors.tolist()}, "
                         f"not at the comparison's ε = {eps.tolist()}")
    return result


def compare(task: Task, target_error=None, *, space=None, measured: Mapping | None = None,
            losses: Mapping | None = None, estimator: str = "sampled", n_bootstrap: int = 200,
            geometry: TaskGeometry | None = None, output_bound: float = 1.0, seed=0) -> Comparison:
    """The bound of docs/method.md §5 next to the exact GP inductive bias and other measurements, per ε.

    Parameters
    ----------
    task : Task
        A classification task.
    target_error : float or sequence of float, optional
        ε values; default: the GP measurement's defaults (1, 2, 4, 8, 16 standard deviations
        below its mean loss).
    space : GaussianProcess, optional
        The GP space measured exactly (default ``GaussianProcess("rbf", 1.0)``, as published).
    measured : mapping of str to MeasureResult or callable, optional
        Other spaces (e.g. networks in a sample store): a result measured at these ε, or a
        function of the comparison's ε array that measures one (useful where ``target_error``
        is left to its default, which is settled here).
    losses : mapping of str to array, optional
        Test losses of other spaces' hypotheses; each is run through
        :func:`~inductive_bias.measure_losses` with ``estimator`` at these ε.
    estimator : str, default "sampled"
        The sample-based estimator for ``losses``.
    n_bootstrap : int, default 200
    geometry : TaskGeometry, optional
        The bound's inputs; default :func:`estimate_geometry` (task, seed=seed).
    output_bound : float, default 1
        B of the bound.
    seed : int, default 0

    Returns
    -------
    Comparison
    """
    from ..spaces import GaussianProcess

    if not isinstance(task, Task):
        raise InputError("task", f"must be a Task; got {type(task).__name__}")
    space = GaussianProcess("rbf", 1.0) if space is None else space
    if geometry is None:
        geometry = estimate_geometry(task, seed=seed)
    elif not isinstance(geometry, TaskGeometry):
        raise InputError("geometry", f"must be a TaskGeometry; got {type(geometry).__name__}")
    exact = measure(task, space, target_error, estimator="exact")
    eps = exact.target_errors
    label = f"{space.name} {getattr(space, 'kernel', '')}".strip() + " (exact)"
    spaces = {label: exact}
    for name, result in (measured or {}).items():
        if name in spaces:
            raise InputError("measured", f"two measurements are named {name!r}")
        spaces[name] = _check_measured(name, result, eps)
    for name, values in (losses or {}).items():
        key = f"{name} ({estimator})"
        if key in spaces:
            raise InputError("losses", f"two measurements are named {key!r}")
        spaces[key] = measure_losses(values, eps, estimator=estimator, n_bootstrap=n_bootstrap, seed=seed,
                                     task=task.describe(), space={"space": name})
    bounds = tuple(geometry.bound(float(e), output_bound=output_bound) for e in eps)
    ranges = tuple(geometry.bound_range(float(e), output_bound=output_bound) for e in eps)
    return Comparison(task=task.describe(), target_errors=tuple(float(e) for e in eps), bounds=bounds,
                      bound_ranges=ranges, geometry=geometry.to_dict(), spaces=spaces)
