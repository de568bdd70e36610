"""What every figure shares: one colour and marker per space, the style of a figure (size, font
scale, file format), readable axes (ε as plain decimals, bits on a linear or symlog axis chosen
from the data), legends outside the data, and the kind of each drawn point.

A point's kind says what its number is, and so how it is drawn:

``exact``  the law's own value: a filled marker on a solid line, no interval;
``count``  a direct estimate from the members with its interval: a filled marker, the interval as
           a band (curves) or error bar (relative bits);
``bound``  a one-sided lower bound: the lower end only, drawn as an upward arrow from it;
``model``  an extrapolation of a fitted law below every sampled loss: a hollow marker on a dashed
           line.

A point that carries no ``kind`` gets one from what it says today: ``exact`` for the exact
estimator, ``model`` where it is ``extrapolated``, ``count`` otherwise.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..exceptions import InputError

KINDS = ("exact", "count", "bound", "model", "upper")
#: relative bits' kinds (experiment/relative.py) drawn as the figure kinds above: a one-sided
#: difference is a bound, "at most" one from above ("upper")
_RELATIVE = {"at least": "bound", "at most": "upper"}
FORMATS = ("png", "pdf", "svg")

# Okabe & Ito's palette (distinct under the common colour-vision deficiencies), without its yellow,
# which is unreadable on white; then a second cycle of markers, so that up to 42 spaces differ.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000")
MARKERS = ("o", "s", "D", "v", "P", "X", "p")


def point_kind(point, estimator: str | None = None) -> str:
    """The kind of a drawn figure (module docstring): its own ``kind`` where it carries one."""
    kind = getattr(point, "kind", None)
    if kind is None and isinstance(point, dict):
        kind = point.get("kind")
    if kind in _RELATIVE:
        return _RELATIVE[kind]
    if kind in ("difference", "undefined"):
        kind = None
    if kind is not None:
        if kind not in KINDS:
            raise ValueError(f"a point's kind must be one of {', '.join(KINDS)}; got {kind!r}")
        return kind
    extrapolated = point.get("extrapolated") if isinstance(point, dict) else getattr(point, "extrapolated", False)
    if extrapolated:
        return "model"
    return "exact" if estimator == "exact" else "count"


@dataclass(frozen=True)
class SpaceStyle:
    colour: str
    marker: str


def space_styles(labels) -> dict:
    """{label: SpaceStyle}, assigned in the order the labels first appear: give every figure of a
    run the run's own list of spaces and a space looks the same in all of them."""
    out = {}
    for label in labels:
        if label not in out:
            i = len(out)
            out[label] = SpaceStyle(PALETTE[i % len(PALETTE)], MARKERS[(i + i // len(PALETTE)) % len(MARKERS)])
    return out


@dataclass(frozen=True)
class FigureStyle:
    """How figures are written: ``size`` (width, height) in inches, or None for each figure's own;
    ``font_scale`` multiplies every font size; ``format`` png, pdf or svg; ``dpi`` for PNG."""

    size: tuple | None = None
    font_scale: float = 1.0
    format: str = "png"
    dpi: int = 150

    def __post_init__(self):
        if self.format not in FORMATS:
            raise InputError("figure_format", f"must be one of {', '.join(FORMATS)}; got {self.format!r}")
        if not (isinstance(self.font_scale, (int, float)) and math.isfinite(self.font_scale)
                and 0.25 <= self.font_scale <= 4):
            raise InputError("font_scale", f"must be a number from 0.25 to 4; got {self.font_scale!r}")
        if self.size is not None:
            if (len(self.size) != 2 or not all(isinstance(v, (int, float)) and math.isfinite(v) and 1 <= v <= 40
                                               for v in self.size)):
                raise InputError("figure_size", f"must be WIDTHxHEIGHT in inches, each from 1 to 40; got {self.size!r}")

    def figsize(self, default) -> tuple:
        return tuple(self.size) if self.size is not None else tuple(default)

    @contextmanager
    def context(self):
        """matplotlib's settings for figures made inside: fonts scaled, no web address written."""
        import matplotlib

        base = 10.0 * self.font_scale
        settings = {"font.size": base, "axes.titlesize": base * 1.05, "axes.labelsize": base,
                    "xtick.labelsize": base * 0.9, "ytick.labelsize": base * 0.9, "legend.fontsize": base * 0.85,
                    "figure.titlesize": base * 1.1, "svg.hashsalt": "inductive-bias", "axes.unicode_minus": True}
        with matplotlib.rc_context(settings):
            yield


def parse_size(text: str, argument: str = "figure_size") -> tuple:
    """``"7x4.5"`` -> (7.0, 4.5) inches."""
    try:
        width, height = (float(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise InputError(argument, f"must be WIDTHxHEIGHT in inches, such as 7x4.5; got {text!r}") from None
    return width, height


def pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _quiet_ticks():
    """matplotlib's tick locator on a log axis that spans hundreds of decades (a fit threshold of
    1e300 beside training losses of 1e-31) computes candidate ticks past 1e308, which overflow and
    are dropped as outside the axis: the figure is right, numpy's warning about them is noise."""
    return np.errstate(over="ignore")


def save_figure(fig, path, fmt: str | None = None, dpi: int = 150) -> Path:
    """Write ``fig`` (format from ``fmt`` or the suffix) with no creator, date or web address in the
    file, so that the same figure gives the same bytes; closes it."""
    plt = pyplot()
    path = Path(path)
    fmt = fmt or path.suffix.lower().lstrip(".") or "png"
    metadata = {"png": {"Software": None}, "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
                "svg": {"Creator": None, "Date": None}}.get(fmt)
    try:
        with _quiet_ticks():
            fig.savefig(path, format=fmt, dpi=dpi, bbox_inches="tight", metadata=metadata)
    finally:
        plt.close(fig)
    return path


def figure_bytes(fig, fmt: str = "png", dpi: int = 110, close: bool = True) -> bytes:
    import io

    buffer = io.BytesIO()
    metadata = {"png": {"Software": None}, "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
                "svg": {"Creator": None, "Date": None}}.get(fmt)
    with _quiet_ticks():
        fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight", metadata=metadata)
    if close:
        pyplot().close(fig)
    return buffer.getvalue()


# -- axes ----------------------------------------------------------------------------------------

def plain_number(value: float) -> str:
    """A tick label in plain decimals: 0.14, 0.0009, 1,200, -10 (with a true minus sign)."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1:
        text = f"{magnitude:,.0f}" if magnitude >= 100 or float(magnitude).is_integer() else f"{magnitude:.3g}"
    else:
        text = np.format_float_positional(float(f"{magnitude:.3g}"), trim="-")
    return ("−" if value < 0 else "") + text


def epsilon_axis(ax, targets, axis: str = "x", most: int = 12) -> None:
    """ε on a log axis (all positive) with a plain-decimal label at every target error (at most
    ``most``, spread over them), and no minor labels; rotated where there are many."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    values = sorted({float(e) for e in targets if e is not None and math.isfinite(e)})
    target = ax.xaxis if axis == "x" else ax.yaxis
    if values and values[0] > 0:
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    if not values:
        return
    shown = values if len(values) <= most else [values[i] for i in sorted(set(
        np.linspace(0, len(values) - 1, most).round().astype(int)))]
    target.set_major_locator(FixedLocator(shown))
    target.set_major_formatter(FuncFormatter(lambda v, _: plain_number(v)))
    target.set_minor_locator(NullLocator())
    target.set_minor_formatter(NullFormatter())
    if axis == "x" and len(shown) > 6:
        for label in ax.get_xticklabels():
            label.set_rotation(40)
            label.set_horizontalalignment("right")


def bits_axis(ax, values, axis: str = "y") -> str:
    """Bits on a linear axis where the finite ``values`` span less than two decades, else a symlog
    axis (linear within one bit of 0); plain-number labels either way. Returns the scale used."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    target = ax.yaxis if axis == "y" else ax.xaxis
    scale = "linear"
    if v.size:
        top = float(np.max(np.abs(v)))
        positive = np.abs(v[np.abs(v) > 0])
        floor = max(float(positive.min()) if positive.size else 1.0, 1.0)
        if top > 10 and top / floor >= 100:
            scale = "symlog"
    if scale == "symlog":
        (ax.set_yscale if axis == "y" else ax.set_xscale)("symlog", linthresh=1.0, linscale=0.5)
        target.set_minor_formatter(NullFormatter())
    target.set_major_formatter(FuncFormatter(lambda x, _: plain_number(x)))
    return scale


def legend_outside(ax, handles=None, labels=None, title=None, fig=None):
    """The legend to the right of the axes, outside the data."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                     frameon=False, title=title)


def kind_handles(kinds) -> list:
    """Legend entries that explain how each kind present is drawn (grey: they hold for every space)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    out = []
    kinds = set(kinds)
    if "exact" in kinds:
        out.append(Line2D([], [], color="0.35", marker="o", ls="-", label="exact law"))
    if "count" in kinds:
        out.append(Line2D([], [], color="0.35", marker="o", ls="-", label="estimate from the members"))
        out.append(Patch(facecolor="0.35", alpha=0.2, label="95% interval"))
    if "model" in kinds:
        out.append(Line2D([], [], color="0.35", marker="o", mfc="white", ls="--",
                          label="fitted-law extrapolation"))
    if "bound" in kinds:
        out.append(Line2D([], [], color="0.35", marker=r"$\uparrow$", ms=10, ls="none", label="lower bound (≥)"))
    if "upper" in kinds:
        out.append(Line2D([], [], color="0.35", marker=r"$\downarrow$", ms=10, ls="none", label="upper bound (≤)"))
    return out


def dodge(values, index: int, count: int, span, share: float = 0.006):
    """Shift x positions on a log axis by ``share`` of the axis' span (``span``: every x drawn) per
    space, so that spaces with identical figures stay side by side rather than hidden under each
    other."""
    values = np.asarray(values, dtype=float)
    positive = np.asarray([v for v in span if v is not None and math.isfinite(v) and v > 0], dtype=float)
    if count <= 1 or positive.size < 2:
        return values
    decades = max(math.log10(positive.max() / positive.min()), 0.05) * share
    return values * 10 ** ((index - (count - 1) / 2) * decades)


def scaled_bits(values) -> tuple:
    """(values / unit, "million bits"): a bound of 8e7 bits reads 80 million bits, not 8×10⁷."""
    v = [x for x in values if x is not None and math.isfinite(x)]
    top = max((abs(x) for x in v), default=0.0)
    for unit, name in ((1e12, "trillion bits"), (1e9, "billion bits"), (1e6, "million bits"),
                       (1e3, "thousand bits")):
        if top >= 10 * unit:
            return np.asarray(values, dtype=float) / unit, name
    return np.asarray(values, dtype=float), "bits"


def draw_points(ax, x, bits, low, high, kinds, style: SpaceStyle, label: str, *, band: bool = True,
                line: bool = True, errorbars: bool = False) -> None:
    """One space's figures drawn by kind (module docstring): line segments solid between exact or
    counted points and dashed where one end is a model; intervals as a band or error bars; bounds
    as upward arrows from their lower end."""
    x = np.asarray(x, dtype=float)
    bits = np.asarray(bits, dtype=float)
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    kinds = list(kinds)
    ok = np.isfinite(bits) & np.isfinite(x)
    firm = np.array([k in ("exact", "count") for k in kinds]) & ok
    model = np.array([k == "model" for k in kinds]) & ok
    upper = np.array([k == "upper" for k in kinds])
    bound = np.array([k == "bound" for k in kinds]) | upper
    order = np.argsort(x)
    if line:  # a bound stands alone: the line joins the points either side of it
        joined = [i for i in order if ok[i] and not bound[i]]
        for a, b in zip(joined[:-1], joined[1:]):
            dashed = model[a] or model[b]
            ax.plot(x[[a, b]], bits[[a, b]], color=style.colour, lw=1.4, ls="--" if dashed else "-", zorder=2)
    has_interval = np.isfinite(low) & np.isfinite(high) & ~bound
    if has_interval.any():
        if band and not errorbars:
            xs, lo, hi = x[order], low[order], high[order]
            shown = has_interval[order]
            ax.fill_between(xs, np.where(shown, lo, np.nan), np.where(shown, hi, np.nan), color=style.colour,
                            alpha=0.18, linewidth=0, zorder=1)
        else:
            keep = has_interval & ok
            ax.errorbar(x[keep], bits[keep], yerr=[np.maximum(bits[keep] - low[keep], 0),
                                                   np.maximum(high[keep] - bits[keep], 0)],
                        fmt="none", ecolor=style.colour, capsize=3, lw=1.2, zorder=2)
    labelled = False
    if firm.any():
        ax.plot(x[firm], bits[firm], ls="none", marker=style.marker, color=style.colour, ms=6, label=label, zorder=3)
        labelled = True
    if model.any():
        ax.plot(x[model], bits[model], ls="none", marker=style.marker, color=style.colour, mfc="white", ms=6,
                mew=1.4, label=None if labelled else label, zorder=3)
        labelled = True
    if bound.any():
        value = np.where(np.isfinite(bits), bits, low)
        for which, below in ((bound & ~upper, False), (upper, True)):
            keep = which & np.isfinite(value) & np.isfinite(x)
            if not keep.any():
                continue
            length = np.maximum(np.abs(value[keep]) * 0.6, 1.0)
            zeros = np.zeros(keep.sum())
            ax.errorbar(x[keep], value[keep], yerr=[length, zeros] if below else [zeros, length], lolims=not below,
                        uplims=below, fmt=style.marker, color=style.colour, mfc="white", ms=6, capsize=4, lw=1.2,
                        zorder=3, label=None if labelled else label)
            labelled = True
