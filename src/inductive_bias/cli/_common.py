"""Options and output shared by subcommands."""

from __future__ import annotations

import sys

from ..estimators import MIN_BOOTSTRAP
from ..measuring.plan import DEFAULT_BOOTSTRAP
from ..reports import format_result


def add_target_error(parser, required: bool = False):
    parser.add_argument("--target-error", "-e", type=float, nargs="+", metavar="EPS", required=required,
                        help="target test MSE(s) ε; default: rungs c·2^(-j/2) below the constant predictor's test "
                             "MSE c, where the space's figures rest on evidence (the same rungs for every space)")


def add_estimation(parser, estimators, default):
    parser.add_argument("--estimator", default=default, choices=estimators,
                        help=f"how I(ε) is obtained (default {default})")
    parser.add_argument("--bootstrap", type=int, default=DEFAULT_BOOTSTRAP, metavar="B",
                        help=f"bootstrap refits for a fitted law's interval (default {DEFAULT_BOOTSTRAP}, at least "
                             f"{MIN_BOOTSTRAP}; the direct count's interval is exact and needs none)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random draw (default 0)")


def add_output(parser):
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--plot", metavar="PNG", help="write a figure of I(ε) against ε to this PNG file")


def emit(result, args) -> None:
    if args.json:
        sys.stdout.write(result.to_json() + "\n")
    else:
        sys.stdout.write(format_result(result) + "\n")
