"""The fused pooled CNN kernels (spaces/infinite_width/_fused.py) against the numpy recursion.

The numpy road (conv_kernels' ``backend="numpy"``) holds the whole position-pair tensor of a
block of image pairs; the fused kernel splits it by the offset between the two positions and
never forms it. They share nothing but the variances of the position-diagonal, so agreement to
1e-12 relative is an independent check of the offset decomposition, the in-cache row pipeline
and the inline arccos.
"""

from __future__ import annotations

import numpy as np
import pytest

from inductive_bias.exceptions import InputError
from inductive_bias.spaces.infinite_width import _fused
from inductive_bias.spaces.infinite_width.conv_kernels import conv_kernels, conv_variances

numba = pytest.importorskip("numba", reason="the fused CPU kernel is compiled by the optional numba")


def test_inline_arcsin_arccos_are_within_two_ulps():
    x = np.concatenate([np.linspace(-1.0, 1.0, 200_001), [-0.5, 0.5, np.nextafter(0.5, 1), np.nextafter(-0.5, -1),
                                                          1e-300, -1e-300, 0.0, np.nextafter(1.0, 0.0)]])
    s, c = _fused.asin_acos(x)
    ulp_c = np.abs(c - np.arccos(x)) / np.spacing(np.arccos(x))
    nz = np.arcsin(x) != 0
    ulp_s = np.abs(s[nz] - np.arcsin(x[nz])) / np.spacing(np.abs(np.arcsin(x[nz])))
    assert ulp_c.max() <= 2 and ulp_s.max() <= 2
    assert np.all(s[x == 0] == 0.0) and np.all(c[x == 1.0] == 0.0)


def _images(seed, n, shape):
    return np.random.default_rng(seed).normal(size=(n, int(np.prod(shape))))


@pytest.mark.parametrize("activation", ["relu", "erf", "identity"])
@pytest.mark.parametrize("shape,F", [((2, 5, 6), 3), ((1, 7, 7), 5), ((3, 4, 4), 1)])
def test_numba_pooled_kernel_matches_the_numpy_recursion(activation, shape, F):
    X, Y = _images(0, 11, shape), _images(1, 3, shape)  # 66 and 33 pairs: several groups of lanes, a short one
    for B in (X, Y):
        ref = conv_kernels(X, B, shape, 3, activation, 2.0, 0.1, filter_size=F, readout="gap", backend="numpy")
        new = conv_kernels(X, B, shape, 3, activation, 2.0, 0.1, filter_size=F, readout="gap", backend="numba")
        for a, b in zip(ref, new):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=0)
    K, theta = conv_kernels(X, X, shape, 3, activation, 2.0, 0.1, filter_size=F, readout="gap", backend="numba")
    assert np.array_equal(K, K.T) and np.array_equal(theta, theta.T)


@pytest.mark.parametrize("activation", ["relu", "erf"])
def test_fused_flatten_readout_is_the_position_diagonal_recursion(activation):
    """The offset Δ = 0 alone is the flatten read-out: the fused kernel restricted to it against
    the LCN/CNN-flatten road (docs/method.md §7's identity, reached a third way)."""
    shape = (2, 6, 5)
    X = _images(2, 5, shape)
    images = X.reshape(-1, *shape)
    v = conv_variances(images, 2, activation, 1.7, 0.05, 3)
    K, theta = _fused.pooled_numba(images, images, v, v, 2, activation, 1.7, 0.05, 3, True, readout="flatten")
    K0, theta0 = conv_kernels(X, X, shape, 2, activation, 1.7, 0.05, readout="flatten")
    np.testing.assert_allclose(K, K0, rtol=1e-12)
    np.testing.assert_allclose(theta, theta0, rtol=1e-12)


def test_threads_and_blocks_do_not_change_the_bits():
    shape = (1, 6, 6)
    images = _images(3, 9, shape).reshape(-1, *shape)
    v = conv_variances(images, 2, "relu", 2.0, 0.1, 3)
    one = _fused.pooled_numba(images, images, v, v, 2, "relu", 2.0, 0.1, 3, True, threads=1, block_pairs=64)
    many = _fused.pooled_numba(images, images, v, v, 2, "relu", 2.0, 0.1, 3, True, threads=2, block_pairs=3)
    assert np.array_equal(one[0], many[0]) and np.array_equal(one[1], many[1])


def test_zero_variance_positions_and_zero_bias():
    """Blank patches with σb² = 0 have zero variance: ρ is taken as 0 there, as the numpy road does.
    (Two blank rows: a patch is blank or sees at least two pixels. A patch that sees one pixel in
    each image gives ρ = ±1 up to rounding, where arccos turns the last bit into ~1e-8, and the
    two roads would agree to ~1e-11 only.)"""
    shape = (1, 7, 7)
    X = _images(4, 4, shape)
    X[:, :14] = 0.0
    ref = conv_kernels(X, X, shape, 2, "relu", 2.0, 0.0, readout="gap", backend="numpy")
    new = conv_kernels(X, X, shape, 2, "relu", 2.0, 0.0, readout="gap", backend="numba")
    np.testing.assert_allclose(new[0], ref[0], rtol=1e-12)
    np.testing.assert_allclose(new[1], ref[1], rtol=1e-12)


