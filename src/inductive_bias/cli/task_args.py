"""The task options every subcommand that reads a task shares (``--data`` and its settings), and
experiment files' ``[task]`` tables (:mod:`inductive_bias.experiment`).

Each option maps to a keyword of the task's loader (see ``inductive-bias tasks``); an option the
chosen ``--data`` does not take is an error naming it, not silently ignored.
"""

from __future__ import annotations

from ..exceptions import InputError
from ..tasks import load_task
from ..tasks.registry import GENERIC_OPTIONS, resolve_source

# (flag, loader keyword, argparse keywords, help)
_OPTIONS = (
    ("--data-dir", "data_dir", {"metavar": "DIR"}, "directory of a loader's files (mnist, fashion-mnist, cifar10, "
     "omniglot, folder; hf: save_to_disk folder or cache)"),
    ("--classes", "classes", {"type": lambda s: int(s) if s.strip().isdigit() else s, "metavar": "LIST"},
     "classes to keep: comma-separated labels or names (e.g. 3,8 or cat,dog), or a number k (the first k)"),
    ("--task-seed", "seed", {"type": int, "metavar": "SEED"}, "seed of the task's selection / generation (default 0)"),
    ("--download", "download", {"action": "store_const", "const": True},
     "download mnist / fashion-mnist / cifar10 / omniglot (or an hf dataset) into --data-dir first"),
    ("--no-scale", "scale", {"action": "store_const", "const": False}, "keep raw pixel values (default: scale to [0,1])"),
    ("--grayscale", "grayscale", {"action": "store_const", "const": True}, "convert colour images to gray"),
    ("--resize", "resize", {"metavar": "N|HxW"}, "resize images (omniglot default 28)"),
    ("--pca", "pca", {"type": int, "metavar": "D"}, "project inputs on D principal components of the training inputs"),
    ("--permute-features", "permute_features", {"action": "store_const", "const": True},
     "any task: put the input features in one fixed order drawn from the task seed (destroys locality)"),
    ("--intrinsic-dim", "intrinsic_dim", {"type": int, "metavar": "M"}, "synthetic: manifold dimension m (default 2)"),
    ("--ambient-dim", "ambient_dim", {"type": int, "metavar": "D"}, "synthetic: number of features (default 32)"),
    ("--n-classes", "n_classes", {"type": int, "metavar": "K"}, "synthetic: number of classes (default 2)"),
    ("--manifold-frequency", "frequency", {"type": float, "metavar": "W"},
     "synthetic: embedding frequency ω (default 1; larger: more curved)"),
    ("--teacher-frequency", "teacher_frequency", {"type": float, "metavar": "T"},
     "synthetic: teacher frequency τ (default 1; larger: rougher labels)"),
    ("--teacher-features", "teacher_features", {"type": int, "metavar": "J"}, "synthetic: teacher cosines (default 256)"),
    ("--state-noise", "noise", {"type": float, "metavar": "S"},
     "cartpole: noise added to visited states, in their std (default 0.1)"),
    ("--start-range", "start_range", {"type": float, "metavar": "R"},
     "cartpole: episodes start uniform in [-R, R]^4 (default 0.05)"),
    ("--episode-steps", "episode_steps", {"type": int, "metavar": "T"}, "cartpole: steps per episode (default 200)"),
    ("--ways", "ways", {"type": int, "metavar": "K"}, "omniglot: support images per episode (default 5)"),
    ("--hf-name", "hf_name", {"metavar": "NAME"}, "hf: dataset name (or local data folder) for load_dataset"),
    ("--hf-config", "hf_config", {"metavar": "NAME"}, "hf: dataset configuration"),
    ("--train-split", "train_split", {"metavar": "NAME"}, "hf: training split (default train)"),
    ("--test-split", "test_split", {"metavar": "NAME"}, "hf: test split (default test)"),
    ("--input-column", "input_column", {"metavar": "NAME"}, "hf: input column (default: the image column)"),
    ("--targets", "targets", {"choices": ["auto", "classes", "regression"]},
     ".npz / .npy / .csv: read labels as classes (one-hot) or regression targets (default auto: integers and "
     "words are classes)"),
    ("--label-column", "label_column", {"metavar": "COL"}, "hf / .npy / .csv: label column (default: detected / last)"),
)


