"""The task options every subcommand that reads a task shares (``--data`` and its settings)."""

from __future__ import annotations

from ..tasks import load_task


def add_task_arguments(parser) -> None:
    group = parser.add_argument_group("task")
    group.add_argument("--data", default="digits", help="a built-in task name or a .npz file with X_train, "
                       "y_train, X_test, y_test (default digits)")
    group.add_argument("--n-train", type=int, help="training points of a built-in task (digits: 500)")
    group.add_argument("--n-test", type=int, help="test points of a built-in task (digits: 500)")


def task_from_args(args):
    return load_task(args.data, n_train=args.n_train, n_test=args.n_test)
