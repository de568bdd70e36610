"""Relative inductive bias of two spaces, with an interval that accounts for both (docs/method.md §8).

The inductive bias space A provides over a baseline B at ε is d = I_B(ε) − I_A(ε) bits: how many
fewer bits A needs (negative: A needs more). The two figures come from independent draws
(different members, or an exact law), so where both are points with intervals (exact, a count or
a model figure; every point lies inside its interval) the interval of the difference is built from
the two by the method of variance estimates recovery (MOVER; Zou & Donner 2008, Newcombe 1998)::

    lower = d − sqrt((b − l_b)² + (u_a − a)²)
    upper = d + sqrt((u_b − b)² + (a − l_a)²)

with (l, u) each figure's interval; it reduces to the usual √(se_A² + se_B²) interval for symmetric
normal intervals and keeps the asymmetry of count intervals; an exact figure has a zero-width
interval, so the difference carries the other interval alone. Where an end is infinite, the end of
the difference is the conservative difference of ends (l_b − u_a or u_b − l_a).

Where a side is only a lower bound (none of its members reaches ε: I > l), the difference is a
bound too:

* the space is a bound, I_A > l_a: d < u_b − l_a, so A provides **at most** u_b − l_a bits;
* the baseline is a bound, I_B > l_b: d > l_b − u_a, so A provides **at least** l_b − u_a bits;
* both are bounds: nothing is known (NaN, with the reason).

A one-sided figure is reported as ``bits`` = that end, with ``kind`` "at most" or "at least" and
the interval (−inf, end) or (end, +inf); it holds with at least the coverage of the two intervals
together.

>>> relative_bits(10.0, (9.0, 11.0), 4.0, (3.0, 5.0))
(6.0, (4.585786437626905, 7.414213562373095), 'difference')
>>> relative_bits(10.0, (9.0, 11.0), 6.1, (6.1, math.inf), space_kind="bound")
(4.9, (-inf, 4.9), 'at most')
"""

from __future__ import annotations

import math

__all__ = ["relative_bits"]


def _ends(bits: float, interval) -> tuple[float, float]:
    if interval is None:  # an exact figure: no sampling uncertainty
        return bits, bits
    low, high = (math.nan if v is None else float(v) for v in interval)
    return low, high


def relative_bits(baseline_bits: float, baseline_interval, space_bits: float, space_interval, *,
                  baseline_kind: str = "exact", space_kind: str = "exact"):
    """(I_baseline − I_space, its interval or None, its kind) — kind "difference", "at most",
    "at least" or "undefined" (NaN: a figure failed, both are bounds, or neither space reaches ε)."""
    b, a = float(baseline_bits), float(space_bits)
    b_bound, a_bound = baseline_kind == "bound", space_kind == "bound"
    if math.isnan(a) or math.isnan(b) or (b_bound and a_bound) or (math.isinf(a) and math.isinf(b)):
        return math.nan, None, "undefined"
    lb, ub = _ends(b, baseline_interval)
    la, ua = _ends(a, space_interval)
    if any(math.isnan(v) for v in (lb, ub, la, ua)):
        return b - a, None, "difference"
    if a_bound:
        end = ub - la
        return end, (-math.inf, end), "at most"
    if b_bound:
        end = lb - ua
        return end, (end, math.inf), "at least"
    d = b - a
    if all(math.isfinite(v) for v in (b, a, lb, ub, la, ua)):
        # points lie inside their intervals; max(0, ·) keeps a rounding error from flipping a sign
        lower = d - math.hypot(max(b - lb, 0.0), max(ua - a, 0.0))
        upper = d + math.hypot(max(ub - b, 0.0), max(a - la, 0.0))
        return d, (lower, upper), "difference"
    lower, upper = lb - ua, ub - la
    # inf - inf: an end nothing bounds
    return d, (-math.inf if math.isnan(lower) else lower, math.inf if math.isnan(upper) else upper), "difference"
