"""Print the markdown table of bits that docs/experiments.md shows for one experiment's CSV:

    python docs/experiment_tables.py docs/experiments/model_classes.csv [--reasons]

Rows are the target errors ε, columns the spaces as the CSV names them (a swept space carries its
sweep values in its name, e.g. ``gp[n_train=50]``; the ``sweep`` column holds the same values as
JSON). Each cell shows the figure's kind (the CSV's ``point_kind``): an exact figure as a number
(``50.9``); a count with its 95% Clopper–Pearson interval (``1.5 [1.1, 2.1]``); a one-sided lower
bound, where no member reaches ε, as ``> 4.2``; a fitted-law figure below every sampled loss with
a ``*``; no figure as ``-``, whose reason ``--reasons`` prints below the table. A line of fit
shares follows for the trained spaces. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import csv
import math


def _number(x: float) -> str:
    text = f"{x:,.1f}"
    return "0.0" if text == "-0.0" else text  # -log2(1) prints as -0.0


def cell(row: dict) -> str:
    """One table cell for a ``space`` row of the CSV."""
    bits = float(row["bits"]) if row["bits"] else math.nan
    kind = row["point_kind"]
    if math.isnan(bits):
        return "-"
    if kind == "bound":
        return f"> {_number(bits)}"
    text = "inf" if math.isinf(bits) else _number(bits)
    if kind == "model":
        text += "*"
    if kind in ("count", "model") and row["interval_low"] and row["interval_high"]:
        low, high = float(row["interval_low"]), float(row["interval_high"])
        if math.isfinite(high):
            text += f" [{_number(low)}, {_number(high)}]"
    return text


def table(rows: list[dict], reasons: bool = False) -> str:
    """The markdown table (and fit-share line) of the ``space`` rows of one experiment CSV."""
    rows = [r for r in rows if r["kind"] == "space"]
    spaces = list(dict.fromkeys(r["space"] for r in rows))
    errors = list(dict.fromkeys(r["target_error"] for r in rows))
    cells = {(r["space"], r["target_error"]): r for r in rows}
    lines = ["| ε | " + " | ".join(spaces) + " |", "|---" * (len(spaces) + 1) + "|"]
    for e in errors:
        row = (cell(cells[s, e]) if (s, e) in cells else "-" for s in spaces)
        lines.append(f"| {float(e):g} | " + " | ".join(row) + " |")
    shares = {r["space"]: float(r["fit_share"]) for r in rows if r["fit_share"]}
    if shares:
        lines += ["", "fit share: " + ", ".join(f"{s} {100 * f:.0f}%" for s, f in shares.items())]
    if reasons:
        missing = {r["space"]: r["reason"] for r in rows if cell(r) == "-"}
        lines += [""] + [f"- {s}: {why}" for s, why in missing.items()]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="an experiment's CSV (docs/experiments/NAME.csv)")
    parser.add_argument("--reasons", action="store_true", help="list why a space has no figure")
    args = parser.parse_args(argv)
    try:
        with open(args.csv, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as err:
        parser.error(f"csv: cannot read {args.csv!r}: {err.strerror}")
    print(table(rows, reasons=args.reasons))


if __name__ == "__main__":
    main()
