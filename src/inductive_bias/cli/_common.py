"""Options and output shared by subcommands."""

from __future__ import annotations

import sys

from ..estimators import MIN_BOOTSTRAP
from ..exceptions import InputError
from ..measuring.plan import DEFAULT_BOOTSTRAP
from ..reports import format_result


def add_target_error(parser, required: bool = False):
    parser.add_argument("--target-error", "-e", type=float, nargs="+", metavar="EPS", required=required,
                        help="target test MSE(s) ε; default: rungs c·2^(-j/2) below the constant predictor's test "
                             "MSE c, where the space's figures rest on evidence (the same rungs for every space)")


def bootstrap_count(text: str) -> int:
    """argparse type of --bootstrap: an integer no larger than the refits that can end in time."""
    import argparse

    from ..estimators import check_bootstrap

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer; got {text!r}") from None
    try:
        # The upper limit up front, before any sampling; the floor depends on the estimator and is
        # checked by the measurement plan.
        return check_bootstrap(value, "sampled")
    except InputError as error:
        raise argparse.ArgumentTypeError(error.detail) from None


def add_estimation(parser, estimators, default):
    parser.add_argument("--estimator", default=default, choices=estimators,
                        help=f"how I(ε) is obtained (default {default})")
    parser.add_argument("--bootstrap", type=bootstrap_count, default=DEFAULT_BOOTSTRAP, metavar="B",
                        help=f"bootstrap refits for a fitted law's interval (default {DEFAULT_BOOTSTRAP}, at least "
                             f"{MIN_BOOTSTRAP}; the direct count's interval is exact and needs none)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random draw (default 0)")


def file_name(text: str) -> str:
    """argparse type of an output file flag: an empty name was silently ignored (``--plot ""``),
    and ``out/`` written as a file ``out``; the rest is checked by the writer before the work."""
    import argparse

    if text.strip() == "":
        raise argparse.ArgumentTypeError("must be a file name; got an empty string")
    if text.endswith(("/", "\\")):
        raise argparse.ArgumentTypeError(f"{text} names a folder; give a file name inside it")
    return text


def add_output(parser):
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--plot", metavar="FILE", type=file_name,
                        help="write a figure of I(ε) against ε to this file (.png, .pdf, .svg; with --figure-format "
                             "a bare name gets its suffix)")
    add_figure_style(parser)


def add_figure_style(parser):
    """--figure-format, --figure-size and --font-scale: how figures are written."""
    group = parser.add_argument_group("figures")
    group.add_argument("--figure-format", choices=["png", "pdf", "svg"], default=None,
                       help="file format of the figures (default png; for --plot, its suffix)")
    group.add_argument("--figure-size", metavar="WxH", default=None,
                       help="figure size in inches, such as 7x4.5 (default: each figure's own)")
    group.add_argument("--font-scale", type=float, default=1.0, metavar="F",
                       help="multiply every font size by F (default 1; 1.4 suits a two-column paper)")


def figure_style(args, default_format: str = "png"):
    """The FigureStyle the figure flags describe."""
    from ..reports import FigureStyle
    from ..reports._style import parse_size

    size = None if args.figure_size is None else parse_size(args.figure_size)
    return FigureStyle(size=size, font_scale=args.font_scale, format=args.figure_format or default_format)


def plot_path(args) -> str:
    """--plot's file, with --figure-format's suffix where it has none; a suffix that disagrees with
    --figure-format is refused."""
    from pathlib import Path

    path = Path(args.plot)
    fmt = args.figure_format
    if fmt is not None:
        if path.suffix == "":
            path = path.with_suffix(f".{fmt}")
        elif path.suffix.lower() != f".{fmt}":
            raise InputError("figure_format", f"{fmt} but --plot {args.plot} ends in {path.suffix}; give one of them")
    return str(path)


def emit(result, args) -> None:
    if args.json:
        sys.stdout.write(result.to_json() + "\n")
    else:
        sys.stdout.write(format_result(result) + "\n")


def interval_width(text: str) -> float:
    """argparse type of --interval-width (bits): at least 1e-6 (see check_interval_width)."""
    import argparse

    from ..exceptions import InputError
    from .._validation import check_interval_width

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of bits; got {text!r}") from None
    try:
        return check_interval_width("interval_width", value)
    except InputError as error:
        raise argparse.ArgumentTypeError(error.detail) from None
