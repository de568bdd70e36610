"""Values made JSON-ready, for every result family (measurements, bounds, comparisons).

JSON has no inf or NaN: they become null, and the record that holds them says why next to it
(``"impossible": true``, a ``reason``). numpy scalars and arrays become Python numbers and lists.
"""

from __future__ import annotations

import json
import math

import numpy as np

__all__ = ["jsonable", "number", "dumps"]


def number(x):
    """A float, or None where it is not finite."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def jsonable(value):
    """``value`` with dicts, sequences, arrays and numpy scalars made JSON-ready (recursively)."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.floating, float)):
        return number(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def dumps(record: dict, indent: int | None = 2) -> str:
    """Strict JSON text (no NaN or Infinity tokens)."""
    return json.dumps(jsonable(record), indent=indent, allow_nan=False)
