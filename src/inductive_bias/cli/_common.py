"""Options and output shared by subcommands."""

from __future__ import annotations

import sys

from ..reports import format_result


def add_target_error(parser, required: bool = False):
    parser.add_argument("--target-error", "-e", type=float, nargs="+", metavar="EPS", required=required,
                        help="target test MSE(s) ε; default: 1, 2, 4, 8, 16 standard deviations below the mean loss")


def bootstrap_count(text: str) -> int:
    """argparse type of --bootstrap: an integer whose refits fit in memory and time."""
    import argparse

    from ..exceptions import InputError
    from .._validation import check_bootstrap

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer; got {text!r}") from None
    try:
        return check_bootstrap("bootstrap", value)
    except InputError as error:
        raise argparse.ArgumentTypeError(error.detail) from None


def add_estimation(parser, estimators, default):
    parser.add_argument("--estimator", default=default, choices=estimators,
                        help=f"how I(ε) is obtained (default {default})")
    parser.add_argument("--bootstrap", type=bootstrap_count, default=50, metavar="B",
                        help="bootstrap refits for the interval of a sample-based estimate (default 50)")
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
    parser.add_argument("--plot", metavar="PNG", type=file_name,
                        help="write a figure of I(ε) against ε to this PNG file")


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
