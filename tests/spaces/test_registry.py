"""The space registry: each parameter declared once, and every road (Python, command line,
experiment file, stored spec) building the same space from it, with errors that name the
parameter as the caller wrote it."""

import ast
import tempfile
import warnings
from pathlib import Path

import pytest

from inductive_bias import Experiment, InputError, build_space, space_from_spec
from inductive_bias.cli.main import build_parser
from inductive_bias.cli.space_args import build_space_from_args
from inductive_bias.exceptions import PointMassWarning
from inductive_bias.parameters import Parameter, Spelling
from inductive_bias.spaces.registry import SPACES, trained_spaces
from inductive_bias.tasks.registry import TASK_OPTIONS

# Tables that together set every declared parameter of every space to a value other than its
# default (two tables where parameters exclude each other: mlp's hidden and width/depth, a fixed
# epoch count and training until fit). test_the_tables_cover_every_declared_parameter keeps them
# complete: a parameter added to a declaration fails it until a value is given here.
TRAINING = {"optimizer": "sgd", "lr": 0.01, "batch_size": 8, "device": "cpu", "chunk_size": 3}
UNTIL_FIT = {"max_epochs": 40, "fit_fraction": 0.05}
TABLES = [
    ("gp", {"kernel": "laplace", "lengthscale": "median", "amplitude": 2.0, "noise": 1e-3, "jitter": 1e-9,
            "restarts": 3, "seed": 4, "memory_limit": "1GB",
            # an existing folder: the GP checks its scratch folder when it is built
            "scratch_dir": tempfile.gettempdir(),
            "dask_address": "tcp://head:8786"}),
    ("gp", {"lengthscale": "ml", "amplitude": "ml", "noise": "ml", "device": "cpu"}),
    ("nngp", {"architecture": "cnn", "depth": 3, "activation": "erf", "weight_var": 1.5, "bias_var": 0.05,
              "readout": "gap", "channels": 1, "filter_size": 5, "jitter": 1e-8, "precision": "float32",
              "device": "cpu"}),
    ("ntk", {"architecture": "lcn", "depth": 1, "activation": "tanh", "weight_var": 1.2, "bias_var": 0.0,
             "readout": "flatten", "channels": 3, "filter_size": 1, "jitter": 0.0, "training_time": 3.0}),
    ("ntk", {"lr": 0.5, "steps": 10, "layers": "conv3-relu-avgpool2-gap-dense"}),
    ("ntk", {"layers": "conv5-erf-conv5-erf-gap-dense", "precision": "float32", "device": "cpu"}),
    ("nngp", {"layers": "myrtle5"}),
    ("mlp", {"hidden": [16, 8], "activation": "tanh", "epochs": 7, "batch_size": "full", "stop_train_mse": 1e-4,
             "parameterization": "ntk", "weight_var": 1.5, "bias_var": 0.2, **TRAINING}),
    ("mlp", {"width": 12, "depth": 3, "compile": False, **UNTIL_FIT, **TRAINING}),
    ("cnn", {"channels": [4, 6], "filter_size": 5, "activation": "gelu", "image_shape": [1, 8, 8], "compile": True,
             "parameterization": "ntk", "weight_var": 1.2, "bias_var": 0.0, "epochs": 2, **TRAINING}),
    ("cnn", {**UNTIL_FIT, "stop_train_mse": 1e-3, "readout": "gap"}),
    ("cnn", {"layers": "conv3-res(relu-conv3)-relu-avgpool2-gap-dense", "width": 4, "parameterization": "ntk"}),
    ("lcn", {"channels": [3], "filter_size": 1, "activation": "sigmoid", "image_shape": [1, 8, 8], "epochs": 2,
             "compile": False, "stop_train_mse": 1e-3, **TRAINING}),
    ("lcn", UNTIL_FIT),
    ("vit", {"patch_size": 4, "width": 16, "depth": 1, "heads": 2, "mlp_dim": 24, "activation": "relu",
             "image_shape": [1, 8, 8], "epochs": 2, "compile": True, "stop_train_mse": 1e-3, **TRAINING}),
    ("vit", UNTIL_FIT),
    ("random_forest", {"n_estimators": 7, "max_depth": 4, "max_features": "sqrt", "min_samples_leaf": 2,
                       "bootstrap": False, "n_jobs": 1}),
    ("extra_trees", {"n_estimators": 5, "max_depth": 3, "max_features": 0.5, "min_samples_leaf": 3,
                     "bootstrap": True, "n_jobs": 1}),
    ("gradient_boosting", {"n_estimators": 9, "lr": 0.3, "max_depth": 2, "subsample": 0.5, "n_jobs": 1}),
    ("decision_tree", {"max_depth": 5, "max_features": 3, "min_samples_leaf": 2, "splitter": "random", "n_jobs": 1}),
    ("knn", {"n_neighbors": 3, "weights": "distance", "n_jobs": 1}),
    ("kernel_ridge", {"kernel": "matern52", "lengthscale": 2.5, "alpha": 0.1, "n_jobs": 1}),
    ("least_squares", {"alpha": 0.5, "n_jobs": 1}),
    ("linear", {"epochs": 50, "step_size": 0.5, "init_std": 2.0, "n_jobs": 1}),
]


