"""Finite trained twins of the infinite-width layer lists: ``NeuralNetworks("cnn", layers=...)``
(docs/method.md §7).

- At initialisation, in the NTK parameterisation, the twin's outputs over many random networks
  have the NNGP of the same layer list (``layer_kernels``) as their covariance, up to an
  O(1/width) bias. Tolerance: 4 standard errors of the Monte Carlo mean, estimated from the draws
  themselves (the bias at the widths used is below one standard error: Myrtle-5 at width 96 within
  ~1%, tests/spaces/test_infinite_width_layers.py). Each test also shows that it can fail: the
  same draws are many standard errors away from the kernel of a neighbouring layer list.
- Training runs through the public roads (``measure``, the command line, an experiment beside
  the exact ``ntk`` of the same layers).
- The image shape is read by the function the infinite-width spaces use: inferred from the task
  it gives the members an explicit shape gives.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from inductive_bias import Experiment, NeuralNetworks, Task, digits, measure
from inductive_bias.cli.main import main
from inductive_bias.exceptions import InputError
from inductive_bias.spaces.infinite_width.layers import layer_kernels, parse_layers
from inductive_bias.spaces.neural import architectures

SW2, SB2 = 2.0, 0.1


def _draws(text, images, width, draws, outputs=4, seed=0):
    """Per draw, the mean over ``outputs`` read-outs of f(x_i) f(x_j): (draws, n, n). The twin is
    built and initialised as the space builds and initialises its members."""
    n, C, H, W = images.shape
    options = architectures.resolve_options("cnn", {"layers": text, "width": width, "image_shape": (C, H, W)})
    module = architectures.build("cnn", C * H * W, outputs, options, ntk=(SW2, SB2))
    x = torch.tensor(images.reshape(n, -1), dtype=torch.float32)
    products = []
    with torch.no_grad():
        for draw in range(draws):
            architectures.initialise(module, torch.Generator().manual_seed(seed + draw))
            f = module(x).double().numpy()                      # (n, outputs)
            products.append(f @ f.T / outputs)
    return np.array(products)


def _agreement(products, K):
    """(largest deviation from K in standard errors, the same against ``K`` of another network)."""
    mean = products.mean(axis=0)
    se = products.std(axis=0, ddof=1) / math.sqrt(len(products))
    return np.max(np.abs(mean - K) / se), mean, se


@pytest.mark.parametrize("text, other, width, draws", [
    # the pooled CNN (the preset cnn: conv3-relu-conv3-relu-gap-dense), against its flatten read-out
    ("cnn", "cnn-flatten", 128, 1000),
    # Myrtle-5: three stages, two 2x2 average poolings, then gap; against Myrtle-5 without pooling
    ("myrtle5", "conv3-relu-conv3-relu-conv3-relu-conv3-relu-gap-dense", 64, 600),
    # a residual block, strided convolution, average pooling, a locally connected layer and erf
    ("conv3-res(relu-conv3-relu-conv3)-relu-avgpool2-lc3-erf-flatten-dense",
     "conv3-res(relu-conv3-relu-conv3)-relu-avgpool2-conv3-erf-gap-dense", 64, 600),
])
def test_twin_outputs_at_initialisation_have_the_nngp_of_its_layers(text, other, width, draws):
    torch.set_num_threads(1)
    rng = np.random.default_rng(3)
    images = rng.uniform(size=(3, 2, 8, 8))
    images[2] = 0.6 * images[0] + 0.4 * images[2]           # a strongly correlated pair as well
    X = images.reshape(3, -1)
    products = _draws(text, images, width, draws)
    K, _ = layer_kernels(X, X, (2, 8, 8), parse_layers(text), SW2, SB2, ntk=False)
    worst, mean, se = _agreement(products, K)
    assert worst < 4, (mean, K, se)
    K_other, _ = layer_kernels(X, X, (2, 8, 8), parse_layers(other), SW2, SB2, ntk=False)
    assert _agreement(products, K_other)[0] > 8, (mean, K_other, se)   # the test can fail


def test_members_of_a_twin_are_trained_and_measured():
    """``measure`` with the twin of Myrtle-5: every member trained (stacked, several per batched
    computation), with finite bits at a target the members reach."""
    task = digits(60, 40, seed=0)
    space = NeuralNetworks("cnn", layers="myrtle5", width=8, epochs=3, chunk_size=4)
    result = measure(task, space, target_error=[0.09], hypotheses=8, seed=0, fitted_only=False)
    assert result.members.members == 8
    assert np.isfinite(result.bits[0]) and result.bits[0] >= 0
    again = NeuralNetworks("cnn", layers="myrtle5", width=8, epochs=3).train_members(task, [0, 1])
    # a member depends on its seed alone, not on which members trained beside it
    alone = NeuralNetworks("cnn", layers="myrtle5", width=8, epochs=3).train_members(task, [1])
    assert alone[0].test_loss == pytest.approx(again[1].test_loss, rel=1e-5)


def test_command_line_samples_the_twin_and_an_experiment_puts_it_beside_the_exact_law(tmp_path, capsys):
    store = str(tmp_path / "runs.db")
    code = main(["sample", "--data", "digits", "--n-train", "40", "--n-test", "30", "--space", "cnn",
                 "--layers", "resnet", "--width", "4", "--parameterization", "ntk", "--epochs", "2",
                 "--hypotheses", "3", "--store", store])
    assert code == 0
    capsys.readouterr()
    experiment = Experiment.from_toml("""
