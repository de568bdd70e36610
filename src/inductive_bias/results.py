"""Result records of :func:`inductive_bias.measure`: immutable, JSON round-trippable."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields

import numpy as np

__all__ = ["MeasureResult", "TargetResult"]


def _number(x):
    """JSON has no inf/nan: they become null (the record says why next to it)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (np.floating, float)):
        return _number(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


@dataclass(frozen=True)
class TargetResult:
    """I(ε) at one target error ε.

    Attributes
    ----------
    target_error : float
    bits : float
        -log2 P[L <= ε]; +inf where no hypothesis reaches ε, NaN where an estimator failed.
    reason : str or None
        Why ``bits`` is +inf or NaN, or a caution (an extrapolation below every sample).
    bits_lower_bound : float or None
        The Chernoff bound (exact estimator): a rigorous lower bound on ``bits``.
    interval : (float, float) or None
        Bootstrap interval on ``bits`` (sample-based estimators).
    samples_below : int or None
        How many sampled losses were <= ε (sample-based estimators).
    """

    target_error: float
    bits: float
    reason: str | None = None
    bits_lower_bound: float | None = None
    interval: tuple | None = None
    samples_below: int | None = None

    @property
    def impossible(self) -> bool:
        return math.isinf(self.bits) and self.bits > 0

    def to_dict(self) -> dict:
        out = {"target_error": float(self.target_error), "bits": _number(self.bits),
               "impossible": self.impossible, "failed": bool(math.isnan(self.bits))}
        if self.reason:
            out["reason"] = self.reason
        if self.bits_lower_bound is not None:
            out["bits_lower_bound"] = _number(self.bits_lower_bound)
        if self.interval is not None:
            out["interval"] = [_number(v) for v in self.interval]
        if self.samples_below is not None:
            out["samples_below"] = int(self.samples_below)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "TargetResult":
        bits = data["bits"]
        if bits is None:
            bits = math.inf if data.get("impossible") else math.nan
        interval = data.get("interval")
        return cls(data["target_error"], bits, data.get("reason"),
                   _inf_if_none(data, "bits_lower_bound"), None if interval is None else tuple(
                       math.nan if v is None else v for v in interval), data.get("samples_below"))


def _inf_if_none(data, key):
    if key not in data:
        return None
    return math.inf if data[key] is None else data[key]


@dataclass(frozen=True)
class MeasureResult:
    """The inductive bias a task requires from a hypothesis space, at each target error.

    ``task`` and ``space`` describe what was measured, ``estimator`` how; ``loss`` summarises the
    loss law (mean, std, and for GP spaces the offset c0 below which nothing reaches);
    ``diagnostics`` holds estimator-specific facts (jitter, fit parameters, goodness of fit) and
    ``timings`` seconds per stage.
    """

    task: dict
    space: dict
    estimator: str
    results: tuple
    loss: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    version: str = ""

    @property
    def target_errors(self) -> np.ndarray:
        return np.array([r.target_error for r in self.results])

    @property
    def bits(self) -> np.ndarray:
        return np.array([r.bits for r in self.results])

    def to_dict(self) -> dict:
        out = {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "results"}
        out["results"] = [r.to_dict() for r in self.results]
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict) -> "MeasureResult":
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names and k != "results"}
        return cls(results=tuple(TargetResult.from_dict(r) for r in data["results"]), **kwargs)

    @classmethod
    def from_json(cls, text: str) -> "MeasureResult":
        return cls.from_dict(json.loads(text))
