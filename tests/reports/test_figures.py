"""The figures of a run: one colour per space in all of them, the bound on its own axis, readable
ticks, legends outside the data, points drawn by kind, and PDF and SVG files that open.

The results are built by hand (nothing is measured), so each figure's input is known exactly."""

import math
import re
import xml.etree.ElementTree as ElementTree
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from inductive_bias.experiment.results import ExperimentResult, RelativeResult, SpaceOutcome  # noqa: E402
from inductive_bias.reports import FigureStyle  # noqa: E402
from inductive_bias.reports._style import (bits_axis, plain_number, point_kind, space_styles)  # noqa: E402
from inductive_bias.reports.experiment_figures import (curves_figure, fit_figure, relative_figure,  # noqa: E402
                                                       sweep_figures)
from inductive_bias.reports.html_report import csv_rows, write_report  # noqa: E402
from inductive_bias.results import MeasureResult, TargetResult  # noqa: E402

EPS = (0.08, 0.06, 0.04, 0.03)


def _outcome(name, bits, *, estimator="function-gaussian", interval=0.2, extrapolated=(), sweep=None, base=None,
             points=None):
    results = points or tuple(
        TargetResult(e, b, interval=None if estimator == "exact" else (b * (1 - interval), b * (1 + interval)),
                     extrapolated=e in extrapolated)
        for e, b in zip(EPS, bits))
    result = MeasureResult(task={"name": "t"}, space={"space": name}, estimator=estimator, results=tuple(results))
    return SpaceOutcome(name=name, base=base or name, sweep=sweep or {}, task_variant="", spec={}, task={},
                        result=result, members=None if estimator == "exact" else 16,
                        members_trained=None if estimator == "exact" else 16, space_id=None, reason=None,
                        warnings=(), target_errors=EPS)


def _experiment(spaces, relative=()):
    return ExperimentResult(title="t", description="", source=None, task={"name": "t"}, settings={},
                            target_errors=list(EPS), target_error_rule="given", baseline="gp", spaces=tuple(spaces),
                            relative=tuple(relative), store=":memory:", seconds=0.0, version="0")


@pytest.fixture
def run():
    gp = _outcome("gp", [0.5, 3.0, 60.0, 200.0], estimator="exact")
    mlp = _outcome("mlp", [1.0, 8.0, 90.0, 300.0], extrapolated=(0.04, 0.03))
    twin = _outcome("mlp-again", [1.0, 8.0, 90.0, 300.0], extrapolated=(0.04, 0.03))  # identical figures
    relative = [RelativeResult(s.name, "gp", e, g.bits - t.bits, (g.bits - t.interval[1], g.bits - t.interval[0]),
                               extrapolated=t.extrapolated)
                for s in (mlp, twin) for e, g, t in zip(EPS, gp.result.results, s.result.results)]
    return _experiment([gp, mlp, twin], relative)


def _colour_of(ax, label):
    for line in ax.get_lines():
        if line.get_label() == label:
            return matplotlib.colors.to_hex(line.get_color())
    raise AssertionError(f"no line labelled {label!r}: {[x.get_label() for x in ax.get_lines()]}")


def test_a_space_has_one_colour_and_marker_in_every_figure(run):
    curves, relative = curves_figure(run), relative_figure(run)
    for name in ("mlp", "mlp-again"):
        assert _colour_of(curves.axes[0], f"{name} (function-gaussian)") == _colour_of(relative.axes[0], f"{name} vs gp")
    styles = space_styles(["gp", "mlp", "mlp-again"])
    assert _colour_of(curves.axes[0], "mlp (function-gaussian)") == styles["mlp"].colour.lower()
    # identical spaces differ in colour and marker, and are drawn side by side rather than on top
    assert styles["mlp"] != styles["mlp-again"] and styles["mlp"].marker != styles["mlp-again"].marker
    x = {line.get_label(): line.get_xdata() for line in curves.axes[0].get_lines()}
    assert not np.allclose(x["mlp (function-gaussian)"], x["mlp-again (function-gaussian)"])
    assert np.allclose(x["mlp (function-gaussian)"], EPS[:2], rtol=0.02)  # a shift well under 2%


