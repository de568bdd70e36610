"""Where the GP posterior of SPEC §2 is computed: the one place, with three backends.

- ``numpy`` (in memory): K, K*, K** built whole; LAPACK Cholesky, triangular solves, the rank-n
  update Σ/a² = K** - V^T V (dsyrk) and eigh. The reference path.
- ``out-of-core``: the same mathematics on tiles kept on disk (:mod:`._out_of_core`), chosen when
  a ``memory_limit`` is given and the in-memory working set would exceed it. The m × m covariance
  and its eigendecomposition stay in memory.
- ``dask``: the same blocked graph on a Dask cluster (:mod:`._dask_backend`), where a
  ``dask_address`` is given; the covariance comes back and is diagonalised here.
- ``torch``: the Cholesky, solves, update and eigendecomposition through torch in float64 on a
  named device ("cpu" or "cuda"). Kernel matrices are built on the CPU by the same code as the
  numpy path (so both start from identical bits) and moved to the device.

Each returns the mean M, the eigenvalues and eigenvectors of Σ/a² (ascending, negative rounding
clipped to 0), timings per stage and a description of what ran.
"""

from __future__ import annotations

import re
import time

import numpy as np
from scipy import linalg
from scipy.linalg.blas import dsyrk

from ..distributions import eigen_decomposition
from ..exceptions import InputError
from ._out_of_core import out_of_core_posterior, tile_size
from .kernels import kernel_matrix

DEVICES = ("cpu", "cuda")
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*$")


def parse_memory_size(name: str, value) -> int:
    """Bytes from an int or a string such as "1GB", "500MB", "1.5GiB" (kB, MB, GB, TB powers of
    1000; KiB, MiB, GiB, TiB powers of 1024; a bare number is bytes)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        size = int(value)
    elif isinstance(value, str) and (match := _SIZE.match(value)) and match.group(2).lower() in _UNITS:
        size = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    else:
        raise InputError(name, f"must be a size such as 1GB, 500MB or 2GiB; got {value!r}")
    if size <= 0:
        raise InputError(name, f"must be positive; got {value!r}")
    return size


def in_memory_bytes(n: int, m: int, k: int) -> int:
    """Peak bytes of the numpy backend's arrays: K (n²), K* and V sharing storage (n m), K** / Σ
    (m²), the eigendecomposition's workspace (~2 m², dsyevd), M and β (n k, m k)."""
    return 8 * (n * n + n * m + 3 * m * m + (n + m) * k)


def check_device(device) -> str | None:
    """None (the numpy backends) or a torch device name, usable now: "cuda" without a CUDA
    device is an error, never a silent fall back to the CPU."""
    if device is None:
        return None
    if device not in DEVICES:
        raise InputError("device", f"must be one of {', '.join(DEVICES)}; got {device!r}")
    try:
        import torch
    except ModuleNotFoundError:
        raise InputError("device", f"{device!r} runs the GP posterior through torch, which is not installed") from None
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("device", f"'cuda' asked for, but torch {torch.__version__} finds no CUDA device; "
                                   "use --device cpu or leave --device out")
    return device


def gp_posterior(kernel: str, X_train, Y_train, X_test, lengthscale: float, relative_jitter: float, *,
                 memory_limit: int | None = None, device: str | None = None, scratch_dir: str | None = None,
                 dask_address: str | None = None):
    """(mean, eigenvalues, eigenvectors, timings, backend) of the unit-amplitude posterior
    (SPEC §2: M = K* K^-1 Y, Σ/a² = K** - K* K^-1 K*^T with δ added to K's diagonal)."""
    n, m, k = len(X_train), len(X_test), Y_train.shape[1]
    if device is not None:
        return _torch(kernel, X_train, Y_train, X_test, lengthscale, relative_jitter, device)
    if dask_address is not None:
        from ._dask_backend import dask_posterior

        block = None if memory_limit is None else max(tile_size(memory_limit, n, m), 16)
        mean, cov, timings, layout = dask_posterior(kernel, X_train, Y_train, X_test, lengthscale, relative_jitter,
                                                    dask_address, block)
        tic = time.perf_counter()
        lam, U = eigen_decomposition(cov, overwrite=True)  # in memory: m × m
        timings["eigh"] = time.perf_counter() - tic
        return mean, lam, U, timings, {"backend": "dask", **layout}
    if memory_limit is not None and in_memory_bytes(n, m, k) > memory_limit:
        mean, cov, timings, layout = out_of_core_posterior(kernel, X_train, Y_train, X_test, lengthscale,
                                                           relative_jitter, memory_limit, scratch_dir)
        tic = time.perf_counter()
        lam, U = eigen_decomposition(cov, overwrite=True)  # in memory: m × m
        timings["eigh"] = time.perf_counter() - tic
        return mean, lam, U, timings, {"backend": "out-of-core", "memory_limit": memory_limit, **layout}
    mean, lam, U, timings = _numpy(kernel, X_train, Y_train, X_test, lengthscale, relative_jitter)
    backend = {"backend": "numpy"}
    if memory_limit is not None:
        backend["memory_limit"] = memory_limit
    return mean, lam, U, timings, backend


