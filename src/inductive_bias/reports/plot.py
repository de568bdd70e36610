"""Figures: I(ε) against ε, with the loss distribution beneath.

Reports only draw: every curve comes from the law the measurement kept (the exact generalized
chi-square of a GP space, or the law a sample-based estimator fitted) and every histogram from
the losses it used. Nothing is sampled or fitted here.
"""

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


# What matplotlib's Agg canvas writes, by file suffix.
FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".svgz", ".eps", ".ps", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")


def check_figure_path(path, argument: str = "plot") -> Path:
    """A figure file that can be written, checked before any work: an existing folder holding it,
    a suffix matplotlib writes (a bare name would silently become NAME.png), not a folder itself,
    and writable (tried by opening it for appending, or creating and removing it)."""
    file = Path(path)
    if file.is_dir():
        raise InputError(argument, f"{path} is a folder; give a file name such as {file / 'figure.png'}")
    if file.suffix.lower() not in FIGURE_SUFFIXES:
        raise InputError(argument, f"{path} must end in one of {', '.join(FIGURE_SUFFIXES)}")
    if not file.parent.is_dir():
        raise InputError(argument, f"directory {file.parent} does not exist")
    try:
        if file.exists():
            open(file, "ab").close()  # writes nothing
        else:
            open(file, "xb").close()
            file.unlink()
    except OSError as error:
        raise InputError(argument, f"cannot write {path}: {error.strerror or error}") from None
    return file


def _save(plt, fig, path, argument: str = "plot") -> None:
    path = check_figure_path(path, argument)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=120)
    except OSError as error:  # a disk that filled up meanwhile
        raise InputError(argument, f"cannot write {path}: {error.strerror or error}") from None
    finally:
        plt.close(fig)


def _title(result) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in result.space.items()
                      if k not in ("space", "jitter", "space_id") and v is not None)
    return f"{result.task.get('name')}: {result.space.get('space')} {shown}"[:110]


def _measured_points(top, result) -> None:
    finite = [r for r in result.results if math.isfinite(r.bits)]
    if not finite:
        return
    x = np.array([r.target_error for r in finite])
    y = np.array([r.bits for r in finite])
    intervals = [r.interval for r in finite]
    if all(iv is not None and all(math.isfinite(v) for v in iv) for iv in intervals):
        low = np.array([iv[0] for iv in intervals])
        high = np.array([iv[1] for iv in intervals])
        top.errorbar(x, y, yerr=[np.maximum(y - low, 0), np.maximum(high - y, 0)], fmt="o", color="tab:blue",
                     capsize=3, label=f"measured ({result.estimator}) with interval")
    else:
        top.plot(x, y, "o", color="tab:blue", label=f"measured ({result.estimator})")


def plot_result(result, path) -> None:
    """I(ε) of ``result`` against ε, and the distribution of the test loss beneath.

    Exact results draw the law's curve, its Chernoff lower bound and its density; sample-based
    results the fitted law's curve over the sample's range (where the estimator fits a law) and
    the histogram of the losses used.
    """
    from ..distributions import GeneralizedChiSquare

    plt, fig, top, bottom = _figure()
    law = result.law
    eps = result.target_errors
    if isinstance(law, GeneralizedChiSquare) and result.estimator == "exact":
        lo = max(min(eps.min(), law.mean - 6 * law.std), law.offset + 1e-9 * law.std)
        grid = np.linspace(lo, law.mean + 3 * law.std, 300)
        top.plot(grid, law.bits(grid), color="black", lw=2, label="exact (generalized chi-square)")
        top.plot(grid, law.chernoff_bits(grid), color="gray", lw=1, ls=":", label="Chernoff lower bound")
        with np.errstate(over="ignore"):
            cdf = np.exp2(-law.bits(grid))
        bottom.plot(grid, np.gradient(cdf, grid), color="tab:gray")
        bottom.set_ylabel("density of the loss")
    else:
        losses = result.members.used_losses if result.members is not None else np.array([])
        if losses.size:
            grid = np.linspace(min(eps.min(), losses.min()), losses.max(), 200)
            if law is not None and getattr(law, "log_cdf", None) is not None and law.log_cdf(losses[:1]) is not None:
                top.plot(grid, law.bits(grid), color="tab:orange", lw=1.5, label=f"{result.estimator} fit")
            bottom.hist(losses, bins=60, color="tab:gray")
        bottom.set_ylabel("sampled hypotheses")
    _measured_points(top, result)
    top.set_yscale("log")
    top.set_ylabel("inductive bias I(ε) [bits]")
    top.set_title(_title(result))
    if top.get_legend_handles_labels()[0]:
        top.legend()
    top.grid(alpha=0.3, which="both")
    bottom.set_xlabel("test loss ε (MSE)")
    _save(plt, fig, path)
