"""A readable table of a :class:`~inductive_bias.complexity.Comparison`: the upper bound (docs/method.md §5)
beside each space's bits, per target error."""

from __future__ import annotations

from ._text import plain_table
from .table import format_bits

__all__ = ["format_comparison"]


def format_comparison(comparison) -> str:
    """A table: per ε, the bound and each space's bits with its interval or lower bound."""
    task, g = comparison.task, comparison.geometry
    dim, sep = g["dimension"], g["separation"]
    lines = [
        f"task   {task.get('name', '?')}: {task.get('n_train')} train / {task.get('n_test')} test, "
        f"{task.get('n_features')} features, {g['classes']} classes",
        f"bound inputs (docs/method.md §5): n {g['n']}, R {g['R']:.6g}, m {g['m']:.4g} "
        f"[{dim['interval'][0]:.4g}, {dim['interval'][1]:.4g}], δ {g['delta']:.6g} ({sep['method']}), "
        f"P {g['combinations']}, D {g['outputs']}",
        "",
    ]
    rows = []
    for j, eps in enumerate(comparison.target_errors):
        bound = comparison.bounds[j]
        low, high = comparison.bound_ranges[j]
        rows.append((f"{eps:.6g}", "upper bound (docs/method.md §5)", format_bits(bound.bits),
                     f"[{format_bits(low)}, {format_bits(high)}]", bound.reason or ""))
        for name, result in comparison.spaces.items():
            r = result.results[j]
            if r.interval is not None:
                extra = f"[{format_bits(r.interval[0])}, {format_bits(r.interval[1])}]"
            elif r.bits_lower_bound is not None:
                extra = f">= {format_bits(r.bits_lower_bound)}"
            else:
                extra = "-"
            rows.append(("", name, format_bits(r.bits), extra, r.reason or ""))
    lines.append(plain_table(["target error", "", "bits", "interval / lower bound", "note"], rows, right=(0, 2, 3)))
    lines += ["", "interval: the bound's range as m runs over its interval; '>=' the Chernoff lower bound of an "
              "exact figure; [a, b] the bootstrap interval of a sample-based estimate. The bound's ε is the published "
              "bound's error, plugged in as the same number as the test MSE ε of the measurements."]
    return "\n".join(lines)
