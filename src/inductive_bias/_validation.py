"""Checks at the public boundary.

Every check raises :class:`InputError`, a ``ValueError`` that names the offending argument (by its
Python name; the CLI turns ``target_error`` into ``--target-error``), what was expected and the bad
value, in one line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from .exceptions import InputError

__all__ = ["check_array", "check_choice", "check_input_file", "check_positive",
           "check_target_errors"]


def _show(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_array(name: str, value, *, ndim: int | Sequence[int], min_rows: int = 1,
                allow_nonfinite: bool = False) -> np.ndarray:
    """A finite float64 array of the given number of dimensions with at least ``min_rows`` rows
    (NaN and inf allowed with ``allow_nonfinite``: a diverged member's loss)."""
    if np.iscomplexobj(value):  # float64 would drop the imaginary part with only a warning
        raise InputError(name, f"must be real; got complex values {_show(value)}")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(name, f"must be a numeric array; got {_show(value)}") from None
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if array.ndim not in allowed:
        raise InputError(name, f"must have {' or '.join(map(str, allowed))} dimensions; got shape {array.shape}")
    if array.shape[0] < min_rows:
        raise InputError(name, f"must have at least {min_rows} row(s); got shape {array.shape}")
    if not allow_nonfinite and not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise InputError(name, f"must be finite; found {array[tuple(bad)]} at index {tuple(int(i) for i in bad)}")
    return array


def check_positive(name: str, value, *, allow_zero: bool = False, integer: bool = False):
    """A positive (or non-negative) finite number, optionally an integer."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(name, f"must be a number; got {_show(value)}")
    if integer and int(value) != value:
        raise InputError(name, f"must be an integer; got {_show(value)}")
    # An int beyond a double's range (10**400) is finite: math.isfinite would raise OverflowError.
    finite = isinstance(value, (int, np.integer)) or math.isfinite(value)
    if not finite or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(name, f"must be finite and {bound}; got {_show(value)}")
    return int(value) if integer else float(value)


def check_choice(name: str, value, choices: Iterable[str]) -> str:
    choices = tuple(choices)
    if value not in choices:
        raise InputError(name, f"must be one of {', '.join(choices)}; got {_show(value)}")
    return value


def check_target_errors(values) -> np.ndarray:
    """Target errors ε: a non-empty 1-D array of finite positive numbers (a scalar is accepted)."""
    try:
        array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    except (TypeError, ValueError):
        raise InputError("target_error", f"must be positive numbers; got {_show(values)}") from None
    if array.ndim != 1 or array.size == 0:
        raise InputError("target_error", f"must be one or more numbers; got {_show(values)}")
    bad = array[~(np.isfinite(array) & (array > 0))]
    if bad.size:
        raise InputError("target_error", f"must be finite and > 0; got {float(bad[0])!r}")
    return array


def check_input_file(name: str, path, what: str = "file"):
    """An existing regular file to read, as a Path: a folder, a missing path and a device or pipe
    (``/dev/null``, which reads as empty) each get their own line."""
    from pathlib import Path

    file = Path(path)
    if str(path) == "":
        raise InputError(name, f"is empty; give a {what}")
    if file.is_dir():
        raise InputError(name, f"{path} is a folder; give a {what}")
    if not file.exists():
        raise InputError(name, f"no such file: {path}")
    if not file.is_file():
        raise InputError(name, f"{path} is not a regular file (a device, pipe or socket); give a {what}")
    return file


def check_scratch_dir(name: str, path):
    """A folder where temporary files can be created (or None), checked before any work: the
    out-of-core GP writes tens of GB there, and a missing, read-only or file path used to end
    the run with FileNotFoundError / PermissionError / NotADirectoryError."""
    import tempfile
    from pathlib import Path

    if path is None:
        return None
    folder = Path(path)
    if str(path) == "":
        raise InputError(name, "is empty; give a folder for temporary files")
    if not folder.exists():
        raise InputError(name, f"no such folder: {path}")
    if not folder.is_dir():
        raise InputError(name, f"{path} is not a folder; give a folder for temporary files")
    try:
        tempfile.TemporaryDirectory(dir=folder, prefix="inductive-bias-check-").cleanup()
    except OSError as error:
        raise InputError(name, f"cannot create files in {path}: {error.strerror or error}") from None
    return str(path)


#: The narrowest interval (in bits) a member count is planned for: the count grows as 1/width²,
#: so 1e-50 bits asked for a 100-digit number of members and 1e-300 overflowed.
MIN_INTERVAL_WIDTH = 1e-6


def check_interval_width(name: str, value) -> float:
    """A planned interval width in bits: finite, and at least :data:`MIN_INTERVAL_WIDTH`."""
    value = check_positive(name, value)
    if value < MIN_INTERVAL_WIDTH:
        raise InputError(name, f"must be at least {MIN_INTERVAL_WIDTH:g} bits (the members needed grow as "
                               f"1/width²; bits are reported to 4 decimals); got {value:g}")
    return value


_MAGIC = {".npz": (b"PK\x03\x04", b"PK\x05\x06"), ".npy": (b"\x93NUMPY",)}


def check_numpy_magic(name: str, path, kind: str) -> None:
    """Refuse a file that is not what its suffix says before numpy reads it: for any file that is
    neither, numpy's message says it holds pickled data and suggests ``allow_pickle=`` or
    ``pickle.load()``, advice never to follow for an untrusted file (and wrong for a text file)."""
    try:
        with open(path, "rb") as file:
            head = file.read(8)
    except OSError as error:
        raise InputError(name, f"cannot read {path}: {error.strerror or error}") from None
    if head.startswith(_MAGIC[kind]):
        return
    what = {".npz": "a .npz archive (a zip of .npy arrays, as numpy.savez writes)",
            ".npy": "a .npy array (as numpy.save writes)"}[kind]
    if head[:1] == b"\x80":
        found = "a Python pickle, which is never loaded (unpickling can run code)"
    elif not head:
        found = "nothing (an empty file)"
    elif all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        found = f"text (it starts {head.decode('ascii')!r})"
    else:
        found = f"other bytes (it starts {head!r})"
    raise InputError(name, f"{path} is not {what}: it holds {found}")
