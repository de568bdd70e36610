"""The figures of an experiment report (matplotlib, Agg): each returns a Figure, or None where it
has nothing to draw. They draw what an :class:`~inductive_bias.experiment.ExperimentResult`
carries and compute nothing but the layout."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["curves_figure", "relative_figure", "sweep_figures", "fit_figure"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _finite(values):
    return np.array([math.nan if v is None or not math.isfinite(v) else v for v in values], dtype=float)


def curves_figure(result, bound=None):
    """I(ε) against ε for every space, the interval as a band; hollow markers where a figure
    extrapolates below every sampled loss; the upper bound of SPEC §5 dashed where given."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    drawn = False
    for outcome in result.spaces:
        if outcome.result is None:
            continue
        eps = np.array(outcome.target_errors)
        bits = _finite([t.bits for t in outcome.result.results])
        if not np.isfinite(bits).any():
            continue
        (line,) = ax.plot(eps, bits, marker="o", label=f"{outcome.name} ({outcome.estimator})")
        drawn = True
        extrapolated = np.array([t.extrapolated for t in outcome.result.results])
        if extrapolated.any():
            ax.plot(eps[extrapolated], bits[extrapolated], "o", mfc="white", color=line.get_color())
        intervals = [t.interval for t in outcome.result.results]
        if any(i is not None for i in intervals):
            low = _finite([math.nan if i is None else i[0] for i in intervals])
            high = _finite([math.nan if i is None else i[1] for i in intervals])
            ax.fill_between(eps, low, high, alpha=0.2, color=line.get_color(), linewidth=0)
    if bound is not None:
        eps, bits = bound
        ax.plot(eps, bits, "k--", label="upper bound, SPEC §5 (any space)")
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("target error ε (test MSE)")
    ax.set_ylabel("inductive bias I(ε) (bits)")
    ax.set_title("I(ε) = −log₂ P[test loss ≤ ε]; band: 95% interval; hollow: extrapolated")
    ax.invert_xaxis()
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def relative_figure(result):
    """Bits each space saves over the baseline, I_baseline − I_space (SPEC §8), with intervals."""
    if not result.relative:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    drawn = False
    for name in dict.fromkeys(r.space for r in result.relative):
        rows = [r for r in result.relative if r.space == name and math.isfinite(r.bits)]
        if not rows:
            continue
        eps = np.array([r.target_error for r in rows])
        bits = np.array([r.bits for r in rows])
        low = np.array([bits[i] - (r.interval[0] if r.interval and math.isfinite(r.interval[0]) else bits[i])
                        for i, r in enumerate(rows)])
        high = np.array([(r.interval[1] if r.interval and math.isfinite(r.interval[1]) else bits[i]) - bits[i]
                         for i, r in enumerate(rows)])
        ax.errorbar(eps, bits, yerr=[low, high], marker="o", capsize=3, label=f"{name} vs {rows[0].baseline}")
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.invert_xaxis()
    ax.set_xlabel("target error ε (test MSE)")
    ax.set_ylabel(f"bits saved over {result.baseline}")
    ax.set_title("relative inductive bias I_baseline(ε) − I_space(ε), 95% interval")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _label(value) -> str:
    if isinstance(value, list):
        return "×".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def sweep_figures(result) -> dict:
    """{parameter: Figure}: bits against each swept parameter, one panel per space it varies,
    one line per target error (at most five, spread over the grid)."""
    plt = _pyplot()
    figures = {}
    parameters = list(dict.fromkeys(k for s in result.spaces for k in s.sweep))
    eps_all = list(result.target_errors)
    chosen = sorted(set(np.linspace(0, len(eps_all) - 1, min(5, len(eps_all))).round().astype(int))) if eps_all else []
    for parameter in parameters:
        groups: dict = {}
        for s in result.spaces:
            if parameter in s.sweep:  # a variant without figures (too few fit) leaves a gap
                rest = {k: v for k, v in s.sweep.items() if k != parameter}
                key = s.base + "".join(f"[{k}={_label(v)}]" for k, v in rest.items())
                groups.setdefault(key, []).append(s)
        if not any(m.result is not None for group in groups.values() for m in group):
            continue
        fig, axes = plt.subplots(1, len(groups), figsize=(4.5 * len(groups), 3.8), squeeze=False)
        for ax, (key, members) in zip(axes[0], groups.items()):
            x = np.arange(len(members))
            for j in chosen:
                bits = _finite([m.target(j).bits for m in members])
                ax.plot(x, bits, marker="o", label=f"ε = {eps_all[j]:.3g}")
            ax.set_xticks(x, [_label(m.sweep[parameter]) for m in members])
            ax.set_xlabel(parameter)
            ax.set_ylabel("I(ε) (bits)")
            ax.set_yscale("symlog", linthresh=1.0)
            ax.set_ylim(bottom=0)
            missing = [_label(m.sweep[parameter]) for m in members if m.result is None]
            ax.set_title(key + (f" (no figure: {', '.join(missing)})" if missing else ""), fontsize=9)
            ax.grid(True, alpha=0.3)
        axes[0][0].legend(fontsize=7)
        fig.tight_layout()
        figures[parameter] = fig
    return figures


def fit_figure(result):
    """Share of members that fit the training data (SPEC §8) and every member's training MSE,
    with the fit threshold."""
    trained = [s for s in result.spaces if s.train_losses is not None]
    if not trained:
        return None
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    names = [s.name for s in trained]
    shares = [s.fit_share if s.fit_share is not None else math.nan for s in trained]
    left.bar(range(len(trained)), shares, color="tab:blue")
    left.set_xticks(range(len(trained)), names, rotation=30, ha="right", fontsize=8)
    left.set_ylim(0, 1.05)
    left.set_ylabel("share of members that fit")
    left.set_title("fit share (training MSE ≤ threshold)")
    rng = np.random.default_rng(0)  # horizontal jitter of the strip plot only
    positive = [v for s in trained for v in _finite(s.train_losses) if v > 0]
    floor = (min(positive) if positive else 1e-6) / 10  # where an exact fit (0) is drawn on the log axis
    zeros = False
    for i, s in enumerate(trained):
        train = _finite(s.train_losses)
        zeros |= bool(np.any(train <= 0))
        train = np.maximum(train, floor)
        right.plot(i + rng.uniform(-0.2, 0.2, train.size), train, ".", alpha=0.6)
        if s.fit_threshold is not None:
            right.plot([i - 0.35, i + 0.35], [s.fit_threshold] * 2, "k-", lw=1)
    right.set_yscale("log")
    right.set_xticks(range(len(trained)), names, rotation=30, ha="right", fontsize=8)
    right.set_ylabel("training MSE per member")
    right.set_title("training losses (bar: fit threshold)" + ("; bottom row: 0, an exact fit" if zeros else ""),
                    fontsize=10)
    fig.tight_layout()
    return fig
