"""MNIST-1D (Greydanus 2020): ten 1-D templates, shifted, scaled, sheared, padded and noised into
40-sample signals; a small benchmark on which locality and translation matter (docs/method.md §6).

The data are generated, never downloaded: :func:`mnist1d.data.make_dataset` with the package's
default arguments (5,000 signals, its own seed 42, 4,000 train / 1,000 test, centred to mean 0
and scaled to standard deviation 1 over the whole set). ``n_train`` / ``n_test`` points are then
drawn from those splits as every loader draws them (stratified by class, from the task seed).
The generator seeds Python's and numpy's global generators; their states are restored after it,
so loading this task changes no caller's random numbers. Needs the optional ``mnist1d`` package
(``pip install inductive-bias[mnist1d]``). The task records ``image_shape`` (1, 40), a one-row
image, so that the infinite-width CNN and LCN kernels (docs/method.md §7) convolve along the signal.
"""

from __future__ import annotations

import functools
import random

import numpy as np

from ..exceptions import InputError
from ._preprocess import resolve_classes, seed_record, select_split
from .task import Task

__all__ = ["load_mnist1d"]


@functools.lru_cache(maxsize=1)
def _generated() -> tuple:
    """(x, y, x_test, y_test) of the package's default dataset, generated once per process."""
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ModuleNotFoundError:
        raise InputError("data", "mnist1d needs the mnist1d package: pip install mnist1d "
                                 "(or inductive-bias[mnist1d])") from None
    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:
        data = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
    arrays = tuple(np.asarray(data[key]) for key in ("x", "y", "x_test", "y_test"))
    for array in arrays:
        array.setflags(write=False)
    return arrays


def load_mnist1d(n_train: int = 1000, n_test: int = 1000, *, classes=None, seed=0) -> Task:
    """MNIST-1D: 40 features, 10 classes; ``n_train`` from its 4,000 training signals and
    ``n_test`` from its 1,000 test signals, stratified by class and drawn from ``seed``.

    Examples
    --------
    >>> task = load_mnist1d(200, 100)          # doctest: +SKIP
    >>> task.X_train.shape, task.n_outputs     # doctest: +SKIP
    ((200, 40), 10)
    """
    x, y, x_test, y_test = _generated()
    chosen = resolve_classes(classes, list(range(10)))
    train, test = select_split(y, y_test, chosen, n_train, n_test, seed,
                               where_train="the MNIST-1D training split", where_test="the MNIST-1D test split")
    return Task.from_arrays(
        x[train], y[train], x_test[test], y_test[test], name="mnist1d", classes=tuple(chosen),
        info={"source": "mnist1d.data.make_dataset (default arguments: 5000 signals, generator seed 42)",
              "preprocessing": "as generated (centred, unit standard deviation over the whole set)",
              "split": "the generator's train/test split, stratified selection", "seed": seed_record(seed),
              # a signal is an image of one row (H, W) = (1, 40): a convolution's F x F filter
              # then acts along the signal only (the rows it would reach above and below are padding)
              "image_shape": [1, x.shape[1]]},
    )
