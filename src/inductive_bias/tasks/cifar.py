"""CIFAR-10 from its binary distribution (docs/method.md §6), read as raw bytes (never unpickled).

``cifar-10-batches-bin/`` holds ``data_batch_1.bin`` .. ``data_batch_5.bin`` and ``test_batch.bin``:
records of 1 + 3072 bytes, a label byte 0..9 then a 32x32 image, the 1024 red values first, then
green, then blue, each plane row-major. ``batches.meta.txt`` names the classes, one per line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..exceptions import InputError
from ._preprocess import Preprocessing, image_task, resolve_classes, seed_record, select_split
from .task import Task

__all__ = ["load_cifar10", "read_cifar_batch", "CIFAR10_NAMES"]

RECORD = 1 + 3 * 32 * 32
CIFAR10_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def read_cifar_batch(path, *, argument: str = "data_dir") -> np.ndarray:
    """The records of one binary batch file as a read-only (records, 3073) uint8 memory map.

    Raises
    ------
    InputError
        naming the file, if its size is not a whole number of 3073-byte records or a label byte
        is not 0..9.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise InputError(argument, f"cannot read {path}: {error}") from None
    if size == 0 or size % RECORD:
        raise InputError(argument, f"{path} is not a CIFAR-10 binary batch: {size} bytes is not a whole "
                         f"number of {RECORD}-byte records (truncated?)")
    records = np.memmap(path, dtype=np.uint8, mode="r", shape=(size // RECORD, RECORD))
    labels = records[:, 0]
    if labels.max() > 9:
        row = int(np.argmax(labels > 9))
        raise InputError(argument, f"{path} record {row} has label byte {int(labels[row])}; CIFAR-10 labels are 0..9")
    return records


def find_cifar10_files(data_dir) -> tuple[list[Path], Path, Path | None]:
    """(training batches, test batch, batches.meta.txt or None) in ``data_dir`` or its
    ``cifar-10-batches-bin/`` subfolder."""
    root = Path(data_dir)
    if not root.is_dir():
        raise InputError("data_dir", f"no such directory: {root}")
    for folder in (root, root / "cifar-10-batches-bin"):
        train = sorted(folder.glob("data_batch_*.bin"))
        test = folder / "test_batch.bin"
        if train and test.is_file():
            meta = folder / "batches.meta.txt"
            return train, test, meta if meta.is_file() else None
    raise InputError("data_dir", f"{root} does not hold the CIFAR-10 binary files (data_batch_1.bin .. "
                     "data_batch_5.bin, test_batch.bin, from cifar-10-binary.tar.gz); download them with --download")


def _images(records: np.ndarray) -> np.ndarray:
    """(n, 3073) records -> (n, 32, 32, 3) uint8 images (channel planes to channels-last)."""
    return np.ascontiguousarray(records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


DEFAULT_SIZES = (1000, 1000)


def load_cifar10(data_dir=None, *, n_train: int | None = None, n_test: int | None = None, classes=None, seed=0,
                 download: bool = False, scale: bool = True, grayscale: bool = False, resize=None,
                 pca: int | None = None) -> Task:
    """CIFAR-10 (32x32 colour images, 10 classes) from the binary distribution (docs/method.md §6).

    Parameters
    ----------
    data_dir : path
        Directory holding ``data_batch_*.bin`` and ``test_batch.bin``, or its
        ``cifar-10-batches-bin/`` subfolder.
    n_train, n_test : int, optional
        Points drawn (stratified by class, seeded) from the training batches and the test batch.
        Default 1000 each, or all there is where fewer (with a ``DefaultSizeWarning``); an
        explicit size larger than the data is an ``InputError``.
    classes : int, sequence or str, optional
        By number or by name, e.g. ``"cat,dog"``.
    seed : int or Generator, default 0
    download : bool, default False
        Fetch and unpack ``cifar-10-binary.tar.gz`` into ``data_dir`` first.
    scale, grayscale, resize, pca
        Preprocessing; by default pixels / 255, flattened to 3072 features (height, width,
        channel order).

    Returns
    -------
    Task
    """
    if data_dir is None:
        raise InputError("data_dir", "cifar10 is read from its binary batch files: give the directory holding them")
    if download:
        from .download import download as fetch

        fetch("cifar10", data_dir)
    prep = Preprocessing.from_options(scale=scale, grayscale=grayscale, resize=resize, pca=pca)
    train_files, test_file, meta = find_cifar10_files(data_dir)
    names = CIFAR10_NAMES
    if meta is not None:
        listed = [line.strip() for line in meta.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        if len(listed) == 10:
            names = tuple(listed)
    train_batches = [read_cifar_batch(f) for f in train_files]
    test_records = read_cifar_batch(test_file)
    train_labels = np.concatenate([b[:, 0] for b in train_batches]).astype(np.int64)
    offsets = np.cumsum([0] + [len(b) for b in train_batches])
    test_labels = np.asarray(test_records[:, 0], dtype=np.int64)
    chosen = resolve_classes(classes, list(range(10)), names)
    train, test = select_split(train_labels, test_labels, chosen, n_train, n_test, seed,
                               where_train="the training batches", where_test=test_file.name,
                               defaults=DEFAULT_SIZES)
    # Read only the selected records from the memory maps.
    batch_of = np.searchsorted(offsets, train, side="right") - 1
    train_rows = np.stack([train_batches[b][i - offsets[b]] for b, i in zip(batch_of, train)])
    test_rows = np.asarray(test_records[np.sort(test)])
    test_rows = test_rows[np.argsort(np.argsort(test))]  # back to the selection's (random) order
    info = {
        "source": f"CIFAR-10 binary batches in {Path(data_dir)} ({len(train_files)} training files)",
        "split": "stratified seeded selection from the training batches and the test batch",
        "seed": seed_record(seed),
        "class_names": [names[c] for c in chosen],
        "image_shape": [32, 32, 3],
    }
    return image_task(_images(train_rows), train_rows[:, 0].astype(np.int64), _images(test_rows),
                      test_rows[:, 0].astype(np.int64), classes=chosen, prep=prep, max_value=255.0,
                      name="cifar10", info=info)
