"""Default target errors that compare: the same ε for every space measured on a task.

A target error is a test MSE, so defaults are absolute values taken from the task, not from each
space's own losses: rungs of one ladder below the **constant predictor's MSE** (predicting the mean
training target everywhere), ε_j = MSE_const · 2^(-j/2) rounded to three significant digits.
Every run on one task — separate ``measure`` commands, every space of an experiment — draws its
targets from the same rungs, so their figures can be set side by side. A run keeps the rungs inside
the range where its figures rest on evidence (docs/method.md §2, §3):

* an exact space, from max(c0, mean − 16 sd) up to its mean loss (the law is exact that deep);
* a sampled space, from its smallest loss used up to its median loss: every rung has at least one
  member at or below it, so each figure is a count (a deeper rung could only print a bound).

Where more than ``points`` rungs fit, every second (fourth, ...) rung is kept, counting from the
constant predictor's MSE, so that runs thinned differently still share rungs.

>>> ladder_targets(0.09, 0.02, 0.07, points=8).tolist()
[0.0636, 0.045, 0.0318, 0.0225]
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["constant_mse", "ladder_targets", "exact_range", "sampled_range", "EXACT_DEPTH_SD"]

EXACT_DEPTH_SD = 16.0
DEFAULT_POINTS = 8


def constant_mse(task) -> float:
    """Test MSE of the constant predictor that outputs the mean training target (docs/method.md §1's loss)."""
    mean = np.mean(task.Y_train, axis=0)
    return float(np.mean((task.Y_test - mean) ** 2))


def _rung(reference: float, j: int) -> float:
    return float(f"{reference * 2.0 ** (-j / 2):.3g}")


def ladder_targets(reference: float, low: float, high: float, points: int = DEFAULT_POINTS) -> np.ndarray:
    """Rungs ``reference · 2^(-j/2)`` (3 significant digits) in [low, high], at most ``points``,
    largest first; the rung nearest ``high`` from below where none falls inside."""
    if not (math.isfinite(reference) and reference > 0):
        reference = 1.0
    high = max(high, low)
    if not (math.isfinite(high) and high > 0):
        return np.array([])
    low = max(low, high * 1e-12)
    j_first = math.floor(-2 * math.log2(high / reference)) - 1
    j_last = math.ceil(-2 * math.log2(low / reference)) + 1
    js = [j for j in range(j_first, j_last + 1) if low <= _rung(reference, j) <= high]
    if not js:
        j = j_first
        while _rung(reference, j) > high:
            j += 1
        return np.array([_rung(reference, j)])
    step = 1
    while len([j for j in js if j % step == 0]) > points:
        step *= 2
    kept = [j for j in js if j % step == 0] or js[:1]
    return np.array(sorted({_rung(reference, j) for j in kept}, reverse=True))


def exact_range(law) -> tuple[float, float]:
    """(low, high) of an exact law's default targets (module docstring)."""
    low = max(float(law.offset), float(law.mean) - EXACT_DEPTH_SD * float(law.std))
    if low <= float(law.offset):
        low = float(law.offset) + 1e-6 * (float(law.mean) - float(law.offset))
    return low, float(law.mean)


def sampled_range(losses) -> tuple[float, float]:
    """(low, high) of a sample's default targets: its smallest finite loss to its median."""
    losses = np.asarray(losses, dtype=float)
    losses = losses[np.isfinite(losses)]
    return float(losses.min()), float(np.median(losses))
