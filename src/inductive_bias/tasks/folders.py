"""A classification task from a folder of images per class.

Two layouts are understood:

* ``DIR/train/<class>/<image>`` and ``DIR/test/<class>/<image>``: the given split is kept;
* ``DIR/<class>/<image>``: the images are split, stratified and seeded, into test and training
  points.

Every image format Pillow reads is accepted. Images must share one size unless ``resize`` is given.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._random import check_random_state
from ..exceptions import InputError
from ._preprocess import check_image_memory, Preprocessing, image_task, resolve_classes, seed_record, select_split, stratified_indices

__all__ = ["load_folder"]

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}


def _listing(folder: Path) -> tuple[list[Path], list[str]]:
    files, labels = [], []
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        for f in sorted(class_dir.iterdir()):
            if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES:
                files.append(f)
                labels.append(class_dir.name)
    return files, labels


def _read_images(paths: list[Path], grayscale: bool, resize) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    images, shape, first = [], None, None
    loaded = []
    for path in paths:
        try:
            with Image.open(path) as image:
                image.load()
                loaded.append(image.copy())
        except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as error:
            raise InputError("data_dir", f"cannot read image {path}: {error}") from None
    colour = not grayscale and any(im.mode not in ("1", "L", "LA", "I", "I;16", "F") for im in loaded)
    if resize is not None:
        check_image_memory(len(loaded), resize, 3 if colour else 1)
    for path, image in zip(paths, loaded):
        image = image.convert("RGB" if colour else "L")
        if resize is not None:
            image = image.resize((resize[1], resize[0]), Image.Resampling.BILINEAR)
        array = np.asarray(image)
        if shape is None:
            shape, first = array.shape, path
        elif array.shape != shape:
            raise InputError("data_dir", f"image {path} has shape {array.shape} but {first} has {shape}; "
                             "give --resize")
        images.append(array)
    return np.stack(images)


def load_folder(data_dir=None, *, n_train: int | None = None, n_test: int | None = None, classes=None,
                seed=0, scale: bool = True, grayscale: bool = False, resize=None, pca: int | None = None):
    """A task from ``data_dir/<class>/<image>`` (or ``data_dir/{train,test}/<class>/<image>``).

    Parameters
    ----------
    data_dir : path
    n_train, n_test : int, optional
        Points drawn, stratified and seeded. With train/test folders the default is all of each;
        with one pool of images the default test set is a quarter of it and the training set the
        rest.
    classes : sequence or str, optional
        Class folder names to keep (default all), e.g. ``"cat,dog"``.
    seed : int or Generator, default 0
    scale, grayscale, resize, pca
        Preprocessing: 8-bit images are divided by 255; colour images stay RGB unless
        ``grayscale``; ``resize`` is needed when sizes differ.

    Returns
    -------
    Task
        Classes are the folder names, sorted.
    """
    if data_dir is None:
        raise InputError("data_dir", "the folder loader needs the directory of class folders")
    root = Path(data_dir)
    if not root.is_dir():
        raise InputError("data_dir", f"no such directory: {root}")
    prep = Preprocessing.from_options(scale=scale, grayscale=grayscale, resize=resize, pca=pca)
    split_given = (root / "train").is_dir() and (root / "test").is_dir()
    if split_given:
        train_files, train_labels = _listing(root / "train")
        test_files, test_labels = _listing(root / "test")
    else:
        train_files, train_labels = _listing(root)
        test_files, test_labels = [], []
    names = sorted(set(train_labels) | set(test_labels))
    if len(names) < 2:
        raise InputError("data_dir", f"{root} must hold one folder of images per class (at least 2 classes); "
                         f"found {len(names)}")
    chosen = resolve_classes(classes, names)
    if split_given:
        n_train = n_train if n_train is not None else int(np.isin(train_labels, chosen).sum())
        n_test = n_test if n_test is not None else int(np.isin(test_labels, chosen).sum())
        train, test = select_split(np.array(train_labels), np.array(test_labels), chosen, n_train, n_test, seed,
                                   where_train=str(root / "train"), where_test=str(root / "test"))
        split = "stratified seeded selection from the train/ and test/ folders"
    else:
        pool = np.flatnonzero(np.isin(train_labels, chosen))
        labels = np.array(train_labels)[pool]
        if n_test is None:
            n_test = max(len(chosen), int(round(0.25 * pool.size)))
        rng = check_random_state(seed)
        test_rng, train_rng = rng.spawn(2)
        test_local = stratified_indices(labels, n_test, test_rng, argument="n_test", where=str(root))
        rest = np.setdiff1d(np.arange(pool.size), test_local)
        if n_train is None:
            n_train = rest.size
        if rest.size == 0:
            raise InputError("n_test", f"takes all {pool.size} images of {root}; none are left for training")
        train_local = rest[stratified_indices(labels[rest], n_train, train_rng, argument="n_train",
                                              where=f"{root} after the test points")]
        train, test = pool[train_local], pool[test_local]
        test_files, test_labels = train_files, train_labels
        split = "stratified seeded split of one pool of images into test and training points"
    images_train = _read_images([train_files[i] for i in train], prep.grayscale, prep.resize)
    images_test = _read_images([test_files[i] for i in test], prep.grayscale, prep.resize)
    if images_train.shape[1:] != images_test.shape[1:]:
        raise InputError("data_dir", f"training images have shape {images_train.shape[1:]} but test images "
                         f"{images_test.shape[1:]}; give --resize")
    info = {"source": f"image folders in {root}", "split": split, "seed": seed_record(seed),
            "image_shape": list(images_train.shape[1:])}
    max_value = 255.0
    return image_task(images_train, np.array([train_labels[i] for i in train]), images_test,
                      np.array([test_labels[i] for i in test]), classes=chosen, prep=prep, max_value=max_value,
                      name=root.name or "folder", info=info)