def add_task_arguments(parser, skip: tuple[str, ...] = ()) -> None:
    """Add ``--data`` and the loader options, except the flags in ``skip`` (a subcommand that gives
    one of them another meaning: ``complexity --classes`` is a count of classes)."""
    group = parser.add_argument_group("task", "see `inductive-bias tasks` for which options each --data takes")
    group.add_argument("--data", default=None,
                       help="a built-in task (digits, cartpole, synthetic, mnist1d), a loader (mnist, fashion-mnist, cifar10, "
                            "omniglot, hf, folder), or a .npz/.npy/.csv file (default digits)")
    group.add_argument("--n-train", type=int, help="training points (or episodes); default per task")
    group.add_argument("--n-test", type=int, help="test points (or episodes); default per task")
    for flag, key, kwargs, text in _OPTIONS:
        if flag not in skip:
            group.add_argument(flag, dest=f"task_{key}", help=text, **kwargs)
    if "--permute-features" not in skip:
        # the default, spelled out: lets an experiment file sweep permute_features = [false, true]
        group.add_argument("--no-permute-features", dest="task_permute_features", action="store_const",
                           const=False, help="keep the features in their order (the default)")


DEFAULT_DATA = "digits"


def task_flags_given(args) -> list[str]:
    """The task flags set on the command line (``--data`` included), to refuse them where the
    command would not use them."""
    given = ["--data"] if getattr(args, "data", None) is not None else []
    flags = option_flags()
    return given + [flags[key] for key, value in task_options(args).items() if value is not None]


def task_options(args) -> dict:
    """The loader keywords set on the command line (unset ones are None and left to defaults)."""
    options = {"n_train": getattr(args, "n_train", None), "n_test": getattr(args, "n_test", None)}
    for _, key, _, _ in _OPTIONS:
        options[key] = getattr(args, f"task_{key}", None)
    return options


def option_flags() -> dict[str, str]:
    """Loader keyword -> the flag that sets it."""
    return {"n_train": "--n-train", "n_test": "--n-test", **{key: flag for flag, key, _, _ in _OPTIONS}}


def task_from_args(args, notes: list | None = None):
    """The task of ``--data`` and its options; a set option the task does not take is an error
    naming its flag (and the flags the task does take). Where a file's integer labels were read
    as classes by default, ``notes`` gets a line saying so (and how to read them as numbers)."""
    options = task_options(args)
    data = DEFAULT_DATA if args.data is None else args.data
    source, _ = resolve_source(data)
    flags = option_flags()
    wrong = [flags[key] for key, value in options.items()
             if value is not None and key not in source.options and key not in GENERIC_OPTIONS]
    if wrong:
        others = f", nor {', '.join(wrong[1:])}" if len(wrong) > 1 else ""
        takes = " ".join(flags.get(o, o) for o in source.options)
        raise InputError(wrong[0], f"does not apply to --data {source.name}{others} (it takes: {takes})")
    try:
        task = load_task(data, **options)
        if notes is not None and "targets" in source.options and options.get("targets") is None \
                and task.classes is not None and all(isinstance(c, int) for c in task.classes):
            notes.append(f"{data}: integer labels read as {len(task.classes)} classes (one-hot outputs); "
                         "--targets regression reads them as numbers")
        return task
    except InputError as error:  # a loader keyword (seed) is named by its flag (--task-seed)
        if error.argument in flags and error.argument in source.options:
            raise InputError(flags[error.argument], error.detail) from None
        raise
