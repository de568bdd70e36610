"""Dual maps of an activation φ: the Gaussian expectations an infinite layer propagates (docs/method.md §7).

For (u, v) ~ N(0, [[k11, k12], [k12, k22]]) a layer needs

    T(k11, k22, k12)  = E[φ(u) φ(v)]        (the NNGP recursion)
    T'(k11, k22, k12) = E[φ'(u) φ'(v)]      (the NTK recursion)

ReLU and erf have closed forms (docs/method.md §7; Cho & Saul 2009, Williams 1997); identity is exact
(T = k12, T' = 1). The others (gelu, tanh, sigmoid) are computed by a tensor-product
Gauss–Hermite rule over the two standard normals of u = √k11 z1, v = √k22 (ρ z1 + √(1-ρ²) z2),
ρ = k12/√(k11 k22); the rule can also be forced on the closed-form activations, which is how the
tests check it.

Examples
--------
>>> import numpy as np
>>> t, dt = dual_maps("relu", np.array([1.0]), np.array([1.0]), np.array([0.0]))
>>> float(t[0]) == 1 / (2 * np.pi), float(dt[0])
(True, 0.25)
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..._validation import check_choice

__all__ = ["ACTIVATIONS", "CLOSED_FORM", "dual_maps", "mean_map", "quadrature_dual_maps"]

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _gelu(x):
    return x * special.ndtr(x)  # the exact GELU, as torch's nn.GELU()


def _gelu_prime(x):
    return special.ndtr(x) + x * _INV_SQRT_2PI * np.exp(-0.5 * x * x)


def _sigmoid_prime(x):
    s = special.expit(x)
    return s * (1.0 - s)


#: φ and φ' of every activation the infinite-width spaces know
ACTIVATIONS = {
    "relu": (lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(np.float64)),
    "erf": (special.erf, lambda x: (2.0 / math.sqrt(math.pi)) * np.exp(-x * x)),
    "identity": (lambda x: x, np.ones_like),
    "gelu": (_gelu, _gelu_prime),
    "tanh": (np.tanh, lambda x: 1.0 - np.tanh(x) ** 2),
    "sigmoid": (special.expit, _sigmoid_prime),
}

#: the activations whose dual maps are computed in closed form
CLOSED_FORM = ("relu", "erf", "identity")

#: nodes per dimension of the default Gauss–Hermite rule. Against a 300-node rule, for variances
#: in [0.2, 3]: tanh T to 4e-6 and T' to 6e-5, gelu to 1e-9, erf (forced) to 2e-7 and 4e-6.
#: Steep activations at large variance need more nodes (``order``).
DEFAULT_ORDER = 64

# the evaluations of φ held at once by the quadrature: bounds its memory (~32 MB)
_QUADRATURE_BUDGET = 4_000_000


def _correlation(k11, k22, k12):
    """ρ = k12/√(k11 k22) clipped to [-1, 1], and √(k11 k22); ρ = 0 where a variance is 0.
    (In-place passes: for pooled convolutions these arrays hold (HW)² numbers per pair.)"""
    shape = np.broadcast_shapes(np.shape(k11), np.shape(k22), np.shape(k12))
    scale = np.multiply(k11, k22, out=np.empty(np.broadcast_shapes(np.shape(k11), np.shape(k22))))
    np.sqrt(scale, out=scale)
    rho = np.zeros(shape)
    np.divide(k12, scale, out=rho, where=scale > 0)
    np.clip(rho, -1.0, 1.0, out=rho)
    return rho, scale


def _relu(k11, k22, k12):
    """Arc-cosine kernel of degree 1 (docs/method.md §7): T = √(k11 k22)/(2π) (sin θ + (π − θ) cos θ),
    T' = (π − θ)/(2π), θ = arccos ρ."""
    rho, scale = _correlation(k11, k22, k12)
    sin = np.multiply(rho, rho, out=np.empty_like(rho))
    np.subtract(1.0, sin, out=sin)
    np.sqrt(sin, out=sin)                       # sin θ = √(1 − ρ²)
    rest = np.arccos(rho, out=np.empty_like(rho))
    np.subtract(math.pi, rest, out=rest)        # π − θ
    t = np.multiply(rest, rho, out=np.empty_like(rho))
    t += sin
    np.multiply(t, scale, out=t)
    t *= 1.0 / (2.0 * math.pi)
    rest *= 1.0 / (2.0 * math.pi)
    return t, rest


