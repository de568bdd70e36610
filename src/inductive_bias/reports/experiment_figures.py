"""The figures of an experiment report (matplotlib, Agg): each returns a Figure, or None where it
has nothing to draw. They draw what an :class:`~inductive_bias.experiment.ExperimentResult`
carries and compute nothing but the layout.

One figure per question a paper asks: how many bits each space needs against ε
(:func:`curves_figure`), how many it saves over the baseline (:func:`relative_figure`), how the
bits move with a swept parameter at fixed ε (:func:`sweep_figures`), and how many members fit the
data (:func:`fit_figure`). A space has one colour and marker in all of them
(:func:`~inductive_bias.reports._style.space_styles` over the run's spaces), and each point is
drawn by its kind: exact, counted with an interval, a lower bound, or a model extrapolation.
"""

from __future__ import annotations

import math

import numpy as np

from ._style import (FigureStyle, bits_axis, dodge, draw_points, epsilon_axis, kind_handles, legend_outside,
                     point_kind, pyplot, scaled_bits, space_styles)

__all__ = ["curves_figure", "experiment_figures", "fit_figure", "relative_figure", "run_styles", "sweep_figures"]


def _finite(values):
    return np.array([math.nan if v is None or not math.isfinite(v) else v for v in values], dtype=float)


def run_styles(result) -> dict:
    """{space name: SpaceStyle} for every space of the run, in the run's order."""
    return space_styles(s.name for s in result.spaces)


def _ends(intervals):
    low = _finite([math.nan if i is None else i[0] for i in intervals])
    high = _finite([math.nan if i is None else i[1] for i in intervals])
    return low, high