def _quiet_build(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PointMassWarning)
        return build_space(*args, **kwargs)


def _argv(table: dict) -> list[str]:
    """The command line's flags for a table: --name value(s); True is the bare flag."""
    argv = []
    for key, value in table.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif isinstance(value, list):
            argv += [flag, *map(str, value)]
        else:
            argv += [flag, str(value)]
    return argv


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml, value)) + "]"
    return repr(value)


def _subcommand(name):
    return next(a for a in build_parser()._actions if a.dest == "command").choices[name]


def _measure_actions():
    return ({a.dest: a for a in _subcommand("measure")._actions},
            {a.dest: a for a in _subcommand("sample")._actions})


def test_the_tables_cover_every_declared_parameter():
    for name, entry in SPACES.items():
        set_here = {key for space, table in TABLES if space == name for key in table}
        assert set_here == {p.name for p in entry.parameters}, name


def test_every_parameter_is_a_flag_with_its_help_and_default():
    """The command line's space flags are generated from the registry: each declared parameter
    is a flag of `measure` (and, for a trained space, of `sample`) whose help carries the
    declaration's help and default, and whose own default is None (the space's default)."""
    measure_actions, sample_actions = _measure_actions()
    for name, entry in SPACES.items():
        for parameter in entry.parameters:
            if not parameter.flag:
                assert parameter.name not in measure_actions or name not in measure_actions[parameter.name].help
                continue
            action = measure_actions[parameter.name]
            assert action.option_strings == ["--" + parameter.name.replace("_", "-")]
            assert action.default is None
            help_text = action.help.replace("%%", "%")
            line = f"{parameter.help} (default {parameter.shown_default()})" if parameter.default is not None \
                else parameter.help
            assert line in help_text and name in help_text, (name, parameter.name)
            if parameter.choices and all(p.choices for p in _declared(parameter.name)):
                assert set(parameter.choices) <= set(action.choices)
            if entry.trained:  # `sample` lists the trained spaces a flag applies to
                assert line in sample_actions[parameter.name].help.replace("%%", "%")


def _declared(name):
    return [p for e in SPACES.values() for p in e.parameters if p.name == name]


def test_every_task_option_is_a_flag():
    flags = {o for a in _subcommand("measure")._actions for o in a.option_strings}
    for option in TASK_OPTIONS:
        spelled = "--" + option.name.replace("_", "-")
        assert spelled in flags, option.name


@pytest.mark.parametrize("name, table", TABLES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(TABLES)])
def test_an_experiment_table_builds_the_space_the_flags_build(name, table):
    """The same parameters as an experiment's [[space]] table, as command-line flags, as Python
    keywords and as the stored spec of the result: one space."""
    text = '[task]\ndata = "digits"\nn_train = 40\nn_test = 30\n[[space]]\nname = "s"\n' \
           f'space = "{name}"\n' + "".join(f"{k} = {_toml(v)}\n" for k, v in table.items())
    # a parameter the command line offers no flag for (a forest's bootstrap: --bootstrap counts
    # bootstrap refits there) is left out of the flags, and a False switch is the flag left out
    flagged = {k: v for k, v in table.items() if SPACES[name].parameter(k).flag and v is not False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PointMassWarning)
        from_file = Experiment.from_toml(text).spaces[0]
        args = build_parser().parse_args(["measure", "--space", name, *_argv(flagged)])
        from_flags = build_space_from_args(args, name)
        from_python = build_space(name, table)
        assert from_file.spec() == from_python.spec()
        assert from_flags.spec() == build_space(name, flagged).spec()
        # the stored spec rebuilds the same space
        assert space_from_spec(from_file.spec()).spec() == from_file.spec()


