"""A readable table of a :class:`MeasureResult`."""

from __future__ import annotations

import math

from ..tasks.task import task_line
from ._text import plain_table


def format_bits(x) -> str:
    """Bits for a table: "inf", "failed" (NaN), "-" (None), fixed point up to 1e9, then
    scientific (the upper bound of docs/method.md §5 reaches 1e41)."""
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
        "loss   " + _loss_line(loss),
        f"estimator  {result.estimator}" + _estimator_note(result),
        "",
    ]
    exact = all(r.kind == "exact" for r in result.results)
    with_bound = exact and any(r.bits_lower_bound is not None for r in result.results)
    confidence = result.fit.confidence if getattr(result, "fit", None) is not None else 0.95
    second = "Chernoff lower bound" if with_bound else f"{confidence:.0%} interval"
    rows = []
    for r in result.results:
        if with_bound:
            extra = format_bits(r.bits_lower_bound)
        else:
            extra = "-" if r.interval is None else f"[{format_bits(r.interval[0])}, {format_bits(r.interval[1])}]"
        shown = ("> " + format_bits(r.bits)) if r.kind == "bound" else format_bits(r.bits)
        rows.append((f"{r.target_error:.6g}", shown, r.kind, extra, r.reason or ""))
    lines.append(plain_table(["target error", "bits", "kind", second, "note"], rows, right=(0, 1, 3)))
    lines += [f"warning  {line}" for line in getattr(result, "warnings", ())]
    plan = _plan_line(result)
    if plan:
        lines += ["", plan]
    return "\n".join(lines)


def _loss_line(loss) -> str:
    """``mean 0.0521, std 0.004, ... (constant predictor 0.09)``: the loss summary's numbers."""
    items = loss.to_dict() if hasattr(loss, "to_dict") else dict(loss)
    shown = ", ".join(f"{k.replace('_', ' ')} {v:.6g}" for k, v in items.items()
                      if isinstance(v, (int, float)) and k not in ("constant_mse",))
    constant = items.get("constant_mse")
    if constant is not None:
        shown += f"; constant predictor's test MSE {constant:.6g}"
        if items.get("mean") is not None and items["mean"] > constant:
            shown += " (the mean test MSE is WORSE than predicting a constant)"
    return shown


def _estimator_note(result) -> str:
    fit = getattr(result, "fit", None)
    if fit is None:
        return ""
    if fit.rejection:
        return f" (rejected: {fit.rejection}; the figures are the direct count's)"
    if fit.failure:
        return f" (failed: {fit.failure}; the figures are the direct count's)"
    if result.estimator == "count":
        return " (the direct count: k of N members reach ε, exact Clopper-Pearson interval; '> b': none reaches it)"
    return " (a fitted law: model figures)"


def _plan_line(result) -> str:
    """``plan   a 1-bit wide interval needs about 120 members at ε 0.015, ...``: sample-size
    planning (width ∝ 1/sqrt(N), docs/estimators.md); empty where nothing was planned."""
    fit = getattr(result, "fit", None)
    width = getattr(fit, "interval_width", None)
    planned = [r for r in result.results if r.members_needed is not None]
    if not (planned or any(r.kind == "bound" for r in result.results)) or width is None:
        return ""
    used = result.members.members_used if result.members is not None else result.loss.samples

    bounds = [r for r in result.results if r.kind == "bound"]
    text = (f"plan   members needed for a {width:g}-bit interval: "
            f"{', '.join(f'{r.members_needed} at ε = {r.target_error:.6g}' for r in planned)} (now {used})")
    if bounds:
        text += (f"; at ε = {', '.join(f'{r.target_error:.6g}' for r in bounds)}: more than {used} (none reached it; "
                 "about 3·2^I for a first member below ε at I bits)")
    return text
