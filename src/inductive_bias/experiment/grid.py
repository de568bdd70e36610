"""The target errors shared by every space of an experiment when the file gives none.

Relative bits need every space measured at the same ε, so one grid serves all. Each space
contributes the range of test losses where its figure rests on evidence:

* an exact (GP) space, from its law (SPEC §2): from max(c0, mean − 4 sd) up to its mean — I(ε)
  runs from about 1 bit at the mean into the tail, and nothing reaches below the offset c0;
* a sampled space, from its members used (those that fit, SPEC §8): from the smallest sampled
  loss (below it the estimate is an extrapolation, flagged ``extrapolated``) up to the median
  (about 1 bit).

The grid runs from the lowest lower end to the highest upper end over all spaces, ``points``
values evenly spaced on a log scale (the spaces' losses often differ by a factor of ten), rounded to three significant digits so that a table reads them easily.
The better spaces thus get ε where the worse ones need many bits (or none reaches), which is
what a comparison asks; every figure outside a space's own range keeps its flags.

>>> from inductive_bias.experiment.grid import default_grid, loss_range
>>> grid, rule = default_grid([(0.02, 0.03), (0.05, 0.08)], 4)
>>> grid.tolist()
[0.08, 0.0504, 0.0317, 0.02]
"""

from __future__ import annotations

import numpy as np

__all__ = ["default_grid", "loss_range"]

EXACT_DEPTH_SD = 4.0


def loss_range(*, exact=None, sampled=None) -> tuple[float, float]:
    """(low, high) test losses a space's figures rest on (see the module's description)."""
    if exact is not None:
        low = max(float(exact.offset), float(exact.mean) - EXACT_DEPTH_SD * float(exact.std))
        return low, float(exact.mean)
    losses = np.asarray(sampled, dtype=float)
    return float(losses.min()), float(np.median(losses))


def _round(x: float) -> float:
    return float(f"{x:.3g}")


def default_grid(ranges, points: int = 8) -> tuple[np.ndarray, str]:
    """``points`` target errors spanning the union of ``ranges``, largest first, and the rule's text."""
    ranges = [(lo, hi) for lo, hi in ranges if np.isfinite(lo) and np.isfinite(hi) and hi > 0]
    if not ranges:
        return np.array([]), "no space has a loss range (no members fit)"
    low = min(lo for lo, _ in ranges)
    high = max(hi for _, hi in ranges)
    if high <= low:
        high = low * 1.1
    low = max(low, high * 1e-6)
    grid = sorted({_round(e) for e in np.geomspace(low, high, points) if e > 0}, reverse=True)
    return np.array(grid), (f"{points} values, evenly spaced in log ε, from {low:.3g} (the lowest loss any space's figures rest on) to "
                            f"{high:.3g} (the highest typical loss: a GP's mean, a sampled space's median)")