def test_torch_backend_on_the_cpu_matches_in_float64_and_float32():
    torch = pytest.importorskip("torch")
    shape = (2, 5, 5)
    X, Y = _images(5, 4, shape), _images(6, 3, shape)
    for B in (X, Y):
        for activation in ("relu", "erf"):
            ref = conv_kernels(X, B, shape, 3, activation, 2.0, 0.1, readout="gap", backend="numpy")
            new = conv_kernels(X, B, shape, 3, activation, 2.0, 0.1, readout="gap", backend="torch", device="cpu",
                               block_entries=2000)  # several blocks
            np.testing.assert_allclose(new[0], ref[0], rtol=1e-12)
            np.testing.assert_allclose(new[1], ref[1], rtol=1e-12)
            low = conv_kernels(X, B, shape, 3, activation, 2.0, 0.1, readout="gap", backend="torch",
                               dtype=torch.float32)
            np.testing.assert_allclose(low[0], ref[0], rtol=1e-5)
            assert np.max(np.abs(low[0] - ref[0]) / np.abs(ref[0])) > 1e-12  # it did run in float32


@pytest.mark.parametrize("activation", ["relu", "erf"])
def test_numba_float32_is_within_float32_rounding(activation):
    shape = (2, 6, 6)
    X, Y = _images(7, 20, shape), _images(8, 3, shape)  # 210 pairs: a full 16-lane group and a short one
    for B in (X, Y):
        ref = conv_kernels(X, B, shape, 3, activation, 2.0, 0.1, readout="gap", backend="numba")
        low = conv_kernels(X, B, shape, 3, activation, 2.0, 0.1, readout="gap", backend="numba", dtype="float32")
        for a, b in zip(low, ref):
            error = np.max(np.abs(a - b) / np.abs(b))
            # ~1e-7 a rounding, a few hundred per entry, partly cancelling; float64 would be ~1e-15
            assert 1e-9 < error < 2e-5
    with pytest.raises(InputError, match="dtype"):
        conv_kernels(X, X, shape, 3, "relu", 2.0, 0.1, readout="gap", backend="numba", dtype="float16")


def test_backend_errors_and_progress(monkeypatch, capsys):
    shape = (1, 4, 4)
    X = _images(7, 3, shape)
    with pytest.raises(InputError, match="backend"):
        conv_kernels(X, X, shape, 2, "relu", 2.0, 0.1, readout="gap", backend="jax")
    with pytest.raises(InputError, match="backend"):
        conv_kernels(X, X, shape, 2, "tanh", 2.0, 0.1, readout="gap", backend="numba")
    import sys

    ck = sys.modules["inductive_bias.spaces.infinite_width.conv_kernels"]  # the package re-exports the function
    monkeypatch.setattr(ck, "_PROGRESS_WORK", 0)
    import inductive_bias._progress as progress_module

    # outside a terminal, progress is a log line at most every LOG_EVERY seconds: make every update due
    monkeypatch.setattr(progress_module.ProgressBar.__init__, "__kwdefaults__",
                        {**progress_module.ProgressBar.__init__.__kwdefaults__, "every": 0.0})
    conv_kernels(X, X, shape, 2, "relu", 2.0, 0.1, readout="gap", progress=True)
    assert "pooled CNN kernel" in capsys.readouterr().err


def test_space_precision_and_device_reach_the_pooled_kernel():
    from inductive_bias import InfiniteWidthNetwork, Task, measure

    rng = np.random.default_rng(3)
    X, Xt = rng.uniform(size=(12, 36)), rng.uniform(size=(8, 36))
    y, yt = rng.normal(size=(12, 2)), rng.normal(size=(8, 2))
    task = Task.from_arrays(X, y, Xt, yt, name="squares")
    spaces = {p: InfiniteWidthNetwork("ntk", "cnn", depth=2, readout="gap", precision=p) for p in ("float64", "float32")}
    assert "precision" not in spaces["float64"].spec() and spaces["float32"].spec()["precision"] == "float32"
    K64, T64 = spaces["float64"].kernels(X)
    K32, T32 = spaces["float32"].kernels(X)
    error = max(np.max(np.abs(K32 - K64) / np.abs(K64)), np.max(np.abs(T32 - T64) / np.abs(T64)))
    assert 1e-10 < error < 1e-5  # it ran in float32, and to float32's accuracy
    same = InfiniteWidthNetwork("ntk", layers="conv3-relu-conv3-relu-gap-dense", precision="float32")
    np.testing.assert_array_equal(same.kernels(X)[0], K32)  # the plain layer stack takes the same road
    bits = [measure(task, s, target_error=0.9).bits[0] for s in spaces.values()]
    np.testing.assert_allclose(bits[1], bits[0], rtol=1e-4)
    for kwargs, name in ((dict(architecture="mlp", precision="float32"), "precision"),
                         (dict(layers="myrtle5", precision="float32"), "precision"),
                         (dict(architecture="cnn", readout="flatten", device="cuda"), "device")):
        with pytest.raises(InputError, match=name):
            InfiniteWidthNetwork("ntk", **kwargs)
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():  # never a silent fall back to the CPU
        with pytest.raises(InputError, match="no CUDA device"):
            InfiniteWidthNetwork("ntk", "cnn", readout="gap", device="cuda")