def test_the_mapping_is_stable_and_distinct_for_many_spaces():
    labels = [f"s{i}" for i in range(30)]
    first, again = space_styles(labels), space_styles(labels + ["s0"])
    assert first == {k: again[k] for k in labels}
    assert len({(s.colour, s.marker) for s in first.values()}) == 30


def test_the_bound_has_its_own_axis_unless_asked(run):
    bound = (list(EPS), [5e8, 5.1e8, 5.2e8, 5.3e8])
    fig = curves_figure(run, bound)
    measured, side = fig.axes
    assert measured.get_ylim()[1] < 1e4  # the spaces' few hundred bits are not flattened by 5e8
    assert side.get_ylabel() == "upper bound (million bits)"
    assert max(side.get_lines()[0].get_ydata()) == pytest.approx(530)
    shared = curves_figure(run, bound, bound_on_axis=True)
    assert len(shared.axes) == 1 and shared.axes[0].get_ylim()[1] >= 5.3e8


def test_ticks_are_plain_decimals_at_every_target_error(run):
    fig = curves_figure(run)
    fig.canvas.draw()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.03", "0.04", "0.06", "0.08"]
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(re.fullmatch(r"−?[0-9][0-9,]*(\.[0-9]+)?", t) for t in labels), labels
    assert [plain_number(v) for v in (0.14, 0.0009, 1200.0, -10.0, 0.0)] == ["0.14", "0.0009", "1,200", "−10", "0"]


def test_the_bits_axis_is_linear_for_a_narrow_range_and_symlog_for_a_wide_one():
    plt = matplotlib.pyplot
    fig, ax = plt.subplots()
    assert bits_axis(ax, [3.0, 5.0, 8.0]) == "linear" and ax.get_yscale() == "linear"
    fig, ax = plt.subplots()
    assert bits_axis(ax, [0.5, 3.0, 600.0]) == "symlog" and ax.get_yscale() == "symlog"
    plt.close("all")


def test_legends_lie_outside_the_data(run):
    for fig in (curves_figure(run), relative_figure(run)):
        fig.canvas.draw()
        ax = fig.axes[0]
        legend = ax.get_legend()
        assert legend is not None
        box, data = legend.get_window_extent(), ax.get_window_extent()
        assert box.x0 >= data.x1  # entirely to the right of the axes


def test_points_are_drawn_by_their_kind():
    points = (SimpleNamespace(target_error=0.08, bits=2.0, interval=(1.5, 2.5), extrapolated=False, kind="count"),
              SimpleNamespace(target_error=0.06, bits=9.0, interval=None, extrapolated=False, kind="exact"),
              SimpleNamespace(target_error=0.04, bits=40.0, interval=(40.0, math.inf), extrapolated=False,
                              kind="bound"),
              SimpleNamespace(target_error=0.03, bits=120.0, interval=(90.0, 150.0), extrapolated=True, kind="model"))
    fig = curves_figure(_experiment([_outcome("s", None, points=points)]))
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"exact law", "estimate from the members", "lower bound (≥)", "fitted-law extrapolation"} <= set(labels)
    markers = {tuple(np.round(line.get_xdata(), 4)): line for line in ax.get_lines() if line.get_marker() == "o"}
    hollow = sorted(x for x, line in markers.items() if line.get_markerfacecolor() == "white")
    assert hollow == [(0.03,), (0.04,)]  # the model and the bound hollow, the counted and exact ones filled
    assert any(sorted(x) == [0.06, 0.08] for x in markers)
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert dashed and all(0.03 in np.round(line.get_xdata(), 4) for line in dashed)
    # no line segment touches the bound: it stands alone, as an arrow from its lower end
    solid = [line for line in ax.get_lines() if line.get_linestyle() == "-" and len(line.get_xdata()) == 2]
    assert all(0.04 not in np.round(line.get_xdata(), 4) for line in solid)
    with pytest.raises(ValueError, match="kind"):
        point_kind(SimpleNamespace(kind="guess"))


