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
from inductive_bias.spaces.infinite_width.layers import (Activation, AvgPool, Conv, Dense, GlobalAvgPool,
                                                         GlobalSelfAttention, LayerNorm, Residual, layer_kernels,
                                                         parse_layers)
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
        elif isinstance(layer, LayerNorm):  # (h - mean) / std, no gain or shift
            dims = 1 if layer.axis == "channels" else (1, 2, 3)
            centred = h - h.mean(dim=dims, keepdim=True)
            h = centred / centred.pow(2).mean(dim=dims, keepdim=True).sqrt()
        elif isinstance(layer, GlobalSelfAttention):
            # one head of key width = value width = width; queries and keys share W_k; logits
            # scaled by 1/(fan-in · d_key); values unscaled, the output projection by σw/√d_value
            n, fan_in, H_, W_ = h.shape
            z = h.reshape(n, fan_in, H_ * W_)
            W_k, W_v = params((width, fan_in)), params((width, fan_in))
            W_o, b = params((width, width)), params((width,))
            keys = torch.einsum("ncp,ac->nap", z, W_k)
            logits = layer.logit_scale * torch.einsum("nap,naq->npq", keys, keys) / (fan_in * width)
            values = torch.einsum("ncq,ac->naq", z, W_v) / math.sqrt(fan_in)
            heads = torch.einsum("npq,naq->nap", torch.softmax(logits, dim=-1), values)
            h = (sw / math.sqrt(width) * torch.einsum("nap,oa->nop", heads, W_o)
                 + sb * b[None, :, None]).reshape(n, width, H_, W_)
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


def _nngp_beside_wide_networks(torch, text, X, shape, draws, width, seed):
    """The NNGP K of the layers ``text`` for the rows of X (images of ``shape``), and its Monte
    Carlo estimate from ``draws`` random networks of ``width`` (one thread: the same draws on every
    machine) with the estimate's standard errors."""
    torch.set_num_threads(1)
    layers = parse_layers(text)
    estimate, se = _mc_nngp(torch, layers, X.reshape(-1, *shape), draws, width, seed=seed)
    K, _ = layer_kernels(X, X, shape, layers, 2.0, 0.1, ntk=False)
    return K, estimate, se


@pytest.mark.parametrize("text", ["conv3s2-relu-avgpool2-conv3-erf-gap-dense",
                                  "conv3-res(relu-conv3-relu-conv3)-tanh-flatten-dense",
                                  "flatten-dense-res(relu-dense-relu-dense)-relu-dense"])
def test_layers_nngp_matches_wide_random_networks(text):
    """Strided convolution, average pooling, residual blocks and three activations: the output
    covariance of 400 random networks of width 128 against the NNGP, within 4.5 standard errors
    plus 2% of the scale (the O(1/width) bias)."""
    torch = pytest.importorskip("torch")
    X = np.random.default_rng(2).normal(size=(3, 2 * 36))
    K, estimate, se = _nngp_beside_wide_networks(torch, text, X, (2, 6, 6), 400, 128, seed=3)
    scale = np.sqrt(np.outer(np.diag(K), np.diag(K)))
    assert np.all(np.abs(estimate - K) < 4.5 * se + 0.02 * scale), (estimate, K, se)


def test_myrtle5_nngp_within_four_standard_errors_of_finite_networks():
    """Myrtle-5 on 8x8 images of 2 channels: 600 random networks of width 96; the largest
    deviation below 4 standard errors (the O(1/width) bias, ~1%, is well inside one)."""
    torch = pytest.importorskip("torch")
    X = np.random.default_rng(4).uniform(size=(3, 2 * 64))
    K, estimate, se = _nngp_beside_wide_networks(torch, "myrtle5", X, (2, 8, 8), 600, 96, seed=5)
    assert np.all(np.abs(estimate - K) < 4 * se), (estimate, K, se)


