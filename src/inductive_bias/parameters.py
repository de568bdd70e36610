"""Declared parameters: a name, a type, a constraint, a default and one line of help, in one place.

A hypothesis space declares its parameters next to its class (a tuple of :class:`Parameter`),
and the task loaders' options are declared beside the table of tasks: the space registry
(:mod:`.spaces.registry`) and :func:`.tasks.registry.task_from_options` build spaces and tasks
from dicts of them, the command line generates its flags and their help from them, and
experiment files read their tables with them.
A constraint is data (``choices``, ``low``/``high``, ``special`` strings, ``length``), so that a
value is checked, and an error worded, the same way whichever road it came by.

>>> depth = Parameter("depth", int, 2, "hidden layers", low=0)
>>> depth.check(3), depth.describe()
(3, 'a non-negative integer')
>>> depth.check(-1)
Traceback (most recent call last):
...
inductive_bias.exceptions.InputError: depth: must be finite and >= 0; got -1
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .exceptions import InputError

__all__ = ["ANY", "NUMBER", "POSITIVE", "NON_NEGATIVE", "Parameter", "Spelling", "defaults_of", "read_table"]

#: ``type`` of a parameter that takes an integer or a float and keeps which it was given
NUMBER = "number"
#: ``type`` of a parameter whose value is passed on as given, for its consumer to check
ANY = "any"
#: constraint shorthands: ``Parameter(..., **POSITIVE)``
POSITIVE = {"low": 0, "low_open": True}
NON_NEGATIVE = {"low": 0}

_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false", NUMBER: "a number",
               ANY: "a value"}


def _shown(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _finite(x) -> bool:
    """math.isfinite, also for integers beyond float's range (10**400 from the command line)."""
    return True if isinstance(x, (int, np.integer)) else math.isfinite(x)


