"""NNGP and NTK kernels of infinitely wide fully connected networks (docs/method.md §7), float64, by rows.

With L hidden layers, weight variance σw² and bias variance σb² (NTK parameterisation, docs/method.md §7):

    K^1(x,x') = σw² x·x'/d + σb²,                    Θ^1 = K^1
    K^{l+1}   = σw² T(K^l) + σb²,                    Θ^{l+1} = K^{l+1} + σw² T'(K^l) Θ^l

for l = 1 .. L; the network's output has NNGP K = K^{L+1} and NTK Θ = Θ^{L+1}. T and T' are the
activation's dual maps (:mod:`.activations`); each needs the variances K^l(x,x) and K^l(x',x'),
which follow the same recursion on the diagonal alone.

The matrix is computed a block of rows at a time, so that the working memory is a few blocks of
``rows x len(X2)`` whatever the number of inputs.

Examples
--------
>>> import numpy as np
>>> X = np.eye(3)
>>> K, theta = mlp_kernels(X, X, depth=1, activation="relu", weight_var=2.0, bias_var=0.0)
>>> np.allclose(np.diag(K), 2 / 3)      # ReLU with σw² = 2 keeps the variance: σw² |x|²/d
True
"""

from __future__ import annotations

import numpy as np

from .activations import dual_maps

__all__ = ["mlp_kernels", "mlp_variances", "layer_trace"]

# entries of one block (rows x columns): bounds the working memory to some tens of MB
_BLOCK_ENTRIES = 1_000_000


def mlp_variances(X: np.ndarray, depth: int, activation: str, weight_var: float, bias_var: float) -> list:
    """K^l(x, x) for l = 1 .. depth+1, each an array over the rows of X (the diagonal recursion)."""
    X = np.asarray(X, dtype=np.float64)
    k = weight_var * np.einsum("ij,ij->i", X, X) / X.shape[1] + bias_var
    out = [k]
    for _ in range(depth):
        t, _ = dual_maps(activation, k, k, k, derivative=False)
        k = weight_var * t + bias_var
        out.append(k)
    return out


def mlp_kernels(X1: np.ndarray, X2: np.ndarray, depth: int, activation: str, weight_var: float, bias_var: float, *,
                ntk: bool = True, block_entries: int = _BLOCK_ENTRIES):
    """K(X1, X2) and Θ(X1, X2) (Θ is None unless ``ntk``) of an MLP with ``depth`` hidden layers.

    Parameters
    ----------
    X1, X2 : ndarray (n1, d), (n2, d)
    depth : int
        L, the number of hidden layers (0: the linear model σw² x·x'/d + σb²).
    activation : str
        One of :data:`~.activations.ACTIVATIONS`.
    weight_var, bias_var : float
        σw², σb².
    ntk : bool, default True
        Also compute the NTK.
    block_entries : int
        Entries per block of rows.

    Returns
    -------
    K, Θ : ndarray (n1, n2) each (Θ None unless ``ntk``); exactly symmetric when X1 is X2.
    """
    A = np.asarray(X1, dtype=np.float64)
    B = A if X2 is X1 else np.asarray(X2, dtype=np.float64)
    d = A.shape[1]
    var_a = mlp_variances(A, depth, activation, weight_var, bias_var)
    var_b = var_a if B is A else mlp_variances(B, depth, activation, weight_var, bias_var)
    K = np.empty((A.shape[0], B.shape[0]))
    theta = np.empty_like(K) if ntk else None
    rows = max(1, block_entries // max(1, B.shape[0]))
    for start in range(0, A.shape[0], rows):
        sl = slice(start, min(start + rows, A.shape[0]))
        k = (weight_var / d) * (A[sl] @ B.T) + bias_var
        if B is A:  # x·x from the product may differ in the last bit from |x|²: ρ must be 1 exactly
            rows_here = np.arange(sl.start, sl.stop)
            k[rows_here - sl.start, rows_here] = var_a[0][sl]
        for k, th in _layers(k, var_a, var_b, sl, depth, activation, weight_var, bias_var, ntk):
            pass
        K[sl] = k
        if ntk:
            theta[sl] = th
    if B is A:  # the two triangles are computed separately: make them agree to the last bit
        K = _symmetrise(K)
        theta = _symmetrise(theta) if ntk else None
    return K, theta


def _layers(k, var_a, var_b, rows, depth, activation, weight_var, bias_var, ntk):
    """(K^l, Θ^l) of the rows ``rows`` of A against B for l = 1 .. depth+1 (the recursion of the
    module docstring), from K^1 = ``k``; Θ^l is None unless ``ntk``. K^l is a new array at each
    layer; Θ^l is updated in place."""
    th = k.copy() if ntk else None
    yield k, th
    for layer in range(depth):
        t, dt = dual_maps(activation, var_a[layer][rows, None], var_b[layer][None, :], k, derivative=ntk)
        k = weight_var * t + bias_var
        if ntk:
            th *= weight_var * dt
            th += k
        yield k, th


def layer_trace(X: np.ndarray, depth: int, activation: str, weight_var: float, bias_var: float, *,
                ntk: bool) -> dict:
    """The recursion for a few inputs (the rows of X), layer by layer: where a deep kernel leaves
    float64's range, or collapses to a constant matrix (docs/method.md §7).

    Returns
    -------
    dict of ndarrays (depth + 1,), entry l after l hidden layers
        ``largest``: the largest |entry| of K^l (and Θ^l); ``spread_K``, ``spread_theta``: the largest
        1 - ρ over distinct rows in K^l and in Θ^l (nan without ``ntk``). Overflow gives inf or nan,
        silently: this is how a caller finds it.
    """
    A = np.asarray(X, dtype=np.float64)
    largest, spread_K, spread_theta = (np.full(depth + 1, np.nan) for _ in range(3))
    off = ~np.eye(len(A), dtype=bool)

    def spread(M):
        d = np.sqrt(np.diag(M))
        return float(np.max(1.0 - (M / d[:, None] / d[None, :])[off])) if len(A) > 1 else np.nan

    with np.errstate(all="ignore"):
        variances = mlp_variances(A, depth, activation, weight_var, bias_var)
        k = (weight_var / A.shape[1]) * (A @ A.T) + bias_var
        k[np.diag_indices_from(k)] = variances[0]
        for layer, (k, th) in enumerate(_layers(k, variances, variances, slice(None), depth, activation,
                                                weight_var, bias_var, ntk)):
            largest[layer] = np.max(np.abs(np.stack([k, th]) if ntk else k))  # nan stays nan
            spread_K[layer] = spread(k)
            if ntk:
                spread_theta[layer] = spread(th)
    return {"largest": largest, "spread_K": spread_K, "spread_theta": spread_theta}


def _symmetrise(M: np.ndarray) -> np.ndarray:
    M += M.T
    M *= 0.5
    return M
