"""Built-in tasks that need no files."""

from __future__ import annotations

from .._random import check_random_state
from ..exceptions import InputError
from .._validation import check_positive
from .task import Task

__all__ = ["digits"]


def digits(n_train: int = 500, n_test: int = 500, *, seed=0) -> Task:
    """scikit-learn's 8x8 digits (1,797 images, 10 classes), raw pixel values 0..16 as in the
    published experiments (SPEC §2), split at random into ``n_train`` and ``n_test`` points."""
    from sklearn.datasets import load_digits

    n_train = check_positive("n_train", n_train, integer=True)
    n_test = check_positive("n_test", n_test, integer=True)
    data = load_digits()
    total = len(data.target)
    if n_train + n_test > total:
        raise InputError("n_train" if n_train > n_test else "n_test", f"n_train + n_test must be <= {total} for digits; got {n_train} + {n_test}")
    rng = check_random_state(seed)
    order = rng.permutation(total)
    train, test = order[:n_train], order[n_train : n_train + n_test]
    return Task.from_arrays(
        data.data[train], data.target[train], data.data[test], data.target[test],
        name="digits", classes=tuple(range(10)),
        info={"source": "sklearn.datasets.load_digits", "preprocessing": "raw pixels 0..16",
              "split": "uniform random", "seed": seed if isinstance(seed, int) else None},
    )