@pytest.mark.parametrize("name", list(SPACES))
def test_declared_defaults_are_the_spaces_defaults(name):
    """A space built with no parameters records the declared defaults: the declaration is where
    the default is written, and the constructor reads it from there."""
    entry = SPACES[name]
    spec = _quiet_build(name, {}).spec()
    recorded = [p for p in entry.parameters if p.default is not None and p.argument in spec]
    assert recorded
    for parameter in recorded:
        value = spec[parameter.argument]
        expected = list(parameter.default) if isinstance(parameter.default, tuple) else parameter.default
        assert value == expected, (name, parameter.name)


@pytest.mark.parametrize("name, params, key, flags, message", [
    ("mlp", {"hidden": [64, 0]}, "hidden", ["--hidden", "64", "0"], "must be finite and > 0; got 0"),
    ("gp", {"lengthscale": "mean"}, "lengthscale", ["--lengthscale", "mean"], "'mean'"),
    ("cnn", {"filter_size": 4}, "filter_size", ["--filter-size", "4"], "must be odd"),
    ("gradient_boosting", {"lr": 0.0}, "lr", ["--lr", "0"], "must be finite and > 0; got 0"),
    ("vit", {"width": 30}, "heads", ["--width", "30"], "must divide dim=30"),
    ("knn", {"epochs": 3}, "epochs", ["--epochs", "3"], "does not apply to"),
    ("ntk", {"restarts": 3}, "restarts", ["--restarts", "3"], "applies to"),
    ("linear", {"step_size": 2.0}, "step_size", ["--step-size", "2"], "must lie in (0, 2); got 2.0"),
])
def test_errors_name_the_parameter_as_the_caller_wrote_it(capsys, name, params, key, flags, message):
    spelled = {"keywords": key, "table": f"space[s].{key}"}
    with pytest.raises(InputError) as python:
        _quiet_build(name, params)
    assert python.value.argument == spelled["keywords"] and message in python.value.detail
    with pytest.raises(InputError) as table:
        _quiet_build(name, params, spelling=Spelling.table("space[s]"))
    assert table.value.argument == spelled["table"] and message in table.value.detail
    from inductive_bias.cli.main import main

    argv = ["measure", "--space", name, *flags, "-e", "0.5"]
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse refusing a word that is not a number ('mean' is)
        code = exit.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and f"--{key.replace('_', '-')}: " in err and message in err, err


def test_a_space_the_registry_does_not_know_is_named():
    with pytest.raises(InputError, match=r"^space: must be one of gp, nngp, ntk, mlp"):
        build_space("svm", {})
    with pytest.raises(InputError, match=r"^space\[x\]\.space: must be one of"):
        Experiment.from_toml('[[space]]\nname = "x"\nspace = "svm"\n')


def test_trained_spaces_are_the_member_spaces():
    from inductive_bias.spaces.base import MemberSpace

    for name in SPACES:
        assert isinstance(_quiet_build(name, {}), MemberSpace) == (name in trained_spaces())


def test_a_list_valued_parameter_is_one_declaration():
    """A list-valued parameter (the kind a layer list is) is declared like any other: the check
    gives a tuple, a single value is a list of one, and the flag takes several words."""
    layers = Parameter("layers", int, (2, 2), "layers", length="+", low=1)
    assert layers.check([3, 4]) == (3, 4) and layers.check(5) == (5,)
    with pytest.raises(InputError, match=r"^layers: must be finite and >= 1; got 0"):
        layers.check([3, 0])
    with pytest.raises(InputError, match=r"^layers: is an empty list"):
        layers.check([])
    assert Parameter("n", int, 1, "n", low=1, high=100).describe() == "an integer in [1, 100]"


def test_experiment_imports_nothing_from_the_command_line():
    """experiment/ builds spaces and tasks through the library's factories, not the CLI's."""
    root = Path(__file__).resolve().parents[2] / "src" / "inductive_bias" / "experiment"
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                module = ("." * node.level) + (node.module or "")
                assert not module.lstrip(".").startswith("cli") and "inductive_bias.cli" not in module, path.name
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("inductive_bias.cli") for a in node.names), path.name
