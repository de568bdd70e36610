"""NNGP and NTK kernels of infinitely wide convolutional networks (docs/method.md §7), float64, by pairs.

An input is an image x of shape (C, H, W) (the flat row reshaped channel-first, as the neural
spaces do). The network has L convolutional layers of infinitely many channels, each a 'same'
convolution with an F x F filter (zero padding, stride 1) followed by φ, then a linear read-out:

- ``flatten``: a weight per (channel, position) of the last layer;
- ``gap``: global average pooling over positions, then a weight per channel.

In the NTK parameterisation the covariance of layer l between position p of x and position p' of
x' follows (Novak et al. 2019, Arora et al. 2019), with Σ_δ over the F² filter offsets and terms
outside the image zero (padding):

    K^1(p,p')     = σw²/(C F²) Σ_δ Σ_c x_c(p+δ) x'_c(p'+δ) + σb²
    K^{l+1}(p,p') = σw²/F² Σ_δ T(K^l)(p+δ, p'+δ) + σb²
    Θ^1 = K^1,    Θ^{l+1}(p,p') = K^{l+1}(p,p') + σw²/F² Σ_δ [T'(K^l) Θ^l](p+δ, p'+δ)

and the read-out gives K = σw² mean_p T(K^L)(p,p) + σb² (flatten) or σw² mean_{p,p'} T(K^L)(p,p')
+ σb² (gap), Θ = K + σw² mean(T'(K^L) Θ^L) over the same positions.

A flatten read-out needs the position-diagonal p = p' only, and the recursion of the diagonal
reads only the diagonal: the CNN with flatten read-out has the same kernels as the LCN, the same
network without weight sharing (where covariances between different positions vanish: every
position has its own weights and bias). Global average pooling needs all pairs (p, p'): (HW)²
numbers per pair of images, computed a few pairs at a time. For the LCN with pooling, different
positions are independent, so T(K^L)(p,p') = m(K^L_x(p)) m(K^L_x'(p')) with m(k) = E[φ(√k z)].
"""

from __future__ import annotations

import numpy as np

from .activations import dual_maps, mean_map

__all__ = ["conv_kernels", "conv_variances"]

# numbers held per block: bounds the working memory (some tens of MB); the pooled recursion runs
# fastest with blocks that stay near the cache (measured: 250k numbers 2x faster than 2M)
_BLOCK_ENTRIES = 2_000_000
_POOLED_BLOCK_ENTRIES = 250_000


def _box(A: np.ndarray, F: int, full: bool) -> np.ndarray:
    """Σ_δ A(p+δ, p'+δ) over the F x F offsets δ, zero outside the image: on the last two axes
    (position-diagonal, ``full`` False) or jointly on the last four (p and p', ``full`` True).

    The F x F box is separable: a sum of F shifts along the rows (of p and p' together), then F
    along the columns, each shift added in place to the overlapping slices (no padded copy).
    """
    rows = (-4, -2) if full else (-2,)
    cols = (-3, -1) if full else (-1,)
    return _shift_sum(_shift_sum(A, F, rows), F, cols)


