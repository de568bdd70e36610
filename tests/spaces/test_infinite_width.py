"""Infinite-width network spaces (docs/method.md §7): dual maps, kernels and the exact law of the loss.

Independent computations used here:
- dual maps: the closed forms (relu, erf) against Monte Carlo and against the Gauss–Hermite rule
  forced on them; the quadrature-only activations (tanh, gelu) against Monte Carlo;
- kernels: a scalar, per-pair re-derivation of docs/method.md §7 (math module, no arrays); Monte Carlo of
  wide random torch networks (NNGP), and inner products of parameter gradients of random networks
  at width 2048 in the NTK parameterisation (NTK);
- the exact bits: a dense re-derivation of docs/method.md §7's M and Σ (np.linalg.solve, the direct formula)
  whose generalized chi-square is evaluated by Imhof's integral (P > 1e-10) and by exponential
  tilting (deeper), against the space's own road (Cholesky, inversion).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from inductive_bias import InfiniteWidthNetwork, digits, measure
from inductive_bias.distributions import GeneralizedChiSquare
from inductive_bias.exceptions import InputError
from inductive_bias.spaces.infinite_width.activations import ACTIVATIONS, dual_maps, quadrature_dual_maps
from inductive_bias.spaces.infinite_width.kernels import mlp_kernels
from inductive_bias.tasks import Task

# -- dual maps --------------------------------------------------------------------------------------


def _pairs(seed=0, n=200):
    rng = np.random.default_rng(seed)
    k11, k22 = rng.uniform(0.2, 3.0, n), rng.uniform(0.2, 3.0, n)
    k12 = rng.uniform(-0.99, 0.99, n) * np.sqrt(k11 * k22)
    return k11, k22, k12


def test_quadrature_matches_closed_forms():
    k11, k22, k12 = _pairs()
    # identity: the rule is exact for polynomials of degree < 2·order
    t, dt = quadrature_dual_maps("identity", k11, k22, k12)
    np.testing.assert_allclose(t, k12, atol=1e-12)
    np.testing.assert_allclose(dt, 1.0, atol=1e-12)
    # erf is analytic: geometric convergence (measured: 2e-7 at 64 nodes, 2e-10 at 100)
    t, dt = dual_maps("erf", k11, k22, k12)
    tq, dtq = quadrature_dual_maps("erf", k11, k22, k12, order=100)
    assert np.max(np.abs(tq - t)) < 1e-8 and np.max(np.abs(dtq - dt)) < 1e-7
    # relu has a kink: the error falls like 1/order for T (0.009 at 40, 0.0022 at 160 measured)
    t, dt = dual_maps("relu", k11, k22, k12)
    errors = [np.max(np.abs(quadrature_dual_maps("relu", k11, k22, k12, order=o)[0] - t)) for o in (20, 80)]
    assert errors[1] < 0.3 * errors[0] and errors[1] < 0.006
    dt_error = np.max(np.abs(quadrature_dual_maps("relu", k11, k22, k12, order=80)[1] - dt))
    assert dt_error < 0.03


@pytest.mark.parametrize("activation", ["relu", "erf", "tanh", "gelu", "sigmoid"])
def test_dual_maps_against_monte_carlo(activation):
    phi, dphi = ACTIVATIONS[activation]
    rng = np.random.default_rng(1)
    n = 400_000
    for k11, k22, rho in ((1.0, 1.0, 0.5), (0.5, 2.0, -0.7), (2.5, 0.3, 0.95)):
        k12 = rho * math.sqrt(k11 * k22)
        z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
        u = math.sqrt(k11) * z1
        v = math.sqrt(k22) * (rho * z1 + math.sqrt(1 - rho * rho) * z2)
        t, dt = dual_maps(activation, k11, k22, k12)
        for exact, draws in ((t, phi(u) * phi(v)), (dt, dphi(u) * dphi(v))):
            se = np.std(draws) / math.sqrt(n)
            assert abs(float(exact) - np.mean(draws)) < 5 * se + 1e-12, (activation, k11, k22, rho)


def test_relu_diagonal_is_half_the_variance_and_dual_maps_keep_shape():
    t, dt = dual_maps("relu", np.full((2, 3), 1.7), np.full((2, 3), 1.7), np.full((2, 3), 1.7))
    assert t.shape == dt.shape == (2, 3)
    np.testing.assert_allclose(t, 0.85, rtol=1e-14)
    np.testing.assert_allclose(dt, 0.5, rtol=1e-14)
    with pytest.raises(InputError, match="activation"):
        dual_maps("swish", 1.0, 1.0, 0.0)


# -- kernels: a scalar re-derivation of docs/method.md §7 ---------------------------------------------------


def _scalar_dual(activation, k11, k22, k12):
    if activation == "relu":
        c = max(-1.0, min(1.0, k12 / math.sqrt(k11 * k22)))
        th = math.acos(c)
        return (math.sqrt(k11 * k22) / (2 * math.pi) * (math.sin(th) + (math.pi - th) * math.cos(th)),
                (math.pi - th) / (2 * math.pi))
    a = (1 + 2 * k11) * (1 + 2 * k22)
    return 2 / math.pi * math.asin(2 * k12 / math.sqrt(a)), 4 / math.pi / math.sqrt(a - 4 * k12 * k12)


def _scalar_kernels(x, y, depth, activation, sw2, sb2):
    """K^{L+1}(x, y), Θ^{L+1}(x, y) by the recursion of docs/method.md §7, one pair at a time."""
    d = len(x)
    kxx = sw2 * sum(a * a for a in x) / d + sb2
    kyy = sw2 * sum(b * b for b in y) / d + sb2
    kxy = sw2 * sum(a * b for a, b in zip(x, y)) / d + sb2
    th = kxy
    for _ in range(depth):
        t, dt = _scalar_dual(activation, kxx, kyy, kxy)
        txx, _ = _scalar_dual(activation, kxx, kxx, kxx)
        tyy, _ = _scalar_dual(activation, kyy, kyy, kyy)
        new = sw2 * t + sb2
        th = new + sw2 * dt * th
        kxy, kxx, kyy = new, sw2 * txx + sb2, sw2 * tyy + sb2
    return kxy, th


@pytest.mark.parametrize("activation,depth,sw2,sb2", [("relu", 3, 2.0, 0.1), ("erf", 2, 1.5, 0.05), ("relu", 0, 1.0, 0.2)])
def test_mlp_kernels_match_a_scalar_rederivation(activation, depth, sw2, sb2):
    rng = np.random.default_rng(2)
    A, B = rng.normal(size=(7, 5)), rng.normal(size=(4, 5))
    K, theta = mlp_kernels(A, B, depth, activation, sw2, sb2, block_entries=8)  # several blocks
    for i in range(7):
        for j in range(4):
            k, t = _scalar_kernels(A[i], B[j], depth, activation, sw2, sb2)
            assert K[i, j] == pytest.approx(k, rel=1e-12, abs=1e-14)
            assert theta[i, j] == pytest.approx(t, rel=1e-12, abs=1e-14)
    K_sym, theta_sym = mlp_kernels(A, A, depth, activation, sw2, sb2)
    assert np.array_equal(K_sym, K_sym.T) and np.array_equal(theta_sym, theta_sym.T)


# -- kernels against wide random networks (torch) -------------------------------------------------


def _random_mlp_outputs(torch, X, depth, activation, sw2, sb2, width, draws, seed, chunk=100):
    """Outputs (draws, n) of independent random MLPs in the NTK parameterisation (docs/method.md §7)."""
    act = {"relu": torch.relu, "erf": torch.erf, "tanh": torch.tanh,
           "gelu": torch.nn.functional.gelu}[activation]
    gen = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(X, dtype=torch.float32)
    n, d = x.shape
    sw, sb = math.sqrt(sw2), math.sqrt(sb2)
    out = []
    for start in range(0, draws, chunk):
        c = min(chunk, draws - start)
        W = torch.randn(c, width, d, generator=gen, dtype=torch.float32)
        z = sw / math.sqrt(d) * torch.einsum("cwd,nd->cnw", W, x) + sb * torch.randn(c, 1, width, generator=gen,
                                                                                    dtype=torch.float32)
        for _ in range(depth - 1):
            W = torch.randn(c, width, width, generator=gen, dtype=torch.float32)
            z = sw / math.sqrt(width) * torch.einsum("cvw,cnw->cnv", W, act(z)) + sb * torch.randn(
                c, 1, width, generator=gen, dtype=torch.float32)
        w = torch.randn(c, width, generator=gen, dtype=torch.float32)
        f = sw / math.sqrt(width) * torch.einsum("cw,cnw->cn", w, act(z)) + sb * torch.randn(c, 1, generator=gen,
                                                                                           dtype=torch.float32)
        out.append(f)
    return torch.cat(out).double().numpy()


@pytest.mark.parametrize("activation", ["relu", "erf", "tanh"])
def test_nngp_kernel_matches_wide_random_networks(activation):
    """Output covariance of 3,000 random MLPs of width 256 (depth 2) against K^{L+1}.

    Each entry's tolerance is 4.5 Monte Carlo standard errors (the standard deviation of the
    products over the draws / √3000, ~2% of K) plus 1% of the scale for the finite-width bias,
    which is O(1/width) (~0.4% here)."""
    torch = pytest.importorskip("torch", reason="the Monte Carlo networks are built with torch")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 6))
    sw2, sb2, depth = 1.8, 0.1, 2
    f = _random_mlp_outputs(torch, X, depth, activation, sw2, sb2, width=256, draws=3000, seed=4)
    K, _ = mlp_kernels(X, X, depth, activation, sw2, sb2, ntk=False)
    products = f[:, :, None] * f[:, None, :]
    estimate = products.mean(axis=0)
    se = products.std(axis=0) / math.sqrt(len(f))
    scale = np.sqrt(np.outer(np.diag(K), np.diag(K)))
    assert np.all(np.abs(estimate - K) < 4.5 * se + 0.01 * scale), (estimate, K, se)


def test_ntk_matches_parameter_gradients_of_wide_networks():
    """Θ against Σ_p ∂f(x)/∂p ∂f(x')/∂p for 6 random relu MLPs of width 2048 (depth 2, NTK
    parameterisation). The empirical NTK fluctuates by O(1/√width) around Θ: the mean over the
    networks must lie within 4 standard errors of the observed spread (plus 1% for the O(1/width)
    bias)."""
    torch = pytest.importorskip("torch", reason="the random networks are built with torch")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3, 8))
    sw2, sb2, width, depth = 2.0, 0.1, 2048, 2
    sw, sb = math.sqrt(sw2), math.sqrt(sb2)
    gen = torch.Generator().manual_seed(6)
    x = torch.as_tensor(X, dtype=torch.float64)
    empirical = []
    for _ in range(6):
        shapes = [(width, 8), (width,), (width, width), (width,), (1, width), (1,)]
        params = [torch.randn(s, generator=gen, dtype=torch.float64, requires_grad=True) for s in shapes]
        fan_in = [8, width, width]

        def forward(xi):
            h = xi
            for layer in range(depth + 1):
                W, b = params[2 * layer], params[2 * layer + 1]
                z = sw / math.sqrt(fan_in[layer]) * (W @ h) + sb * b
                h = torch.relu(z) if layer < depth else z
            return h[0]

        grads = []
        for xi in x:
            g = torch.autograd.grad(forward(xi), params)
            grads.append(torch.cat([gi.reshape(-1) for gi in g]))
        G = torch.stack(grads)
        empirical.append((G @ G.T).numpy())
    empirical = np.array(empirical)
    _, theta = mlp_kernels(X, X, depth, "relu", sw2, sb2)
    mean, se = empirical.mean(axis=0), empirical.std(axis=0, ddof=1) / math.sqrt(len(empirical))
    assert np.all(np.abs(mean - theta) < 4 * se + 0.01 * np.abs(theta)), (mean, theta, se)
    # and the spread is what width 2048 leads to expect: a few percent, not a mismatch hidden by noise
    assert np.all(empirical.std(axis=0) < 0.1 * np.abs(theta))


# -- the exact law: a dense re-derivation of docs/method.md §7 ------------------------------------------------


@pytest.fixture(scope="module")
def small_task():
    t = digits(60, 40, seed=3)
    return Task.from_arrays(t.X_train / 16.0, t.Y_train, t.X_test / 16.0, t.Y_test, name="digits/16")


def _dense_law(task, kind, depth, activation, sw2, sb2):
    """docs/method.md §7 written out directly: kernels pair by pair, M and Σ by np.linalg.solve, the
    generalized chi-square of docs/method.md §2 assembled here (no pinned directions: test ≠ train)."""
    Xtr, Xte = task.X_train, task.X_test
    n, m = len(Xtr), len(Xte)
    X = np.vstack([Xtr, Xte])
    K = np.empty((n + m, n + m))
    T = np.empty_like(K)
    for i in range(n + m):
        for j in range(i + 1):
            K[i, j], T[i, j] = _scalar_kernels(X[i], X[j], depth, activation, sw2, sb2)
            K[j, i], T[j, i] = K[i, j], T[i, j]
    Ktr, Kx, Kxx = K[:n, :n], K[n:, :n], K[n:, n:]
    if kind == "nngp":
        mean = Kx @ np.linalg.solve(Ktr, task.Y_train)
        cov = Kxx - Kx @ np.linalg.solve(Ktr, Kx.T)
    else:
        Ttr, Tx = T[:n, :n], T[n:, :n]
        R = np.linalg.solve(Ttr, Tx.T).T
        mean = R @ task.Y_train
        cov = Kxx + R @ Ktr @ R.T - (R @ Kx.T + Kx @ R.T)
    lam, U = np.linalg.eigh(0.5 * (cov + cov.T))
    B = U.T @ (mean - task.Y_test)
    k = task.Y_test.shape[1]
    return GeneralizedChiSquare(lam / (m * k), dof=k, noncentrality=np.sum(B * B, axis=1) / lam)


@pytest.mark.parametrize("kind,activation,depth", [("nngp", "relu", 2), ("ntk", "relu", 2), ("ntk", "erf", 3)])
def test_exact_bits_match_a_dense_rederivation(small_task, kind, activation, depth):
    """To 0.02 bits below 50 bits (Imhof, absolute accuracy ~1e-12 in P) and 0.05% above
    (exponential tilting with 200,000 draws: relative error ~0.3% in P, < 0.005 bits)."""
    sw2, sb2 = 2.0, 0.1
    space = InfiniteWidthNetwork(kind, "mlp", depth=depth, activation=activation, weight_var=sw2, bias_var=sb2)
    reference = _dense_law(small_task, kind, depth, activation, sw2, sb2)
    law, info = space.loss_distribution(small_task)
    assert info["pinned_directions"] == 0
    assert law.mean == pytest.approx(reference.mean, rel=1e-9)
    assert law.std == pytest.approx(reference.std, rel=1e-7)
    sd = reference.std
    shallow = [reference.mean - z * sd for z in (0.5, 2.0, 4.0)]
    result = measure(small_task, space, target_error=shallow)
    for r, eps in zip(result.results, shallow):
        independent = float(reference.bits(eps, "imhof")[0])
        assert independent < 50
        assert abs(r.bits - independent) < 0.02, (eps, r.bits, independent)
        assert r.bits_lower_bound <= r.bits
    # deep: bits well above 50
    deep = reference.offset + 0.3 * (reference.mean - reference.offset)
    r = measure(small_task, space, target_error=deep).results[0]
    log_p, rel_se = reference.tilted_log_cdf(deep, n_samples=200_000, seed=7)
    independent = -log_p / math.log(2)
    assert independent > 50 and rel_se < 0.01
    assert abs(r.bits - independent) < 5e-4 * independent, (r.bits, independent, rel_se)


def test_ntk_without_hidden_layers_is_the_nngp():
    """With depth 0, Θ = K: the trained infinite network's law is the GP posterior's. (Inputs in
    100 dimensions, 20 training points: the linear kernel is well conditioned.)"""
    rng = np.random.default_rng(8)
    task = Task.from_arrays(rng.normal(size=(20, 100)), rng.normal(size=(20, 2)), rng.normal(size=(15, 100)),
                            rng.normal(size=(15, 2)))
    a, _ = InfiniteWidthNetwork("nngp", depth=0).loss_distribution(task)
    b, _ = InfiniteWidthNetwork("ntk", depth=0).loss_distribution(task)
    assert a.mean == pytest.approx(b.mean, rel=1e-9) and a.std == pytest.approx(b.std, rel=1e-8)


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_training_inputs_in_the_test_set_are_pinned(small_task, kind):
    """A test input equal to a training input has variance 0 and mean = its training target:
    it adds a pinned direction and nothing to the offset (its target is the same)."""
    t = small_task
    task = Task.from_arrays(t.X_train, t.Y_train, np.vstack([t.X_test, t.X_train[:5]]),
                            np.vstack([t.Y_test, t.Y_train[:5]]))
    law, info = InfiniteWidthNetwork(kind).loss_distribution(task)
    assert info["pinned_directions"] == 5
    assert law.offset < 1e-12
    post = InfiniteWidthNetwork(kind).posterior(task)
    np.testing.assert_allclose(post.mean[-5:], t.Y_train[:5], atol=1e-6)


def test_sampled_predictions_have_the_exact_laws_mean(small_task):
    space = InfiniteWidthNetwork("ntk")
    law, _ = space.loss_distribution(small_task)
    s = space.sample(small_task, 2000, seed=0, predictions=True)
    assert s.predictions.shape == (2000, *small_task.Y_test.shape)
    assert abs(s.losses.mean() - law.mean) < 4.5 * law.std / math.sqrt(2000)


def test_spec_json_and_bad_input(small_task):
    space = InfiniteWidthNetwork("ntk", "mlp", depth=3, activation="erf", weight_var=1.5, bias_var=0.0)
    assert space.spec() == {"space": "ntk", "architecture": "mlp", "depth": 3, "activation": "erf",
                            "weight_var": 1.5, "bias_var": 0.0, "jitter": None}
    result = measure(small_task, space, target_error=0.05)
    assert '"space": "ntk"' in result.to_json()
    for kwargs, name in (({"kind": "gp"}, "kind"), ({"architecture": "rnn"}, "architecture"),
                         ({"depth": -1}, "depth"), ({"activation": "swish"}, "activation"),
                         ({"weight_var": 0.0}, "weight_var"), ({"bias_var": -1.0}, "bias_var")):
        with pytest.raises(InputError, match=name):
            InfiniteWidthNetwork(**kwargs)


# -- convolutional networks (CNN, LCN) --------------------------------------------------------------

from inductive_bias.spaces.infinite_width.conv_kernels import _all_positions, conv_kernels, conv_variances  # noqa: E402


@pytest.mark.parametrize("readout", ["flatten", "gap"])
@pytest.mark.parametrize("architecture", ["cnn", "lcn"])
def test_one_pixel_images_with_one_by_one_filters_are_the_mlp(readout, architecture):
    """On 1x1 images a 1x1 convolution is a dense layer: every read-out gives the MLP's kernels."""
    X = np.random.default_rng(9).normal(size=(6, 3))
    K, theta = conv_kernels(X, X, (3, 1, 1), 2, "erf", 1.7, 0.2, filter_size=1, readout=readout,
                            weight_sharing=architecture == "cnn")
    K_mlp, theta_mlp = mlp_kernels(X, X, 2, "erf", 1.7, 0.2)
    np.testing.assert_allclose(K, K_mlp, rtol=1e-13)
    np.testing.assert_allclose(theta, theta_mlp, rtol=1e-13)


