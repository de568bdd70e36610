"""Stationary kernels of docs/method.md §2, as functions of the distance r = ||x - x'||.

A kernel matrix is built in row blocks, one matrix product each (BLAS) followed by in-place
elementwise passes, on as many threads as there are cores: numpy releases the GIL in both, and
for thousands of points these passes, not the arithmetic, are what costs.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.spatial.distance import pdist

from .._cpu import usable_cores
from ..exceptions import InputError

__all__ = ["KERNELS", "kernel_matrix", "median_lengthscale"]

_ROWS_PER_BLOCK = 256


def _rbf(neg_half_sq):
    """exp(-r^2 / (2 ℓ^2)), given -r^2/(2ℓ^2)."""
    return np.exp(neg_half_sq, out=neg_half_sq)


def _laplace(neg_half_sq):
    """exp(-r/ℓ) = exp(-sqrt(2 * r^2/(2ℓ^2)))."""
    x = np.multiply(neg_half_sq, -2.0, out=neg_half_sq)
    np.sqrt(x, out=x)
    np.negative(x, out=x)
    return np.exp(x, out=x)


def _matern(neg_half_sq, nu_scale: float, quadratic: bool):
    x = np.multiply(neg_half_sq, -2.0 * nu_scale**2, out=neg_half_sq)  # (√ν r/ℓ)^2
    np.sqrt(x, out=x)
    poly = 1.0 + x + (x * x / 3.0 if quadratic else 0.0)
    np.negative(x, out=x)
    np.exp(x, out=x)
    x *= poly
    return x


KERNELS = {
    "rbf": _rbf,
    "laplace": _laplace,
    "matern32": lambda q: _matern(q, math.sqrt(3.0), False),
    "matern52": lambda q: _matern(q, math.sqrt(5.0), True),
}


def kernel_matrix(kernel: str, A: np.ndarray, B: np.ndarray, lengthscale: float) -> np.ndarray:
    """κ(A, B) for the named kernel (unit amplitude), a float64 array of shape (len(A), len(B)).

    Entries with A[i] == B[j] are exactly 1 (the clipping at 0 of the squared distance makes
    rounding irrelevant there).
    """
    if kernel not in KERNELS:
        raise InputError("kernel", f"must be one of {', '.join(KERNELS)}; got {kernel!r}")
    function = KERNELS[kernel]
    with np.errstate(over="ignore"):  # an overflow is refused just below, naming its cause
        a = np.ascontiguousarray(A, dtype=np.float64) / lengthscale
        b = np.ascontiguousarray(B, dtype=np.float64) / lengthscale
        half_a = 0.5 * np.einsum("ij,ij->i", a, a)
        half_b = 0.5 * np.einsum("ij,ij->i", b, b)
    if not (np.all(np.isfinite(half_a)) and np.all(np.isfinite(half_b))):
        _refuse_overflow(A, B, lengthscale)
    out = np.empty((a.shape[0], b.shape[0]))

    def block(start: int) -> None:
        stop = min(start + _ROWS_PER_BLOCK, a.shape[0])
        rows = out[start:stop]
        np.matmul(a[start:stop], b.T, out=rows)  # a.b - |a|^2/2 - |b|^2/2 = -r^2/(2ℓ^2)
        rows -= half_a[start:stop, None]
        rows -= half_b[None, :]
        np.minimum(rows, 0.0, out=rows)
        rows[...] = function(rows)

    starts = range(0, a.shape[0], _ROWS_PER_BLOCK)
    workers = min(usable_cores(), len(starts))
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(block, starts))
    else:
        for start in starts:
            block(start)
    if A is B:
        np.fill_diagonal(out, 1.0)
    return out


def _refuse_overflow(A, B, lengthscale: float):
    """|x|/ℓ beyond ~1e154 overflows the squared distances (inf - inf = nan kernel entries): name
    the argument that is out of scale, the features or the lengthscale."""
    largest = max(float(np.max(np.abs(A), initial=0.0)), float(np.max(np.abs(B), initial=0.0)))
    if largest > 1e100:
        raise InputError("X_train", f"features up to {largest:.3g} overflow the kernel's squared distances; "
                                    "rescale them (e.g. min-max scale) before measuring")
    raise InputError("lengthscale", f"{lengthscale!r} is too small for features up to {largest:.3g}: their squared "
                                    "distances over ℓ² overflow; use a lengthscale near the data's scale "
                                    "(e.g. median)")


def median_lengthscale(X: np.ndarray) -> float:
    """The median pairwise distance of the training inputs (docs/method.md §2, "median")."""
    if len(X) < 2:
        raise InputError("lengthscale", "'median' needs at least 2 training points")
    with np.errstate(over="ignore"):
        median = float(np.median(pdist(X)))
    if not math.isfinite(median):
        raise InputError("X_train", f"features up to {float(np.max(np.abs(X))):.3g} overflow their pairwise "
                                    "distances; rescale them before measuring")
    if not median > 0:
        raise InputError("lengthscale", "'median' is 0: more than half the training pairs coincide; give a number")
    return median