def _shift_sum(A: np.ndarray, F: int, axes: tuple) -> np.ndarray:
    """Σ_{d=-r..r} A shifted by d jointly along ``axes`` (all of the same size), zeros shifted in."""
    out = A.copy()
    n = A.shape[axes[0]]
    for d in range(1, F // 2 + 1):
        if d >= n:
            break
        for sign in (1, -1):
            dst = [slice(None)] * A.ndim
            src = [slice(None)] * A.ndim
            for axis in axes:  # out[p] += A[p + sign·d] where p + sign·d is inside the image
                dst[axis] = slice(0, n - d) if sign > 0 else slice(d, n)
                src[axis] = slice(d, n) if sign > 0 else slice(0, n - d)
            out[tuple(dst)] += A[tuple(src)]
    return out


def conv_variances(images: np.ndarray, depth: int, activation: str, weight_var: float, bias_var: float,
                   filter_size: int) -> list:
    """K^l(x,p; x,p) for l = 1 .. depth, each of shape (n, H, W): the position-diagonal variances
    of each image, the same for CNN and LCN."""
    F = filter_size
    C = images.shape[1]
    k = weight_var / (C * F * F) * _box(np.einsum("ncij,ncij->nij", images, images), F, False) + bias_var
    out = [k]
    for _ in range(depth - 1):
        t, _ = dual_maps(activation, k, k, k, derivative=False)
        k = weight_var / (F * F) * _box(t, F, False) + bias_var
        out.append(k)
    return out


def conv_kernels(X1: np.ndarray, X2: np.ndarray, image_shape, depth: int, activation: str, weight_var: float,
                 bias_var: float, *, filter_size: int = 3, readout: str = "flatten", weight_sharing: bool = True,
                 ntk: bool = True, block_entries: int = _BLOCK_ENTRIES, backend: str = "auto", device=None,
                 dtype=None, progress: bool | None = None):
    """K(X1, X2) and Θ(X1, X2) (Θ None unless ``ntk``) of a CNN (``weight_sharing``) or LCN.

    Parameters
    ----------
    X1, X2 : ndarray (n1, C·H·W), (n2, C·H·W)
        Flat images, channel-first.
    image_shape : (C, H, W)
    depth : int >= 1
        Convolutional layers L (each followed by φ) before the read-out.
    activation, weight_var, bias_var
        As for :func:`~.kernels.mlp_kernels`.
    filter_size : odd int
    readout : {"flatten", "gap"}
    weight_sharing : bool
        True: CNN; False: LCN.
    ntk : bool
    block_entries : int
        Numbers per block (pairs x positions), bounding the memory.
    backend : {"auto", "numba", "torch", "numpy"}
        How the CNN with pooling (every pair of positions) is computed: "numba", the fused
        kernel of :mod:`._fused` on a thread pool (needs the optional numba; relu, erf and
        identity); "torch", the position-pair tensor of a block of image pairs on ``device``;
        "numpy", a block of image pairs by numpy operations. "auto": numba where it is
        installed and applies, else numpy. The other architectures and read-outs ignore it.
    device : torch device or str, optional
        backend "torch" only (e.g. "cuda"); default the CPU.
    dtype : torch or numpy dtype, or its name, optional
        backends "numba" and "torch": the precision of the recursion (default float64; float32
        is faster, to about 1e-6 relative). The numpy road computes in float64.
    progress : bool or None
        A progress bar over the image pairs of a pooled kernel that takes more than a few
        seconds; None: when stderr is a terminal.

    Returns
    -------
    K, Θ : ndarray (n1, n2); exactly symmetric when X1 is X2.
    """
    C, H, W = image_shape
    A = np.asarray(X1, dtype=np.float64).reshape(-1, C, H, W)
    B = A if X2 is X1 else np.asarray(X2, dtype=np.float64).reshape(-1, C, H, W)
    var_a = conv_variances(A, depth, activation, weight_var, bias_var, filter_size)
    var_b = var_a if B is A else conv_variances(B, depth, activation, weight_var, bias_var, filter_size)
    args = (A, B, var_a, var_b, depth, activation, weight_var, bias_var, filter_size, ntk)
    if readout == "gap" and weight_sharing:
        K, theta = _pooled(args, backend, device, dtype, progress, block_entries)
    else:
        K, theta = _position_diagonal(*args, pooled=readout == "gap", block_entries=block_entries)
    if B is A:
        K = 0.5 * (K + K.T)
        theta = 0.5 * (theta + theta.T) if ntk else None
    return K, theta


_BACKENDS = ("auto", "numba", "torch", "numpy")
# position pairs x layers above which a pooled kernel shows a progress bar (~ a few seconds)
_PROGRESS_WORK = 2e9


def _pooled(args, backend, device, dtype, progress, block_entries):
    """The CNN with global average pooling: every pair of positions, by the backend asked."""
    from ..._progress import ProgressBar
    from ..._validation import check_choice
    from ...exceptions import InputError
    from . import _fused

    A, B, var_a, var_b, depth, activation, sw2, sb2, F, ntk = args
    backend = check_choice("backend", backend, _BACKENDS)
    fusable = activation in _fused.FUSED_ACTIVATIONS
    if backend == "auto":
        backend = "numba" if fusable and _fused.have_numba() else "numpy"
    if backend == "numba" and not (fusable and _fused.have_numba()):
        raise InputError("backend", "numba needs the numba package (pip install numba) and a closed-form "
                                    f"activation ({', '.join(_fused.FUSED_ACTIVATIONS)}); got {activation}")
    if backend == "numpy" and _fused._precision(dtype) != "float64":
        raise InputError("dtype", "the numpy road computes in float64; float32 needs the fused kernel (numba, the "
                                  "optional extra fast) or backend torch")
    if backend == "torch" and not fusable:
        raise InputError("backend", f"torch computes the closed-form activations {_fused.FUSED_ACTIVATIONS}; "
                                    f"got {activation}")
    n_pairs = len(A) * (len(A) + 1) // 2 if B is A else len(A) * len(B)
    positions = (A.shape[2] * A.shape[3]) ** 2
    bar = None
    if n_pairs * positions * depth > _PROGRESS_WORK and progress is not False:
        bar = ProgressBar(n_pairs, label="pooled CNN kernel ", unit="pairs", enabled=progress)
    try:
        if backend == "numba":
            return _fused.pooled_numba(*args, progress=bar, dtype=dtype)
        if backend == "torch":
            return _fused.pooled_torch(*args, device=device, dtype=dtype, block_entries=block_entries, progress=bar)
        K, theta = _all_positions(*args, readout="gap", block_entries=min(block_entries, _POOLED_BLOCK_ENTRIES))
        if bar is not None:
            bar.update(n_pairs)
        return K, theta
    finally:
        if bar is not None:
            bar.close()


def _position_diagonal(A, B, var_a, var_b, depth, activation, sw2, sb2, F, ntk, *, pooled, block_entries):
    """CNN or LCN with flatten read-out, LCN with pooling: the recursion on K(p, p) only."""
    n1, n2 = len(A), len(B)
    C, H, W = A.shape[1:]
    K = np.empty((n1, n2))
    theta = np.empty_like(K) if ntk else None
    if pooled:
        m_a = mean_map(activation, var_a[-1]).reshape(n1, -1)
        m_b = mean_map(activation, var_b[-1]).reshape(n2, -1)
    rows = max(1, block_entries // max(1, n2 * H * W))
    for start in range(0, n1, rows):
        sl = slice(start, min(start + rows, n1))
        k = sw2 / (C * F * F) * _box(np.einsum("icpq,jcpq->ijpq", A[sl], B), F, False) + sb2
        if B is A:  # an image with itself: ρ must be 1 exactly (rounding of the two products)
            rows_here = np.arange(sl.start, sl.stop)
            k[rows_here - sl.start, rows_here] = var_a[0][sl]
        th = k.copy() if ntk else None
        for layer in range(depth):
            t, dt = dual_maps(activation, var_a[layer][sl, None], var_b[layer][None], k, derivative=ntk)
            if layer < depth - 1:
                k = sw2 / (F * F) * _box(t, F, False) + sb2
                if ntk:
                    th = k + sw2 / (F * F) * _box(dt * th, F, False)
        t = t.reshape(t.shape[0], n2, H * W)
        if pooled:  # mean over (p, p') of T: the p = p' terms, the rest m(p) m(p') (independent)
            ma, mb = m_a[sl], m_b
            diag = np.sum(t - ma[:, None, :] * mb[None, :, :], axis=-1) + np.sum(ma, 1)[:, None] * np.sum(mb, 1)[None]
            K[sl] = sw2 * diag / (H * W) ** 2 + sb2
            scale = 1.0 / (H * W) ** 2
        else:
            K[sl] = sw2 * t.mean(axis=-1) + sb2
            scale = 1.0 / (H * W)
        if ntk:  # Θ^L vanishes between different positions of an LCN: the diagonal only
            theta[sl] = K[sl] + sw2 * scale * np.sum((dt * th).reshape(t.shape), axis=-1)
    return K, theta


def _all_positions(A, B, var_a, var_b, depth, activation, sw2, sb2, F, ntk, *, readout, block_entries):
    """The CNN recursion on every (p, p'), a few pairs of images at a time: needed for pooling;
    with ``readout="flatten"`` it reads the diagonal only (the tests' independent road to the
    flatten kernels)."""
    n1, n2 = len(A), len(B)
    C, H, W = A.shape[1:]
    K = np.empty((n1, n2))
    theta = np.empty_like(K) if ntk else None
    pairs = max(1, block_entries // (H * W) ** 2)
    symmetric = B is A
    index = [(i, j) for i in range(n1) for j in range(n2) if not symmetric or j <= i]
    for start in range(0, len(index), pairs):
        block = index[start:start + pairs]
        I = np.array([i for i, _ in block])
        J = np.array([j for _, j in block])
        k = sw2 / (C * F * F) * _box(np.einsum("bcpq,bcrs->bpqrs", A[I], B[J]), F, True) + sb2
        for b in np.flatnonzero(I == J) if symmetric else ():  # ρ = 1 exactly at (x, p; x, p)
            k[b].reshape(H * W, H * W)[np.diag_indices(H * W)] = var_a[0][I[b]].ravel()
        th = k.copy() if ntk else None
        for layer in range(depth):
            va = var_a[layer][I][:, :, :, None, None]
            vb = var_b[layer][J][:, None, None, :, :]
            t, dt = dual_maps(activation, va, vb, k, derivative=ntk)
            if layer < depth - 1:
                k = sw2 / (F * F) * _box(t, F, True) + sb2
                if ntk:
                    th = k + sw2 / (F * F) * _box(dt * th, F, True)
        if readout == "flatten":  # positions p = p' only
            t = np.diagonal(t.reshape(len(block), H * W, H * W), axis1=1, axis2=2)
            if ntk:
                dt = np.diagonal((dt * th).reshape(len(block), H * W, H * W), axis1=1, axis2=2)
        elif ntk:
            dt = dt * th
        out = sw2 * t.reshape(len(block), -1).mean(axis=1) + sb2
        K[I, J] = out
        if ntk:
            theta[I, J] = out + sw2 * dt.reshape(len(block), -1).mean(axis=1)
        if symmetric:
            K[J, I] = K[I, J]
            if ntk:
                theta[J, I] = theta[I, J]
    return K, theta