@pytest.mark.parametrize("activation", ["relu", "erf"])
def test_cnn_with_flatten_readout_is_the_lcn(activation):
    """Novak et al. 2019 (docs/method.md §7): CNN-flatten NNGP (and NTK) == LCN's. The CNN side is computed
    by the full recursion over every pair of positions (p, p'), the LCN side by the recursion on
    the position-diagonal; pooling breaks the identity. (Closed-form activations: with a quadrature
    activation the roads differ by the rule's own error, ~1e-7 for tanh, because the rule is not
    exactly symmetric in u and v and the roads symmetrise differently.)"""
    rng = np.random.default_rng(10)
    shape = (2, 5, 5)
    X = rng.normal(size=(4, 50))
    images = X.reshape(-1, *shape)
    variances = conv_variances(images, 3, activation, 2.0, 0.1, 3)
    K_cnn, theta_cnn = _all_positions(images, images, variances, variances, 3, activation, 2.0, 0.1, 3, True,
                                      readout="flatten", block_entries=10**6)
    K_lcn, theta_lcn = conv_kernels(X, X, shape, 3, activation, 2.0, 0.1, readout="flatten", weight_sharing=False)
    np.testing.assert_allclose(K_cnn, K_lcn, rtol=1e-12)
    np.testing.assert_allclose(theta_cnn, theta_lcn, rtol=1e-12)
    K_gap, _ = conv_kernels(X, X, shape, 3, activation, 2.0, 0.1, readout="gap")
    K_lcn_gap, _ = conv_kernels(X, X, shape, 3, activation, 2.0, 0.1, readout="gap", weight_sharing=False)
    assert np.max(np.abs(K_gap - K_lcn_gap) / np.abs(K_gap)) > 0.05


