"""Relative inductive bias of two spaces, with an interval that accounts for both (SPEC §8).

The inductive bias space A provides over a baseline B at ε is I_B(ε) − I_A(ε) bits: how many
fewer bits A needs. The two figures come from independent draws (different members, or an exact
law), so the interval of the difference is built from the two intervals by the method of
variance estimates recovery (MOVER; Zou & Donner 2008, Newcombe 1998)::

    d = b − a
    lower = d − sqrt((b − l_b)² + (u_a − a)²)
    upper = d + sqrt((u_b − b)² + (a − l_a)²)

with (l, u) each figure's interval. It reduces to the usual √(se_A² + se_B²) interval for
symmetric normal intervals and keeps the asymmetry of bootstrap intervals; an exact figure has a
zero-width interval, so the difference then carries the other interval alone. Where an end of an
interval is infinite (a bootstrap replicate that reaches nothing), the end of the difference is
the conservative sum of the ends (l_b − u_a or u_b − l_a), infinite too.

>>> relative_bits(10.0, (9.0, 11.0), 4.0, (3.0, 5.0))
(6.0, (4.585786437626905, 7.414213562373095))
"""

from __future__ import annotations

import math

__all__ = ["relative_bits"]


def _ends(bits: float, interval) -> tuple[float, float]:
    if interval is None:  # an exact figure: no sampling uncertainty
        return bits, bits
    low, high = (math.nan if v is None else float(v) for v in interval)
    return low, high


def relative_bits(baseline_bits: float, baseline_interval, space_bits: float, space_interval):
    """(I_baseline − I_space, its interval or None). NaN where the difference is undefined
    (both +inf: neither space reaches ε; either figure failed)."""
    b, a = float(baseline_bits), float(space_bits)
    if math.isnan(a) or math.isnan(b) or (math.isinf(a) and math.isinf(b)):
        return math.nan, None
    d = b - a
    lb, ub = _ends(b, baseline_interval)
    la, ua = _ends(a, space_interval)
    if any(math.isnan(v) for v in (lb, ub, la, ua)):
        return d, None
    if all(math.isfinite(v) for v in (b, a, lb, ub, la, ua)):
        lower = d - math.hypot(b - lb, ua - a)
        upper = d + math.hypot(ub - b, a - la)
        return d, (lower, upper)
    lower, upper = lb - ua, ub - la
    # inf - inf: an end nothing bounds
    return d, (-math.inf if math.isnan(lower) else lower, math.inf if math.isnan(upper) else upper)
