"""The task options every subcommand that reads a task shares (``--data`` and its settings),
generated from the declarations of :data:`inductive_bias.tasks.registry.TASK_OPTIONS`.

Each option maps to a keyword of the task's loader (see ``inductive-bias tasks``); an option the
chosen ``--data`` does not take is an error naming it, not silently ignored
(:func:`~inductive_bias.tasks.registry.task_from_options`).
"""

from __future__ import annotations

from ..parameters import Spelling
from ..tasks.registry import DEFAULT_DATA, TASK_OPTIONS, task_from_options

__all__ = ["DEFAULT_DATA", "add_task_arguments", "option_flags", "task_flags_given", "task_from_args",
           "task_options"]

# on/off options and their flags: both spellings where the default differs by task (scale: on for
# image loaders, off for digits) or an experiment sweeps it over false and true (permute_features)
_BOTH = ("scale", "permute_features")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_task_arguments(parser, skip: tuple[str, ...] = ()) -> None:
    """Add ``--data`` and the loader options, except the flags in ``skip`` (a subcommand that gives
    one of them another meaning: ``complexity --classes`` is a count of classes)."""
    group = parser.add_argument_group("task", "see `inductive-bias tasks` for which options each --data takes")
    group.add_argument("--data", default=None,
                       help="a built-in task (digits, cartpole, synthetic, mnist1d), a loader (mnist, fashion-mnist, "
                            "cifar10, omniglot, hf, folder), or a .npz/.npy/.csv file (default digits)")
    for option in TASK_OPTIONS:
        flag = _flag(option.name)
        if flag in skip:
            continue
        dest, text = f"task_{option.name}", option.help.replace("%", "%%")
        if option.type is bool:
            group.add_argument(flag, dest=dest, action="store_const", const=True, help=text)
            if option.name in _BOTH:
                group.add_argument(_flag("no_" + option.name), dest=dest, action="store_const", const=False,
                                   help=f"the opposite of {flag}")
            continue
        kwargs = {"choices": list(option.choices)} if option.choices else {"type": option.parse}
        if option.metavar is not None and not option.choices:
            kwargs["metavar"] = option.metavar
        group.add_argument(flag, dest=dest, help=text, **kwargs)


def task_options(args) -> dict:
    """Option name -> value of the task flags (unset ones are None and left to defaults)."""
    return {option.name: getattr(args, f"task_{option.name}", None) for option in TASK_OPTIONS}


def option_flags() -> dict[str, str]:
    """Loader keyword -> the flag that sets it."""
    return {option.argument: _flag(option.name) for option in TASK_OPTIONS}


def task_flags_given(args) -> list[str]:
    """The task flags set on the command line (``--data`` included), to refuse them where the
    command would not use them."""
    given = ["--data"] if getattr(args, "data", None) is not None else []
    return given + [_flag(name) for name, value in task_options(args).items() if value is not None]


def task_from_args(args, notes: list | None = None):
    """The task of ``--data`` and its options (errors name the flags)."""
    return task_from_options(args.data, task_options(args), spelling=Spelling.flags(), notes=notes)