def _erf(k11, k22, k12):
    """docs/method.md §7: T = (2/π) arcsin(2 k12/√((1+2k11)(1+2k22))),
    T' = (4/π)/√((1+2k11)(1+2k22) − 4 k12²)."""
    a = (1.0 + 2.0 * k11) * (1.0 + 2.0 * k22)
    t = (2.0 / math.pi) * np.arcsin(np.clip(2.0 * k12 / np.sqrt(a), -1.0, 1.0))
    return t, (4.0 / math.pi) / np.sqrt(np.maximum(a - 4.0 * k12 * k12, np.finfo(float).tiny))


def _identity(k11, k22, k12):
    return np.array(k12, dtype=np.float64, copy=True), np.ones_like(k12, dtype=np.float64)


_CLOSED = {"relu": _relu, "erf": _erf, "identity": _identity}


def quadrature_dual_maps(activation: str, k11, k22, k12, *, order: int = DEFAULT_ORDER,
                         derivative: bool = True):
    """T and T' (None unless ``derivative``) by an ``order`` x ``order`` Gauss–Hermite rule.

    With probabilists' nodes x_i and weights w_i (normalised to sum to 1),
    E[g(z1, z2)] ≈ Σ_ij w_i w_j g(x_i, x_j). Exact for polynomials of degree < 2·order in each
    variable; for a kink (relu) it converges slowly (T like 1/order, T' like 1/√order).
    """
    phi, dphi = ACTIVATIONS[check_choice("activation", activation, ACTIVATIONS)]
    k11, k22, k12 = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (k11, k22, k12)))
    shape = k11.shape
    k11, k22, k12 = k11.ravel(), k22.ravel(), k12.ravel()
    rho, _ = _correlation(k11, k22, k12)
    x, w = np.polynomial.hermite_e.hermegauss(order)
    w = w / w.sum()
    ww = np.outer(w, w).ravel()
    z1 = np.repeat(x, order)  # (order²,) the first variable of node pair (i, j)
    z2 = np.tile(x, order)
    t = np.empty(k11.size)
    dt = np.empty(k11.size) if derivative else None
    step = max(1, _QUADRATURE_BUDGET // (order * order))
    for start in range(0, k11.size, step):
        sl = slice(start, start + step)
        r = rho[sl, None]
        u = np.sqrt(k11[sl, None]) * z1
        v = np.sqrt(k22[sl, None]) * (r * z1 + np.sqrt(1.0 - r * r) * z2)
        t[sl] = (phi(u) * phi(v)) @ ww
        if derivative:
            dt[sl] = (dphi(u) * dphi(v)) @ ww
    return t.reshape(shape), (dt.reshape(shape) if derivative else None)


def dual_maps(activation: str, k11, k22, k12, *, derivative: bool = True, order: int = DEFAULT_ORDER):
    """T(k11, k22, k12) = E[φ(u)φ(v)] and T' = E[φ'(u)φ'(v)] (None unless ``derivative``), elementwise.

    Parameters
    ----------
    activation : one of :data:`ACTIVATIONS`
    k11, k22 : array_like
        Variances of u and v (broadcast together with k12).
    k12 : array_like
        Their covariance.
    derivative : bool, default True
        Also return T' (needed by the NTK only).
    order : int
        Gauss–Hermite nodes per dimension for activations without a closed form.
    """
    check_choice("activation", activation, ACTIVATIONS)
    if activation in _CLOSED:
        k11, k22, k12 = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (k11, k22, k12)))
        t, dt = _CLOSED[activation](k11, k22, k12)
        return t, (dt if derivative else None)
    return quadrature_dual_maps(activation, k11, k22, k12, order=order, derivative=derivative)


_ODD = ("erf", "identity", "tanh")


def mean_map(activation: str, k, *, order: int = 200):
    """m(k) = E[φ(u)], u ~ N(0, k), elementwise: T(k11, k22, 0) = m(k11) m(k22) for independent
    u, v (what global average pooling over untied positions needs). 0 for odd activations,
    √k/√(2π) for relu, a 1-D Gauss–Hermite rule of ``order`` nodes otherwise."""
    check_choice("activation", activation, ACTIVATIONS)
    k = np.asarray(k, dtype=np.float64)
    if activation in _ODD:
        return np.zeros_like(k)
    if activation == "relu":
        return np.sqrt(k) * _INV_SQRT_2PI
    phi, _ = ACTIVATIONS[activation]
    x, w = np.polynomial.hermite_e.hermegauss(order)
    w = w / w.sum()
    return phi(np.sqrt(k)[..., None] * x) @ w
