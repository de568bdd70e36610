"""The target errors shared by every space of an experiment when the file gives none.

Relative bits need every space measured at the same ε, so one grid serves all, and it is drawn
from the task's ladder of absolute values (:mod:`inductive_bias.measuring.targets`: rungs
c · 2^(-j/2) below the constant predictor's test MSE c), the same rungs a separate ``measure`` of
any of these spaces on the task uses. Each space contributes the range of test losses where its
figures rest on evidence:

* an exact space (docs/method.md §2, §7), from its law: from max(c0, mean − 4 sd) up to its mean — I(ε)
  runs from about 1 bit at the mean into the tail, and nothing reaches below the offset c0;
* a sampled space, from its members used (those that fit, docs/method.md §8): from its smallest loss (below
  it the sample gives only a lower bound) up to its median (about 1 bit).

The grid spans the union of the ranges, at most ``points`` rungs. At ε below a sampled space's
smallest loss that space's figure is a lower bound (none of its members reaches ε), which is what
a comparison with a better space honestly says.

>>> from inductive_bias.experiment.grid import default_grid, loss_range
>>> grid, rule = default_grid([(0.02, 0.03), (0.05, 0.08)], 4, reference=0.09)
>>> grid.tolist()
[0.0636, 0.045, 0.0318, 0.0225]
"""

from __future__ import annotations

import numpy as np

from ..measuring.targets import ladder_targets, sampled_range

__all__ = ["default_grid", "loss_range"]

EXACT_DEPTH_SD = 4.0


def loss_range(*, exact=None, sampled=None) -> tuple[float, float]:
    """(low, high) test losses a space's figures rest on (see the module's description)."""
    if exact is not None:
        low = max(float(exact.offset), float(exact.mean) - EXACT_DEPTH_SD * float(exact.std))
        return low, float(exact.mean)
    return sampled_range(sampled)


def default_grid(ranges, points: int = 8, *, reference: float | None = None) -> tuple[np.ndarray, str]:
    """At most ``points`` rungs of the task's ladder (anchored at ``reference``, the constant
    predictor's test MSE; 1.0 where unknown) spanning the union of ``ranges``, largest first, and
    the rule's text."""
    ranges = [(lo, hi) for lo, hi in ranges if np.isfinite(lo) and np.isfinite(hi) and hi > 0]
    if not ranges:
        return np.array([]), "no space has a loss range (no members fit)"
    low = min(lo for lo, _ in ranges)
    high = max(hi for _, hi in ranges)
    grid = ladder_targets(reference if reference else 1.0, low, high, points)
    anchor = (f"the constant predictor's test MSE {reference:.3g}" if reference else "1")
    return grid, (f"at most {points} rungs c·2^(-j/2) below c = {anchor}, from {low:.3g} (the lowest loss any "
                  f"space's figures rest on) to {high:.3g} (the highest typical loss: a GP's mean, a sampled space's "
                  "median)")
