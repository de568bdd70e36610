"""A task's flat rows as images: the one reading of image shapes that the infinite-width spaces
and the trained image networks share (docs/method.md §7.6), so that an exact kernel and its
finite trained twin see the same images.

The shape comes, in this order, from the task (the image loaders record ``image_shape`` as (H, W)
or (H, W, C) and store each row channel-last; it is used where it accounts for every feature and
the rows are read channel-first), from the caller's own ``(C, H, W)`` (rows already
channel-first), or from a square image of ``channels`` channels (default 1). A caller's channels or
shape that contradict the task's recorded shape are errors, and so is a feature count that no
square image explains.
"""

from __future__ import annotations

import math

import numpy as np

from ..exceptions import InputError

__all__ = ["read_images", "recorded_shape", "square_image"]


def recorded_shape(task) -> tuple[int, int, int] | None:
    """(C, H, W) of the images the task records (``task.info["image_shape"]``, (H, W) or (H, W, C)
    as the loaders write it), or None where it records none or the shape does not account for every
    feature."""
    recorded = (getattr(task, "info", None) or {}).get("image_shape")
    if recorded is None or len(recorded) not in (2, 3) or math.prod(recorded) != task.n_features:
        return None
    H, W, C = (*recorded, 1) if len(recorded) == 2 else recorded
    return (int(C), int(H), int(W))


def square_image(n_features: int, channels: int | None, argument: str, remedy: str) -> tuple[int, int, int]:
    """(C, H, W) of a square image of ``channels`` channels (None: 1) with ``n_features`` values;
    an error naming ``argument`` that ends with ``remedy`` where there is none."""
    C = channels or 1
    side = math.isqrt(n_features // C)
    if C * side * side != n_features:
        raise InputError(argument, f"{n_features} features are not {C} square image channel(s), and the task "
                                   f"records no image shape; {remedy}")
    return (C, side, side)


def _channel_first(X: np.ndarray, shape) -> np.ndarray:
    C, H, W = shape
    return np.ascontiguousarray(X.reshape(len(X), H, W, C).transpose(0, 3, 1, 2)).reshape(len(X), -1)


def read_images(task, *, channels: int | None = None, image_shape=None, argument: str = "channels",
                remedy: str = "give the number of channels of the images"):
    """(X_train, X_test, (C, H, W)): the task's inputs as flat channel-first images.

    Parameters
    ----------
    task : Task
    channels : int or None
        The images' channels, where the caller knows them (must agree with the task's record).
    image_shape : (C, H, W) or None
        The caller's shape of rows given channel-first; where the task records a shape it must be
        that one (the rows are then read channel-first from the record).
    argument, remedy : str
        The parameter the error names, and what it tells the user, where no shape can be inferred.
    """
    recorded = recorded_shape(task)
    if recorded is not None:
        if channels is not None and channels != recorded[0]:
            raise InputError("channels", f"the task's images have {recorded[0]} channel(s) (shape "
                                         f"{tuple(task.info['image_shape'])}); got {channels}")
        if image_shape is not None and tuple(image_shape) != recorded:
            raise InputError("image_shape", f"the task's images are (channels, height, width) = {recorded}; "
                                            f"got {tuple(image_shape)}")
        if recorded[0] == 1:  # one channel: channel-last rows are channel-first rows
            return task.X_train, task.X_test, recorded
        return _channel_first(task.X_train, recorded), _channel_first(task.X_test, recorded), recorded
    if image_shape is not None:
        return task.X_train, task.X_test, tuple(image_shape)
    return task.X_train, task.X_test, square_image(task.n_features, channels, argument, remedy)
