"""``--layers``: infinite-width networks given as a preset or a layer string on the command line."""

import json

import numpy as np
import pytest

from inductive_bias import InfiniteWidthNetwork, measure
from inductive_bias.cli.main import main
from inductive_bias.exceptions import InputError
from inductive_bias.tasks import load_npz


@pytest.fixture
def npz(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(40, 36))  # 6x6 images
    y = (X[:, :18].sum(1) > X[:, 18:].sum(1)).astype(int)
    path = tmp_path / "toy.npz"
    np.savez(path, X_train=X[:24], y_train=y[:24], X_test=X[24:], y_test=y[24:])
    return path


def test_layers_flag_gives_the_python_spaces_bits(npz, capsys):
    text = "conv3-relu-avgpool2-conv3-relu-gap-dense"
    assert main(["measure", "--data", str(npz), "--space", "ntk", "--layers", text, "-e", "0.3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["space"]["layers"] == text
    want = measure(load_npz(npz), InfiniteWidthNetwork("ntk", layers=text), target_error=0.3).results[0].bits
    assert data["results"][0]["bits"] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("value, words", [("maxpool2", "no closed-form"), ("conv3-swish-gap-dense", "unknown layer")])
def test_bad_layers_are_one_line_errors(npz, capsys, value, words):
    assert main(["measure", "--data", str(npz), "--space", "nngp", "--layers", value, "-e", "0.3"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("inductive-bias measure: error: --layers:") and words in err, err


@pytest.mark.parametrize("flags, name", [(["--depth", "5"], "--depth"), (["--activation", "erf"], "--activation"),
                                         (["--architecture", "cnn"], "--architecture")])
def test_flags_the_layers_replace_are_refused_not_ignored(npz, capsys, flags, name):
    # --depth 5 with --layers mlp printed the 2-layer network's bits
    assert main(["measure", "--data", str(npz), "--space", "ntk", "--layers", "mlp", *flags, "-e", "0.3"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith(f"inductive-bias measure: error: {name}:") and "layers" in err, err


def test_layer_norm_and_attention_on_the_command_line_and_in_toml(npz, capsys, tmp_path):
    """The new tokens go through the same parser from a flag and from a [[space]] table."""
    from inductive_bias.experiment import Experiment

    text = "conv3-res(layernorm-attention2)-layernorm-relu-gap-dense"
    assert main(["measure", "--data", str(npz), "--space", "ntk", "--layers", text, "-e", "0.3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    want = measure(load_npz(npz), InfiniteWidthNetwork("ntk", layers=text), target_error=0.3).results[0].bits
    assert data["results"][0]["bits"] == pytest.approx(want, rel=1e-12)
    toml = f"""
[task]
data = "{npz}"
[measure]
target_error = 0.3
[[space]]
name = "t"
space = "ntk"
layers = "{text}"
"""
    result = json.loads(Experiment.from_toml(toml).run(str(tmp_path / "s.db"), progress=False).to_json())
    assert result["spaces"][0]["results"][0]["bits"] == pytest.approx(want, rel=1e-12)
    with pytest.raises(InputError, match="1/sqrt"):
        Experiment.from_toml(toml.replace("attention2", "attention_sqrt"))


@pytest.mark.parametrize("value, words", [("conv3-attention_sqrt-gap-dense", "no closed-form"),
                                          ("conv3-relu-layernorm-gap-dense", "layernorm must be the first layer")])
def test_refused_attention_and_layer_norm_are_one_line_errors(npz, capsys, value, words):
    assert main(["measure", "--data", str(npz), "--space", "ntk", "--layers", value, "-e", "0.3"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("inductive-bias measure: error: --layers:") and words in err, err
