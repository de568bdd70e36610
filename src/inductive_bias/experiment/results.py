"""What an experiment found: one :class:`SpaceOutcome` per space, the relative bits, and the JSON
object ``inductive-bias experiment --json`` prints."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .._json import dumps, jsonable, number
from ..results import MeasureResult, TargetResult

__all__ = ["ExperimentResult", "RelativeResult", "SpaceOutcome", "UpperBound"]


@dataclass(frozen=True)
class SpaceOutcome:
    """One space of an experiment: what it is, where its members came from, and its bits.

    ``members``: members used for the estimate (None for an exact space), ``members_trained``
    those this run trained (the rest were in the store), ``result`` the full
    :class:`MeasureResult` (None where too few members fit the data: ``reason`` says so).
    """

    name: str
    base: str
    sweep: dict
    task_variant: str
    spec: dict
    task: dict
    result: MeasureResult | None
    members: int | None
    members_trained: int | None
    space_id: str | None
    reason: str | None
    warnings: tuple
    target_errors: tuple
    seconds: float = 0.0
    warning_categories: tuple = field(default=(), compare=False, repr=False)  # of ``warnings``, to re-emit
    fit_counts: dict | None = None  # members_fit, fit_share, fit_threshold where ``result`` is None

    @property
    def estimator(self) -> str | None:
        return None if self.result is None else self.result.estimator

    def _fit(self, key):
        m = None if self.result is None else self.result.members
        if m is None:
            return None if self.fit_counts is None else self.fit_counts.get(key)
        return getattr(m, key)

    @property
    def fit_share(self) -> float | None:
        return self._fit("fit_share")

    @property
    def train_losses(self) -> list | None:
        """Every member's training MSE (trained spaces), also where too few fit to measure."""
        return self._fit("train_losses")

    @property
    def fit_threshold(self) -> float | None:
        return self._fit("fit_threshold")

    def target(self, j: int) -> TargetResult:
        """The figure at the j-th target error (NaN with the reason where the space has none)."""
        if self.result is None:
            return TargetResult(self.target_errors[j], math.nan, self.reason)
        return self.result.results[j]

    def to_dict(self) -> dict:
        r, m = self.result, (None if self.result is None else self.result.members)
        out = {"name": self.name, "spec": jsonable(self.spec), "sweep": jsonable(self.sweep),
               "estimator": self.estimator, "members": self.members, "members_trained": self.members_trained,
               "fit_share": self.fit_share, "members_fit": self._fit("members_fit"),
               "fit_threshold": self._fit("fit_threshold"),
               "members_used": None if m is None else m.members_used,
               "space_id": self.space_id, "reason": self.reason,
               "loss": {} if r is None else r.loss.to_dict(),
               "fit": None if r is None or r.fit is None else r.fit.to_dict(),
               "results": [self.target(j).to_dict() for j in range(len(self.target_errors))],
               "warnings": list(self.warnings) + ([] if r is None else list(r.warnings)),
               "seconds": self.seconds}
        if self.task_variant:
            out["task"] = jsonable(self.task)
        return out


