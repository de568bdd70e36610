"""Composable infinite-width layers (spaces/infinite_width/layers.py).

Independent computations: the fixed-shape kernels of kernels.py and conv_kernels.py (the presets
must reproduce them), and wide random torch networks built from the same layer list in the NTK
parameterisation (NNGP: the covariance of their outputs; NTK: inner products of parameter
gradients). Tolerances are in Monte Carlo standard errors, plus an allowance for the O(1/width)
finite-width bias where stated.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from inductive_bias import InfiniteWidthNetwork, Task, measure
from inductive_bias.exceptions import InputError
from inductive_bias.spaces.infinite_width import conv_kernels, mlp_kernels
from inductive_bias.spaces.infinite_width.layers import (Activation, AvgPool, Conv, Dense, GlobalAvgPool, Residual,
                                                         layer_kernels, parse_layers)
from inductive_bias.spaces.infinite_width.layers import _all_pairs, _plain_conv


@pytest.mark.parametrize("activation", ["relu", "erf"])
@pytest.mark.parametrize("text,readout,sharing", [("conv3-{a}-conv3-{a}-gap-dense", "gap", True),
                                                  ("conv3-{a}-conv3-{a}-flatten-dense", "flatten", True),
                                                  ("lc3-{a}-lc3-{a}-gap-dense", "gap", False),
                                                  ("lc3-{a}-lc3-{a}-flatten-dense", "flatten", False)])
def test_layer_stacks_reproduce_the_fixed_cnn_and_lcn_kernels(activation, text, readout, sharing):
    rng = np.random.default_rng(0)
    shape = (2, 5, 5)
    X, Y = rng.normal(size=(4, 50)), rng.normal(size=(3, 50))
    for B in (X, Y):
        ref = conv_kernels(X, B, shape, 2, activation, 2.0, 0.1, readout=readout, weight_sharing=sharing,
                           backend="numpy")
        layers = parse_layers(text.format(a=activation))
        # the road users take (a plain stack goes to conv_kernels' own roads) and the position-pair
        # recursion of every other stack, forced
        for new in (layer_kernels(X, B, shape, layers, 2.0, 0.1),
                    _all_pairs(X, B, shape, layers, 2.0, 0.1, ntk=True, block_entries=10_000)):
            np.testing.assert_allclose(new[0], ref[0], rtol=1e-12)
            np.testing.assert_allclose(new[1], ref[1], rtol=1e-12)


def test_only_plain_conv_stacks_take_the_fixed_roads():
    assert _plain_conv(parse_layers("cnn")) == (2, "relu", 3, "gap", True)
    assert _plain_conv(parse_layers("conv5-erf-conv5-erf-conv5-erf-flatten-dense")) == (3, "erf", 5, "flatten", True)
    assert _plain_conv(parse_layers("lcn")) == (2, "relu", 3, "flatten", False)
    for text in ("myrtle5", "resnet", "mlp", "conv3-relu-conv5-relu-gap-dense", "conv3-relu-conv3-erf-gap-dense",
                 "conv3s2-relu-gap-dense", "conv3-relu-lc3-relu-gap-dense", "conv3-relu-avgpool2-gap-dense"):
        assert _plain_conv(parse_layers(text)) is None, text


def test_presets_mlp_and_cnn_are_todays_kernels():
    rng = np.random.default_rng(1)
    V = rng.normal(size=(5, 7))
    for a, b in zip(layer_kernels(V, V, (7, 1, 1), "mlp", 2.0, 0.1), mlp_kernels(V, V, 2, "relu", 2.0, 0.1)):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    X = rng.normal(size=(3, 36))
    for name, readout in (("cnn", "gap"), ("cnn-flatten", "flatten")):
        ref = conv_kernels(X, X, (1, 6, 6), 2, "relu", 2.0, 0.1, readout=readout, backend="numpy")
        for a, b in zip(layer_kernels(X, X, (1, 6, 6), name, 2.0, 0.1), ref):
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_parsing_and_errors():
    assert parse_layers("conv3s2-relu-avgpool2-conv3-res(tanh-conv3)-gap-dense") == (
        Conv(3, 2), Activation("relu"), AvgPool(2, 2), Conv(3), Residual((Activation("tanh"), Conv(3))),
        GlobalAvgPool(), Dense())
    assert len(parse_layers("myrtle5")) == 12  # 4 conv-relu, 2 avgpool, gap, dense
    for text, match in (("maxpool2", "no closed-form"), ("conv3-batchnorm", "no closed-form"),
                        ("conv2", "odd"), ("conv3-swish", "unknown layer"), ("res(conv3-relu)", "must end"),
                        ("conv3-res(relu-avgpool2-conv3)", "image shape"), ("conv3-(relu", "parenthes"),
                        ("relu-dense", "Gaussian"), ("conv3-relu-relu-gap-dense", "Gaussian"),
                        ("conv3-relu-res(conv3)-gap-dense", "Gaussian")):
        with pytest.raises(InputError, match=match):
            parse_layers(text)
    with pytest.raises(InputError, match="end with dense"):
        layer_kernels(np.ones((1, 16)), None, (1, 4, 4), "conv3-relu-gap", 2.0, 0.1)
    with pytest.raises(InputError, match="one position"):
        layer_kernels(np.ones((1, 16)), np.ones((1, 16)), (1, 4, 4), "conv3-relu-dense", 2.0, 0.1)


# -- wide random networks from the same layer list (torch) ------------------------------------------


def _forward(torch, layers, h, params, sw, sb, width):
    """One random network in the NTK parameterisation, applied to h (n, C, H, W); ``params`` yields
    fresh N(0, 1) tensors on demand (so the gradients can be taken with respect to them)."""
    F_ = torch.nn.functional
    for layer in layers:
        if isinstance(layer, Conv):
            fan_in, F = h.shape[1], layer.filter_size
            W, b = params((width, fan_in, F, F)), params((width,))
            h = sw / math.sqrt(fan_in * F * F) * F_.conv2d(h, W, padding=F // 2, stride=layer.stride) \
                + sb * b[None, :, None, None]
        elif isinstance(layer, Dense):
            fan_in = h.shape[1]
            out = 1 if layer is layers[-1] else width
            W, b = params((out, fan_in)), params((out,))
            h = sw / math.sqrt(fan_in) * torch.einsum("ncij,oc->noij", h, W) + sb * b[None, :, None, None]
        elif isinstance(layer, Activation):
            h = {"relu": torch.relu, "erf": torch.erf, "tanh": torch.tanh, "identity": lambda v: v}[layer.name](h)
        elif isinstance(layer, AvgPool):
            h = F_.avg_pool2d(h, layer.window, layer.stride)
        elif isinstance(layer, GlobalAvgPool):
            h = h.mean(dim=(2, 3), keepdim=True)
        elif isinstance(layer, Residual):
            h = h + _forward(torch, layer.branch, h, params, sw, sb, width)
        else:  # Flatten: (n, C·H·W, 1, 1)
            h = h.reshape(len(h), -1, 1, 1)
    return h


def _mc_nngp(torch, layers, images, draws, width, seed, sw2=2.0, sb2=0.1):
    gen = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(images, dtype=torch.float32)
    outputs = []
    with torch.no_grad():
        for _ in range(draws):
            f = _forward(torch, layers, x, lambda s: torch.randn(s, generator=gen), math.sqrt(sw2), math.sqrt(sb2),
                         width)
            outputs.append(f.reshape(-1).double().numpy())
    f = np.array(outputs)
    products = f[:, :, None] * f[:, None, :]
    return products.mean(axis=0), products.std(axis=0) / math.sqrt(draws)


@pytest.mark.parametrize("text", ["conv3s2-relu-avgpool2-conv3-erf-gap-dense",
                                  "conv3-res(relu-conv3-relu-conv3)-tanh-flatten-dense",
                                  "flatten-dense-res(relu-dense-relu-dense)-relu-dense"])
def test_layers_nngp_matches_wide_random_networks(text):
    """Strided convolution, average pooling, residual blocks and three activations: the output
    covariance of 400 random networks of width 128 against the NNGP, within 4.5 standard errors
    plus 2% of the scale (the O(1/width) bias)."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3, 2 * 36))
    layers = parse_layers(text)
    estimate, se = _mc_nngp(torch, layers, X.reshape(-1, 2, 6, 6), 400, 128, seed=3)
    K, _ = layer_kernels(X, X, (2, 6, 6), layers, 2.0, 0.1, ntk=False)
    scale = np.sqrt(np.outer(np.diag(K), np.diag(K)))
    assert np.all(np.abs(estimate - K) < 4.5 * se + 0.02 * scale), (estimate, K, se)


