"""Results as pandas data frames and as HTML tables for a notebook.

:func:`measure_frame` and :func:`experiment_frame` give one row per (space, ε) with every column
of an experiment report's CSV (:func:`~inductive_bias.reports.html_report.csv_rows`), plus what a
single figure knows beyond it (the Chernoff lower bound, sampled losses below ε, the flags). pandas
is an optional extra (``pip install 'inductive-bias[frames]'``); the HTML tables need nothing.
"""

from __future__ import annotations

import html

from ._style import point_kind
from .table import format_bits

__all__ = ["experiment_frame", "experiment_html", "measure_frame", "measure_html", "task_html"]

# Beyond the CSV's columns: what a TargetResult says about its own figure.
_EXTRA = ("bits_lower_bound", "samples_below", "untrusted", "reliable", "members_needed")


def _pandas():
    try:
        import pandas
    except ImportError:
        raise ImportError("to_frame() needs pandas, an optional extra: pip install 'inductive-bias[frames]' "
                          "(or pip install pandas)") from None
    return pandas


def _extra(target) -> dict:
    return {key: getattr(target, key, None) for key in _EXTRA}


def _frame(rows, columns):
    pandas = _pandas()
    frame = pandas.DataFrame(rows, columns=columns)
    for column in ("target_error", "bits", "interval_low", "interval_high", "fit_share", "bits_lower_bound"):
        if column in frame:
            frame[column] = pandas.to_numeric(frame[column], errors="coerce").astype(float)
    for column in ("members", "members_trained", "samples_below", "members_needed"):
        if column in frame:
            frame[column] = pandas.to_numeric(frame[column], errors="coerce").astype("Int64")
    return frame


def measure_rows(result, name: str | None = None) -> list[dict]:
    """The rows of :func:`measure_frame`, as dicts."""
    members = result.members
    space = name or result.space.get("space") or "space"
    rows = []
    for t in result.results:
        rows.append({"kind": "space", "space": space, "baseline": "", "target_error": t.target_error, "bits": t.bits,
                     "interval_low": None if t.interval is None else t.interval[0],
                     "interval_high": None if t.interval is None else t.interval[1],
                     "estimator": result.estimator,
                     "members": None if members is None else members.members,
                     "members_trained": None, "fit_share": None if members is None else members.fit_share,
                     "extrapolated": t.extrapolated, "sweep": "", "reason": t.reason or "",
                     "point_kind": point_kind(t, result.estimator), **_extra(t)})
    return rows


def measure_frame(result, name: str | None = None):
    """One row per ε of a :class:`~inductive_bias.results.MeasureResult`, in the columns of an
    experiment's CSV (``space`` is ``name``, else the space's kind) and those of ``_EXTRA``."""
    rows = measure_rows(result, name)
    return _frame(rows, list(rows[0]) if rows else [])


def experiment_frame(result, kind: str = "space"):
    """The rows of an experiment: ``kind="space"`` one per (space, ε) with its bits, ``"relative"``
    one per (space, ε) with the bits it saves over the baseline, ``"all"`` both, as in the CSV."""
    from .html_report import csv_rows

    if kind not in ("space", "relative", "all"):
        raise ValueError(f"kind must be 'space', 'relative' or 'all'; got {kind!r}")
    rows = csv_rows(result)
    targets = {}
    for s in result.spaces:
        for j in range(len(s.target_errors)):
            targets[(s.name, s.target_errors[j])] = s.target(j)
    for row in rows:
        target = targets.get((row["space"], row["target_error"])) if row["kind"] == "space" else None
        row.update(_extra(target) if target is not None else dict.fromkeys(_EXTRA))
    columns = list(rows[0]) if rows else []
    if kind != "all":
        rows = [r for r in rows if r["kind"] == kind]
    return _frame(rows, columns)


# -- HTML for a notebook --------------------------------------------------------------------------

_CSS = ("<style>.ib-table td,.ib-table th{padding:2px 8px;text-align:right}"
        ".ib-table td:first-child,.ib-table th:first-child{text-align:left}</style>")


def _table(header, rows, caption: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if c is None else str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table class='ib-table'>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _interval(interval) -> str:
    if interval is None:
        return ""
    return f"[{format_bits(interval[0])}, {format_bits(interval[1])}]"


def measure_html(result) -> str:
    """What the result's text table says, as HTML: the task, the space, one row per ε."""
    from ..tasks.task import task_line

    task = result.task
    line = task_line(task) if "n_train" in task else task.get("name", "?")
    space = ", ".join(f"{k}={v}" for k, v in result.space.items() if k != "space" and v is not None)
    rows = [(f"{t.target_error:.6g}", format_bits(t.bits), _interval(t.interval), point_kind(t, result.estimator),
             t.reason or "") for t in result.results]
    return (_CSS + f"<p><b>task</b> {html.escape(line)}<br><b>space</b> {html.escape(str(result.space.get('space')))}"
            f" ({html.escape(space)})<br><b>estimator</b> {html.escape(result.estimator)}</p>"
            + _table(["ε (test MSE)", "bits", "95% interval", "kind", "note"], rows))


def experiment_html(result) -> str:
    """The experiment's bits per (ε, space) and, where there is a baseline, the bits saved over it."""
    names = [s.name for s in result.spaces]
    rows = []
    for j, eps in enumerate(result.target_errors):
        cells = []
        for s in result.spaces:
            t = s.target(j)
            cells.append((format_bits(t.bits) + " " + _interval(t.interval)).strip() + (" *" if t.extrapolated else ""))
        rows.append((f"{eps:.4g}", *cells))
    parts = [_CSS, f"<p><b>{html.escape(result.title or 'experiment')}</b>: {len(names)} spaces, "
                   f"{result.members_trained} members trained by this run, {result.seconds:.1f} s</p>",
             _table(["ε (test MSE)", *names], rows, "bits I(ε) [95% interval]; * extrapolated")]
    if result.relative:
        relative = list(dict.fromkeys(r.space for r in result.relative))
        by = {(r.space, r.target_error): r for r in result.relative}
        rows = [(f"{eps:.4g}", *[(format_bits(by[(n, eps)].bits) + " " + _interval(by[(n, eps)].interval)).strip()
                                 if (n, eps) in by else "-" for n in relative]) for eps in result.target_errors]
        parts.append(_table(["ε (test MSE)", *relative], rows, f"bits saved over {result.baseline}"))
    return "".join(parts)


def task_html(task) -> str:
    """The task's description and shapes as a table (never its arrays)."""
    d = task.describe()
    rows = []
    for key, value in d.items():
        if key == "classes" and value is not None and len(value) > 12:
            value = f"{len(value)} classes: {', '.join(map(str, value[:10]))}, ..."
        rows.append((key, value))
    rows.append(("X_train / X_test", f"{task.X_train.shape} / {task.X_test.shape}, {task.X_train.dtype}"))
    return _CSS + _table(["", str(task.name)], rows)
