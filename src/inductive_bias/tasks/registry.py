"""Resolve a ``--data`` value (a built-in name or a path) to a :class:`Task`."""

from __future__ import annotations

from pathlib import Path

from .._validation import InputError
from .arrays import load_npz
from .builtin import digits

BUILTIN = {"digits": digits}


def load_task(data: str, **options):
    """The built-in task named ``data`` (with its options), or the ``.npz`` file at that path."""
    if data in BUILTIN:
        return BUILTIN[data](**{k: v for k, v in options.items() if v is not None})
    path = Path(data)
    if path.suffix == ".npz":
        if not path.is_file():
            raise InputError("data", f"no such file: {data}")
        return load_npz(path)
    raise InputError("data", f"must be a built-in task ({', '.join(BUILTIN)}) or a .npz file; got {data!r}")
