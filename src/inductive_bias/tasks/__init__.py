"""Tasks: training and test data with the loss of docs/method.md §1, built-in or loaded from files."""

from .arrays import load_arrays, load_npz
from .builtin import digits
from .cartpole import load_cartpole
from .cifar import load_cifar10
from .folders import load_folder
from .hf import load_hf
from ._preprocess import feature_permutation, permute_features
from .idx import load_fashion_mnist, load_mnist
from .mnist1d import load_mnist1d
from .omniglot import load_omniglot
from .registry import TASKS, load_task
from .synthetic import load_synthetic
from .task import Task, task_line

__all__ = ["TASKS", "Task", "digits", "load_arrays", "load_cartpole", "load_cifar10", "load_fashion_mnist",
           "load_folder", "load_hf", "load_mnist", "load_mnist1d", "load_npz", "load_omniglot", "load_synthetic",
           "load_task", "feature_permutation", "permute_features", "task_line"]
