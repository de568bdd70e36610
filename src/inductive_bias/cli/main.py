"""The ``inductive-bias`` command.

Each subcommand lives in its own module of this package, exposing ``add_parser(subparsers)`` and
``run(args) -> int``; :data:`COMMANDS` lists them in the order ``--help`` shows them.

Bad input ends with one line on stderr naming the argument and the value, and exit status 2.
"""

from __future__ import annotations

from .._version import __version__

import argparse
import importlib
import sys
import warnings

from ..exceptions import InputError

COMMANDS = ["measure", "fit", "sample", "runs", "tasks", "complexity", "compare", "experiment"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage block) and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def flag(argument: str) -> str:
    """The CLI spelling of an API argument name: target_error -> --target-error."""
    return "--" + argument.replace("_", "-") if argument.isidentifier() else argument


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="inductive-bias",
                     description="How much inductive bias does a task require from a hypothesis space? In bits.")

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"{__package__}.{name.replace('-', '_')}_cmd")
        module.add_parser(sub).set_defaults(_run=module.run)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # A warning (an extrapolation, an integral short of its accuracy) is one line, not a source listing.
    shown = warnings.formatwarning
    warnings.formatwarning = lambda message, category, *_, **__: (
        f"inductive-bias {args.command}: warning: {message}\n")
    try:
        return int(args._run(args) or 0)
    except InputError as error:
        print(f"inductive-bias {args.command}: error: {flag(error.argument)}: {error.detail}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"inductive-bias {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        warnings.formatwarning = shown


if __name__ == "__main__":
    sys.exit(main())
