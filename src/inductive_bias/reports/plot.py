"""Figures: I(ε) against ε, with the loss distribution beneath.

Reports only draw: every curve comes from the law the measurement kept (the exact generalized
chi-square of a GP space, or the law a sample-based estimator fitted) and every histogram from
the losses it used. Nothing is sampled or fitted here.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from ..exceptions import InputError
from ._style import (MARKERS, PALETTE, FigureStyle, SpaceStyle, bits_axis, draw_points, kind_handles,
                     legend_outside, plain_number, point_kind, pyplot, save_figure)


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


def _save(plt, fig, path, argument: str = "plot", style=None) -> None:
    path = check_figure_path(path, argument)
    if style is None or style.size is None:
        # where tick labels such as 5.98e+198 leave no room, saving with a tight bounding box
        # still keeps every decoration in the file: matplotlib's warning is not the user's business
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Tight layout not applied")
            fig.tight_layout()
    try:
        save_figure(fig, path, dpi=120 if style is None else style.dpi)
    except OSError as error:  # a disk that filled up meanwhile
        raise InputError(argument, f"cannot write {path}: {error.strerror or error}") from None
    finally:
        plt.close(fig)


def _title(result) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in result.space.items()
                      if k not in ("space", "jitter", "space_id") and v is not None)
    return f"{result.task.get('name')}: {result.space.get('space')} {shown}"[:110]


def _measured_points(top, result, colour: str, marker: str) -> None:
    points = result.results
    x = np.array([r.target_error for r in points], dtype=float)
    y = np.array([r.bits if math.isfinite(r.bits) else math.nan for r in points], dtype=float)
    low = np.array([math.nan if r.interval is None else r.interval[0] for r in points], dtype=float)
    high = np.array([math.nan if r.interval is None else r.interval[1] for r in points], dtype=float)
    kinds = [point_kind(r, result.estimator) for r in points]
    draw_points(top, x, y, low, high, kinds, SpaceStyle(colour, marker), f"measured ({result.estimator})",
                line=False, errorbars=True)


def plot_result(result, path, style: FigureStyle | None = None, *, space_style: SpaceStyle | None = None) -> None:
    """I(ε) of ``result`` against ε, and the distribution of the test loss beneath.

    Exact results draw the law's curve, its Chernoff lower bound and its density; sample-based
    results the fitted law's curve over the sample's range (where the estimator fits a law) and
    the histogram of the losses used. Points are drawn by kind (exact, counted with an interval,
    lower bound, model extrapolation: :mod:`inductive_bias.reports._style`). ``space_style`` is
    the space's colour and marker in the figures of its run (``run_styles(experiment)[name]``),
    so that it looks the same here; default the palette's first.
    """
    from ..distributions import GeneralizedChiSquare

    style = style or FigureStyle()
    plt = pyplot()
    law = result.law
    eps = result.target_errors
    colour, marker = (space_style.colour, space_style.marker) if space_style else (PALETTE[0], MARKERS[0])
    with style.context():
        fig, (top, bottom) = plt.subplots(2, 1, figsize=style.figsize((7.5, 6.5)), sharex=True,
                                          height_ratios=[2.2, 1])
        drawn = [*result.bits]
        exact = isinstance(law, GeneralizedChiSquare) and result.estimator == "exact"
        if exact:
            # down to the deepest target, but not past 64 sd below the mean: a target 1e99 sd into
            # the tail (a law of sd 1e-102) took minutes a curve; its point is drawn all the same
            lo = max(min(eps.min(), law.mean - 6 * law.std), law.mean - 64 * law.std, law.offset + 1e-9 * law.std)
            grid = np.linspace(lo, law.mean + 3 * law.std, 300)
        if exact and np.unique(grid).size > 2:
            curve, chernoff = law.bits(grid), law.chernoff_bits(grid)
            top.plot(grid, curve, color=colour, lw=2, label="exact (generalized chi-square)")
            top.plot(grid, chernoff, color="0.4", lw=1, ls=":", label="Chernoff lower bound")
            drawn += [*curve, *chernoff]
            with np.errstate(over="ignore"):
                cdf = np.exp2(-curve)
            # the derivative in standard units, then scaled: the spacing of a grid of losses near
            # 1e200 squared (inside np.gradient) would overflow where the density itself does not
            density = np.gradient(cdf, (grid - law.mean) / law.std) / law.std
            bottom.plot(grid, density, color="0.4")
            bottom.set_ylabel("density of the loss")
        elif exact:  # a spread below float64's resolution at the mean: no curve to draw
            bottom.text(0.5, 0.5, f"the loss's sd ({law.std:.3g}) is below float64's resolution at its mean "
                                  f"({law.mean:.6g}): no curve", ha="center", va="center",
                        transform=bottom.transAxes, fontsize="small")
            bottom.set_ylabel("density of the loss")
        else:
            losses = result.members.used_losses if result.members is not None else np.array([])
            if losses.size:
                grid = np.linspace(min(eps.min(), losses.min()), losses.max(), 200)
                if law is not None and getattr(law, "log_cdf", None) is not None and law.log_cdf(losses[:1]) is not None:
                    curve = law.bits(grid)
                    top.plot(grid, curve, color=colour, lw=1.5, alpha=0.7, label=f"{result.estimator} fit")
                    drawn += [v for v in curve if math.isfinite(v) and v <= 10 * max(
                        [b for b in result.bits if math.isfinite(b)] or [1.0])]
                bottom.hist(losses, bins=60, color="0.6")
            bottom.set_ylabel("sampled hypotheses")
        _measured_points(top, result, colour, marker)
        for r in result.results:
            if r.interval is not None:
                drawn += [v for v in r.interval if v is not None]
        bits_axis(top, drawn)
        top.set_ylabel("inductive bias I(ε) [bits]")
        top.set_title(_title(result), fontsize="medium")
        handles, labels = top.get_legend_handles_labels()
        extra = [h for h in kind_handles({point_kind(r, result.estimator) for r in result.results
                                          if math.isfinite(r.bits)}) if h.get_label() not in ("95% interval", "exact law")]
        legend_outside(top, handles + extra, labels + [h.get_label() for h in extra])
        top.grid(alpha=0.3)
        bottom.set_xlabel("test loss ε (MSE)")
        bottom.xaxis.set_major_formatter(__import__("matplotlib").ticker.FuncFormatter(
            lambda v, _: plain_number(v)))
        _save(plt, fig, path, style=style)
