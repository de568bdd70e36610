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

COMMANDS = ["measure", "fit", "sample", "runs", "tasks", "complexity", "compare"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage block) and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


# API argument names whose CLI flag is spelled otherwise.
_FLAG_ALIASES = {"n_bootstrap": "--bootstrap", "target_errors": "--target-error"}
_DATA_ARRAYS = ("X_train", "X_test", "y_train", "y_test", "Y_train", "Y_test")


def flag(argument: str, options=None) -> str:
    """The CLI spelling of an API argument name: target_error -> --target-error.

    With ``options`` (the subcommand's option strings) a name is only spelled as a flag that
    exists: the task's arrays are named under ``--data``, and an argument no flag sets (a law's
    ``weights``) keeps its plain name rather than an invented ``--weights``."""
    if not argument.isidentifier():
        return argument
    spelled = "--" + argument.replace("_", "-")
    if options is None or spelled in options:
        return spelled
    if _FLAG_ALIASES.get(argument) in options:
        return _FLAG_ALIASES[argument]
    if argument in _DATA_ARRAYS and "--data" in options:
        return f"--data: {argument}"
    return argument


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="inductive-bias",
                     description="How much inductive bias does a task require from a hypothesis space? In bits.")

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"{__package__}.{name.replace('-', '_')}_cmd")
        command = module.add_parser(sub)
        options = frozenset(o for action in command._actions for o in action.option_strings)
        command.set_defaults(_run=module.run, _options=options)
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
        print(f"inductive-bias {args.command}: error: {flag(error.argument, args._options)}: {error.detail}",
              file=sys.stderr)
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
