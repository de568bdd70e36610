"""A readable table of a :class:`MeasureResult`."""

from __future__ import annotations

import math

from ._text import plain_table


def format_bits(x) -> str:
    """Bits for a table: "inf", "failed" (NaN), "-" (None), fixed point up to 1e9, then
    scientific (the upper bound of SPEC §5 reaches 1e41)."""
    if x is None:
        return "-"
    if math.isnan(x):
        return "failed"
    if math.isinf(x):
        return "inf"
    if abs(x) < 1e4:
        return f"{x:,.4f}"
    return f"{x:,.1f}" if abs(x) < 1e9 else f"{x:.4e}"


def format_result(result) -> str:
    """The task, the space, the loss law and one row per target error."""
    task, space, loss = result.task, result.space, result.loss
    shown_space = ", ".join(f"{k}={v}" for k, v in space.items() if k != "space" and v is not None)
    if space.get("lengthscale") == "median" and "lengthscale" in result.diagnostics:
        shown_space += f"; median lengthscale {result.diagnostics['lengthscale']:.6g}"
    shape = ""
    if "n_train" in task:
        shape = (f": {task['n_train']} train / {task['n_test']} test, {task['n_features']} features, "
                 f"{task['n_outputs']} outputs")
    lines = [
        f"task   {task.get('name', '?')}{shape}",
        f"space  {space.get('space')} ({shown_space})",
        "loss   " + ", ".join(f"{k} {v:.6g}" for k, v in loss.items() if isinstance(v, (int, float))),
        f"estimator  {result.estimator}",
        "",
    ]
    sampled = any(r.interval is not None for r in result.results)
    second = f"{result.diagnostics.get('confidence', 0.95):.0%} interval" if sampled else "Chernoff bound"
    rows = []
    for r in result.results:
        if sampled:
            extra = "-" if r.interval is None else f"[{format_bits(r.interval[0])}, {format_bits(r.interval[1])}]"
        else:
            extra = format_bits(r.bits_lower_bound)
        rows.append((f"{r.target_error:.6g}", format_bits(r.bits), extra, r.reason or ""))
    lines.append(plain_table(["target error", "bits", second, "note"], rows, right=(0, 1, 2)))
    return "\n".join(lines)
