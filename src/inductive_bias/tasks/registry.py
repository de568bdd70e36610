"""Resolve a ``--data`` value (a built-in task, a loader, or a path) to a :class:`Task`.

:data:`TASKS` is the table ``inductive-bias tasks`` prints: for each name, whether it is built
in (needs no files) or a loader (reads files a user has), the options it takes and a summary.
:data:`TASK_OPTIONS` declares each option once (type, help, the loader's keyword), and
:func:`task_from_options` makes a task from a dict of them: the command line (whose task flags are
generated from the declarations) and experiment files' ``[task]`` tables both go through it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import os
from pathlib import Path

import numpy as np

from ..exceptions import InputError
from ..parameters import ANY, POSITIVE, Parameter, Spelling

__all__ = ["DEFAULT_DATA", "GENERIC_OPTIONS", "TASKS", "TASK_OPTIONS", "TaskSource", "load_task", "resolve_source",
           "task_from_options"]

_IMAGE_OPTIONS = ("classes", "seed", "download", "scale", "grayscale", "resize", "pca")
#: options every task takes, applied after it is made (tasks/_preprocess.py)
GENERIC_OPTIONS = ("permute_features",)


@dataclass(frozen=True)
class TaskSource:
    """One entry of the table: how to make a task and which options it takes."""

    name: str
    kind: str  # "built-in" or "loader"
    target: str  # "module:function", imported when used
    options: tuple[str, ...]
    summary: str

    def function(self) -> Callable:
        import importlib

        module, name = self.target.split(":")
        return getattr(importlib.import_module(f"{__package__}.{module}"), name)


TASKS: dict[str, TaskSource] = {source.name: source for source in (
    TaskSource("digits", "built-in", "builtin:digits", ("n_train", "n_test", "seed", "resize", "scale"),
               "scikit-learn's 8x8 digits, raw pixels 0..16, 10 classes, resized on request (500/500)"),
    TaskSource("cartpole", "built-in", "cartpole:load_cartpole",
               ("n_train", "n_test", "seed", "noise", "start_range", "episode_steps"),
               "cart-pole states -> LQR expert's push (left/right), Florian 2007 dynamics (500/500)"),
    TaskSource("synthetic", "built-in", "synthetic:load_synthetic",
               ("n_train", "n_test", "seed", "intrinsic_dim", "ambient_dim", "n_classes", "frequency",
                "teacher_frequency", "teacher_features"),
               "inputs on an m-dim manifold in R^D, labels from a smooth random teacher (500/500)"),
    TaskSource("mnist1d", "built-in", "mnist1d:load_mnist1d", ("n_train", "n_test", "classes", "seed"),
               "MNIST-1D (Greydanus 2020), 40-sample 1-D signals, 10 classes, generated offline; needs "
               "`mnist1d` (1000/1000)"),
    TaskSource("mnist", "loader", "idx:load_mnist", ("data_dir", "n_train", "n_test", *_IMAGE_OPTIONS),
               "MNIST from its IDX files (gzipped or not) in --data-dir (1000/1000)"),
    TaskSource("fashion-mnist", "loader", "idx:load_fashion_mnist", ("data_dir", "n_train", "n_test", *_IMAGE_OPTIONS),
               "Fashion-MNIST from its IDX files in --data-dir (1000/1000)"),
    TaskSource("cifar10", "loader", "cifar:load_cifar10", ("data_dir", "n_train", "n_test", *_IMAGE_OPTIONS),
               "CIFAR-10 binary batches (data_batch_*.bin, test_batch.bin) in --data-dir (1000/1000)"),
    TaskSource("omniglot", "loader", "omniglot:load_omniglot",
               ("data_dir", "n_train", "n_test", "ways", "seed", "download", "scale", "resize", "pca"),
               "5-way 1-shot episodes from images_background (train) / images_evaluation (test) (500/500)"),
    TaskSource("hf", "loader", "hf:load_hf",
               ("data_dir", "hf_name", "hf_config", "train_split", "test_split", "input_column", "label_column",
                "n_train", "n_test", *_IMAGE_OPTIONS),
               "a Hugging Face dataset saved to disk (--data-dir) or cached (--hf-name); needs `datasets`"),
    TaskSource("folder", "loader", "folders:load_folder",
               ("data_dir", "n_train", "n_test", "classes", "seed", "scale", "grayscale", "resize", "pca"),
               "a folder of images per class (DIR/<class>/ or DIR/train|test/<class>/)"),
    TaskSource("PATH.npz|.npy|.csv", "loader", "arrays:load_arrays",
               ("n_train", "n_test", "classes", "seed", "label_column", "pca", "targets"),
               "arrays: .npz (X_train, y_train, X_test, y_test, or X, y); .npy / .csv table, label last"),
)}

_ARRAYS = "PATH.npz|.npy|.csv"


def resolve_source(data: str) -> tuple[TaskSource, dict]:
    """The table entry for ``data`` and the arguments the path itself supplies."""
    if not isinstance(data, (str, os.PathLike)):  # an experiment file's `data = 3` or `data = []`
        raise InputError("data", f"must be a data set name or a file path (a string); got {data!r}")
    if data in TASKS and data != _ARRAYS:
        return TASKS[data], {}
    path = Path(data)
    if path.suffix.lower() in (".npz", ".npy", ".csv"):
        if not path.is_file():
            raise InputError("data", f"no such file: {data}")
        return TASKS[_ARRAYS], {"path": path}
    if path.is_dir():
        saved = any((path / name).is_file() for name in ("dataset_dict.json", "state.json"))
        return TASKS["hf" if saved else "folder"], {"data_dir": path}
    names = ", ".join(n for n in TASKS if n != _ARRAYS)
    raise InputError("data", f"must be one of {names}, a .npz/.npy/.csv file or a folder; got {data!r}")


def load_task(data: str, **options):
    """The task ``data`` names, made with ``options`` (None values are left to the defaults).

    Parameters
    ----------
    data : str
        A name from :data:`TASKS` (digits, cartpole, synthetic, mnist, fashion-mnist, cifar10,
        omniglot, hf, folder), a path to a ``.npz`` / ``.npy`` / ``.csv`` file, or a folder (a
        Hugging Face ``save_to_disk`` directory, or one folder of images per class).
    **options
        The entry's options (see ``inductive-bias tasks``); an option it does not take is an
        :class:`InputError` naming it. Every task also takes ``permute_features=True``: its
        features in one fixed order drawn from its ``seed`` (default 0;
        :func:`~inductive_bias.tasks._preprocess.permute_features`).

    Examples
    --------
    >>> task = load_task("synthetic", intrinsic_dim=4, n_train=100, n_test=100)
    >>> task.X_train.shape
    (100, 32)
    """
    if not isinstance(data, (str, Path)):
        raise InputError("data", f"must be a task name or a path; got {data!r}")
    source, implied = resolve_source(str(data))
    given = {k: v for k, v in options.items() if v is not None}
    permute = given.pop("permute_features", False)
    if not isinstance(permute, (bool, np.bool_)):
        raise InputError("permute_features", f"must be True or False; got {permute!r}")
    wrong = [k for k in given if k not in source.options]
    if wrong:
        others = f", nor {', '.join(wrong[1:])}" if len(wrong) > 1 else ""
        raise InputError(wrong[0], f"does not apply to --data {source.name}{others} "
                         f"(it takes: {', '.join(source.options)})")
    if "data_dir" in implied and "data_dir" in given:
        raise InputError("data_dir", f"--data already names the folder {data}; leave out --data-dir")
    task = source.function()(**implied, **given)
    if permute:
        from ._preprocess import permute_features

        task = permute_features(task, given.get("seed", 0))
    return task


DEFAULT_DATA = "digits"


def _classes(text: str):
    return int(text) if text.strip().isdigit() else text


#: every option a task may take, declared once: its key (an experiment's ``[task]`` key; the
#: command line's flag with dashes) and, where they differ, the loader's keyword
TASK_OPTIONS = (
    Parameter("n_train", int, None, "training points (or episodes); default per task", metavar="N", **POSITIVE),
    Parameter("n_test", int, None, "test points (or episodes); default per task", metavar="N", **POSITIVE),
    Parameter("data_dir", str, None, "directory of a loader's files (mnist, fashion-mnist, cifar10, omniglot, "
              "folder; hf: save_to_disk folder or cache)", metavar="DIR"),
    Parameter("classes", ANY, None, "classes to keep: comma-separated labels or names (e.g. 3,8 or cat,dog), or a "
              "number k (the first k)", metavar="LIST", parser=_classes),
    Parameter("task_seed", int, None, "seed of the task's selection / generation (default 0)", keyword="seed",
              metavar="SEED"),
    Parameter("download", bool, None, "download mnist / fashion-mnist / cifar10 / omniglot (or an hf dataset) into "
              "the data directory first"),
    Parameter("scale", bool, None, "scale pixel values to [0, 1] (default true for image loaders; digits keeps its raw 0..16 unless given)"),
    Parameter("grayscale", bool, None, "convert colour images to gray"),
    Parameter("resize", ANY, None, "resize images: N or HxW (omniglot default 28)", metavar="N|HxW"),
    Parameter("pca", int, None, "project inputs on D principal components of the training inputs", metavar="D"),
    Parameter("permute_features", bool, None, "any task: put the input features in one fixed order drawn from the "
              "task seed (destroys locality); default false"),
    Parameter("intrinsic_dim", int, None, "synthetic: manifold dimension m (default 2)", metavar="M"),
    Parameter("ambient_dim", int, None, "synthetic: number of features (default 32)", metavar="D"),
    Parameter("n_classes", int, None, "synthetic: number of classes (default 2)", metavar="K"),
    Parameter("manifold_frequency", float, None, "synthetic: embedding frequency ω (default 1; larger: more curved)",
              keyword="frequency", metavar="W"),
    Parameter("teacher_frequency", float, None, "synthetic: teacher frequency τ (default 1; larger: rougher labels)",
              metavar="T"),
    Parameter("teacher_features", int, None, "synthetic: teacher cosines (default 256)", metavar="J"),
    Parameter("state_noise", float, None, "cartpole: noise added to visited states, in their std (default 0.1)",
              keyword="noise", metavar="S"),
    Parameter("start_range", float, None, "cartpole: episodes start uniform in [-R, R]^4 (default 0.05)",
              metavar="R"),
    Parameter("episode_steps", int, None, "cartpole: steps per episode (default 200)", metavar="T"),
    Parameter("ways", int, None, "omniglot: support images per episode (default 5)", metavar="K"),
    Parameter("hf_name", str, None, "hf: dataset name (or local data folder) for load_dataset", metavar="NAME"),
    Parameter("hf_config", str, None, "hf: dataset configuration", metavar="NAME"),
    Parameter("train_split", str, None, "hf: training split (default train)", metavar="NAME"),
    Parameter("test_split", str, None, "hf: test split (default test)", metavar="NAME"),
    Parameter("input_column", str, None, "hf: input column (default: the image column)", metavar="NAME"),
    Parameter("targets", str, None, ".npz / .npy / .csv: read labels as classes (one-hot) or regression targets "
              "(default auto: integers and words are classes)", choices=("auto", "classes", "regression")),
    Parameter("label_column", ANY, None, "hf / .npy / .csv: label column (default: detected / last)",
              metavar="COL"),
)


def task_from_options(data: str | None = None, options: dict | None = None, *, spelling: Spelling | None = None,
                      notes: list | None = None):
    """The task ``data`` names (default digits), made with ``options``: keys of
    :data:`TASK_OPTIONS`, None values left to the loader's defaults.

    An option the task does not take is an :class:`InputError` naming it as ``spelling`` writes it
    (the command line's ``--task-seed``, an experiment's ``task.task_seed``), with the options the
    task does take. Where a file's integer labels were read as classes by default, ``notes`` gets
    a line saying so.
    """
    spelling = spelling or Spelling.keywords()
    declared = {p.name: p for p in TASK_OPTIONS}
    by_keyword = {p.argument: p.name for p in TASK_OPTIONS}
    keywords = {}
    for key, value in (options or {}).items():
        if key not in declared:
            raise InputError(spelling.key(key), f"is not a task option (see `inductive-bias tasks`; they are: data, "
                                                f"{', '.join(map(spelling.listed, declared))})")
        if value is not None:
            keywords[declared[key].argument] = declared[key].check(value, spelling.key(key))
    data = DEFAULT_DATA if data is None else data
    try:
        source, _ = resolve_source(data)
    except InputError as error:
        raise InputError(spelling.key("data"), error.detail) from None
    wrong = [spelling.key(by_keyword[k]) for k in keywords if k not in source.options and k not in GENERIC_OPTIONS]
    if wrong:
        others = f", nor {', '.join(wrong[1:])}" if len(wrong) > 1 else ""
        takes = " ".join(spelling.listed(by_keyword.get(o, o)) for o in source.options)
        raise InputError(wrong[0], f"does not apply to {spelling.setting('data', source.name)}{others} "
                                   f"(it takes: {takes})")
    try:
        task = load_task(data, **keywords)
    except InputError as error:  # a loader keyword (seed) named as the caller wrote it (--task-seed)
        if error.argument in by_keyword and (error.argument in source.options or error.argument in GENERIC_OPTIONS):
            raise InputError(spelling.key(by_keyword[error.argument]), error.detail) from None
        raise
    if notes is not None and "targets" in source.options and keywords.get("targets") is None \
            and task.classes is not None and all(isinstance(c, int) for c in task.classes):
        notes.append(f"{data}: integer labels read as {len(task.classes)} classes (one-hot outputs); "
                     f"{spelling.setting('targets', 'regression')} reads them as numbers")
    return task
