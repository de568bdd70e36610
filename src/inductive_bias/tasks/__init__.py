"""Tasks: training and test data with the loss of SPEC §1, built-in or loaded from files."""

from .arrays import load_npz
from .builtin import digits
from .registry import load_task
from .task import Task

__all__ = ["Task", "digits", "load_npz", "load_task"]