def curves_figure(result, bound=None, *, style: FigureStyle | None = None, bound_on_axis: bool = False):
    """I(ε) against ε for every space, each point by its kind; the upper bound of docs/method.md §5 (any
    space), where given as (ε, bits), in a panel of its own beside it (millions of bits against the
    spaces' hundreds), or on the same axis with ``bound_on_axis``."""
    style = style or FigureStyle()
    plt = pyplot()
    outcomes = [o for o in result.spaces if o.result is not None
                and np.isfinite(_finite([t.bits for t in o.result.results])).any()]
    if not outcomes and bound is None:
        return None
    styles = run_styles(result)
    separate = bound is not None and not bound_on_axis
    with style.context():
        if separate:
            fig, (ax, side) = plt.subplots(1, 2, figsize=style.figsize((9.5, 4.6)), width_ratios=[3.2, 1],
                                           layout="constrained")
        else:
            fig, ax = plt.subplots(figsize=style.figsize((8.0, 4.6)), layout="constrained")
        kinds, every_bits, eps_all = set(), [], []
        for i, outcome in enumerate(outcomes):
            points = outcome.result.results
            eps = np.array(outcome.target_errors, dtype=float)
            bits = _finite([t.bits for t in points])
            low, high = _ends([t.interval for t in points])
            kind = [point_kind(t, outcome.estimator) for t in points]
            kinds.update(k for k, b in zip(kind, bits) if math.isfinite(b))
            draw_points(ax, dodge(eps, i, len(outcomes), result.target_errors), bits, low, high, kind, styles[outcome.name],
                        f"{outcome.name} ({outcome.estimator})")
            every_bits += [*bits, *low, *high]
            eps_all += list(eps)
        if bound is not None and not separate:
            ax.plot(bound[0], bound[1], "k--", lw=1, label="upper bound, docs/method.md §5 (any space)")
            every_bits += list(bound[1])
            eps_all += list(bound[0])
        epsilon_axis(ax, eps_all or list(result.target_errors))
        bits_axis(ax, every_bits)
        ax.set_ylim(bottom=min(0.0, np.nanmin(_finite(every_bits + [0.0]))))
        ax.invert_xaxis()
        ax.set_xlabel("target error ε (test MSE)")
        ax.set_ylabel("inductive bias I(ε) (bits)")
        ax.set_title("I(ε) = −log₂ P[test loss ≤ ε]")
        ax.grid(True, alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        extra = kind_handles(kinds)
        if separate:
            shown, unit = scaled_bits(bound[1])
            side.plot(bound[0], shown, "k--", marker=".", lw=1)
            epsilon_axis(side, bound[0], most=3)
            bits_axis(side, shown)
            side.invert_xaxis()
            side.set_xlabel("ε")
            side.set_ylabel(f"upper bound ({unit})")
            side.set_title("upper bound, docs/method.md §5\n(any space; own axis)", fontsize="medium")
            side.grid(True, alpha=0.3, which="both")
        legend_outside(side if separate else ax, handles + extra, labels + [h.get_label() for h in extra])
    return fig


def relative_figure(result, *, style: FigureStyle | None = None):
    """Bits each space saves over the baseline, I_baseline − I_space (docs/method.md §8), with intervals."""
    if not result.relative:
        return None
    style = style or FigureStyle()
    plt = pyplot()
    styles = run_styles(result)
    names = [n for n in dict.fromkeys(r.space for r in result.relative)
             if any(r.space == n and math.isfinite(r.bits) for r in result.relative)]
    if not names:
        return None
    estimators = {s.name: s.estimator for s in result.spaces}
    with style.context():
        fig, ax = plt.subplots(figsize=style.figsize((8.0, 4.4)), layout="constrained")
        kinds, values, eps_all = set(), [0.0], []
        for i, name in enumerate(names):
            rows = [r for r in result.relative if r.space == name]
            eps = np.array([r.target_error for r in rows], dtype=float)
            bits = _finite([r.bits for r in rows])
            low, high = _ends([r.interval for r in rows])
            kind = [point_kind(r, estimators.get(name)) for r in rows]
            # a difference is exact only where both figures are: the baseline's exactness is not the space's
            kind = [("count" if k == "exact" and r.interval is not None and r.interval[0] != r.interval[1] else k)
                    for k, r in zip(kind, rows)]
            kinds.update(k for k, b in zip(kind, bits) if math.isfinite(b))
            draw_points(ax, dodge(eps, i, len(names), result.target_errors, 0.01), bits, low, high, kind, styles.get(name) or
                        space_styles([name])[name], f"{name} vs {rows[0].baseline}", errorbars=True)
            values += [*bits, *low, *high]
            eps_all += list(eps)
        ax.axhline(0, color="k", lw=0.8)
        epsilon_axis(ax, eps_all)
        bits_axis(ax, values)
        ax.invert_xaxis()
        ax.set_xlabel("target error ε (test MSE)")
        ax.set_ylabel(f"bits saved over {result.baseline}")
        ax.set_title(f"I_{result.baseline}(ε) − I_space(ε), 95% interval (above 0: the space needs fewer bits)",
                     fontsize="medium")
        ax.grid(True, alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        extra = [h for h in kind_handles(kinds) if h.get_label() != "95% interval"]
        legend_outside(ax, handles + extra, labels + [h.get_label() for h in extra])
    return fig


def _label(value) -> str:
    if isinstance(value, list):
        return "×".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _numeric(values) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values)


def sweep_figures(result, *, style: FigureStyle | None = None, at: int = 3) -> dict:
    """{parameter: Figure}: bits against each swept parameter at fixed ε, one panel per ε (at most
    ``at``, spread over the grid), one line per family of spaces the parameter varies (in the
    colour of its first member), intervals as error bars."""
    style = style or FigureStyle()
    plt = pyplot()
    figures = {}
    styles = run_styles(result)
    parameters = list(dict.fromkeys(k for s in result.spaces for k in s.sweep))
    eps_all = list(result.target_errors)
    chosen = sorted(set(np.linspace(0, len(eps_all) - 1, min(at, len(eps_all))).round().astype(int))) if eps_all else []
    for parameter in parameters:
        groups: dict = {}
        for s in result.spaces:
            if parameter in s.sweep:  # a variant without figures (too few fit) leaves a gap
                rest = {k: v for k, v in s.sweep.items() if k != parameter}
                key = s.base + "".join(f"[{k}={_label(v)}]" for k, v in rest.items())
                groups.setdefault(key, []).append(s)
        if not chosen or not any(m.result is not None for group in groups.values() for m in group):
            continue
        values = list(dict.fromkeys(_label(m.sweep[parameter]) for g in groups.values() for m in g))
        raw = {_label(m.sweep[parameter]): m.sweep[parameter] for g in groups.values() for m in g}
        numeric = _numeric(raw.values()) and len(values) > 1
        with style.context():
            fig, axes = plt.subplots(1, len(chosen), figsize=style.figsize((3.6 * len(chosen) + 2.2, 3.8)),
                                     squeeze=False, sharey=True, layout="constrained")
            every, kinds = [], set()
            for ax, j in zip(axes[0], chosen):
                for g, (key, members) in enumerate(groups.items()):
                    if numeric:
                        x = np.array([float(m.sweep[parameter]) for m in members])
                    else:
                        x = np.array([values.index(_label(m.sweep[parameter])) for m in members], dtype=float)
                    targets = [m.target(j) for m in members]
                    bits = _finite([t.bits for t in targets])
                    low, high = _ends([t.interval for t in targets])
                    kind = [point_kind(t, m.estimator) for t, m in zip(targets, members)]
                    kinds.update(k for k, b in zip(kind, bits) if math.isfinite(b))
                    draw_points(ax, x + (g - (len(groups) - 1) / 2) * (0 if numeric else 0.04), bits, low, high,
                                kind, styles[members[0].name], key, errorbars=True)
                    every += [*bits, *low, *high]
                if numeric:
                    positive = all(float(v) > 0 for v in raw.values())
                    if positive and max(raw.values()) / min(raw.values()) >= 8:
                        ax.set_xscale("log")
                    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

                    ax.xaxis.set_major_locator(FixedLocator(sorted(float(v) for v in raw.values())))
                    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                    ax.xaxis.set_minor_locator(NullLocator())
                else:
                    ax.set_xticks(range(len(values)), values)
                    ax.set_xlim(-0.5, len(values) - 0.5)
                ax.set_xlabel(parameter)
                ax.set_title(f"ε = {eps_all[j]:g}")
                ax.grid(True, alpha=0.3)
            for ax in axes[0]:
                bits_axis(ax, every)
            axes[0][0].set_ylabel("I(ε) (bits)")
            missing = sorted({f"{key}: {_label(m.sweep[parameter])}" for key, g in groups.items() for m in g
                              if m.result is None})
            fig.suptitle(f"bits against {parameter} at fixed ε" + (f" (no figure: {', '.join(missing)})"
                                                                    if missing else ""))
            handles, labels = axes[0][-1].get_legend_handles_labels()
            extra = [h for h in kind_handles(kinds) if h.get_label() != "95% interval"]
            legend_outside(axes[0][-1], handles + extra, labels + [h.get_label() for h in extra])
        figures[parameter] = fig
    return figures


def fit_figure(result, *, style: FigureStyle | None = None):
    """Share of members that fit the training data (docs/method.md §8) and every member's training MSE,
    with the fit threshold."""
    trained = [s for s in result.spaces if s.train_losses is not None]
    if not trained:
        return None
    style = style or FigureStyle()
    plt = pyplot()
    styles = run_styles(result)
    with style.context():
        fig, (left, right) = plt.subplots(1, 2, figsize=style.figsize((10, 4.0)), layout="constrained")
        names = [s.name for s in trained]
        shares = [s.fit_share if s.fit_share is not None else math.nan for s in trained]
        left.bar(range(len(trained)), shares, color=[styles[n].colour for n in names])
        left.set_xticks(range(len(trained)), names, rotation=30, ha="right")
        left.set_ylim(0, 1.05)
        left.set_ylabel("share of members that fit")
        left.set_title("fit share (training MSE ≤ threshold)")
        rng = np.random.default_rng(0)  # horizontal jitter of the strip plot only
        positive = [v for s in trained for v in _finite(s.train_losses) if v > 0]
        floor = (min(positive) if positive else 1e-6) / 10  # where an exact fit (0) is drawn on the log axis
        zeros, drawn = False, []
        for i, s in enumerate(trained):
            train = _finite(s.train_losses)
            zeros |= bool(np.any(train <= 0))
            train = np.maximum(train, floor)
            right.plot(i + rng.uniform(-0.2, 0.2, train.size), train, ls="none", marker=styles[s.name].marker,
                       ms=3.5, alpha=0.6, color=styles[s.name].colour)
            drawn += list(train)
            if s.fit_threshold is not None:
                edge = min(max(s.fit_threshold, 1e-240), 1e240)
                right.plot([i - 0.35, i + 0.35], [edge] * 2, "k-", lw=1)
                drawn.append(edge)
        # limits chosen here, in decades, within 1e±250: matplotlib's own margins on a log axis from
        # 1e-31 to a threshold of 1e300 overflow, and its tick locator steps tens of decades past
        # the ends (a threshold beyond 1e±240 is drawn there)
        decades = np.clip(np.log10([v for v in drawn if 0 < v < math.inf] or [floor]), -250.0, 250.0)
        pad = 0.05 * (decades.max() - decades.min()) or 0.5
        right.set_ylim(10.0 ** max(decades.min() - pad, -250.0), 10.0 ** min(decades.max() + pad, 250.0))
        right.set_yscale("log")
        right.set_xticks(range(len(trained)), names, rotation=30, ha="right")
        right.set_ylabel("training MSE per member")
        right.set_title("training losses (bar: fit threshold)" + ("; bottom row: 0, an exact fit" if zeros else ""),
                        fontsize="medium")
    return fig


def experiment_figures(result, bound=None, *, style: FigureStyle | None = None) -> dict:
    """{name: Figure} of every figure the run has something for: ``curves``, ``relative``,
    ``sweep-<parameter>`` and ``fit``, in one style and one colour per space."""
    figures = {"curves": curves_figure(result, bound, style=style), "relative": relative_figure(result, style=style),
               **{f"sweep-{k}": v for k, v in sweep_figures(result, style=style).items()},
               "fit": fit_figure(result, style=style)}
    return {name: fig for name, fig in figures.items() if fig is not None}
