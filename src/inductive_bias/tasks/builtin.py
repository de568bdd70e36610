"""Built-in tasks that need no files."""

from __future__ import annotations

import numpy as np

from .._random import check_random_state
from ..exceptions import InputError
from .._validation import check_positive
from ._preprocess import check_resize, default_size, resize_images
from .task import Task

__all__ = ["digits"]


DEFAULT_SIZE = 500


def digits(n_train: int | None = None, n_test: int | None = None, *, seed=0, resize=None, scale=False) -> Task:
    """scikit-learn's 8x8 digits (1,797 images, 10 classes), raw pixel values 0..16 as in the
    published experiments (docs/method.md §2), split at random into ``n_train`` and ``n_test`` points.

    ``resize`` (N or (height, width)) resamples the images bilinearly, e.g. to 28 x 28 where an
    architecture is to be measured at the size it was designed for; the values stay 0..16.
    ``scale=True`` divides them by 16 (values in [0, 1], as the image loaders give by default):
    finite networks with global pooling train on such inputs where raw 0..16 stalls them.

    Each size defaults to 500, or to what the other leaves where fewer (with a
    ``DefaultSizeWarning``); explicit sizes beyond the 1,797 images are an ``InputError``."""
    from sklearn.datasets import load_digits

    data = load_digits()
    total = len(data.target)
    if n_train is not None:
        n_train = check_positive("n_train", n_train, integer=True)
    if n_test is not None:
        n_test = check_positive("n_test", n_test, integer=True)
    where = f"digits after the {{}} points ({total} in all)"
    if n_train is None:
        n_train = default_size(None, DEFAULT_SIZE, total - (n_test or 0), argument="n_train",
                               where=where.format(f"{n_test} test") if n_test else "digits")
    n_test = default_size(n_test, DEFAULT_SIZE, total - n_train, argument="n_test",
                          where=where.format(f"{n_train} training"))
    if n_train + n_test > total:
        raise InputError("n_train" if n_train > n_test else "n_test", f"n_train + n_test must be <= {total} for digits; got {n_train} + {n_test}")
    size = check_resize(resize)
    rng = check_random_state(seed)
    chosen = rng.permutation(total)[: n_train + n_test]  # the first n_train train, the rest test
    X, y, preprocessing = data.data[chosen], data.target[chosen], "raw pixels 0..16"
    size = (8, 8) if size is None else size
    if size != (8, 8):
        X = resize_images(X.reshape(-1, 8, 8), size).reshape(len(X), -1)
        preprocessing += f", resized bilinearly to {size[0]}x{size[1]}"
    if not isinstance(scale, (bool, np.bool_)):
        raise InputError("scale", f"must be true or false; got {scale!r}")
    if scale:
        X, preprocessing = X / 16.0, preprocessing.replace("raw pixels 0..16", "pixels scaled to [0, 1]")
    return Task.from_arrays(
        X[:n_train], y[:n_train], X[n_train:], y[n_train:],
        name="digits", classes=tuple(range(10)),
        info={"source": "sklearn.datasets.load_digits", "preprocessing": preprocessing,
              "split": "uniform random", "seed": seed if isinstance(seed, int) else None,
              "image_shape": list(size)},
    )