[task]
data = "digits"
n_train = 40
n_test = 30
[measure]
hypotheses = 4
fitted_only = false
baseline = "exact"
[[space]]
name = "exact"
space = "ntk"
layers = "cnn"
[[space]]
name = "trained"
space = "cnn"
layers = "cnn"
width = 8
parameterization = "ntk"
epochs = 3
""")
    result = experiment.run(store=str(tmp_path / "experiment.db"))
    exact, trained = result.space("exact"), result.space("trained")
    assert exact.spec["layers"] == trained.spec["layers"] == "cnn"
    assert exact.result.bits.shape == trained.result.bits.shape and trained.members == 4


def test_twin_layers_are_checked_before_any_training():
    with pytest.raises(InputError, match=r"^layers: max pooling has no closed-form"):
        NeuralNetworks("cnn", layers="conv3-relu-maxpool2-gap-dense")
    with pytest.raises(InputError, match=r"^channels: cannot be combined with layers"):
        NeuralNetworks("cnn", layers="myrtle5", channels=(8,))
    with pytest.raises(InputError, match=r"^width: sizes a layer list"):
        NeuralNetworks("cnn", width=8)
    with pytest.raises(InputError, match=r"^layers: the read-out must see one position"):
        NeuralNetworks("cnn", layers="conv3-relu-dense", epochs=1).train_members(digits(20, 10), [0])
    with pytest.raises(InputError, match=r"^layers: avgpool2 does not fit an image side of 1"):
        architectures.build_layers("conv3s4-relu-avgpool2-gap-dense", (1, 4, 4), 1, 4)

    class Softmax:
        pass

    with pytest.raises(InputError, match=r"^layers: Softmax has no finite twin"):
        architectures._twin_modules((Softmax(),), (1, 4, 4), 1, 4, None)


def test_twin_spec_round_trips_and_a_plain_cnn_keeps_its_identity():
    from inductive_bias import build_space, space_from_spec

    twin = build_space("cnn", {"layers": "myrtle5", "width": 16, "parameterization": "ntk"})
    spec = twin.spec()
    assert spec["layers"] == "myrtle5" and spec["width"] == 16
    assert not {"channels", "kernel_size", "activation", "readout"} & set(spec)
    assert space_from_spec(spec).spec() == spec
    plain = build_space("cnn", {}).spec()
    assert not {"layers", "width", "readout"} & set(plain)            # stores of a plain cnn keep their identity
    assert build_space("cnn", {"readout": "gap"}).spec()["readout"] == "gap"


def test_the_gap_readout_of_the_plain_cnn_is_the_preset_cnn():
    """``--space cnn --readout gap`` with channels (W, W) is the twin of the preset ``cnn`` of
    width W: the same modules, the same parameters drawn, the same outputs."""
    options = architectures.resolve_options("cnn", {"channels": (6, 6), "readout": "gap"})
    plain = architectures.build("cnn", 64, 3, options, ntk=(SW2, SB2))
    twin = architectures.build("cnn", 64, 3, architectures.resolve_options("cnn", {"layers": "cnn", "width": 6}),
                               ntk=(SW2, SB2))
    x = torch.tensor(np.random.default_rng(0).uniform(size=(5, 64)), dtype=torch.float32)
    with torch.no_grad():
        architectures.initialise(plain, torch.Generator().manual_seed(7))
        architectures.initialise(twin, torch.Generator().manual_seed(7))
        torch.testing.assert_close(plain(x), twin(x), rtol=1e-5, atol=1e-6)


def test_image_shape_is_inferred_as_the_infinite_width_spaces_infer_it():
    """Channel-last images recorded by a loader (H, W, C) = (4, 4, 2): the trained cnn reads them
    channel-first, giving the members an explicit image_shape gives on the same images stored
    channel-first; digits (64 features) are 1x8x8 either way; a shape the task contradicts, or
    none that explains the features, is an error that says so."""
    rng = np.random.default_rng(1)
    first = rng.uniform(size=(30, 2, 4, 4))
    y = rng.integers(0, 3, size=30)
    flat_first, flat_last = first.reshape(30, -1), first.transpose(0, 2, 3, 1).reshape(30, -1)
    explicit = Task.from_arrays(flat_first[:20], y[:20], flat_first[20:], y[20:])
    recorded = Task.from_arrays(flat_last[:20], y[:20], flat_last[20:], y[20:], info={"image_shape": [4, 4, 2]})
    for options in ({"layers": "myrtle5", "width": 4}, {"channels": (4,)}):
        a = NeuralNetworks("cnn", image_shape=(2, 4, 4), epochs=2, **options).train_members(explicit, [0, 1])
        b = NeuralNetworks("cnn", epochs=2, **options).train_members(recorded, [0, 1])
        assert [m.test_loss for m in b] == pytest.approx([m.test_loss for m in a], rel=1e-6)
    # the layout matters: the channel-last rows read as channel-first give other members
    c = NeuralNetworks("cnn", image_shape=(2, 4, 4), epochs=2, channels=(4,)).train_members(
        Task.from_arrays(flat_last[:20], y[:20], flat_last[20:], y[20:]), [0, 1])
    assert abs(c[0].test_loss - a[0].test_loss) > 1e-4 * a[0].test_loss
    task = digits(30, 20, seed=0)
    inferred = NeuralNetworks("cnn", layers="myrtle5", width=4, epochs=1).train_members(task, [3])
    given = NeuralNetworks("cnn", layers="myrtle5", width=4, epochs=1, image_shape=(1, 8, 8)).train_members(task, [3])
    assert inferred[0].test_loss == given[0].test_loss
    with pytest.raises(InputError, match=r"^image_shape: the task's images are .* \(2, 4, 4\); got \(1, 4, 8\)"):
        NeuralNetworks("cnn", image_shape=(1, 4, 8), epochs=1).train_members(recorded, [0])
    odd = Task.from_arrays(rng.normal(size=(10, 10)), np.arange(10) % 2, rng.normal(size=(5, 10)), np.arange(5) % 2)
    with pytest.raises(InputError, match=r"^image_shape: 10 features are not 1 square image channel\(s\), and the "
                                         r"task records no image shape; give image_shape="):
        NeuralNetworks("cnn", layers="cnn", epochs=1).train_members(odd, [0])
