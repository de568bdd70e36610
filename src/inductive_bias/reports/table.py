"""A readable table of a :class:`MeasureResult`."""

from __future__ import annotations

import math

from ..tasks.task import task_line
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
        text = f"{x:,.4f}"
        return "0.0000" if text == "-0.0000" else text  # a difference of equal figures, not a sign
    return f"{x:,.1f}" if abs(x) < 1e9 else f"{x:.4e}"


def format_result(result) -> str:
    """The task, the space, the loss law and one row per target error."""
    task, space, loss = result.task, result.space, result.loss
    shown_space = ", ".join(f"{k}={v}" for k, v in space.items() if k != "space" and v is not None)
    if space.get("lengthscale") == "median" and "lengthscale" in result.diagnostics:
        shown_space += f"; median lengthscale {result.diagnostics['lengthscale']:.6g}"
    fitted = result.diagnostics.get("hyperparameters")
    if fitted:  # GP hyperparameters fitted by marginal likelihood
        shown_space += ("; fitted " + ", ".join(f"{name} {fitted[name]:.6g}" for name in fitted["fitted"])
                        + f" (log marginal likelihood {fitted['log_marginal_likelihood']:.6g})")
    lines = [
        f"task   {task_line(task) if 'n_train' in task else task.get('name', '?')}",
        f"space  {space.get('space')} ({shown_space})",
        "loss   " + ", ".join(f"{k} {v:.6g}" for k, v in loss.items() if isinstance(v, (int, float))),
        f"estimator  {result.estimator}",
        "",
    ]
    # the exact law carries its Chernoff lower bound; every other estimator an interval (or none)
    sampled = result.estimator != "exact" or any(r.interval is not None for r in result.results)
    confidence = result.fit.confidence if result.fit is not None else result.diagnostics.get("confidence", 0.95)
    second = f"{confidence:.0%} interval" if sampled else "Chernoff bound"
    rows = []
    for r in result.results:
        if sampled:
            extra = "-" if r.interval is None else f"[{format_bits(r.interval[0])}, {format_bits(r.interval[1])}]"
        else:
            extra = format_bits(r.bits_lower_bound)
        rows.append((f"{r.target_error:.6g}", format_bits(r.bits), extra, r.reason or ""))
    lines.append(plain_table(["target error", "bits", second, "note"], rows, right=(0, 1, 2)))
    lines += [f"warning  {line}" for line in getattr(result, "warnings", ())]
    plan = _plan_line(result)
    if plan:
        lines += ["", plan]
    return "\n".join(lines)


def _plan_line(result) -> str:
    """``plan   a 1-bit wide interval needs about 120 members at ε 0.015, ...``: sample-size
    planning (width ∝ 1/sqrt(N), docs/estimators.md); empty where nothing was planned."""
    fit = getattr(result, "fit", None)
    width = getattr(fit, "interval_width", None)
    planned = [r for r in result.results if r.members_needed is not None]
    if not planned or width is None:
        return ""
    used = result.members.members_used if result.members is not None else result.loss.get("samples")
    first, *rest = planned
    each = ", ".join([f"{first.members_needed} members at ε = {first.target_error:.6g}",
                      *(f"{r.members_needed} at ε = {r.target_error:.6g}" for r in rest)])
    return (f"plan   for intervals {width:g} bit wide: about {each} (now {used}; the width shrinks as "
            f"1/sqrt(members))")