def test_without_a_kind_points_keep_todays_reading():
    assert point_kind(TargetResult(0.1, 3.0), "exact") == "exact"
    assert point_kind(TargetResult(0.1, 3.0, interval=(2, 4)), "function-gaussian") == "count"
    assert point_kind(TargetResult(0.1, 3.0, extrapolated=True), "function-gaussian") == "model"


def test_bits_against_a_swept_parameter_at_fixed_eps():
    spaces = [_outcome(f"tree[max_depth={d}]", [d, 2.0 * d, 4.0 * d, 8.0 * d], sweep={"max_depth": d}, base="tree")
              for d in (2, 4, 8)]
    figures = sweep_figures(_experiment(spaces))
    fig = figures["max_depth"]
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["ε = 0.08", "ε = 0.04", "ε = 0.03"]  # three ε spread over the four
    line = next(line for line in fig.axes[0].get_lines() if line.get_label() == "tree")
    assert list(line.get_xdata()) == [2.0, 4.0, 8.0] and list(line.get_ydata()) == [2.0, 4.0, 8.0]


def test_figures_need_something_to_draw():
    empty = _experiment([])
    assert curves_figure(empty) is None and relative_figure(empty) is None and fit_figure(empty) is None
    assert sweep_figures(empty) == {}


@pytest.mark.parametrize("fmt", ["pdf", "svg"])
def test_reports_write_pdf_and_svg_that_open(run, tmp_path, fmt):
    files = write_report(run, tmp_path / "report.html", FigureStyle(format=fmt, size=(6, 4), font_scale=1.3))
    assert {p.name for p in files.figures} == {f"report-curves.{fmt}", f"report-relative.{fmt}"}
    for path in files.figures:
        data = path.read_bytes()
        assert not re.search(rb"matplotlib\.org", data)  # no creator's web address in the file
        if fmt == "pdf":
            assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
            assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
        else:
            root = ElementTree.fromstring(data)
            assert root.tag == "{http://www.w3.org/2000/svg}svg"
            width = float(re.match(r"[0-9.]+", root.get("width")).group())
            assert 300 < width < 700  # points: about 6 inches wide with the legend outside
            texts = "".join(root.itertext())
            assert "I(ε)" in texts or root.find(".//{http://www.w3.org/2000/svg}g") is not None
    page = files.html.read_text()
    assert page.count('src="data:image/png;base64,') == 2  # the page embeds PNG whatever the files are


def test_the_csv_says_each_figures_kind(run):
    rows = csv_rows(run)
    kinds = {(r["kind"], r["space"], r["target_error"]): r["point_kind"] for r in rows}
    assert kinds[("space", "gp", 0.04)] == "exact"
    assert kinds[("space", "mlp", 0.08)] == "count" and kinds[("space", "mlp", 0.03)] == "model"
    assert kinds[("relative", "mlp", 0.03)] == "model"


def test_a_bad_style_names_its_option():
    from inductive_bias import InputError

    with pytest.raises(InputError, match="figure_format"):
        FigureStyle(format="gif")
    with pytest.raises(InputError, match="font_scale"):
        FigureStyle(font_scale=0)
    with pytest.raises(InputError, match="figure_size"):
        FigureStyle(size=(0.1, 3))


def test_one_space_plot_takes_the_run_colour(tmp_path):
    """measure --plot's figure of one space of a run can wear the space's colour and marker in that run."""
    from inductive_bias import measure_losses
    from inductive_bias.reports import plot_result
    from inductive_bias.reports._style import PALETTE, SpaceStyle

    result = measure_losses(np.linspace(0.05, 0.1, 40), [0.06, 0.08])
    own = SpaceStyle(PALETTE[2], "D")
    plot_result(result, tmp_path / "run.svg", space_style=own)
    plot_result(result, tmp_path / "default.svg")
    assert PALETTE[2].lower() in (tmp_path / "run.svg").read_text().lower()
    assert PALETTE[2].lower() not in (tmp_path / "default.svg").read_text().lower()