@dataclass(frozen=True)
class RelativeResult:
    """I_baseline(ε) − I_space(ε) bits (docs/method.md §8): how many fewer bits the space needs than the
    baseline (negative: more), with an interval from both figures' intervals
    (:func:`~inductive_bias.experiment.relative.relative_bits`). ``kind`` is "difference", or "at
    most" / "at least" where a side is only a lower bound (``bits`` is then that end), or
    "undefined" (NaN, ``reason`` says why)."""

    space: str
    baseline: str
    target_error: float
    bits: float
    interval: tuple | None
    reason: str | None = None
    extrapolated: bool = False
    kind: str = "difference"

    @property
    def needs_beyond(self) -> float:
        """Bits the space needs beyond the baseline: −bits (for a reader, no double negative)."""
        return -self.bits

    def to_dict(self) -> dict:
        out = {"space": self.space, "baseline": self.baseline, "target_error": self.target_error,
               "bits": number(self.bits), "kind": self.kind,
               "interval": None if self.interval is None else [number(v) for v in self.interval],
               "extrapolated": self.extrapolated}
        if math.isinf(self.bits):
            out["infinite"] = "+inf" if self.bits > 0 else "-inf"
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class UpperBound:
    """The upper bound of docs/method.md §5 on an experiment's task (any space), at its target
    errors: ``bits`` per ε of ``target_errors`` and the task's ``geometry`` (n, R, m, δ, ...), or
    no bits and the ``reason`` it does not apply (a regression task, a task swept over its data).
    The experiment computes it; a report only draws it."""

    target_errors: tuple = ()
    bits: tuple = ()
    geometry: dict | None = None
    reason: str | None = None

    @property
    def applies(self) -> bool:
        return self.reason is None and len(self.bits) > 0

    def to_dict(self) -> dict:
        out = {"target_errors": [float(e) for e in self.target_errors], "bits": [number(b) for b in self.bits],
               "geometry": None if self.geometry is None else jsonable(self.geometry)}
        if self.reason is not None:
            out["reason"] = self.reason
        return out

    @classmethod
    def from_dict(cls, data: dict | None) -> "UpperBound | None":
        """Read :meth:`to_dict`'s object back; None (JSON written before the experiment carried its
        bound has no ``upper_bound`` key) reads as None."""
        if data is None:
            return None
        bits = tuple(math.inf if b is None else float(b) for b in data.get("bits", ()))
        return cls(target_errors=tuple(float(e) for e in data.get("target_errors", ())), bits=bits,
                   geometry=data.get("geometry"), reason=data.get("reason"))


@dataclass(frozen=True)
class ExperimentResult:
    title: str
    description: str
    source: str | None
    task: dict
    settings: dict
    target_errors: list
    target_error_rule: str
    baseline: str
    spaces: tuple
    relative: tuple
    store: str
    seconds: float
    version: str
    sweeps: tuple = ()
    tasks: tuple = field(default=(), compare=False, repr=False)
    upper_bound: UpperBound | None = None  # docs/method.md §5; None where not computed

    @property
    def members_trained(self) -> int:
        return sum(s.members_trained or 0 for s in self.spaces)

    def space(self, name: str) -> SpaceOutcome:
        for outcome in self.spaces:
            if outcome.name == name:
                return outcome
        raise KeyError(name)

    def to_dict(self) -> dict:
        return {"title": self.title, "source": self.source, "task": jsonable(self.task),
                "measure": jsonable(self.settings), "target_errors": self.target_errors,
                "target_error_rule": self.target_error_rule, "baseline": self.baseline,
                "sweeps": jsonable(list(self.sweeps)),
                "spaces": [s.to_dict() for s in self.spaces], "relative": [r.to_dict() for r in self.relative],
                "members_trained": self.members_trained, "store": self.store, "seconds": self.seconds,
                "version": self.version,
                "upper_bound": None if self.upper_bound is None else self.upper_bound.to_dict()}

    def to_json(self, indent: int | None = 2) -> str:
        return dumps(self.to_dict(), indent)

    def write_report(self, path, style=None):
        """Write the self-contained HTML report, its figures (PNG, or ``style.format``) and the CSV
        of every row (:func:`inductive_bias.reports.html_report.write_report`); returns their paths."""
        from ..reports.html_report import write_report

        return write_report(self, path, style)

    def to_frame(self, kind: str = "space"):
        """One row per (space, ε) as a pandas DataFrame, every column of the report's CSV;
        ``kind="relative"`` the bits saved over the baseline, ``"all"`` both
        (:func:`inductive_bias.reports.frames.experiment_frame`)."""
        from ..reports.frames import experiment_frame

        return experiment_frame(self, kind)

    def _repr_html_(self) -> str:
        from ..reports.frames import experiment_html

        return experiment_html(self)