def _empirical_ntk(torch, layers, images, nets, width, seed, sw2=2.0, sb2=0.1):
    """Σ_p ∂f(x)/∂p ∂f(x')/∂p of ``nets`` random networks (float64), (nets, n, n)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(images, dtype=torch.float64)
    empirical = []
    for _ in range(nets):
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
            f = _forward(torch, layers, xi[None], draw, math.sqrt(sw2), math.sqrt(sb2), width).reshape(())
            grads.append(torch.cat([g.reshape(-1) for g in torch.autograd.grad(f, params)]))
        G = torch.stack(grads)
        empirical.append((G @ G.T).numpy())
    return np.array(empirical)


def test_pooled_residual_ntk_matches_parameter_gradients():
    """Θ of conv-relu-avgpool-conv-residual-gap against Σ_p ∂f(x)/∂p ∂f(x')/∂p of 6 random networks of
    width 256 (float64): the mean within 4 standard errors of the spread plus 3% (O(1/width))."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    X = rng.normal(size=(3, 16))
    layers = parse_layers("conv3-relu-avgpool2-conv3-res(relu-conv3-relu-conv3)-relu-gap-dense")
    empirical = _empirical_ntk(torch, layers, X.reshape(-1, 1, 4, 4), 6, 256, seed=7)
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


# -- layer normalisation and self-attention -------------------------------------------------------


def test_layer_norm_of_the_input_is_the_correlation_of_the_inputs():
    """A first layer norm standardises the inputs themselves: then a dense read-out has
    K = Θ = σw² corr(x, x') + σb², with corr the Pearson correlation over what is normalised
    (numpy's corrcoef, an independent computation): the channels at each position, or everything."""
    rng = np.random.default_rng(10)
    V = rng.normal(size=(4, 9)) + rng.normal(size=(4, 1))
    K, theta = layer_kernels(V, V, (9, 1, 1), "layernorm-flatten-dense", 2.0, 0.1)
    np.testing.assert_allclose(K, 2.0 * np.corrcoef(V) + 0.1, rtol=1e-12)
    np.testing.assert_allclose(theta, K, rtol=1e-12)
    X = rng.normal(size=(3, 4 * 9))  # 4 channels of 3 x 3
    K, _ = layer_kernels(X, X, (4, 3, 3), "layernorm-flatten-dense", 2.0, 0.1)
    cols = X.reshape(3, 4, 9)
    per_position = np.array([np.corrcoef(cols[:, :, p]) for p in range(9)]).mean(axis=0)
    np.testing.assert_allclose(K, 2.0 * per_position + 0.1, rtol=1e-12)
    K, _ = layer_kernels(X, X, (4, 3, 3), "layernorm_all-flatten-dense", 2.0, 0.1)
    np.testing.assert_allclose(K, 2.0 * np.corrcoef(X) + 0.1, rtol=1e-12)
    with pytest.raises(InputError, match="layernorm of the input: an input is constant"):
        layer_kernels(X[:, :9], X[:, :9], (1, 3, 3), "layernorm-flatten-dense", 2.0, 0.1)  # one channel


def test_layer_norm_of_a_gaussian_preactivation_closed_form():
    """dense-layernorm-relu-dense on vectors, by hand: K¹ = σw² x·x'/d + σb² normalised to its
    correlation ρ, then the arc-cosine kernel of unit variances (docs/method.md §7):
    K = σw² (sin θ + (π - θ) cos θ)/(2π) + σb², Θ = σw² ρ (π - θ)/(2π) + K."""
    rng = np.random.default_rng(11)
    V = rng.normal(size=(5, 6))
    K1 = 2.0 * V @ V.T / 6 + 0.1
    rho = K1 / np.sqrt(np.outer(np.diag(K1), np.diag(K1)))
    t = np.arccos(np.clip(rho, -1, 1))
    K_ref = 2.0 * (np.sin(t) + (np.pi - t) * np.cos(t)) / (2 * np.pi) + 0.1
    theta_ref = 2.0 * rho * (np.pi - t) / (2 * np.pi) + K_ref
    K, theta = layer_kernels(V, V, (6, 1, 1), "flatten-dense-layernorm-relu-dense", 2.0, 0.1)
    np.testing.assert_allclose(K, K_ref, rtol=1e-12)
    np.testing.assert_allclose(theta, theta_ref, rtol=1e-12)


def test_uniform_attention_is_a_global_average():
    """Logit scale 0: every attention weight is 1/(H·W), so each position gets σw² times the global
    average plus σb²: the NNGP of attention0-gap-dense is that of gap-dense-gap-dense."""
    rng = np.random.default_rng(12)
    X = rng.normal(size=(3, 2 * 25))
    a, _ = layer_kernels(X, X, (2, 5, 5), "conv3-relu-conv3-attention0-gap-dense", 2.0, 0.1, ntk=False)
    b, _ = layer_kernels(X, X, (2, 5, 5), "conv3-relu-conv3-gap-dense-gap-dense", 2.0, 0.1, ntk=False)
    np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("text,wrong", [
    ("layernorm-conv3-relu-conv3-layernorm-relu-gap-dense", "conv3-relu-conv3-relu-gap-dense"),
    ("conv3-relu-conv3-layernorm_all-relu-flatten-dense", "conv3-relu-conv3-relu-flatten-dense"),
    ("conv3-attention4-relu-conv3-relu-gap-dense", "conv3-attention0-relu-conv3-relu-gap-dense"),
    ("attention4-relu-flatten-dense", "attention0-relu-flatten-dense"),
    ("conv3-res(layernorm-attention8)-res(layernorm-conv3-relu-conv3)-layernorm-gap-dense",
     "conv3-res(layernorm-attention0)-res(layernorm-conv3-relu-conv3)-layernorm-gap-dense")])
def test_layer_norm_and_attention_nngp_match_wide_random_networks(text, wrong):
    """The output covariance of 1,000 random networks of width 128 (3 inputs of 3 x 5 x 5) within 4
    standard errors of the NNGP, with no allowance for the O(1/width) bias: 4,000 networks of each
    stack at width 128 (two seeds) and 512 put the mean deviation between -6% and +3% of the scale
    at a 2.2% standard error, with no trend in the width, so the bias is small beside the 4.5%
    standard error here. The test can fail: the same estimate lies more than 4 standard errors
    from the kernel without the layer norm, or with uniform attention weights."""
    torch = pytest.importorskip("torch")
    X = np.random.default_rng(2).normal(size=(3, 3 * 25))
    K, estimate, se = _nngp_beside_wide_networks(torch, text, X, (3, 5, 5), 1000, 128, seed=3)
    assert np.all(np.abs(estimate - K) < 4 * se), (estimate, K, se)
    K_wrong, _ = layer_kernels(X, X, (3, 5, 5), wrong, 2.0, 0.1, ntk=False)
    assert np.any(np.abs(estimate - K_wrong) > 4 * se)


def test_attention_ntk_matches_parameter_gradients():
    """conv3-attention2-gap-dense: the layer algebra gives Θ = 4K - 3σb² - 2σw²σb² exactly (the value
    and output weights each contribute σw² A K Aᵀ); 24 random networks of width 256 agree within
    4 standard errors, and reject the 3K - 2σb² - σw²σb² of a single weight matrix. No O(1/width)
    allowance: 200 networks of width 256 deviate by 1.1% on average and 1.7% at most (1,024
    wide: 0.6%), a third of the 5% standard error of 24 networks."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    rng = np.random.default_rng(6)
    X = rng.normal(size=(3, 3 * 9))
    layers = parse_layers("conv3-attention2-gap-dense")
    K, theta = layer_kernels(X, X, (3, 3, 3), layers, 2.0, 0.1)
    np.testing.assert_allclose(theta, 4 * K - 3 * 0.1 - 2 * 2.0 * 0.1, rtol=1e-12)
    empirical = _empirical_ntk(torch, layers, X.reshape(-1, 3, 3, 3), 24, 256, seed=7)
    mean, se = empirical.mean(axis=0), empirical.std(axis=0, ddof=1) / math.sqrt(len(empirical))
    assert np.all(np.abs(mean - theta) < 4 * se), (mean, theta, se)
    assert np.any(np.abs(mean - (3 * K - 2 * 0.1 - 2.0 * 0.1)) > 4 * se)


@pytest.mark.parametrize("text", ["layernorm-conv3-relu-conv3-layernorm-relu-gap-dense",
                                  "conv3-relu-conv3-layernorm_all-relu-flatten-dense",
                                  "layernorm-conv3-res(layernorm-attention2)-relu-gap-dense"])
def test_layer_norm_ntk_matches_parameter_gradients(text):
    """Θ through layer norms (the divisor's limit scales Θ as it scales K) against the parameter
    gradients of 12 random networks of width 512 on 3 x 3 x 3 images: within 4 standard errors plus
    2% for the O(1/width) bias (48 networks of width 512 deviate by at most 1.1%, 12 of width 2048
    by 0.75%). Θ left unscaled would be off by the divisors s(x, p) s(x', p'), 0.5 to 1.7 here."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    rng = np.random.default_rng(6)
    X = rng.normal(size=(3, 3 * 9))
    layers = parse_layers(text)
    empirical = _empirical_ntk(torch, layers, X.reshape(-1, 3, 3, 3), 12, 512, seed=7)
    _, theta = layer_kernels(X, X, (3, 3, 3), layers, 2.0, 0.1)
    mean, se = empirical.mean(axis=0), empirical.std(axis=0, ddof=1) / math.sqrt(len(empirical))
    assert np.all(np.abs(mean - theta) < 4 * se + 0.02 * np.abs(theta)), (mean, theta, se)


def test_layer_norm_and_attention_parsing_and_refusals():
    assert parse_layers("layernorm-conv3-res(layernorm-attention)-layernorm_all-attention0.5-gap-dense") == (
        LayerNorm(), Conv(3), Residual((LayerNorm(), GlobalSelfAttention())), LayerNorm("all"),
        GlobalSelfAttention(0.5), GlobalAvgPool(), Dense())
    objects = (LayerNorm(), Conv(3), Residual((LayerNorm(), GlobalSelfAttention(2.0))), GlobalAvgPool(), Dense())
    rng = np.random.default_rng(13)
    X = rng.normal(size=(2, 2 * 16))
    a = layer_kernels(X, X, (2, 4, 4), objects, 2.0, 0.1)
    b = layer_kernels(X, X, (2, 4, 4), "layernorm-conv3-res(layernorm-attention2)-gap-dense", 2.0, 0.1)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    for text, match in (("conv3-attention_sqrt-gap-dense", "1/sqrt"), ("conv3-instancenorm", "instance normalisation"),
                        ("conv3-relu-layernorm-gap-dense", "layernorm must be the first layer"),
                        ("layernorm-layernorm-dense", "layernorm must be the first layer"),
                        ("layernorm-relu-dense", "Gaussian"), ("attentionx", "unknown layer")):
        with pytest.raises(InputError, match=match):
            parse_layers(text)
    for make, match in ((lambda: GlobalSelfAttention(scaling="sqrt"), "1/sqrt"),
                        (lambda: GlobalSelfAttention(float("nan")), "finite"),
                        (lambda: LayerNorm("positions"), "instance normalisation"),
                        (lambda: LayerNorm("batch"), "'channels' or 'all'")):
        with pytest.raises(InputError, match=match):
            make()