def test_myrtle5_nngp_within_four_standard_errors_of_finite_networks():
    """Myrtle-5 on 8x8 images of 2 channels: 600 random networks of width 96; the largest
    deviation below 4 standard errors (the O(1/width) bias, ~1%, is well inside one)."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    rng = np.random.default_rng(4)
    X = rng.uniform(size=(3, 2 * 64))
    layers = parse_layers("myrtle5")
    estimate, se = _mc_nngp(torch, layers, X.reshape(-1, 2, 8, 8), 600, 96, seed=5)
    K, _ = layer_kernels(X, X, (2, 8, 8), layers, 2.0, 0.1, ntk=False)
    assert np.all(np.abs(estimate - K) < 4 * se), (estimate, K, se)


def test_pooled_residual_ntk_matches_parameter_gradients():
    """Θ of conv-relu-avgpool-conv-residual-gap against Σ_p ∂f(x)/∂p ∂f(x')/∂p of 6 random networks of
    width 256 (float64): the mean within 4 standard errors of the spread plus 3% (O(1/width))."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    X = rng.normal(size=(3, 16))
    layers = parse_layers("conv3-relu-avgpool2-conv3-res(relu-conv3-relu-conv3)-relu-gap-dense")
    gen = torch.Generator().manual_seed(7)
    x = torch.as_tensor(X.reshape(-1, 1, 4, 4), dtype=torch.float64)
    empirical = []
    for _ in range(6):
        params = []

        def draw(shape):
            if len(params) < count[0] + 1:
                params.append(torch.randn(shape, generator=gen, dtype=torch.float64, requires_grad=True))
            p = params[count[0]]
            count[0] += 1
            return p

        grads = []
        for xi in x:
            count = [0]
            f = _forward(torch, layers, xi[None], draw, math.sqrt(2.0), math.sqrt(0.1), 256).reshape(())
            grads.append(torch.cat([g.reshape(-1) for g in torch.autograd.grad(f, params)]))
        G = torch.stack(grads)
        empirical.append((G @ G.T).numpy())
    empirical = np.array(empirical)
    _, theta = layer_kernels(X, X, (1, 4, 4), layers, 2.0, 0.1)
    mean, se = empirical.mean(axis=0), empirical.std(axis=0, ddof=1) / math.sqrt(len(empirical))
    assert np.all(np.abs(mean - theta) < 4 * se + 0.03 * np.abs(theta)), (mean, theta, se)


def test_space_with_layers_measures_and_records_them():
    rng = np.random.default_rng(8)
    X = rng.uniform(size=(24, 36))
    Y = np.eye(3)[rng.integers(0, 3, 24)]
    task = Task.from_arrays(X[:16], Y[:16], X[16:], Y[16:])
    space = InfiniteWidthNetwork("ntk", layers="conv3-relu-avgpool2-conv3-relu-gap-dense")
    result = measure(task, space, target_error=0.5)
    assert space.spec() == {"space": "ntk", "weight_var": 2.0, "bias_var": 0.1,
                            "layers": "conv3-relu-avgpool2-conv3-relu-gap-dense", "jitter": None}
    with pytest.raises(InputError, match="architecture"):
        InfiniteWidthNetwork("ntk", "cnn", layers="cnn")
    assert math.isfinite(result.results[0].bits)
    same = InfiniteWidthNetwork("ntk", "cnn", depth=2, readout="gap")
    law_a, _ = InfiniteWidthNetwork("ntk", layers="cnn").loss_distribution(task)
    law_b, _ = same.loss_distribution(task)
    assert law_a.mean == pytest.approx(law_b.mean, rel=1e-10)
