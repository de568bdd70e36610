"""Preprocessing shared by the loaders: class subsets, stratified seeded selection of n_train /
n_test points, grayscale, resize, scaling to [0, 1], flattening and PCA to d dimensions.

Every step is recorded in words, so that a task can say how it was made (``Task.info``, carried
into every result, docs/method.md §1).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._random import check_random_state
from .._memory import check_memory
from ..exceptions import DefaultSizeWarning, InputError
from .._validation import check_positive
from .task import Task


@dataclass(frozen=True)
class Preprocessing:
    """What to do to raw inputs, in this order: grayscale, resize, scale, flatten, PCA.

    Parameters
    ----------
    scale : bool, default True
        Divide by the largest value the raw format can hold (255 for 8-bit images), giving [0, 1].
    grayscale : bool, default False
        Colour images become one channel by the ITU-R 601-2 luma (0.299 R + 0.587 G + 0.114 B).
    resize : int or (height, width), optional
        Resample images (bilinear, antialiased when shrinking).
    pca : int, optional
        Project onto the first ``pca`` principal components of the *training* inputs (centred
        by the training mean); the test inputs go through the same map.
    """

    scale: bool = True
    grayscale: bool = False
    resize: tuple[int, int] | None = None
    pca: int | None = None

    @classmethod
    def from_options(cls, *, scale=True, grayscale=False, resize=None, pca=None) -> "Preprocessing":
        return cls(bool(scale), bool(grayscale), check_resize(resize),
                   None if pca is None else check_positive("pca", pca, integer=True))


def check_resize(resize) -> tuple[int, int] | None:
    """``None``, an int (square) or a (height, width) pair of positive ints; "HxW" strings too."""
    if resize is None:
        return None
    if isinstance(resize, str):
        parts = resize.lower().replace(",", "x").split("x")
        try:
            values = [int(p) for p in parts]
        except ValueError:
            raise InputError("resize", f"must be N or HxW (e.g. 16 or 16x16); got {resize!r}") from None
        resize = values[0] if len(values) == 1 else tuple(values)
    if isinstance(resize, (int, np.integer)) and not isinstance(resize, bool):
        resize = (int(resize), int(resize))
    if not (isinstance(resize, Sequence) and len(resize) == 2
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in resize)):
        raise InputError("resize", f"must be a positive int or a (height, width) pair; got {resize!r}")
    size = (int(resize[0]), int(resize[1]))
    check_image_memory(2, size)  # a task has at least a training and a test image
    return size


def check_image_memory(count: int, resize: tuple[int, int], channels: int = 3) -> None:
    """Refuse a resize whose ``count`` images (their pixels, then a float64 copy) exceed the
    available memory, before the first image is resized."""
    height, width = resize
    check_memory("resize", f"{height}x{width}", 9 * count * height * width * channels,  # ints: 10**400 pixels too
                 f"{count} images of {height}x{width} pixels x {channels} channel(s)")


def resolve_classes(classes, available: Sequence, names: Sequence[str] | None = None) -> list:
    """The requested subset of ``available`` labels, in the order given.

    ``classes`` may be None (all), an int ``k`` (the first k labels), labels, label names (where
    ``names`` gives one per available label) or a comma-separated string of either.
    """
    available = list(available)
    if classes is None:
        return available
    if isinstance(classes, (int, np.integer)) and not isinstance(classes, bool):
        k = int(classes)
        if not 2 <= k <= len(available):
            raise InputError("classes", f"a number of classes must be in 2..{len(available)}; got {k}")
        return available[:k]
    if isinstance(classes, str):
        classes = [c.strip() for c in classes.split(",") if c.strip()]
    chosen = []
    for c in classes:
        label = _match_label(c, available, names)
        if label is None:
            shown = ", ".join(map(str, names if names is not None else available))
            raise InputError("classes", f"unknown class {c!r}; the classes are {shown}")
        if label in chosen:
            raise InputError("classes", f"class {c!r} is listed twice")
        chosen.append(label)
    if len(chosen) < 2:
        raise InputError("classes", f"a classification task needs at least 2 classes; got {list(classes)}")
    return chosen


def _match_label(c, available, names):
    if names is not None and str(c) in list(map(str, names)):
        return available[list(map(str, names)).index(str(c))]
    for label in available:
        if label == c or str(label) == str(c):
            return label
    return None


def stratified_indices(labels: np.ndarray, n: int, rng: np.random.Generator, *, argument: str,
                       where: str) -> np.ndarray:
    """``n`` indices into ``labels``, each class represented in proportion to its frequency.

    Counts per class are the largest-remainder rounding of ``n`` times the class frequencies;
    within a class the points are drawn uniformly without replacement. The result is in random
    order. ``argument`` and ``where`` name the option and the data in an error message.
    """
    labels = np.asarray(labels)
    n = check_positive(argument, n, integer=True)
    if n > labels.size:
        raise InputError(argument, f"asks for {n} points but {where} has only {labels.size}")
    values, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    quota = n * counts / labels.size
    take = np.floor(quota).astype(np.int64)
    remainder = n - int(take.sum())
    if remainder:
        # Largest remainders first; ties broken by the seeded generator, not by label order.
        order = np.lexsort((rng.random(values.size), -(quota - take)))
        take[order[:remainder]] += 1
    chosen = []
    for j in range(values.size):
        members = np.flatnonzero(inverse == j)
        chosen.append(rng.choice(members, size=int(take[j]), replace=False))
    result = np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
    return rng.permutation(result)


def to_grayscale(images: np.ndarray) -> np.ndarray:
    """(n, h, w, 3) colour images -> (n, h, w) luma, ITU-R 601-2 (as Pillow's "L" mode)."""
    if images.ndim == 4 and images.shape[-1] == 3:
        return images.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    if images.ndim == 4 and images.shape[-1] == 1:
        return images[..., 0].astype(np.float64)
    return images.astype(np.float64)


def resize_images(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resampling of (n, h, w) or (n, h, w, c) images to (height, width) = ``size``,
    one channel at a time in 32-bit float (Pillow mode "F"; it antialiases when shrinking)."""
    from PIL import Image

    height, width = size
    if images.shape[1:3] == (height, width):
        return images.astype(np.float64)
    channels = images[..., None] if images.ndim == 3 else images
    out = np.empty((len(images), height, width, channels.shape[-1]), dtype=np.float64)
    for i in range(len(images)):
        for c in range(channels.shape[-1]):
            plane = Image.fromarray(np.ascontiguousarray(channels[i, :, :, c], dtype=np.float32), mode="F")
            out[i, :, :, c] = np.asarray(plane.resize((width, height), Image.Resampling.BILINEAR))
    return out[..., 0] if images.ndim == 3 else out


def image_features(images: np.ndarray, prep: Preprocessing, max_value: float) -> tuple[np.ndarray, list[str]]:
    """Grayscale, resize, scale and flatten a stack of images; returns (n, d) and the steps."""
    steps = []
    x = images
    if prep.grayscale:
        if x.ndim == 4:
            x = to_grayscale(x)
        steps.append("grayscale (ITU-R 601-2 luma)")
    if prep.resize is not None:
        check_image_memory(len(x), prep.resize, x.shape[3] if x.ndim == 4 else 1)
        x = resize_images(x, prep.resize)
        steps.append(f"resized to {prep.resize[0]}x{prep.resize[1]} (bilinear)")
    x = np.asarray(x, dtype=np.float64)
    if prep.scale:
        x = x / max_value
        steps.append(f"scaled to [0, 1] (divided by {max_value:g})")
    else:
        steps.append(f"raw values 0..{max_value:g}")
    steps.append(f"flattened from {'x'.join(map(str, x.shape[1:]))}")
    return x.reshape(len(x), -1), steps


def apply_pca(X_train: np.ndarray, X_test: np.ndarray, d: int | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Project onto the top ``d`` principal axes of the training inputs (centred by their mean)."""
    if d is None:
        return X_train, X_test, []
    limit = min(X_train.shape)
    if d > limit:
        raise InputError("pca", f"must be at most min(n_train, features) = {limit}; got {d}")
    mean = X_train.mean(axis=0)
    _, singular, vt = np.linalg.svd(X_train - mean, full_matrices=False)
    axes = vt[:d]
    # Fix each axis's sign (largest |loading| positive) so the same data give the same features.
    signs = np.sign(axes[np.arange(d), np.argmax(np.abs(axes), axis=1)])
    axes = axes * np.where(signs == 0, 1.0, signs)[:, None]
    explained = float(np.sum(singular[:d] ** 2) / max(np.sum(singular ** 2), np.finfo(float).tiny))
    return ((X_train - mean) @ axes.T, (X_test - mean) @ axes.T,
            [f"PCA to {d} dimensions fit on the training inputs ({explained:.1%} of their variance)"])


def default_size(n, default: int, available: int, *, argument: str, where: str) -> int:
    """The size rule every loader follows for ``n_train`` / ``n_test``.

    An explicit ``n`` is returned as given: where it exceeds the data, the selection raises
    :class:`InputError`. ``None`` means the loader's ``default``; where that exceeds the
    ``available`` points, all of them are used and a one-line :class:`DefaultSizeWarning` says so
    (the user asked for nothing, so nothing fails).
    """
    if n is not None:
        return n
    if default > available > 0:
        warnings.warn(f"{argument}: the default {default} exceeds the {available} points of {where}; using all "
                      f"{available}", DefaultSizeWarning, stacklevel=3)
        return int(available)
    return int(default)


def select_split(labels_train, labels_test, classes: list, n_train: int | None, n_test: int | None, seed, *,
                 where_train: str, where_test: str, defaults: tuple[int, int] | None = None):
    """Stratified seeded selection of n_train / n_test indices among points of ``classes``.

    Returns (train indices, test indices) into the original arrays. The training selection uses
    the first of two independent streams spawned from ``seed``, the test selection the second, so
    changing ``n_test`` does not change the training points. A size given as None takes its
    entry of ``defaults`` under :func:`default_size`'s rule.
    """
    rng = check_random_state(seed)
    train_rng, test_rng = rng.spawn(2)
    pools = []
    for labels, where in ((labels_train, where_train), (labels_test, where_test)):
        mask = np.isin(np.asarray(labels), np.asarray(classes))
        pools.append(np.flatnonzero(mask))
    if defaults is not None:
        shown = _show(classes)
        n_train = default_size(n_train, defaults[0], pools[0].size, argument="n_train",
                               where=f"{where_train} (classes {shown})")
        n_test = default_size(n_test, defaults[1], pools[1].size, argument="n_test",
                              where=f"{where_test} (classes {shown})")
    train = pools[0][stratified_indices(np.asarray(labels_train)[pools[0]], n_train, train_rng,
                                        argument="n_train", where=f"{where_train} (classes {_show(classes)})")]
    test = pools[1][stratified_indices(np.asarray(labels_test)[pools[1]], n_test, test_rng,
                                       argument="n_test", where=f"{where_test} (classes {_show(classes)})")]
    return train, test


def _show(classes) -> str:
    text = ",".join(map(str, classes))
    return text if len(text) <= 40 else text[:37] + "..."


def seed_record(seed):
    """The seed as it goes into a task description (an int, or None for a Generator / fresh entropy)."""
    return int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None


def image_task(images_train, y_train, images_test, y_test, *, classes: list, prep: Preprocessing,
               max_value: float, name: str, info: dict) -> Task:
    """Features from images (see :func:`image_features`), optional PCA, and a classification
    task over ``classes`` with a description of every step in ``info["preprocessing"]``."""
    X_train, steps = image_features(images_train, prep, max_value)
    X_test, _ = image_features(images_test, prep, max_value)
    X_train, X_test, pca_steps = apply_pca(X_train, X_test, prep.pca)
    info = {**info, "preprocessing": ", ".join(steps + pca_steps)}
    return Task.from_arrays(X_train, np.asarray(y_train), X_test, np.asarray(y_test), name=name,
                            classes=classes, info=info)


# A stream of its own, apart from the streams a loader draws its points from (a spawn key no
# loader uses), so that permuting the features changes no point of the task.
_PERMUTATION_STREAM = 0x7065726D  # "perm"


def feature_permutation(n_features: int, seed: int) -> np.ndarray:
    """The permutation of ``n_features`` features that ``seed`` fixes (see :func:`permute_features`)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError("permute_features", f"needs a non-negative integer task seed to draw its permutation "
                                             f"from; got {seed!r}")
    sequence = np.random.SeedSequence(int(seed), spawn_key=(_PERMUTATION_STREAM,))
    return np.random.default_rng(sequence).permutation(n_features)


def permute_features(task: Task, seed: int) -> Task:
    """The task with its input features in one fixed order drawn from the task seed.

    The same permutation applies to every training and test input, so everything a model that
    ignores feature order sees (an MLP, a GP with an isotropic kernel) is unchanged, while the
    neighbourhood of features that locality and weight sharing rely on (a CNN on an image, on a
    1-D signal) is destroyed. The permutation is part of the task's identity: its description
    says so, and its data (hence a store's fingerprint) differ from the unpermuted task's.

    Examples
    --------
    >>> from inductive_bias import digits
    >>> task = digits(50, 50)
    >>> shuffled = permute_features(task, seed=0)
    >>> order = feature_permutation(64, 0)
    >>> bool((shuffled.X_train == task.X_train[:, order]).all())
    True
    """
    order = feature_permutation(task.n_features, seed)
    info = dict(task.info)
    step = f"features permuted (one fixed permutation drawn from task seed {int(seed)})"
    info["preprocessing"] = f"{info['preprocessing']}, {step}" if info.get("preprocessing") else step
    info["permuted_features"] = True
    return Task(task.X_train[:, order], task.Y_train, task.X_test[:, order], task.Y_test, name=task.name,
                classes=task.classes, info=info)
