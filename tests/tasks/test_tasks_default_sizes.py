"""Defaults that do not fail: a loader whose default n_train / n_test exceeds the data uses what
there is and says so (DefaultSizeWarning); explicit sizes beyond the data are an InputError."""

import pytest

from inductive_bias import digits, load_task
from inductive_bias.cli.main import main
from inductive_bias.exceptions import DefaultSizeWarning, InputError
from inductive_bias.tasks._preprocess import default_size
from inductive_bias.tasks.cifar import load_cifar10
from inductive_bias.tasks.idx import load_mnist

from test_tasks_cifar import write_cifar
from test_tasks_idx import write_mnist


def test_the_rule():
    assert default_size(None, 1000, 5000, argument="n_train", where="x") == 1000
    assert default_size(7000, 1000, 5000, argument="n_train", where="x") == 7000  # explicit: the caller checks
    with pytest.warns(DefaultSizeWarning, match=r"^n_test: the default 1000 exceeds the 200 points of x; using all"):
        assert default_size(None, 1000, 200, argument="n_test", where="x") == 200


def test_cifar10_with_200_training_images(tmp_path):
    """The issue's case: --data cifar10 on a directory with 200 training images stopped with an error."""
    write_cifar(tmp_path, per_batch=100, batches=2, n_test=50)
    with pytest.warns(DefaultSizeWarning) as caught:
        task = load_cifar10(tmp_path)
    assert (task.n_train, task.n_test) == (200, 50)
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2 and all("\n" not in m for m in messages)
    assert messages[0].startswith("n_test: the default 1000 exceeds the 50 points")
    assert messages[1].startswith("n_train: the default 1000 exceeds the 200 points")
    with pytest.raises(InputError, match="n_train.*asks for 300 points"):
        load_cifar10(tmp_path, n_train=300, n_test=10)


def test_mnist_and_classes(tmp_path):
    write_mnist(tmp_path, n_train=60, n_test=40)
    with pytest.warns(DefaultSizeWarning, match="classes 3,8"):
        task = load_mnist(tmp_path, classes="3,8")
    # every point of classes 3 and 8 is used, in both splits
    assert task.n_train == 12 and task.n_test == 8
    with pytest.raises(InputError, match="n_test"):
        load_mnist(tmp_path, n_train=10, n_test=1000)


def test_digits_default_takes_what_the_other_leaves():
    assert (digits().n_train, digits().n_test) == (500, 500)
    with pytest.warns(DefaultSizeWarning, match="n_test: the default 500 exceeds the 297 points"):
        assert digits(1500).n_test == 297
    with pytest.raises(InputError, match="n_test"):
        digits(1500, 400)


def test_load_task_and_the_cli_print_one_line(tmp_path, capsys):
    write_cifar(tmp_path, per_batch=100, batches=2, n_test=50)
    with pytest.warns(DefaultSizeWarning):
        assert load_task("cifar10", data_dir=str(tmp_path)).n_train == 200
    with pytest.warns(DefaultSizeWarning):
        assert main(["measure", "--data", "cifar10", "--data-dir", str(tmp_path), "--noise", "1e-2", "-e", "0.09",
                     "--json"]) == 0
    assert capsys.readouterr().out.lstrip().startswith("{")
    with pytest.warns(DefaultSizeWarning, match="n_test"):  # the default test size is still capped
        assert main(["measure", "--data", "cifar10", "--data-dir", str(tmp_path), "--n-train", "500",
                     "-e", "0.09"]) == 2
    err = capsys.readouterr().err
    assert "--n-train: asks for 500 points" in err and len(err.strip().splitlines()) == 1
