"""Tasks from array files a user brings."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._validation import InputError
from .task import Task

__all__ = ["load_npz"]

_KEYS = ("X_train", "y_train", "X_test", "y_test")


def load_npz(path) -> Task:
    """A task from an ``.npz`` file holding X_train, y_train, X_test and y_test."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in _KEYS if key not in archive.files]
            if missing:
                raise InputError("data", f"{path} lacks array(s) {', '.join(missing)}; it needs {', '.join(_KEYS)}")
            arrays = {key: archive[key] for key in _KEYS}
    except InputError:
        raise
    except (OSError, ValueError, EOFError) as error:
        raise InputError("data", f"cannot read {path} as .npz: {error}") from None
    for key in ("X_train", "X_test"):
        if arrays[key].ndim == 1:
            arrays[key] = arrays[key].reshape(-1, 1)
        elif arrays[key].ndim > 2:
            arrays[key] = arrays[key].reshape(len(arrays[key]), -1)
    return Task.from_arrays(*(arrays[key] for key in _KEYS), name=path.stem,
                            info={"source": str(path), "preprocessing": "none"})
