"""Any Hugging Face ``datasets`` dataset, saved to disk or in the local cache.

The optional dependency is imported only here, only when this loader runs
(``pip install inductive-bias[hf]``).

* ``data_dir`` alone: a dataset written by ``save_to_disk`` (a ``DatasetDict`` with training
  and test splits, or one ``Dataset`` that is split here);
* ``hf_name`` (with ``data_dir`` as the cache directory, optional): ``load_dataset(hf_name)`` with
  the Hub switched to offline mode, so only what is already cached (or a local folder of data
  files) is read, unless ``download=True``.

Columns: the label is the first ``ClassLabel`` column (or one named label / labels / target / y),
or ``label_column``; the input is the first ``Image`` column, or ``input_column``, or else every
other numeric column side by side.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from .._random import check_random_state
from ..exceptions import InputError
from ._preprocess import (Preprocessing, apply_pca, image_features, resolve_classes, seed_record, select_split,
                          stratified_indices)
from .task import Task

__all__ = ["load_hf"]

_LABEL_NAMES = ("label", "labels", "target", "y", "fine_label", "coarse_label")


def _import_datasets():
    try:
        import datasets
    except ImportError:
        raise InputError("data", "the hf loader needs the 'datasets' package: pip install 'inductive-bias[hf]'") from None
    return datasets


@contextlib.contextmanager
def _offline(datasets, enabled: bool):
    """Hub access off for the duration (both the datasets and the huggingface_hub switches)."""
    if not enabled:
        yield
        return
    import huggingface_hub.constants as hub

    saved = (datasets.config.HF_HUB_OFFLINE, hub.HF_HUB_OFFLINE)
    datasets.config.HF_HUB_OFFLINE = hub.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        datasets.config.HF_HUB_OFFLINE, hub.HF_HUB_OFFLINE = saved


def _quiet_progress(datasets) -> None:
    """No Hugging Face progress bars on stderr unless it is a terminal: a log or a pipe gets the
    errors and warnings alone, one line each."""
    import sys

    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        disable = getattr(datasets, "disable_progress_bars", None) or \
            getattr(datasets.utils.logging, "disable_progress_bar", None)
        if disable is not None:
            disable()


def _open(datasets, data_dir, hf_name, hf_config, download):
    if hf_name is None:
        if data_dir is None:
            raise InputError("data_dir", "the hf loader needs a dataset saved with save_to_disk (--data-dir) "
                             "or a dataset name (--hf-name)")
        path = Path(data_dir)
        if not path.is_dir():
            raise InputError("data_dir", f"no such directory: {path}")
        try:
            return datasets.load_from_disk(str(path)), f"Hugging Face dataset saved in {path}"
        except (FileNotFoundError, ValueError, OSError) as error:
            raise InputError("data_dir", f"{path} is not a dataset saved with save_to_disk: {error}") from None
    local = Path(hf_name)
    if local.is_dir():
        scripts = sorted(p.name for p in local.glob("*.py"))
        if scripts:
            raise InputError("hf_name", f"{hf_name} holds a loading script ({scripts[0]}); scripts are code and are "
                                        "never run: give a folder of data files (csv, json, parquet, images) or "
                                        "a dataset saved with save_to_disk (--data-dir)")
    _quiet_progress(datasets)
    try:
        with _offline(datasets, not download):
            loaded = datasets.load_dataset(hf_name, hf_config, cache_dir=None if data_dir is None else str(data_dir))
    except RuntimeError as error:
        if "script" not in str(error):
            raise
        raise InputError("hf_name", f"cannot load {hf_name!r}: it is a dataset with a loading script, which is "
                                    f"never run ({str(error).splitlines()[0]})") from None
    except (FileNotFoundError, ValueError, OSError, ConnectionError) as error:
        hint = "" if download else " (offline: only cached data is read; add --download to fetch it)"
        raise InputError("hf_name", f"cannot load {hf_name!r}{hint}: {str(error).splitlines()[0]}") from None
    return loaded, f"Hugging Face dataset {hf_name}" + (f" ({hf_config})" if hf_config else "")


def _columns(dataset, datasets, input_column, label_column):
    features = dataset.features
    if label_column is None:
        label_column = next((n for n, f in features.items() if isinstance(f, datasets.ClassLabel)), None) \
            or next((n for n in _LABEL_NAMES if n in features), None)
        if label_column is None:
            raise InputError("label_column", f"no ClassLabel column or column named label; columns: {', '.join(features)}")
    elif label_column not in features:
        raise InputError("label_column", f"{label_column!r} is not a column; columns: {', '.join(features)}")
    if input_column is None:
        input_column = next((n for n, f in features.items() if isinstance(f, datasets.Image)), None)
    elif input_column not in features:
        raise InputError("input_column", f"{input_column!r} is not a column; columns: {', '.join(features)}")
    return input_column, label_column


def _inputs(dataset, datasets, input_column, label_column, prep):
    """(features, steps, max value or None) of the rows of ``dataset``."""
    features = dataset.features
    if input_column is not None and isinstance(features[input_column], datasets.Image):
        images = [image for image in dataset[input_column]]
        colour = not prep.grayscale and any(im.mode not in ("1", "L", "LA", "I", "I;16", "F") for im in images)
        arrays = []
        for i, image in enumerate(images):
            image = image.convert("RGB" if colour else "L")
            if prep.resize is not None:
                from PIL import Image

                image = image.resize((prep.resize[1], prep.resize[0]), Image.Resampling.BILINEAR)
            arrays.append(np.asarray(image))
            if arrays[-1].shape != arrays[0].shape:
                raise InputError("resize", f"row {i} of column {input_column!r} is {arrays[-1].shape}, row 0 is "
                                 f"{arrays[0].shape}; give --resize")
        X, steps = image_features(np.stack(arrays), prep, 255.0)
        return X, steps
    names = [input_column] if input_column is not None else [n for n in features if n != label_column]
    columns = []
    for name in names:
        try:
            values = np.asarray(dataset.with_format("numpy")[name], dtype=np.float64)
        except (TypeError, ValueError):
            if input_column is None:
                continue  # a non-numeric column (text, ids) is not an input feature
            raise InputError("input_column", f"column {name!r} is not numeric") from None
        columns.append(values.reshape(len(values), -1))
    if not columns:
        raise InputError("input_column", "no image or numeric input column found; name one with --input-column")
    return np.concatenate(columns, axis=1), [f"numeric columns {', '.join(names)}"]


def load_hf(data_dir=None, *, hf_name: str | None = None, hf_config: str | None = None,
            train_split: str = "train", test_split: str = "test", input_column: str | None = None,
            label_column: str | None = None, n_train: int | None = None, n_test: int | None = None, classes=None,
            seed=0, download: bool = False, scale: bool = True, grayscale: bool = False, resize=None,
            pca: int | None = None) -> Task:
    """A classification task from a Hugging Face dataset (see the module description).

    Parameters
    ----------
    data_dir : path, optional
        A ``save_to_disk`` directory, or the cache directory when ``hf_name`` is given.
    hf_name, hf_config : str, optional
        Dataset name (or local folder of data files) and configuration for ``load_dataset``.
    train_split, test_split : str, default "train", "test"
    input_column, label_column : str, optional
        Default: detected (see the module description).
    n_train, n_test : int, optional
        Stratified seeded selection; default 1000 each (or all there is where fewer, with a
        ``DefaultSizeWarning``), and for a single split a quarter of it for test.
    classes, seed, download, scale, grayscale, resize, pca
        As for the other loaders; images are divided by 255 when ``scale``; numeric columns are
        used as they are.
    """
    datasets = _import_datasets()
    prep = Preprocessing.from_options(scale=scale, grayscale=grayscale, resize=resize, pca=pca)
    loaded, source = _open(datasets, data_dir, hf_name, hf_config, download)
    if isinstance(loaded, datasets.DatasetDict):
        missing = [s for s in (train_split, test_split) if s not in loaded]
        if missing:
            raise InputError("data", f"{source} has splits {', '.join(loaded)}; no {', '.join(missing)} "
                             "(choose with --train-split / --test-split)")
        train_ds, test_ds = loaded[train_split], loaded[test_split]
    else:
        train_ds, test_ds = loaded, None
    input_column, label_column = _columns(train_ds, datasets, input_column, label_column)
    label_feature = train_ds.features[label_column]
    names = label_feature.names if isinstance(label_feature, datasets.ClassLabel) else None
    train_labels = np.asarray(train_ds[label_column])
    if test_ds is not None:
        test_labels = np.asarray(test_ds[label_column])
        available = sorted(set(np.unique(train_labels).tolist()) | set(np.unique(test_labels).tolist()))
        chosen = resolve_classes(classes, available, None if names is None else [names[c] for c in available])
        train, test = select_split(train_labels, test_labels, chosen, n_train, n_test, seed, where_train=f"split {train_split}",
                                   where_test=f"split {test_split}", defaults=(1000, 1000))
        split = f"stratified seeded selection from splits {train_split} and {test_split}"
        train_rows, test_rows = train_ds.select(train.tolist()), test_ds.select(test.tolist())
    else:
        available = sorted(np.unique(train_labels).tolist())
        chosen = resolve_classes(classes, available, None if names is None else [names[c] for c in available])
        pool = np.flatnonzero(np.isin(train_labels, chosen))
        test_rng, train_rng = check_random_state(seed).spawn(2)
        n_test = max(len(chosen), int(round(0.25 * pool.size))) if n_test is None else n_test
        test_local = stratified_indices(train_labels[pool], n_test, test_rng, argument="n_test", where=source)
        rest = np.setdiff1d(np.arange(pool.size), test_local)
        if rest.size == 0:
            raise InputError("n_test", f"takes all {pool.size} rows of {source}; none are left for training")
        train_local = rest[stratified_indices(train_labels[pool][rest], rest.size if n_train is None else n_train, train_rng,
                                              argument="n_train", where=f"{source} after the test rows")]
        train, test = pool[train_local], pool[test_local]
        split = "stratified seeded split of one dataset into test and training rows"
        train_rows, test_rows = train_ds.select(train.tolist()), train_ds.select(test.tolist())
        test_labels = train_labels
    X_train, steps = _inputs(train_rows, datasets, input_column, label_column, prep)
    X_test, _ = _inputs(test_rows, datasets, input_column, label_column, prep)
    X_train, X_test, pca_steps = apply_pca(X_train, X_test, prep.pca)
    info = {"source": source, "split": split, "seed": seed_record(seed),
            "preprocessing": ", ".join(steps + pca_steps), "columns": {"input": input_column, "label": label_column}}
    if names is not None:
        info["class_names"] = [names[c] for c in chosen]
    return Task.from_arrays(X_train, train_labels[train], X_test, test_labels[test],
                            name=hf_name or Path(data_dir).name, classes=chosen, info=info)
