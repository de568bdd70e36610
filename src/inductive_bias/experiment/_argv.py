"""TOML tables read through the command line's own parsers.

A key of ``[task]`` or ``[[space]]`` is the CLI option with underscores (``n_train = 200`` is
``--n-train 200``, ``hidden = [128, 128]`` is ``--hidden 128 128``, ``download = true`` is
``--download``, ``scale = false`` is ``--no-scale``). The table becomes an argument list and the
CLI's parsers read it, so every option the CLI has works in a file, with the CLI's defaults and
checks; a key the CLI does not know, or a bad value, is an :class:`InputError` naming the TOML key.
"""

from __future__ import annotations

import argparse
import re

from ..exceptions import InputError


class _ParseError(Exception):
    pass


class KeyParser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so that errors can be renamed to TOML keys."""

    def __init__(self, **kwargs):
        super().__init__(add_help=False, allow_abbrev=False, **kwargs)

    def error(self, message):
        raise _ParseError(message)


def flag_of(key: str) -> str:
    return "--" + key.replace("_", "-")


def _scalar(table: str, key: str, value) -> str:
    if isinstance(value, (dict, list)):
        raise InputError(f"{table}.{key}", f"must be a number or a string here; got {value!r}")
    return str(value)


def to_argv(table: str, entries: dict) -> tuple[list[str], dict[str, str]]:
    """The argument list of a TOML table, and flag -> TOML key (for error messages).

    True is the bare flag, False the ``--no-`` flag, a list the flag followed by its items.
    """
    argv: list[str] = []
    keys: dict[str, str] = {}
    for key, value in entries.items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", key):
            raise InputError(f"{table}.{key}", "is not an option name (letters, digits and underscores)")
        flag = flag_of(key)
        if value is True:
            argv.append(flag)
        elif value is False:
            flag = flag_of("no_" + key) if not key.startswith("no_") else flag_of(key[3:])
            argv.append(flag)
        elif isinstance(value, list):
            if not value:
                raise InputError(f"{table}.{key}", "is an empty list")
            argv += [flag, *(_scalar(table, key, v) for v in value)]
        else:
            argv += [flag, _scalar(table, key, value)]
        keys[flag] = f"{table}.{key}"
    return argv, keys


def parse_table(parser: KeyParser, table: str, entries: dict, *, what: str) -> argparse.Namespace:
    """Parse a TOML table with ``parser``; errors name the TOML key (``space.hidden``).

    ``what`` says in an error which CLI options the table takes (e.g. "the options of
    `inductive-bias measure`")."""
    argv, keys = to_argv(table, entries)
    where = table if "[" in table else f"[{table}]"
    for key, value in entries.items():
        action = parser._option_string_actions.get(flag_of(key)) if isinstance(value, bool) else None
        if action is not None and action.nargs != 0:  # n_train = true read as a bare --n-train
            kind = {int: "an integer", float: "a number"}.get(action.type, "a value")
            raise InputError(f"{table}.{key}", f"takes {kind}, not {str(value).lower()}")
    try:
        args, extra = parser.parse_known_args(argv)
    except _ParseError as error:
        message = str(error)
        match = re.match(r"argument (\S+?)(?:/\S+)?: (.*)", message)
        if match:
            flags = match.group(1).split("/")
            key = next((keys[f] for f in flags if f in keys), where)
            raise InputError(key, match.group(2)) from None
        if message.startswith("the following arguments are required"):
            raise InputError(where, message) from None
        raise InputError(where, message) from None
    for item in extra:
        if item in keys:
            raise InputError(keys[item], f"is not one of {what} (no {item})")
    if extra:
        raise InputError(where, f"could not read {' '.join(extra)!r}")
    return args
