"""Figures: I(ε) against ε, with the histogram of sampled losses beneath."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..exceptions import InputError


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6.5), sharex=True, height_ratios=[2.2, 1])
    return plt, fig, top, bottom


def _save(plt, fig, path) -> None:
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise InputError("plot", f"directory {path.parent} does not exist")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_measurement(result, task, space, path, *, hypotheses: int = 1000, seed=0) -> None:
    """Exact curve (GP spaces), the paper estimator's curve from ``hypotheses`` sampled losses, the
    measured points and the histogram of the sampled losses."""
    from ..estimators import get_estimator

    plt, fig, top, bottom = _figure()
    samples = space.sample(task, hypotheses, seed)
    losses = samples.losses
    exact = None
    try:
        exact, _ = space.loss_distribution(task)
    except InputError:
        pass
    lo = min(np.min(result.target_errors), losses.min())
    hi = losses.max()
    if exact is not None:
        lo = max(min(lo, exact.mean - 6 * exact.std), exact.offset + 1e-9 * exact.std)
    grid = np.linspace(lo, hi, 200)
    if exact is not None:
        top.plot(grid, exact.bits(grid), color="black", lw=2, label="exact (generalized chi-square)")
    paper = get_estimator("paper").fit(losses)
    top.plot(grid, paper.bits(grid), color="tab:orange", lw=1.5, ls="--",
             label=f"paper estimator, N={losses.size}")
    finite = [(r.target_error, r.bits) for r in result.results if math.isfinite(r.bits)]
    if finite:
        x, y = zip(*finite)
        top.plot(x, y, "o", color="tab:blue", label=f"measured ({result.estimator})")
    top.set_yscale("log")
    top.set_ylabel("inductive bias I(ε) [bits]")
    top.set_title(f"{result.task.get('name')}: {result.space.get('space')} "
                  + ", ".join(f"{k}={v}" for k, v in result.space.items() if k not in ("space", "jitter")))
    top.legend()
    top.grid(alpha=0.3, which="both")
    bottom.hist(losses, bins=60, color="tab:gray")
    bottom.set_xlabel("test loss ε (MSE)")
    bottom.set_ylabel("sampled hypotheses")
    _save(plt, fig, path)


def plot_losses(result, losses, path) -> None:
    """The fitted estimator's curve over the sample's range and the histogram of the losses."""
    from ..estimators import get_estimator

    plt, fig, top, bottom = _figure()
    lo = min(np.min(result.target_errors), losses.min())
    grid = np.linspace(lo, losses.max(), 200)
    method = get_estimator(result.estimator)
    if result.estimator != "empirical" and not method.uses_predictions and not result.diagnostics.get("failure"):
        law = method.fit(losses)
        top.plot(grid, law.bits(grid), color="tab:orange", lw=1.5, label=f"{result.estimator} fit")
    finite = [(r.target_error, r.bits) for r in result.results if math.isfinite(r.bits)]
    if finite:
        x, y = zip(*finite)
        top.plot(x, y, "o", color="tab:blue", label="measured")
    top.set_yscale("log")
    top.set_ylabel("inductive bias I(ε) [bits]")
    if top.get_legend_handles_labels()[0]:
        top.legend()
    top.grid(alpha=0.3, which="both")
    bottom.hist(losses, bins=60, color="tab:gray")
    bottom.set_xlabel("test loss ε (MSE)")
    bottom.set_ylabel("losses")
    _save(plt, fig, path)
