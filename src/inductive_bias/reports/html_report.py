"""One self-contained HTML file for an experiment: its figures embedded as base64 PNG, no script,
no stylesheet or font fetched from anywhere (it opens offline), the exact JSON at the end. The same
figures are written beside it (PNG, or PDF or SVG for a paper), and every row as CSV.

``write_report(result, "out/report.html")`` writes ``out/report.html``, ``out/report.csv`` and
``out/report-<figure>.png``; ``style=FigureStyle(format="pdf")`` writes ``out/report-<figure>.pdf``.
"""

from __future__ import annotations

import base64
import csv
import html
import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import InputError
from ._style import FigureStyle, figure_bytes, point_kind
from .experiment_figures import experiment_figures
from .table import format_bits

__all__ = ["ReportFiles", "check_report_path", "csv_safe", "write_report"]


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    csv: Path
    figures: tuple


def _png(fig, close: bool = True) -> bytes:
    # no "Software" text chunk: it would carry matplotlib's web address into the file
    return figure_bytes(fig, "png", dpi=110, close=close)


def _cell(x) -> str:
    return html.escape("-" if x is None else str(x))


def _interval(interval) -> str:
    return "" if interval is None else f"[{format_bits(interval[0])}, {format_bits(interval[1])}]"


def _table(header, rows) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def csv_rows(result) -> list[dict]:
    """Every figure of the experiment, one row each: the spaces' bits, then the relative bits."""
    rows = []
    for s in result.spaces:
        for j, eps in enumerate(s.target_errors):
            t = s.target(j)
            rows.append({"kind": "space", "space": s.name, "baseline": "", "target_error": eps, "bits": t.bits,
                         "interval_low": None if t.interval is None else t.interval[0],
                         "interval_high": None if t.interval is None else t.interval[1],
                         "estimator": s.estimator or "", "members": s.members, "members_trained": s.members_trained,
                         "fit_share": s.fit_share, "extrapolated": t.extrapolated,
                         "sweep": json.dumps(s.sweep, default=str) if s.sweep else "", "reason": t.reason or "",
                         "point_kind": point_kind(t, s.estimator) if s.result is not None else ""})
    for r in result.relative:
        rows.append({"kind": "relative", "space": r.space, "baseline": r.baseline, "target_error": r.target_error,
                     "bits": r.bits, "interval_low": None if r.interval is None else r.interval[0],
                     "interval_high": None if r.interval is None else r.interval[1], "estimator": "",
                     "members": None, "members_trained": None, "fit_share": None, "extrapolated": r.extrapolated,
                     "sweep": "", "reason": r.reason or "", "point_kind": point_kind(r)})
    return rows


_STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}img{max-width:100%}
pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:12px}.note{color:#555;font-size:90%}"""


REPORT_SUFFIXES = (".html", ".htm")


def check_report_path(path, argument: str = "report", figure_format: str = "png") -> Path:
    """An HTML report path that can be written, with the CSV and figures beside it, checked
    before any work (as ``--plot`` is): not empty, not a folder (``out/`` would have written a
    file ``out``), ending in .html, in an existing folder where the report, ``STEM.csv`` and
    ``STEM-curves.FORMAT`` can be created."""
    text = str(path)
    if text == "":
        raise InputError(argument, "is empty; give a file name such as runs/report.html")
    if text.endswith(("/", "\\")) or Path(text).is_dir():
        raise InputError(argument, f"{text} is a folder; give a file name such as {Path(text) / 'report.html'}")
    file = Path(text)
    if file.suffix.lower() not in REPORT_SUFFIXES:
        raise InputError(argument, f"{text} must end in .html (the CSV and PNG files are written beside it)")
    if not file.parent.is_dir():
        raise InputError(argument, f"directory {file.parent} does not exist")
    stem = file.with_suffix("")
    for target in (file, stem.with_suffix(".csv"), Path(f"{stem}-curves.{figure_format}")):
        if target.is_dir():
            raise InputError(argument, f"{target} is a folder; the report writes a file there")
        try:
            if target.exists():
                open(target, "ab").close()  # writes nothing
            else:
                open(target, "xb").close()
                target.unlink()
        except OSError as error:
            raise InputError(argument, f"cannot write {target}: {error.strerror or error}") from None
    return file


# A cell a spreadsheet would read as a formula (=HYPERLINK(...), +cmd, -2+3, @SUM): OWASP's rule.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A CSV cell that a spreadsheet shows as text, never runs as a formula: text starting with
    = + - @ (or a tab or carriage return) gets a leading apostrophe. Numbers are written as
    numbers, so a negative number stays a number."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_report(result, path, style: FigureStyle | None = None) -> ReportFiles:
    """Write the HTML report, its figures (``style.format``: png, pdf or svg; the page embeds PNG)
    and the CSV; returns their paths. The path is checked as :func:`check_report_path` does (a
    missing folder is an error, not created)."""
    style = style or FigureStyle()
    path = check_report_path(path, figure_format=style.format)
    stem = path.with_suffix("")
    bound = result.upper_bound  # computed by the experiment (docs/method.md §5); drawn here
    drawn = (bound.target_errors, bound.bits) if bound is not None and bound.applies else None
    figures = experiment_figures(result, drawn, style=style)
    images, written = {}, []
    for name, fig in figures.items():
        data = _png(fig, close=style.format == "png")
        if style.format != "png":
            data_file = figure_bytes(fig, style.format)
        else:
            data_file = data
        target = Path(f"{stem}-{name}.{style.format}")
        target.write_bytes(data_file)
        written.append(target)
        images[name] = base64.b64encode(data).decode("ascii")

    csv_path = stem.with_suffix(".csv")
    rows = csv_rows(result)
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["kind"])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else (repr(v) if isinstance(v, float) and not math.isfinite(v)
                                                       else csv_safe(v)))
                             for k, v in row.items()})

    def figure(name, caption):
        if name not in images:
            return ""
        return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{images[name]}">'
                f"<figcaption class='note'>{html.escape(caption)}</figcaption></figure>")

    task = result.task
    parts = [f"<h1>{html.escape(result.title or 'Experiment')}</h1>"]
    if result.description:
        parts.append(f"<p>{html.escape(result.description)}</p>")
    parts.append(f"<p class='note'>inductive-bias {html.escape(result.version)}; experiment file "
                 f"{html.escape(str(result.source or '-'))}; store {html.escape(str(result.store))}; "
                 f"{result.seconds:.1f} s; {result.members_trained} members trained by this run.</p>")
    parts.append("<h2>Task</h2>" + _table(["key", "value"], [(k, v) for k, v in task.items() if k != "classes"]))
    parts.append("<h2>Spaces</h2>" + _table(
        ["space", "estimator", "members", "trained now", "fit share", "fit threshold (train MSE)", "test loss mean",
         "seconds", "note"],
        [(s.name, s.estimator, s.members, s.members_trained,
          None if s.fit_share is None else f"{s.fit_share:.0%}",
          None if s.fit_threshold is None else f"{s.fit_threshold:.3g}",
          None if s.result is None else f"{(s.result.loss.mean if s.result.loss.mean is not None else math.nan):.4g}", f"{s.seconds:.1f}",
          s.reason or "") for s in result.spaces]))
    parts.append("<h2>Inductive bias I(ε)</h2>" + figure("curves", "I(ε) of every space; band: 95% interval"))
    parts.append(_table(["ε (test MSE)", *[s.name for s in result.spaces]],
                        [(f"{e:.4g}", *[format_bits(s.target(j).bits) + " " + _interval(s.target(j).interval)
                                        + (" *" if s.target(j).extrapolated else "") for s in result.spaces])
                         for j, e in enumerate(result.target_errors)]))
    parts.append(f"<p class='note'>* extrapolated below every sampled loss. Target errors: "
                 f"{html.escape(result.target_error_rule)}.</p>")
    if result.relative:
        parts.append(f"<h2>Bits saved over the baseline ({html.escape(result.baseline)})</h2>"
                     + figure("relative", "I_baseline(ε) − I_space(ε) with 95% intervals (docs/method.md §8)")
                     + _table(["space", "baseline", "ε", "bits", "95% interval", "note"],
                              [(r.space, r.baseline, f"{r.target_error:.4g}", format_bits(r.bits),
                                _interval(r.interval), r.reason or "") for r in result.relative])
                     + "<p class='note'>The interval combines both figures' intervals by the method of variance "
                       "estimates recovery (the two are independent draws); an exact figure has none.</p>")
    sweeps = [k for k in images if k.startswith("sweep-")]
    if sweeps:
        parts.append("<h2>Sweeps</h2>" + "".join(figure(k, f"bits against {k[6:]}") for k in sweeps))
    if "fit" in images:
        parts.append("<h2>Fitting the training data (docs/method.md §8)</h2>"
                     + figure("fit", "share of members that fit, and each member's training MSE"))
    parts.append("<h2>Upper bound (docs/method.md §5)</h2>")
    if drawn is None:
        why = "the result does not carry it" if bound is None else bound.reason
        parts.append(f"<p class='note'>Not drawn: {html.escape(why)}.</p>")
    else:
        g = bound.geometry or {}
        parts.append(_table(["ε", "upper bound (bits)"], [(f"{e:.4g}", format_bits(b)) for e, b in zip(*drawn)])
                     + f"<p class='note'>From the task's geometry: n {g.get('n')}, R {g.get('R', math.nan):.4g}, "
                       f"m {g.get('m', math.nan):.4g}, δ {g.get('delta', math.nan):.4g}; the bound's ε is its "
                       "error, plugged in as the same number as the test MSE.</p>")
    notes = [w for s in result.spaces for w in s.warnings]
    if notes:
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in notes) + "</ul>")
    parts.append("<h2>JSON</h2><pre>" + html.escape(result.to_json()) + "</pre>")
    page = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>"
            + html.escape(result.title or "Experiment") + f"</title><style>{_STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")
    path.write_text(page, encoding="utf-8")
    return ReportFiles(html=path, csv=csv_path, figures=tuple(written))
