"""MNIST and Fashion-MNIST from their IDX files (docs/method.md §6), gzipped or not.

The IDX format: two zero bytes, a type byte (0x08 unsigned byte, 0x09 signed byte, 0x0B int16,
0x0C int32, 0x0D float32, 0x0E float64), a byte giving the number of dimensions, one big-endian
uint32 per dimension, then the values in big-endian, last index fastest.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from ..exceptions import InputError
from ._preprocess import Preprocessing, image_task, resolve_classes, seed_record, select_split
from .task import Task

__all__ = ["read_idx", "load_mnist", "load_fashion_mnist", "IDX_FILES"]

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

#: The four files of a distribution: (role, file name without ".gz").
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

FASHION_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                 "Bag", "Ankle boot")


def read_idx(path, *, argument: str = "data_dir") -> np.ndarray:
    """The array stored in an IDX file (``.gz`` or plain; detected from the content).

    Raises
    ------
    InputError
        naming ``argument`` and the file, when the magic number, the type, or the length of the
        file is not that of an IDX file.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(2)
        opener = gzip.open if head == b"\x1f\x8b" else open
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise InputError(argument, f"cannot read {path}: {error}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise InputError(argument, f"{path} is not an IDX file (its magic number must start with two zero bytes)")
    code, ndim = raw[2], raw[3]
    if code not in _TYPES:
        raise InputError(argument, f"{path} has unknown IDX type byte 0x{code:02X}")
    if ndim == 0 or len(raw) < 4 + 4 * ndim:
        raise InputError(argument, f"{path} is truncated: its header declares {ndim} dimensions")
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_TYPES[code])
    expected = 4 + 4 * ndim + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        state = "truncated" if len(raw) < expected else "longer than its header says"
        raise InputError(argument, f"{path} is {state}: header shape {shape} needs {expected} bytes, "
                         f"the file has {len(raw)}")
    return np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim).reshape(shape)


def find_idx_files(data_dir, dataset: str) -> dict[str, Path]:
    """The four IDX files under ``data_dir``: in it, in ``data_dir/<dataset>`` or in
    ``data_dir/<dataset>/raw`` (torchvision's layout), as ``name`` or ``name.gz``; also the
    ``train-images.idx3-ubyte`` spelling some mirrors use."""
    root = Path(data_dir)
    if not root.is_dir():
        raise InputError("data_dir", f"no such directory: {root}")
    folders = [root] + [root / sub for sub in _SUBFOLDERS[dataset]] + [root / sub / "raw" for sub in _SUBFOLDERS[dataset]]
    for folder in folders:
        found = {}
        for role, name in IDX_FILES.items():
            dotted = name.replace("-idx", ".idx")
            for candidate in (name, name + ".gz", dotted, dotted + ".gz"):
                if (folder / candidate).is_file():
                    found[role] = folder / candidate
                    break
        if len(found) == len(IDX_FILES):
            return found
    names = ", ".join(n + "[.gz]" for n in IDX_FILES.values())
    raise InputError("data_dir", f"{root} does not hold the {dataset} files ({names}); "
                     "download them with --download")


_SUBFOLDERS = {"mnist": ("mnist", "MNIST"), "fashion-mnist": ("fashion-mnist", "FashionMNIST", "fashion_mnist")}


def _load_idx_task(dataset: str, data_dir, n_train, n_test, classes, seed, download, scale, grayscale,
                   resize, pca) -> Task:
    if data_dir is None:
        raise InputError("data_dir", f"{dataset} is read from its IDX files: give the directory holding them")
    if download:
        from .download import download

        download(dataset, data_dir)
    prep = Preprocessing.from_options(scale=scale, grayscale=grayscale, resize=resize, pca=pca)
    files = find_idx_files(data_dir, dataset)
    arrays = {role: read_idx(path) for role, path in files.items()}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim != 3:
            raise InputError("data_dir", f"{files[split + '_images']} must hold images (3 dimensions); "
                             f"got shape {images.shape}")
        if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
            raise InputError("data_dir", f"{files[split + '_labels']} holds labels of shape {labels.shape}, "
                             f"but {files[split + '_images'].name} holds {images.shape[0]} images")
    names = FASHION_NAMES if dataset == "fashion-mnist" else tuple(str(i) for i in range(10))
    available = sorted(set(np.unique(arrays["train_labels"]).tolist()) | set(np.unique(arrays["test_labels"]).tolist()))
    if not set(available) <= set(range(10)):
        raise InputError("data_dir", f"{files['train_labels']} holds labels outside 0..9: {available}")
    chosen = resolve_classes(classes, list(range(10)), names)
    train, test = select_split(arrays["train_labels"], arrays["test_labels"], chosen, n_train, n_test, seed,
                               where_train=files["train_labels"].name, where_test=files["test_labels"].name,
                               defaults=DEFAULT_SIZES)
    info = {
        "source": f"{dataset} IDX files in {Path(data_dir)}",
        "split": "stratified seeded selection from the official training and test files",
        "seed": seed_record(seed),
        "class_names": [names[c] for c in chosen],
        "image_shape": list(arrays["train_images"].shape[1:]),
    }
    return image_task(arrays["train_images"][train], arrays["train_labels"][train].astype(np.int64),
                      arrays["test_images"][test], arrays["test_labels"][test].astype(np.int64),
                      classes=chosen, prep=prep, max_value=255.0, name=dataset, info=info)


DEFAULT_SIZES = (1000, 1000)


def load_mnist(data_dir=None, *, n_train: int | None = None, n_test: int | None = None, classes=None, seed=0,
               download: bool = False, scale: bool = True, grayscale: bool = False, resize=None,
               pca: int | None = None) -> Task:
    """MNIST (28x28 handwritten digits, 10 classes) from its four IDX files (docs/method.md §6).

    Parameters
    ----------
    data_dir : path
        Directory holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte`` (each possibly ``.gz``), or its
        ``mnist/``, ``MNIST/raw/`` subfolder.
    n_train, n_test : int, optional
        Points drawn (stratified by class, seeded) from the official training and test files.
        Default 1000 each, or all there is where fewer (with a ``DefaultSizeWarning``); an
        explicit size larger than the data is an ``InputError``.
    classes : int, sequence or str, optional
        A subset of the digits, e.g. ``[3, 8]`` or ``"3,8"``; an int k takes 0..k-1.
    seed : int or Generator, default 0
    download : bool, default False
        Fetch the files into ``data_dir`` first, from the official location (see
        :func:`inductive_bias.tasks.download.download`).
    scale, grayscale, resize, pca
        Preprocessing (see :class:`~inductive_bias.tasks._preprocess.Preprocessing`); by default
        pixels are divided by 255 and flattened to 784 features.

    Returns
    -------
    Task
        Inputs (n, 784) in [0, 1], one-hot targets over the chosen classes.
    """
    return _load_idx_task("mnist", data_dir, n_train, n_test, classes, seed, download, scale, grayscale,
                          resize, pca)


def load_fashion_mnist(data_dir=None, *, n_train: int | None = None, n_test: int | None = None, classes=None, seed=0,
                       download: bool = False, scale: bool = True, grayscale: bool = False, resize=None,
                       pca: int | None = None) -> Task:
    """Fashion-MNIST (28x28 clothing images, 10 classes) from its IDX files; options as
    :func:`load_mnist`. Classes may be given by number or by name ("Sandal,Sneaker")."""
    return _load_idx_task("fashion-mnist", data_dir, n_train, n_test, classes, seed, download, scale,
                          grayscale, resize, pca)
