"""Stationary kernels of SPEC §2, as functions of the distance r = ||x - x'||."""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial.distance import pdist

from .._validation import InputError

__all__ = ["KERNELS", "kernel_matrix", "median_lengthscale"]


def _squared_distances(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """||a - b||^2 through one matrix product (BLAS), clipped at 0 against rounding."""
    sq = np.einsum("ij,ij->i", A, A)[:, None] + np.einsum("ij,ij->i", B, B)[None, :]
    sq -= 2.0 * (A @ B.T)
    np.maximum(sq, 0.0, out=sq)
    return sq


def _rbf(sq, ell):
    sq *= -0.5 / ell**2
    return np.exp(sq, out=sq)


def _laplace(sq, ell):
    r = np.sqrt(sq, out=sq)
    r *= -1.0 / ell
    return np.exp(r, out=r)


def _matern32(sq, ell):
    x = np.sqrt(sq, out=sq)
    x *= math.sqrt(3.0) / ell
    return (1.0 + x) * np.exp(-x)


def _matern52(sq, ell):
    x = np.sqrt(sq, out=sq)
    x *= math.sqrt(5.0) / ell
    return (1.0 + x + x * x / 3.0) * np.exp(-x)


KERNELS = {"rbf": _rbf, "laplace": _laplace, "matern32": _matern32, "matern52": _matern52}


def kernel_matrix(kernel: str, A: np.ndarray, B: np.ndarray, lengthscale: float) -> np.ndarray:
    """κ(A, B) for the named kernel (unit amplitude), a float64 array of shape (len(A), len(B))."""
    if kernel not in KERNELS:
        raise InputError("kernel", f"must be one of {', '.join(KERNELS)}; got {kernel!r}")
    sq = _squared_distances(A, B)
    if A is B:
        np.fill_diagonal(sq, 0.0)  # exact zeros on the diagonal: κ(x, x) = 1
    return KERNELS[kernel](sq, lengthscale)


def median_lengthscale(X: np.ndarray) -> float:
    """The median pairwise distance of the training inputs (SPEC §2, "median")."""
    if len(X) < 2:
        raise InputError("lengthscale", "'median' needs at least 2 training points")
    distances = pdist(X)
    median = float(np.median(distances))
    if not median > 0:
        raise InputError("lengthscale", "'median' is 0: more than half the training pairs coincide; give a number")
    return median
