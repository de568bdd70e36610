"""Values made JSON-ready, for every result family (measurements, bounds, comparisons).

JSON has no inf or NaN: they become null, and the record that holds them says why next to it
(``"impossible": true``, a ``reason``). numpy scalars and arrays become Python numbers and lists.
"""

from __future__ import annotations

import json
import math

import numpy as np

from .exceptions import InputError

__all__ = ["jsonable", "number", "dumps"]


def number(x):
    """A float, or None where it is not finite."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def jsonable(value, *, argument: str | None = None):
    """``value`` with dicts, sequences, arrays and numpy scalars made JSON-ready (recursively).

    A scikit-learn object (an estimator or kernel given as a parameter: it has ``get_params``)
    becomes its class and parameters, and a class or named function its qualified name: the same
    text in every process, so that a space's id is too. Any other object has no JSON form that
    can be read back: with ``argument`` (a value kept in a spec, which a store hashes and keeps)
    it is an :class:`~inductive_bias.InputError` naming that argument, rather than a repr that
    may carry a memory address (a new space id in every process) and can never be read back;
    without, it is returned as is (``json.dumps`` then refuses it).
    """
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): jsonable(v, argument=argument) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, argument=argument) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v, argument=argument) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.floating, float)):
        return number(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if value is None or isinstance(value, str):
        return value
    if argument is None:
        return value
    if hasattr(value, "get_params") and not isinstance(value, type):
        params = value.get_params(deep=False)
        return {"class": _qualified(type(value)),
                **{str(k): jsonable(v, argument=f"{argument}.{k}") for k, v in sorted(params.items())}}
    if (isinstance(value, type) or callable(value)) and "<" not in getattr(value, "__qualname__", "<"):
        return _qualified(value)
    raise InputError(argument, f"{value!r} ({type(value).__name__}) has no JSON form a store can keep and read "
                               "back; give numbers, strings, lists, dicts, scikit-learn estimators or kernels, "
                               "classes or module-level functions")


def _qualified(value) -> str:
    return f"{getattr(value, '__module__', '?')}.{value.__qualname__}"


def dumps(record: dict, indent: int | None = 2) -> str:
    """Strict JSON text (no NaN or Infinity tokens)."""
    return json.dumps(jsonable(record), indent=indent, allow_nan=False)
