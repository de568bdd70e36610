"""Result records of :func:`inductive_bias.measure`: immutable, JSON round-trippable, typed.

A :class:`MeasureResult` keeps what it measured: one :class:`TargetResult` per ε (bits, interval,
flags), the loss law's summary, a :class:`FitReport` for sample-based estimates (the fitted law's
parameters, goodness of fit, bootstrap), a :class:`MemberReport` for trained spaces (counts, the
fit rule of docs/method.md §8, every member's losses) and, in memory only, the law itself and the samples,
so that reports only draw.

JSON shape (``schema`` 2, docs/json.md): ``loss``, ``fit`` and ``members`` are objects of their
own records; ``diagnostics`` holds only the space's own facts. :meth:`MeasureResult.from_dict`
also reads the flattened shape of schema 1 (no ``schema`` key).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

from ._fit_rule import FitRule
from ._json import dumps, jsonable, number

__all__ = ["FitReport", "LossSummary", "MeasureResult", "MemberReport", "TargetResult", "SCHEMA"]

#: Version of the JSON shape written by :meth:`MeasureResult.to_dict`.
SCHEMA = 2


@dataclass(frozen=True)
class TargetResult:
    """I(ε) at one target error ε.

    Attributes
    ----------
    target_error : float
    bits : float
        -log2 P[L <= ε]; +inf where no hypothesis reaches ε, NaN where an estimator failed. For a
        figure of kind "bound", the lower bound: I(ε) > bits.
    kind : str
        What the figure is: "exact" (an exact law, docs/method.md §2), "count" (k >= 1 of N members reach ε:
        -log2(k/N) with its Clopper–Pearson interval), "bound" (none reaches ε: a one-sided lower
        bound, interval (bits, +inf)), or "model" (a fitted loss law's figure, an extrapolation
        where no member reaches ε). None where whoever made the record did not say (a reader then
        infers it: no interval, exact; an extrapolated figure, a model).
    reason : str or None
        The note shown beside the figure: why ``bits`` is +inf or NaN, or a caution. Built from
        the flags below by whoever measured it, never parsed back.
    bits_lower_bound : float or None
        The Chernoff bound (exact estimator): a rigorous lower bound on ``bits``.
    interval : (float, float) or None
        Bootstrap interval on ``bits`` (sample-based estimators).
    samples_below : int or None
        How many sampled losses were <= ε (sample-based estimators).
    extrapolated : bool
        A model figure at ε below every sampled loss: it comes from the fitted law alone.
    untrusted : bool
        A figure no benchmark supports (today: every model extrapolation).
    reliable : bool
        False where a diagnostic says the figure cannot be trusted (``reason`` says why).
    warnings : tuple of str
        The diagnostics' one-line warnings that make this figure unreliable (also in the result's
        top-level ``warnings``).
    members_needed : int or None
        Sample-size planning (sample-based estimators): the members a count at ε with an interval
        of the requested width (``FitReport.interval_width``) would need; for a bound, the fewest
        that give a first member below ε with 95 % probability if I(ε) were the bound (more are
        needed, since I(ε) is larger). See :func:`inductive_bias.measuring.members_needed`.
    """

    target_error: float
    bits: float
    reason: str | None = None
    bits_lower_bound: float | None = None
    interval: tuple | None = None
    samples_below: int | None = None
    extrapolated: bool = False
    untrusted: bool = False
    reliable: bool = True
    warnings: tuple = ()
    members_needed: int | None = None
    kind: str | None = None

    @property
    def impossible(self) -> bool:
        return math.isinf(self.bits) and self.bits > 0


    @property
    def failed(self) -> bool:
        return math.isnan(self.bits)

    def to_dict(self) -> dict:
        out = {"target_error": float(self.target_error), "bits": number(self.bits), "kind": self.kind,
               "impossible": self.impossible, "failed": self.failed}
        if self.reason:
            out["reason"] = self.reason
        if self.bits_lower_bound is not None:
            out["bits_lower_bound"] = number(self.bits_lower_bound)
        if self.interval is not None:
            out["interval"] = [number(v) for v in self.interval]
        if self.samples_below is not None:
            out["samples_below"] = int(self.samples_below)
        out.update(extrapolated=bool(self.extrapolated), untrusted=bool(self.untrusted),
                   reliable=bool(self.reliable))
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.members_needed is not None:
            out["members_needed"] = int(self.members_needed)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "TargetResult":
        bits = data["bits"]
        if bits is None:
            bits = math.inf if data.get("impossible") else math.nan
        interval = data.get("interval")
        if interval is not None:  # JSON null: not finite. Bits are >= 0, so an end that is not a number is
            # +inf (a bound's upper end, a replicate that reaches nothing) unless the figure failed
            missing = math.nan if bits is None and not data.get("impossible") else math.inf
            interval = tuple(missing if v is None else v for v in interval)
        lower = data.get("bits_lower_bound", None) if "bits_lower_bound" in data else None
        if "bits_lower_bound" in data and lower is None:
            lower = math.inf
        return cls(data["target_error"], bits, data.get("reason"), lower, interval, data.get("samples_below"),
                   bool(data.get("extrapolated", False)), bool(data.get("untrusted", False)),
                   bool(data.get("reliable", True)), tuple(data.get("warnings", ())), data.get("members_needed"),
                   data.get("kind", "exact" if interval is None else "model"))


def _record_to_dict(record) -> dict:
    return {f.name: jsonable(getattr(record, f.name)) for f in fields(record) if f.metadata.get("json", True)}


def _record_from_dict(cls, data: dict):
    names = {f.name for f in fields(cls) if f.metadata.get("json", True)}
    if not names & set(data):
        return None
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class FitReport:
    """How a sample-based estimate was obtained (docs/method.md §3).

    ``requested_estimator`` is what the caller asked for ("sampled"), the result's ``estimator``
    what it resolved to. For a fitted law: ``fit`` its parameters, ``goodness_of_fit`` its KS and
    Anderson–Darling statistics on the losses, ``failure`` why it could not be fitted and
    ``rejection`` why it was rejected against the direct count (in both cases the figures are the
    count's), ``n_bootstrap`` refits (``bootstrap_failures`` failed, first reasons in
    ``bootstrap_failure_reasons``) formed intervals of kind ``interval``. ``count_intervals``
    (Clopper–Pearson) and ``simultaneous_intervals`` (DKW) assume nothing about the law;
    ``confidence`` is every interval's level and ``interval_width`` the width sample-size planning
    is for.
    """

    requested_estimator: str
    seed: int | None = None
    hypotheses: int | None = None
    n_bootstrap: int = 0
    bootstrap_failures: int = 0
    bootstrap_failure_reasons: list = field(default_factory=list)
    confidence: float = 0.95
    interval: str = "clopper-pearson"
    fit: dict = field(default_factory=dict)
    goodness_of_fit: dict | None = None
    failure: str | None = None
    rejection: str | None = None
    count_intervals: list | None = None
    simultaneous_intervals: list | None = None
    interval_width: float | None = None

    def to_dict(self) -> dict:
        return _record_to_dict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "FitReport":
        data = dict(data)
        for key in ("count_intervals", "simultaneous_intervals"):  # JSON null: an end at +inf (bits >= 0)
            if data.get(key) is not None:
                data[key] = [[math.inf if v is None else v for v in row] for row in data[key]]
        return _record_from_dict(cls, data)


@dataclass(frozen=True)
class LossSummary:
    """The test losses a result rests on (docs/method.md §1).

    For an exact law: its ``mean``, ``std`` and ``offset`` c0 (nothing reaches below it). For
    samples: the same moments of the members used, their ``min``, ``max`` and number
    (``samples``), the training losses' summary and the share that fits (docs/method.md §8). Where the task is
    known, ``constant_mse`` is the test MSE of the constant predictor (the mean training target):
    a space whose ``mean`` is above it does worse on average than predicting a constant.
    """

    mean: float | None = None
    std: float | None = None
    offset: float | None = None
    min: float | None = None
    max: float | None = None
    samples: int | None = None
    train_mean: float | None = None
    train_median: float | None = None
    train_min: float | None = None
    train_max: float | None = None
    fit_share: float | None = None
    constant_mse: float | None = None
    test_accuracy_mean: float | None = None

    @property
    def worse_than_constant(self) -> bool:
        return self.mean is not None and self.constant_mse is not None and self.mean > self.constant_mse

    def to_dict(self) -> dict:
        return {k: v for k, v in _record_to_dict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict) -> "LossSummary":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in names})


@dataclass(frozen=True)
class MemberReport:
    """The members a sample-based estimate of a trained space rests on (docs/method.md §4, §8).

    ``members`` were drawn (or read from a store), ``members_used`` entered the estimate: every
    member, or with ``fitted_only`` those whose training MSE is at most ``fit_threshold`` (its rule
    in ``fit_threshold_rule``). A member with a non-finite test loss (a diverged run, counted in
    ``non_finite_members``) is used as one that reaches no target error. ``train_losses`` and
    ``test_losses`` hold every member's losses in member order (NaN for a diverged one).
    """

    members: int
    members_used: int
    fitted_only: bool = False
    non_finite_members: int = 0
    fit_threshold: float | None = None
    fit_threshold_rule: str | None = None
    members_fit: int | None = None
    fit_share: float | None = None
    test_accuracy_mean: float | None = None
    train_losses: list | None = None
    test_losses: list = field(default_factory=list)
    point_mass: bool = False
    store: str | None = None
    space_id: str | None = None
    run_seed: int | None = None

    @property
    def rule(self) -> FitRule:
        return FitRule(self.fit_threshold, self.fit_threshold_rule, self.fitted_only)

    @property
    def used(self) -> np.ndarray:
        """Which members entered the estimate (a boolean mask in member order; :class:`FitRule`)."""
        test = np.array([math.nan if v is None else v for v in self.test_losses], dtype=float)
        train = None if self.train_losses is None else np.array(
            [math.nan if v is None else v for v in self.train_losses], dtype=float)
        return self.rule.used(test, train)

    @property
    def used_losses(self) -> np.ndarray:
        test = np.array([math.nan if v is None else v for v in self.test_losses], dtype=float)
        return test[self.used]

    def to_dict(self) -> dict:
        return _record_to_dict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "MemberReport":
        return _record_from_dict(cls, data)


@dataclass(frozen=True)
class MeasureResult:
    """The inductive bias a task requires from a hypothesis space, at each target error.

    ``task`` and ``space`` describe what was measured, ``estimator`` how; ``loss`` (a
    :class:`LossSummary`) summarises the losses (mean, std, and for GP spaces the offset c0 below
    which nothing reaches);
    ``diagnostics`` holds the space's own facts (jitter, lengthscale, terms of the exact law),
    ``fit`` and ``members`` the typed records of a sample-based estimate, ``warnings`` one line
    for each thing that makes a figure untrustworthy, ``timings`` seconds per stage.

    ``law`` (the exact or fitted loss law, with ``bits``) and ``samples`` (the
    :class:`~inductive_bias.spaces.HypothesisSamples` used) are kept in memory only, for reports.
    """

    task: dict
    space: dict
    estimator: str
    results: tuple
    loss: LossSummary = field(default_factory=LossSummary)
    diagnostics: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    version: str = ""
    fit: FitReport | None = None
    members: MemberReport | None = None
    warnings: tuple = ()
    law: object = field(default=None, compare=False, repr=False)
    samples: object = field(default=None, compare=False, repr=False)

    @property
    def target_errors(self) -> np.ndarray:
        return np.array([r.target_error for r in self.results])

    @property
    def bits(self) -> np.ndarray:
        return np.array([r.bits for r in self.results])

    @property
    def kinds(self) -> tuple:
        """Each figure's kind ("exact", "count", "bound", "model")."""
        return tuple(r.kind for r in self.results)

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, "task": jsonable(self.task), "space": jsonable(self.space),
                "estimator": self.estimator, "loss": self.loss.to_dict(), "diagnostics": jsonable(self.diagnostics),
                "fit": None if self.fit is None else self.fit.to_dict(),
                "members": None if self.members is None else self.members.to_dict(),
                "timings": jsonable(self.timings), "version": self.version,
                "warnings": list(self.warnings), "results": [r.to_dict() for r in self.results]}

    def to_json(self, indent: int | None = 2) -> str:
        return dumps(self.to_dict(), indent)

    @classmethod
    def from_dict(cls, data: dict) -> "MeasureResult":
        diagnostics = dict(data.get("diagnostics") or {})
        if "schema" in data:
            fit = None if data.get("fit") is None else FitReport.from_dict(data["fit"])
            members = None if data.get("members") is None else MemberReport.from_dict(data["members"])
        else:  # schema 1: the records were flattened into diagnostics
            fit = FitReport.from_dict(diagnostics) if "requested_estimator" in diagnostics else None
            members = _record_from_dict(MemberReport, diagnostics) if "members_used" in diagnostics else None
            for record in (fit, members):
                if record is not None:
                    for f in fields(record):
                        diagnostics.pop(f.name, None)
        return cls(task=data["task"], space=data["space"], estimator=data["estimator"],
                   results=tuple(TargetResult.from_dict(r) for r in data["results"]),
                   loss=LossSummary.from_dict(data.get("loss")), diagnostics=diagnostics,
                   timings=data.get("timings", {}), version=data.get("version", ""), fit=fit, members=members,
                   warnings=tuple(data.get("warnings", ())))

    @classmethod
    def from_json(cls, text: str) -> "MeasureResult":
        import json

        return cls.from_dict(json.loads(text))

    def to_frame(self, name: str | None = None):
        """One row per ε as a pandas DataFrame (:func:`inductive_bias.reports.frames.measure_frame`)."""
        from .reports.frames import measure_frame

        return measure_frame(self, name)

    def _repr_html_(self) -> str:
        from .reports.frames import measure_html

        return measure_html(self)
