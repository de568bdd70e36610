"""The ``inductive-bias`` command.

Each subcommand lives in its own module of this package, exposing ``add_parser(subparsers)`` and
``run(args) -> int``; :data:`COMMANDS` lists them in the order ``--help`` shows them.

Bad input ends with one line on stderr naming the argument and the value, and exit status 2.
"""

from __future__ import annotations

from .._version import __version__

import argparse
import codecs
import errno
import importlib
import os
import sys
import unicodedata
import warnings

from ..exceptions import InputError

COMMANDS = ["measure", "fit", "sample", "runs", "tasks", "complexity", "compare", "experiment"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage block) and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


# API argument names whose CLI flag is spelled otherwise.
_FLAG_ALIASES = {"n_bootstrap": "--bootstrap", "target_errors": "--target-error", "kernel_size": "--filter-size",
                 "dim": "--width"}
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


# Spelled out where the terminal cannot show them (PYTHONIOENCODING=ascii, a latin-1 locale).
_SPELLED = {"ε": "eps", "δ": "delta", "Γ": "Gamma", "γ": "gamma", "π": "pi", "Σ": "Sigma", "σ": "sigma",
            "Φ": "Phi", "ℓ": "l", "ω": "omega", "τ": "tau", "ν": "nu", "λ": "lambda", "μ": "mu", "χ": "chi",
            "²": "^2", "½": "1/2", "·": "*", "√": "sqrt", "≤": "<=", "≥": ">=", "–": "-", "—": "-", "≈": "~",
            "×": "x", "−": "-", "∞": "inf", "§": "section ", "…": "...", "₋": "-"}


def _spell_out(error: UnicodeEncodeError):
    """Codec error handler: Greek letters and symbols as ASCII words, accents dropped, else \\u escapes."""
    text = error.object[error.start:error.end]
    out = []
    for char in text:
        plain = _SPELLED.get(char) or unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        out.append(plain or char.encode("ascii", "backslashreplace").decode())
    return "".join(out), error.end


codecs.register_error("inductive_bias.spell_out", _spell_out)


def _legible_streams() -> None:
    """stdout and stderr spell out what their encoding cannot show, instead of raising
    UnicodeEncodeError on the first δ."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "εδ".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="inductive_bias.spell_out")


def _output_lost(error: OSError) -> bool:
    """A write that failed for want of room or a device (stdout to /dev/full, a full disk)."""
    return error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


# The OS's refusals of a path the user gave (too long, missing, a folder, no permission, a loop of
# links, a read-only file system): one line naming the flag that gave it, not a traceback.
_PATH_ERRORS = (errno.ENAMETOOLONG, errno.ENOENT, errno.EISDIR, errno.ENOTDIR, errno.EACCES, errno.EPERM,
                errno.ELOOP, errno.EROFS, errno.EEXIST, errno.ETXTBSY, errno.ENXIO, errno.ENODEV)


def _path_flag(args, path) -> str | None:
    """The flag whose value is (or holds) ``path``, as the user spelled it."""
    text = str(path)
    for dest, value in vars(args).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        if any(isinstance(v, str) and v and (v == text or text.startswith(v) or v.startswith(text)) for v in values):
            return "--" + dest.replace("_", "-") if dest != "file" else "FILE"
    return None


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
    _legible_streams()
    try:
        status = int(args._run(args) or 0)
        sys.stdout.flush()  # a full disk is reported here, not as a traceback at exit
        return status
    except OSError as error:
        if not _output_lost(error):
            if error.errno not in _PATH_ERRORS or error.filename is None:
                raise
            path = str(error.filename) if len(str(error.filename)) <= 80 else str(error.filename)[:77] + "..."
            where = _path_flag(args, error.filename)
            print(f"inductive-bias {args.command}: error: {where + ': ' if where else ''}cannot use {path}: "
                  f"{error.strerror}", file=sys.stderr)
            return 2
        # Nothing more can reach stdout; point it at /dev/null so that the exit's flush is quiet.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        where = f" ({error.filename})" if error.filename else " (the output)"
        print(f"inductive-bias {args.command}: error: cannot write{where}: {error.strerror}", file=sys.stderr)
        return 2
    except InputError as error:
        print(f"inductive-bias {args.command}: error: {flag(error.argument, args._options)}: {error.detail}",
              file=sys.stderr)
        return 2
    except ValueError as error:
        if "null byte" not in str(error) and "null character" not in str(error):
            raise
        # a path with a NUL byte (which no file name can hold): os and open refuse it so
        print(f"inductive-bias {args.command}: error: a path holds a NUL byte, which no file name can hold",
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
