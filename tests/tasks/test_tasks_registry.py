"""--data resolution, the table of tasks, and the task options of the command line."""

import gzip
import json
import sys

import numpy as np
import pytest

from inductive_bias import load_task
from inductive_bias._validation import InputError
from inductive_bias.cli.main import main
from inductive_bias.tasks.registry import TASKS


def test_every_entry_loads_its_function_and_takes_known_options():
    import inspect

    for name, source in TASKS.items():
        parameters = inspect.signature(source.function()).parameters
        for option in source.options:
            assert option in parameters, (name, option)


def test_builtins_describe_themselves():
    for data, options in (("digits", {"n_train": 20, "n_test": 10}),
                          ("cartpole", {"n_train": 30, "n_test": 20}),
                          ("synthetic", {"n_train": 30, "n_test": 20, "intrinsic_dim": 3})):
        task = load_task(data, **options)
        info = task.describe()
        for key in ("name", "n_train", "n_test", "n_features", "n_outputs", "classes", "source", "preprocessing", "seed"):
            assert key in info, (data, key)
        json.dumps(info)  # JSON-ready


def test_options_that_do_not_apply_are_named():
    with pytest.raises(InputError) as caught:
        load_task("digits", intrinsic_dim=3, pca=4)
    assert caught.value.argument == "intrinsic_dim" and "nor pca" in caught.value.detail
    with pytest.raises(InputError, match="must be one of digits"):
        load_task("imagenet")


def test_hf_without_datasets_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(InputError, match=r"pip install 'inductive-bias\[hf\]'"):
        load_task("hf", data_dir=str(tmp_path))


def test_cli_tasks_lists_builtins_and_loaders(capsys):
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    for name in ("digits", "cartpole", "synthetic", "mnist", "fashion-mnist", "cifar10", "omniglot", "hf", "folder"):
        assert name in out
    assert "--intrinsic-dim" in out
    assert main(["tasks", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["synthetic"]["kind"] == "built-in" and "--data-dir" in table["mnist"]["options"]


def test_cli_measure_cartpole_and_synthetic(capsys):
    code = main(["measure", "--data", "cartpole", "--n-train", "40", "--n-test", "30", "--kernel", "laplace",
                 "--lengthscale", "median", "-e", "0.2", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["task"]["name"] == "cartpole" and result["task"]["n_train"] == 40
    code = main(["measure", "--data", "synthetic", "--intrinsic-dim", "4", "--n-train", "40", "--n-test", "30",
                 "--lengthscale", "median", "--kernel", "laplace", "-e", "0.2", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["task"]["intrinsic_dim"] == 4 and result["task"]["n_features"] == 32


def test_cli_measure_mnist_from_a_directory(tmp_path, capsys):
    rng = np.random.default_rng(0)
    header = {3: b"\x00\x00\x08\x03", 1: b"\x00\x00\x08\x01"}
    for prefix, n in (("train", 30), ("t10k", 20)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        (tmp_path / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(
            header[3] + np.array([n, 28, 28], dtype=">u4").tobytes() + images.tobytes()))
        (tmp_path / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(
            header[1] + np.array([n], dtype=">u4").tobytes() + labels.tobytes()))
    code = main(["measure", "--data", "mnist", "--data-dir", str(tmp_path), "--n-train", "15", "--n-test", "10",
                 "--classes", "0,1,2,3,4", "--pca", "8", "-e", "0.1", "--json"])
    assert code == 0
    task = json.loads(capsys.readouterr().out)["task"]
    assert task["n_features"] == 8 and task["classes"] == [0, 1, 2, 3, 4]


def test_cli_inapplicable_option_is_one_line_exit_2(capsys):
    assert main(["measure", "--data", "cartpole", "--pca", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--pca: does not apply to --data cartpole" in err
    assert main(["measure", "--data", "mnist", "--data-dir", "/nonexistent-dir"]) == 2
    assert "no such directory" in capsys.readouterr().err
