"""Finite-sample intervals on I(ε) from the sample alone (docs/method.md §3: every figure with its
uncertainty), valid whatever the loss law.

Assumption: the N losses are independent draws from the space's loss law (true of GP samples and
of networks trained from independent seeds). Nothing else is assumed, so these intervals hold for
every estimator's target, I(ε) itself; they are wide where few losses fall below ε, which is the
honest statement of how little the sample alone says there.

``clopper_pearson_bits`` — pointwise: for each ε separately, the exact binomial (Clopper–Pearson)
interval on p = P[L <= ε] from the count of losses <= ε, mapped to bits. With none of N below ε
the upper end of p is 1 - (α/2)^(1/N) ≈ ln(2/α)/N, so the sample alone proves only
I(ε) >= log2(N / ln(2/α)), and gives no upper bound (+inf).

``dkw_bits`` — simultaneous over all ε: the Dvoretzky–Kiefer–Wolfowitz inequality (with
Massart's constant), P[sup |F_N - F| > δ] <= 2 exp(-2 N δ²), δ = sqrt(ln(2/α) / (2N)), so
F(ε) lies in [F_N(ε) - δ, F_N(ε) + δ] for every ε at once with probability >= 1 - α.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

__all__ = ["clopper_pearson_bits", "dkw_bits"]


def _to_bits(p_low, p_high):
    with np.errstate(divide="ignore"):
        return np.column_stack([-np.log2(np.minimum(p_high, 1.0)), -np.log2(np.maximum(p_low, 0.0))])


def clopper_pearson_bits(below, n: int, confidence: float = 0.95) -> np.ndarray:
    """(lower, upper) bits for each count ``below`` of n losses <= ε (module docstring).

    Returns an array (len(below), 2); the upper end is +inf where no loss is below ε.
    """
    below = np.atleast_1d(np.asarray(below, dtype=np.float64))
    alpha = 1.0 - confidence
    p_low = np.where(below > 0, special.betaincinv(np.maximum(below, 1e-300), n - below + 1, alpha / 2), 0.0)
    p_high = np.where(below < n, special.betaincinv(below + 1, np.maximum(n - below, 1e-300), 1 - alpha / 2), 1.0)
    # ln of the upper end with none below, kept exact where 1 - (α/2)^(1/n) is tiny
    none = below == 0
    p_high = np.where(none, -np.expm1(math.log(alpha / 2) / n), p_high)
    return _to_bits(p_low, p_high)


def dkw_bits(below, n: int, confidence: float = 0.95) -> np.ndarray:
    """(lower, upper) bits from the DKW band, simultaneous over all ε (module docstring)."""
    below = np.atleast_1d(np.asarray(below, dtype=np.float64))
    delta = math.sqrt(math.log(2.0 / (1.0 - confidence)) / (2.0 * n))
    F = below / n
    return _to_bits(F - delta, F + delta)
