"""``inductive-bias experiment``: the spaces of an experiment file measured on its task, with the
bits each saves over a baseline (docs/method.md §8), resumable through a sample store."""

from __future__ import annotations

import sys
import warnings

from ._common import add_figure_style, file_name


def add_parser(sub):
    p = sub.add_parser("experiment", help="compare hypothesis spaces as an experiment file describes (TOML)",
                       description="Run an experiment file: train what the store lacks, measure every space at "
                                   "shared target errors, and report the bits each saves over the baseline. "
                                   "Keys of [task] and [[space]] are the options of `measure` with underscores; "
                                   "see docs/experiments.md.")
    p.add_argument("file", metavar="FILE.toml", help="the experiment file")
    p.add_argument("--store", required=True, metavar="FILE",
                   help="sample store for the trained members (created if missing; a second run trains nothing); "
                        ":memory: keeps nothing")
    p.add_argument("--report", metavar="HTML", type=file_name, help="write a self-contained HTML report, with its figures (PNG, or "
                                                    "--figure-format) and a CSV of every row beside it (default: the "
                                                    "file's [report] path)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--progress", action=__import__("argparse").BooleanOptionalAction, default=None,
                   help="progress on stderr: bars on a terminal, else a line at most every 10 s (default: on)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr (as --no-progress)")
    add_figure_style(p)
    return p


def run(args) -> int:
    from ..experiment import Experiment
    from ._common import figure_style

    from ..reports.html_report import check_report_path
    from ..store.sample_store import check_store_path

    style = figure_style(args)  # a bad size or scale before the work
    experiment = Experiment.from_file(args.file)
    check_store_path(args.store)
    # The flag (even an empty one, refused), else the file's [report] path; checked before the work.
    report = args.report if args.report is not None else experiment.plan.report.get("path")
    if report is not None:
        check_report_path(report, "report" if args.report is not None else "report.path", style.format)
    for note in experiment.notes:
        print(f"inductive-bias experiment: note: {note}", file=sys.stderr)
    result = experiment.run(args.store, progress=False if args.quiet else args.progress)
    for outcome in result.spaces:
        for message, category in zip(outcome.warnings, outcome.warning_categories):
            warnings.warn(message, category, stacklevel=1)
    written = None
    if report is not None:
        written = result.write_report(report, style=style)
    if args.json:
        sys.stdout.write(result.to_json() + "\n")
    else:
        from ..reports.experiment_table import print_experiment

        print_experiment(result)
        if written is not None:
            sys.stdout.write(f"\nreport  {written.html}\n")
    return 0
