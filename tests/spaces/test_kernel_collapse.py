"""Deep infinite-width kernels that collapse to a constant matrix or leave float64's range are
refused by name (docs/reliability.md, "Second review"); where they do neither, the figure stands
because the float64 recursion keeps the data's part of the kernel (checked against mpmath)."""

import math
import warnings

import mpmath
import numpy as np
import pytest

from inductive_bias import InfiniteWidthNetwork, digits, measure
from inductive_bias.exceptions import ConditioningWarning, InputError
from inductive_bias.spaces.conditioning import COLLAPSED_CORRELATION, correlation_spread
from inductive_bias.spaces.infinite_width.kernels import mlp_kernels


def _relu_nngp_mp(x, y, depth, weight_var, bias_var, digits_=60):
    """1 - ρ of the relu NNGP kernel of two inputs after ``depth`` hidden layers, by mpmath at
    ``digits_`` digits: the arc-cosine recursion of docs/method.md §7 written out independently.
    Returns the list over layers 0..depth."""
    mpmath.mp.dps = digits_
    d = len(x)
    dot = lambda a, b: mpmath.fsum(mpmath.mpf(float(u)) * mpmath.mpf(float(v)) for u, v in zip(a, b))
    w, b = mpmath.mpf(weight_var), mpmath.mpf(bias_var)
    k11, k22, k12 = w * dot(x, x) / d + b, w * dot(y, y) / d + b, w * dot(x, y) / d + b
    out = [1 - k12 / mpmath.sqrt(k11 * k22)]
    for _ in range(depth):
        rho = k12 / mpmath.sqrt(k11 * k22)
        theta = mpmath.acos(min(rho, mpmath.mpf(1)))
        k12 = w * mpmath.sqrt(k11 * k22) / (2 * mpmath.pi) * (mpmath.sin(theta) + (mpmath.pi - theta) * rho) + b
        k11, k22 = w * k11 / 2 + b, w * k22 / 2 + b
        out.append(1 - k12 / mpmath.sqrt(k11 * k22))
    return out


def test_depth_10000_relu_kernel_keeps_the_data_in_float64():
    # The default relu network at depth 10000 (15,792 bits in the review): its NNGP correlations
    # approach 1 only as ~1/L², so the data's part 1 - ρ is ~1e-7 there, 1e5 times float64's
    # resolution, and float64 carries it: against a 60-digit recursion to 1e-4 relative (the
    # rounding of ρ near 1, ~1e-16 a layer over 10**4 layers, against 1 - ρ ~ 1e-7).
    task = digits(n_train=3, n_test=1)
    x, y = task.X_train[0], task.X_train[1]
    K, _ = mlp_kernels(task.X_train[:2], task.X_train[:2], 10_000, "relu", 2.0, 0.1, ntk=False)
    spread, _ = correlation_spread(K)
    exact = float(_relu_nngp_mp(x, y, 10_000, 2.0, 0.1)[-1])
    assert 1e-9 < exact < 1e-5
    assert spread == pytest.approx(exact, rel=1e-4)
    assert spread > 1e4 * COLLAPSED_CORRELATION


def test_collapsed_kernel_is_refused_naming_depth_and_the_layer():
    # relu with weight_var 1 is in the ordered phase: the data's part of K shrinks by about 1/2 a
    # layer, and float64 can no longer tell distinct inputs apart after a few dozen layers.
    task = digits(n_train=20, n_test=10)
    space = InfiniteWidthNetwork("nngp", depth=100, weight_var=1.0)
    with pytest.raises(InputError) as caught:
        measure(task, space, target_error=0.05)
    assert caught.value.argument == "depth"
    message = str(caught.value)
    assert "collapsed to a constant matrix" in message and "at 100 hidden layers" in message
    layer = int(message.split("from hidden layer ")[1].split(" ")[0])
    # independently: the layer from which the 60-digit 1 - ρ of the least correlated pair is below
    # the threshold; float64's rounding of the recursion may move it by a layer or two
    K, _ = mlp_kernels(task.X_train, task.X_train, 0, "relu", 1.0, 0.1, ntk=False)
    _, (i, j) = correlation_spread(K)
    exact = _relu_nngp_mp(task.X_train[i], task.X_train[j], 100, 1.0, 0.1, digits_=80)
    first = next(l for l, s in enumerate(exact) if all(t <= COLLAPSED_CORRELATION for t in exact[l:]))
    assert abs(layer - first) <= 2, (layer, first)


def test_short_of_collapse_the_conditioning_check_flags_it():
    # 30 layers: 1 - ρ still ~1e-9, not refused, but the solve's conditioning check marks it
    task = digits(n_train=20, n_test=10)
    with pytest.warns(ConditioningWarning, match="ill-conditioned"):
        result = measure(task, InfiniteWidthNetwork("nngp", depth=30, weight_var=1.0), target_error=0.05)
    assert math.isfinite(result.bits[0])


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_overflowing_kernels_name_the_argument_without_numpy_warnings(kind):
    task = digits(n_train=20, n_test=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no raw numpy warning reaches the user
        with pytest.raises(InputError) as caught:
            measure(task, InfiniteWidthNetwork(kind, weight_var=1e300), target_error=0.05)
        assert caught.value.argument == "weight_var" and "float64's largest number" in str(caught.value)
        with pytest.raises(InputError) as caught:
            measure(task, InfiniteWidthNetwork(kind, depth=2000, activation="identity"), target_error=0.05)
    assert caught.value.argument == "depth"
    layer = int(str(caught.value).split("from hidden layer ")[1].split(" ")[0])
    # independently, for identity (T = k12, T' = 1): K^{l+1} = 2 K^l + 0.1 and Θ^{l+1} = K^{l+1} + 2 Θ^l
    # for the input of largest norm; the first layer whose largest entry passes 1e300
    x = task.X_train[np.argmax(np.sum(task.X_train**2, axis=1))]
    k = 2.0 * float(x @ x) / len(x) + 0.1
    theta, first = k, 0
    while max(k, theta if kind == "ntk" else 0.0) < 1e300:
        k = 2.0 * k + 0.1
        theta = k + 2.0 * theta
        first += 1
    assert layer == first


def test_coinciding_inputs_are_not_blamed_on_depth():
    # every training input the same point: correlated 1 at any depth, which is the data, not the
    # network; left to the solve's conditioning check (as for the GP), not refused naming depth
    from inductive_bias.tasks import Task

    rng = np.random.default_rng(0)
    X = np.tile(rng.random(8), (20, 1))
    Y = np.eye(2)[rng.integers(0, 2, 20)] - 0.5
    task = Task(X, Y, rng.random((10, 8)), np.eye(2)[rng.integers(0, 2, 10)] - 0.5, name="same")
    with pytest.warns(ConditioningWarning):
        result = measure(task, InfiniteWidthNetwork("nngp", depth=2), target_error=0.5)
    assert not result.results[0].reliable