def _random_cnn_outputs(torch, images, depth, sw2, sb2, width, F, readout, draws, seed, chunk=50):
    """Outputs (draws, n) of independent random relu CNNs ('same' convolutions, NTK
    parameterisation): ``chunk`` networks at once as one grouped convolution."""
    F_ = torch.nn.functional
    gen = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(images, dtype=torch.float32)
    n, C, H, W = x.shape
    sw, sb = math.sqrt(sw2), math.sqrt(sb2)
    out = []
    for start in range(0, draws, chunk):
        c = min(chunk, draws - start)
        h, fan_in = x.repeat(1, c, 1, 1), C
        for _ in range(depth):
            weight = torch.randn(c * width, fan_in, F, F, generator=gen)
            bias = torch.randn(c * width, generator=gen)
            h = torch.relu(sw / math.sqrt(fan_in * F * F) * F_.conv2d(h, weight, padding=F // 2, groups=c)
                           + sb * bias[None, :, None, None])
            fan_in = width
        h = h.reshape(n, c, width, H * W)
        if readout == "gap":
            f = sw / math.sqrt(width) * torch.einsum("ncw,cw->nc", h.mean(-1), torch.randn(c, width, generator=gen))
        else:
            f = sw / math.sqrt(width * H * W) * torch.einsum("ncwp,cwp->nc", h, torch.randn(c, width, H * W,
                                                                                           generator=gen))
        out.append((f + sb * torch.randn(1, c, generator=gen)).T)
    return torch.cat(out).double().numpy()


@pytest.mark.parametrize("readout", ["flatten", "gap"])
def test_cnn_nngp_matches_wide_random_cnns(readout):
    """Output covariance of 1,500 random relu CNNs with 128 channels (depth 2, 3x3 filters, 5x5
    images of 2 channels) against the NNGP: 4.5 Monte Carlo standard errors plus 2% of the scale
    for the O(1/width) finite-width bias."""
    torch = pytest.importorskip("torch", reason="the Monte Carlo networks are built with torch")
    rng = np.random.default_rng(11)
    X = rng.normal(size=(4, 50))
    f = _random_cnn_outputs(torch, X.reshape(-1, 2, 5, 5), 2, 2.0, 0.1, 128, 3, readout, 1500, seed=12)
    K, _ = conv_kernels(X, X, (2, 5, 5), 2, "relu", 2.0, 0.1, readout=readout, ntk=False)
    products = f[:, :, None] * f[:, None, :]
    estimate, se = products.mean(axis=0), products.std(axis=0) / math.sqrt(len(f))
    scale = np.sqrt(np.outer(np.diag(K), np.diag(K)))
    assert np.all(np.abs(estimate - K) < 4.5 * se + 0.02 * scale), (estimate, K, se)


@pytest.mark.parametrize("architecture,readout", [("cnn", "gap"), ("lcn", "flatten"), ("lcn", "gap")])
def test_convolutional_spaces_have_exact_laws(architecture, readout):
    """On 8x8 digits: the law's mean is the loss of the mean plus the variance term (a direct
    check of M and Σ through the test loss), and the Chernoff bound lies below the bits."""
    t = digits(16, 12, seed=2)
    task = Task.from_arrays(t.X_train / 16.0, t.Y_train, t.X_test / 16.0, t.Y_test)
    for kind in ("nngp", "ntk"):
        space = InfiniteWidthNetwork(kind, architecture, depth=2, readout=readout, filter_size=3)
        law, info = space.loss_distribution(task)
        post = space.posterior(task)
        m, k = task.Y_test.shape
        direct = np.sum((post.mean - task.Y_test) ** 2) / (m * k) + np.sum(post.eigenvalues) / m
        assert law.mean == pytest.approx(direct, rel=1e-10)
        r = measure(task, space, target_error=law.mean - 3 * law.std).results[0]
        assert 0 < r.bits_lower_bound <= r.bits < math.inf


def test_convolutional_spec_and_bad_input():
    space = InfiniteWidthNetwork("nngp", "cnn", depth=3, readout="gap", channels=1, filter_size=5)
    assert space.spec() == {"space": "nngp", "architecture": "cnn", "depth": 3, "activation": "relu",
                            "weight_var": 2.0, "bias_var": 0.1, "readout": "gap", "channels": 1,
                            "filter_size": 5, "jitter": None}
    assert space.image_shape(64) == (1, 8, 8)
    for kwargs, name in (({"architecture": "mlp", "readout": "gap"}, "readout"),
                         ({"architecture": "mlp", "filter_size": 3}, "filter_size"),
                         ({"architecture": "cnn", "filter_size": 2}, "filter_size"),
                         ({"architecture": "cnn", "readout": "max"}, "readout"),
                         ({"architecture": "lcn", "depth": 0}, "depth")):
        with pytest.raises(InputError, match=name):
            InfiniteWidthNetwork(**kwargs)
    with pytest.raises(InputError, match="channels"):
        InfiniteWidthNetwork("nngp", "cnn", channels=3).image_shape(64)


@pytest.mark.parametrize("readout", ["flatten", "gap"])
def test_cnn_ntk_matches_parameter_gradients_of_wide_cnns(readout):
    """Θ of a relu CNN (depth 2, 3x3 filters, 4x4 images of 2 channels) against Σ_p ∂f(x)/∂p
    ∂f(x')/∂p of 6 random CNNs with 512 channels in the NTK parameterisation: the mean within 4
    standard errors of the observed spread plus 2% for the O(1/width) bias."""
    torch = pytest.importorskip("torch", reason="the random networks are built with torch")
    F_ = torch.nn.functional
    rng = np.random.default_rng(13)
    X = rng.normal(size=(3, 32))
    sw2, sb2, width, F = 2.0, 0.1, 512, 3
    sw, sb = math.sqrt(sw2), math.sqrt(sb2)
    gen = torch.Generator().manual_seed(14)
    x = torch.as_tensor(X, dtype=torch.float64).reshape(-1, 2, 4, 4)
    empirical = []
    for _ in range(6):
        shapes = [(width, 2, F, F), (width,), (width, width, F, F), (width,),
                  (1, width * 16) if readout == "flatten" else (1, width), (1,)]
        params = [torch.randn(s, generator=gen, dtype=torch.float64, requires_grad=True) for s in shapes]

        def forward(xi):
            h = xi[None]
            for layer, fan_in in ((0, 2 * F * F), (1, width * F * F)):
                W, b = params[2 * layer], params[2 * layer + 1]
                h = torch.relu(sw / math.sqrt(fan_in) * F_.conv2d(h, W, padding=F // 2) + sb * b[None, :, None, None])
            h = h.reshape(-1) if readout == "flatten" else h.mean(dim=(2, 3)).reshape(-1)
            return (sw / math.sqrt(h.numel()) * (params[4] @ h) + sb * params[5])[0]

        G = torch.stack([torch.cat([g.reshape(-1) for g in torch.autograd.grad(forward(xi), params)]) for xi in x])
        empirical.append((G @ G.T).numpy())
    empirical = np.array(empirical)
    _, theta = conv_kernels(X, X, (2, 4, 4), 2, "relu", sw2, sb2, filter_size=F, readout=readout)
    mean, se = empirical.mean(axis=0), empirical.std(axis=0, ddof=1) / math.sqrt(len(empirical))
    assert np.all(np.abs(mean - theta) < 4 * se + 0.02 * np.abs(theta)), (mean, theta, se)


def test_channel_last_images_recorded_by_a_loader_are_read_channel_first():
    """The image loaders store rows as (H, W, C) and record ``image_shape``: the space reads them as
    the same images given channel-first, and a contradicting ``channels`` is an error."""
    rng = np.random.default_rng(15)
    first = rng.uniform(size=(30, 2, 4, 4))
    y = rng.integers(0, 3, size=30)
    flat_first = first.reshape(30, -1)
    flat_last = first.transpose(0, 2, 3, 1).reshape(30, -1)
    a = Task.from_arrays(flat_first[:20], y[:20], flat_first[20:], y[20:])
    b = Task.from_arrays(flat_last[:20], y[:20], flat_last[20:], y[20:], info={"image_shape": [4, 4, 2]})
    law_a, _ = InfiniteWidthNetwork("ntk", "cnn", depth=2, readout="gap", channels=2).loss_distribution(a)
    law_b, _ = InfiniteWidthNetwork("ntk", "cnn", depth=2, readout="gap").loss_distribution(b)
    assert law_b.mean == pytest.approx(law_a.mean, rel=1e-12) and law_b.std == pytest.approx(law_a.std, rel=1e-10)
    law_c, _ = InfiniteWidthNetwork("ntk", "cnn", depth=2, readout="gap", channels=2).loss_distribution(
        Task.from_arrays(flat_last[:20], y[:20], flat_last[20:], y[20:]))
    assert abs(law_c.mean - law_a.mean) > 1e-6 * law_a.mean  # the layout matters: the test can fail
    with pytest.raises(InputError, match="channels"):
        InfiniteWidthNetwork("nngp", "cnn", channels=1).loss_distribution(b)


def test_conditioning_of_the_solve_behind_the_mean_is_diagnosed():
    """The checks of spaces/conditioning.py apply to nngp and ntk too: near-duplicate training
    inputs (1e-9 apart) with a jitter of 1e-14 make K and Θ singular to round-off, and the result
    says so (warnings, reliable: false, what to change); scaled digits are not flagged."""
    import warnings as _warnings

    from inductive_bias import InfiniteWidthNetwork, Task, measure
    from inductive_bias.exceptions import ConditioningWarning

    rng = np.random.default_rng(0)
    X = rng.random((60, 5))
    Y = np.eye(3)[rng.integers(0, 3, 120)]
    task = Task.from_arrays(np.vstack([X, X + 1e-9]), Y, rng.random((40, 5)), np.eye(3)[rng.integers(0, 3, 40)])
    for kind in ("nngp", "ntk"):
        with pytest.warns(ConditioningWarning):
            result = measure(task, InfiniteWidthNetwork(kind, "mlp", depth=2, jitter=1e-14), [0.3])
        assert result.diagnostics["conditioning"]["condition_number"] > 1e12
        assert any("ill-conditioned" in w and "--bias-var" in w for w in result.warnings)
        assert result.results[0].reliable is False
        clean = Task.from_arrays(X, Y[:60], rng.random((40, 5)), np.eye(3)[rng.integers(0, 3, 40)])
        with _warnings.catch_warnings():
            _warnings.simplefilter("error", ConditioningWarning)
            ok = measure(clean, InfiniteWidthNetwork(kind, "mlp", depth=2), [0.3])
        assert ok.warnings == () and ok.results[0].reliable