def _not_positive_definite(relative_jitter: float) -> InputError:
    return InputError("jitter", f"the kernel matrix plus jitter {relative_jitter:.3g} (relative to a^2) is not "
                                "positive definite; increase the jitter, change the lengthscale, or remove duplicate "
                                "training inputs")


def _kernels(kernel, X_train, X_test, lengthscale, relative_jitter):
    K = kernel_matrix(kernel, X_train, X_train, lengthscale)
    K_star = kernel_matrix(kernel, X_test, X_train, lengthscale)
    K_starstar = kernel_matrix(kernel, X_test, X_test, lengthscale)
    K[np.diag_indices_from(K)] += relative_jitter  # mean diagonal of κ is 1 for these kernels
    return K, K_star, K_starstar


def _numpy(kernel, X_train, Y_train, X_test, lengthscale, relative_jitter):
    timings = {}
    tic = time.perf_counter()
    K, K_star, K_starstar = _kernels(kernel, X_train, X_test, lengthscale, relative_jitter)
    timings["kernel"] = time.perf_counter() - tic
    tic = time.perf_counter()
    # K is C-ordered; its transpose is the Fortran array LAPACK wants, so factoring K^T = U^T U in
    # place (upper triangle of K^T = lower triangle of K) spares an n × n copy. L = U^T.
    try:
        L = linalg.cholesky(K.T, lower=False, overwrite_a=True, check_finite=False).T
    except linalg.LinAlgError:
        raise _not_positive_definite(relative_jitter) from None
    del K
    timings["cholesky"] = time.perf_counter() - tic
    tic = time.perf_counter()
    V = linalg.solve_triangular(L, K_star.T, lower=True, check_finite=False, overwrite_b=True)
    beta = linalg.solve_triangular(L, Y_train, lower=True, check_finite=False)
    del L
    mean = V.T @ beta  # K* K^-1 Y = (L^-1 K*^T)^T (L^-1 Y)
    # Σ/a^2 = K** - V^T V; dsyrk fills the lower triangle only, which is all eigh reads.
    # (K**^T is Fortran-ordered, so it is updated in place; K** is symmetric)
    cov = dsyrk(-1.0, V, beta=1.0, c=K_starstar.T, trans=1, lower=1, overwrite_c=1)
    del V, K_star
    timings["solve"] = time.perf_counter() - tic
    tic = time.perf_counter()
    lam, U = eigen_decomposition(cov, overwrite=True)
    timings["eigh"] = time.perf_counter() - tic
    return mean, lam, U, timings


def _torch(kernel, X_train, Y_train, X_test, lengthscale, relative_jitter, device):
    import torch

    timings = {}
    target = torch.device(device)

    def synchronize():  # CUDA runs asynchronously: time what has finished
        if target.type == "cuda":
            torch.cuda.synchronize(target)

    tic = time.perf_counter()
    K, K_star, K_starstar = (torch.from_numpy(a).to(target)
                             for a in _kernels(kernel, X_train, X_test, lengthscale, relative_jitter))
    Y = torch.tensor(np.asarray(Y_train, dtype=np.float64), device=target)
    synchronize()
    timings["kernel"] = time.perf_counter() - tic
    tic = time.perf_counter()
    L, info = torch.linalg.cholesky_ex(K)
    if int(info) != 0:
        raise _not_positive_definite(relative_jitter)
    del K
    synchronize()
    timings["cholesky"] = time.perf_counter() - tic
    tic = time.perf_counter()
    V = torch.linalg.solve_triangular(L, K_star.T, upper=False)
    beta = torch.linalg.solve_triangular(L, Y, upper=False)
    del L, K_star
    mean = V.T @ beta
    cov = torch.addmm(K_starstar, V.T, V, alpha=-1.0)
    del V, K_starstar
    synchronize()
    timings["solve"] = time.perf_counter() - tic
    tic = time.perf_counter()
    lam, U = torch.linalg.eigh(cov, UPLO="L")
    lam.clamp_(min=0.0)
    synchronize()
    timings["eigh"] = time.perf_counter() - tic
    return (mean.cpu().numpy(), lam.cpu().numpy(), U.cpu().numpy(), timings,
            {"backend": "torch", "device": str(target)})