def _bound(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


@dataclass(frozen=True)
class Parameter:
    """One parameter of a hypothesis space (or of an experiment table).

    Attributes
    ----------
    name : str
        Its key: the keyword of :func:`~inductive_bias.spaces.registry.build_space`, the key of an
        experiment table, and (dashed) the command-line flag ``--name``.
    type : {int, float, str, bool, NUMBER, ANY}
        The type of one value; an integral float is accepted as an int; ANY is passed on unchecked.
    default : object
        The value when it is not given; None means the space decides (``help`` says how).
    help : str
        One line, without the default (the command line adds it).
    choices : tuple of str
        The values allowed (strings); empty: any value of the type.
    special : tuple of str
        Strings accepted in place of a number ('median', 'ml', 'full').
    low, high : float or None
        Bounds of a number (finite numbers only where either is set).
    low_open, high_open : bool
        Whether a bound itself is excluded.
    limit : str
        Why ``high`` is there where it is a limit of time or memory rather than of the value's
        meaning: a value above it is refused with that reason ("at most 10,000 (...)") instead of
        the range.
    length : None, "+", "*" or int
        None: one value. "+": a list of one or more values; "*": of any number (none included). An
        int: a list of exactly that many.
    keyword : str or None
        The constructor's keyword where it differs from ``name`` (``filter_size`` ->
        ``kernel_size``).
    metavar : str or None
        The command line's placeholder for the value.
    flag : bool
        Whether the command line offers it (False where the flag would mean something else there).
    parser : callable or None
        Reads one command-line word where the type's own reading does not suffice.
    """

    name: str
    type: object
    default: object = None
    help: str = ""
    choices: tuple = ()
    special: tuple = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    limit: str = ""
    length: int | str | None = None
    keyword: str | None = None
    metavar: str | None = None
    flag: bool = True
    parser: Callable[[str], object] | None = None

    @property
    def argument(self) -> str:
        """The constructor keyword that receives it."""
        return self.keyword or self.name

    @property
    def many(self) -> bool:
        return self.length is not None

    # -- what it accepts ---------------------------------------------------------------------------
    def describe(self) -> str:
        """What a value must be, in words ('a positive integer or 'full'')."""
        if self.choices:
            one = "one of " + ", ".join(map(str, self.choices))
        elif self.low == 0 and self.high is None and self.type in (int, float, NUMBER):
            one = f"a {'positive' if self.low_open else 'non-negative'} {'integer' if self.type is int else 'number'}"
        else:
            one = _TYPE_NAMES[self.type]
            if self.low is not None or self.high is not None:
                one += " " + self._range_words()
        if self.special:
            one += " or " + " or ".join(repr(s) for s in self.special)
        if self.length in ("+", "*"):
            return f"a list of {one}"
        if self.length is not None:
            return f"a list of {self.length}: {one}"
        return one

    def _range_words(self) -> str:
        if self.low is not None and self.high is not None:
            return (f"in {'(' if self.low_open else '['}{_bound(self.low)}, "
                    f"{_bound(self.high)}{')' if self.high_open else ']'}")
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {_bound(self.low)}"
        return f"{'<' if self.high_open else '<='} {_bound(self.high)}"

    def check(self, value, argument: str | None = None):
        """The value, checked and normalised (ints for integers, floats for numbers, tuples for
        lists); an :class:`InputError` naming ``argument`` (default: the keyword) otherwise.

        A list of one value is that value where one is wanted (a flag that another space takes as
        a list, ``--channels``), and one value a list of one where a list is wanted."""
        argument = argument or self.argument
        if self.length is None:
            if isinstance(value, (list, tuple)):
                if len(value) != 1:
                    raise InputError(argument, f"takes one value; got {_shown(value)}")
                value = value[0]
            return self._one(value, argument)
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            value = [value]  # one value where a list is wanted: a list of one
        values = list(value)
        if self.length == "+" and not values:
            raise InputError(argument, "is an empty list")
        if isinstance(self.length, int) and len(values) != self.length:
            raise InputError(argument, f"must be {self.length} values; got {_shown(value)}")
        return tuple(self._one(v, argument) for v in values)

    def _one(self, value, argument: str):
        if isinstance(value, str) and value in self.special:
            return value
        if self.choices:
            if value not in self.choices:
                raise InputError(argument, f"must be one of {', '.join(map(str, self.choices))}; got {_shown(value)}")
            return value
        if self.type is bool:
            if not isinstance(value, (bool, np.bool_)):
                raise InputError(argument, f"must be true or false; got {_shown(value)}")
            return bool(value)
        if self.type is ANY:
            return value
        if self.type is str:
            if not isinstance(value, str):
                raise InputError(argument, f"must be a string; got {_shown(value)}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            words = " or ".join([_TYPE_NAMES[self.type], *map(repr, self.special)])
            if isinstance(value, (bool, np.bool_)):  # a TOML `n_train = true`: said as it was written
                raise InputError(argument, f"must be {words}, not {str(bool(value)).lower()}")
            raise InputError(argument, f"must be {words}; got {_shown(value)}")
        if self.type is int:
            if not (_finite(value) and int(value) == value):
                raise InputError(argument, f"must be an integer; got {_shown(value)}")
            value = int(value)
        elif self.type is NUMBER:
            value = int(value) if isinstance(value, (int, np.integer)) else float(value)
        else:
            value = float(value)
        if self.low is not None or self.high is not None:
            if self.limit and self.high is not None and value > self.high and self._within_low(value):
                raise InputError(argument, f"must be at most {self.high:,} ({self.limit}); got {_shown(value)}")
            if not _finite(value) or not self._within(value):
                words = f"be finite and {self._range_words()}" if self.high is None else f"lie {self._range_words()}"
                raise InputError(argument, f"must {words}; got {_shown(value)}")
        return value

    def _within_low(self, x) -> bool:
        return self.low is None or not (x < self.low or (self.low_open and x == self.low))

    def _within(self, x) -> bool:
        if self.low is not None and (x < self.low or (self.low_open and x == self.low)):
            return False
        return not (self.high is not None and (x > self.high or (self.high_open and x == self.high)))

    def parse(self, text: str):
        """One command-line word as a value of this parameter's type (checked later by
        :meth:`check`); a ``ValueError`` where it is not one."""
        if text in self.special:
            return text
        if self.parser is not None:
            return self.parser(text)
        if self.type is int:
            return int(text)
        if self.type is float:
            return float(text)
        if self.type is NUMBER:
            try:
                return int(text)
            except ValueError:
                return float(text)
        return text

    def shown_default(self) -> str | None:
        """The default as a user writes it, or None where there is none."""
        if self.default is None:
            return None
        if isinstance(self.default, tuple):
            return " ".join(map(str, self.default)) if self.default else "(none)"
        return str(self.default).lower() if isinstance(self.default, bool) else str(self.default)


def defaults_of(parameters: Iterable[Parameter]) -> dict:
    """Constructor keyword -> declared default."""
    return {p.argument: p.default for p in parameters}


@dataclass(frozen=True)
class Spelling:
    """How a caller writes a parameter, for error messages: the command line's ``--n-train`` and
    ``--space knn``, an experiment file's ``space[mlp].hidden`` and ``space = knn``, or the Python
    keyword ``hidden`` and ``space='knn'``."""

    key: Callable[[str], str]                 # the argument an error names
    setting: Callable[[str, object], str]     # a key set to a value, in a message
    listed: Callable[[str], str]              # a key in a list of what a table takes

    @classmethod
    def keywords(cls) -> "Spelling":
        return cls(lambda k: k, lambda k, v: f"{k}={v!r}", lambda k: k)

    @classmethod
    def flags(cls) -> "Spelling":
        def flag(k):
            return "--" + k.replace("_", "-")

        return cls(flag, lambda k, v: f"{flag(k)} {v}", flag)

    @classmethod
    def table(cls, table: str) -> "Spelling":
        return cls(lambda k: f"{table}.{k}", lambda k, v: f"{k} = {v}", lambda k: k)


def read_table(parameters: Iterable[Parameter], entries: dict, spelling: Spelling, *, what: str) -> dict:
    """Name -> checked value of a table's entries, with the declared defaults for the others; a
    key not declared is an :class:`InputError` naming it, and ``what`` says what the table takes."""
    declared = {p.name: p for p in parameters}
    out = {}
    for key, value in entries.items():
        if key not in declared:
            raise InputError(spelling.key(key), f"is not one of {what} ({', '.join(declared)})")
        out[key] = declared[key].check(value, spelling.key(key))
    return {name: out.get(name, p.default) for name, p in declared.items()}
