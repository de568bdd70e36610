"""The one road to a Gaussian posterior at the test inputs (docs/method.md §2, §7): :func:`posterior`.

A space supplies its prior as a function ``kernels(X1, X2, tangent) -> (K, Θ or None)``: the
prior kernel K between two sets of inputs (unit amplitude) and, where ``tangent`` is asked for,
the neural tangent kernel Θ as well. :func:`posterior` builds the matrices it needs, conditions,
diagonalises and returns one :class:`GaussianPosterior`. Two laws:

- **conditioned** (the GP of docs/method.md §2 and the nngp of docs/method.md §7), with A = K + (σ² + δ)/a² I:
  M = K* A^-1 Y_train and Σ = a² (K** - K* A^-1 K*^T);
- **trained** (the ntk of docs/method.md §7; Lee et al. 2019, eqs. 14-16): a network trained by gradient
  flow on ½||f(X) - Y||² for a time τ (None: to convergence), with R = Θ* Θ^-1 (I - e^{-τΘ}):
  M = R Y_train and Σ = K** + R K R^T - (R K*^T + K* R^T), the covariance of f(x*) - R f(X)
  for f ~ GP(0, K). It is evaluated as the nngp covariance plus a positive semidefinite
  correction, Σ = (K** - K* K^-1 K*^T) + G G^T with G = R L_K - K* L_K^-T (K = L_K L_K^T):
  the same matrix (expand G G^T), positive semidefinite by construction, so that rounding cannot
  make variances negative. The jitter δ goes on Θ (its default 1e-10 times Θ's mean diagonal; K
  gets the default). At finite τ no inverse is formed: Θ + δI = Q diag(η) Q^T and
  Θ^-1 (I - e^{-τΘ}) = Q diag(-expm1(-τη)/η) Q^T, which is τ where η is 0.

Backends (docs/scale.md), chosen from the options:

- ``numpy`` (in memory, the default): LAPACK Cholesky, triangular solves, the rank-n update by
  dsyrk, eigh; the conditioning diagnostics of :mod:`..conditioning`. Both laws.
- ``out-of-core`` (``memory_limit`` below the in-memory working set): tiles on disk
  (:mod:`._out_of_core`); ``dask`` (``dask_address``): a blocked graph on a cluster
  (:mod:`._dask`); ``torch`` (``device``): the same steps in float64 through torch. The
  conditioned law, for kernels whose diagonal is 1 (the stationary kernels of docs/method.md §2).
"""

from __future__ import annotations

import functools
import math
import time
from typing import Callable

import numpy as np
from scipy import linalg
from scipy.linalg import lapack
from scipy.linalg.blas import dsymm, dsyrk

from ..._memory import check_memory
from ...distributions import eigen_decomposition
from ...exceptions import InputError
from ..conditioning import Conditioning, diagnose, scaled_norm
from ._options import check_device, in_memory_bytes
from ._record import (DEFAULT_RELATIVE_JITTER, GaussianPosterior, NotPositiveDefinite, not_positive_definite,
                      zero_tolerance)

Kernels = Callable[[np.ndarray, np.ndarray, bool], "tuple[np.ndarray, np.ndarray | None]"]

_NO_REMEDY = "change the prior, or remove duplicate training inputs"


def posterior(kernels: Kernels, X_train: np.ndarray, Y_train: np.ndarray, X_test: np.ndarray,
              Y_test: np.ndarray | None = None, *, tangent: bool = False, training_time: float | None = None,
              amplitude: float = 1.0, noise: float = 0.0, jitter: float | None = None,
              unit_diagonal: bool = False, memory_limit: int | None = None, device: str | None = None,
              scratch_dir: str | None = None, dask_address: str | None = None,
              remedy: str | Callable[[], str] = _NO_REMEDY, owner: str | None = None,
              check_kernels: Callable[[np.ndarray, np.ndarray | None], None] | None = None) -> GaussianPosterior:
    """The Gaussian law of the hypotheses at ``X_test`` (module docstring), diagonalised.

    Parameters
    ----------
    kernels : callable
        ``kernels(X1, X2, tangent)`` -> (K(X1, X2), Θ(X1, X2) or None), float64, unit amplitude.
        Called with the same object twice for a block on the diagonal.
    X_train, Y_train, X_test : ndarray
        Inputs as ``kernels`` reads them; Y_train (n, k).
    Y_test : ndarray (m, k), optional
        Only for the conditioning diagnostics (the posterior mean's loss against the prior's).
    tangent : bool
        The trained (ntk) law instead of the conditioned one.
    training_time : float or None
        τ, the trained law's time of gradient flow on ½||f(X) - Y||² (None: converged; 0: the
        initial network's law, mean 0 and covariance K**).
    amplitude, noise : float
        a and σ² of the conditioned law (docs/method.md §2): A = a²K + σ²I + δI.
    jitter : float or None
        δ, added to a²K + σ²I (conditioned) or to Θ (trained); None: 1e-10 times the mean
        diagonal of the matrix it is added to.
    unit_diagonal : bool
        K(x, x) = 1 for every x (the stationary kernels): the jitter's scale is known without
        forming K, as the out-of-core and Dask backends need.
    memory_limit, device, scratch_dir, dask_address
        The backend (module docstring); computational only.
    remedy : str or callable
        What the space's user may change where a matrix is not positive definite (after the
        jitter); a callable is evaluated only then.
    owner : str or None
        Whose kernel matrices these are, in the message that refuses them for want of memory
        ("the GP's kernel matrices").
    check_kernels : callable or None
        ``check_kernels(K, Θ or None)`` of the training inputs, before they are factored: the
        space's own refusal of matrices it knows to be meaningless (it raises).

    Returns
    -------
    GaussianPosterior
        Eigenvalues in the units of a²; ``backend`` says which backend ran.
    """
    n, m, k = len(X_train), len(X_test), Y_train.shape[1]
    a2 = float(amplitude) ** 2
    device = check_device(device)
    if tangent and noise:
        raise InputError("noise", f"the trained (ntk) law has no observation noise; got {noise!r}")
    if training_time is not None and not tangent:
        raise InputError("training_time", "applies to the trained (ntk) law only")
    if training_time is not None and not (training_time >= 0):
        raise InputError("training_time", f"must be >= 0; got {training_time!r}")
    out_of_core = memory_limit is not None and in_memory_bytes(n, m, k) > memory_limit
    if device is not None or dask_address is not None or out_of_core:
        if tangent:
            raise InputError("device" if device is not None else "dask_address" if dask_address else "memory_limit",
                             "the trained (ntk) law is computed in memory by numpy only")
        if not unit_diagonal:
            raise ValueError("the out-of-core, Dask and torch backends need a kernel whose diagonal is 1")
        return _elsewhere(kernels, X_train, Y_train, X_test, a2, noise, jitter, memory_limit, device,
                          scratch_dir, dask_address, remedy)

    timings = {}
    # float64 K, Θ (n x n), K*, Θ* and V (m x n), K** / Σ and its eigenvectors (m x m), held at once
    words = (2 if tangent else 1) * n * n + (3 if tangent else 2) * m * n + 2 * m * m
    whose = f"{owner}'s " if owner else ""
    check_memory("n_train" if n >= m else "n_test", n if n >= m else m, 8.0 * words,
                 f"the {whose}kernel matrices ({n} training and {m} test points)")
    tic = time.perf_counter()
    K, theta = kernels(X_train, X_train, tangent)
    K_star, theta_star = kernels(X_test, X_train, tangent)
    K_starstar, _ = kernels(X_test, X_test, False)
    # float64, C-ordered, owned: the factorisations below work in these arrays' storage
    K, K_star, K_starstar = (np.array(a, dtype=np.float64, order="C", copy=None) for a in (K, K_star, K_starstar))
    if tangent:
        theta, theta_star = (np.array(a, dtype=np.float64, order="C", copy=None) for a in (theta, theta_star))
    timings["kernel"] = time.perf_counter() - tic
    if check_kernels is not None:
        check_kernels(K, theta)

    scale = 1.0 if unit_diagonal else float(np.mean(np.diag(K)))
    if not tangent:
        delta = DEFAULT_RELATIVE_JITTER * a2 * scale if jitter is None else float(jitter)
        added = (noise + delta) / a2
        try:
            mean, cov, conditioning = _conditioned(K, K_star, K_starstar, Y_train, Y_test, added, a2, timings)
        except NotPositiveDefinite:
            raise not_positive_definite("kernel matrix", added * a2, noise, delta, remedy) from None
        tolerance = zero_tolerance(n, m, a2 * scale, (delta / (a2 * scale),))
        kernel_jitter = None
    else:
        kernel_jitter = DEFAULT_RELATIVE_JITTER * scale
        scale_theta = float(np.mean(np.diag(theta)))
        delta = DEFAULT_RELATIVE_JITTER * scale_theta if jitter is None else float(jitter)
        try:
            mean, cov, conditioning = _trained(K, K_star, K_starstar, theta, theta_star, Y_train, Y_test,
                                               kernel_jitter, delta, training_time, timings)
        except NotPositiveDefinite as failure:
            added = kernel_jitter if failure.label == "K matrix" else delta
            raise not_positive_definite(failure.label, added, 0.0, added, remedy) from None
        tolerance = zero_tolerance(n, m, scale, (DEFAULT_RELATIVE_JITTER, delta / scale_theta))

    tic = time.perf_counter()
    lam, U = eigen_decomposition(cov, overwrite=True)
    timings["eigh"] = time.perf_counter() - tic
    lam *= a2
    return GaussianPosterior(mean, lam, U, delta, tolerance, noise=float(noise), amplitude=float(amplitude),
                             kernel_jitter=kernel_jitter, training_time=training_time, conditioning=conditioning,
                             timings=timings,
                             backend={"backend": "numpy", **({} if memory_limit is None else
                                                             {"memory_limit": memory_limit})})


# -- numpy, in memory ------------------------------------------------------------------------------

def _factor_in_place(K: np.ndarray, added: float, label: str, *, keep_upper: bool):
    """Lower Cholesky factor of K + added·I, computed in K's storage.

    K is symmetric and C-ordered, so K.T is the same matrix in Fortran order (no copy). With
    ``keep_upper`` the strict upper triangle still holds the matrix (clean=0), for the residual of
    a solve without a second n × n array; returns (factor, its original diagonal, ||A||₁, ||A||_F).
    """
    K[np.diag_indices_from(K)] += added
    A = K.T
    one_norm = float(np.max(np.sum(np.abs(A), axis=0))) if keep_upper else math.nan
    frobenius = scaled_norm(A) if keep_upper else math.nan
    diagonal = A.diagonal().copy()
    factor, info = lapack.dpotrf(A, lower=1, clean=0 if keep_upper else 1, overwrite_a=1)
    if info != 0:
        raise NotPositiveDefinite(label)
    return factor, diagonal, one_norm, frobenius


def _symmetric_product(factor: np.ndarray, diagonal: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A x for the symmetric A whose strict upper triangle ``factor`` still holds (an in-place
    lower Cholesky with clean=0) and whose diagonal was ``diagonal``."""
    kept = factor.diagonal().copy()
    factor[np.diag_indices_from(factor)] = diagonal
    try:
        return dsymm(1.0, factor, np.asfortranarray(x), lower=0)
    finally:
        factor[np.diag_indices_from(factor)] = kept


def _diagnose(factor, diagonal, one_norm, frobenius, cross_norm, mean, Y_train, Y_test, added_diagonal,
              timings) -> Conditioning | None:
    """The checks of :mod:`..conditioning` for the solve A α = Y_train behind the mean."""
    if Y_test is None:
        return None
    tic = time.perf_counter()
    beta = linalg.solve_triangular(factor, Y_train, lower=True, check_finite=False)
    alpha = linalg.solve_triangular(factor, beta, lower=True, trans=1, check_finite=False)
    residual = _symmetric_product(factor, diagonal, alpha) - Y_train
    out = diagnose(factor, one_norm, frobenius, residual, alpha, Y_train, cross_norm, mean, Y_test,
                   added_diagonal=added_diagonal)
    timings["conditioning"] = time.perf_counter() - tic
    return out


def _conditioned(K, K_star, K_starstar, Y_train, Y_test, added, a2, timings):
    """M = K* A^-1 Y and the lower triangle of Σ/a² = K** - V^T V, V = L^-1 K*^T (A = K + added·I)."""
    tic = time.perf_counter()
    factor, diagonal, one_norm, frobenius = _factor_in_place(K, added, "kernel matrix", keep_upper=True)
    timings["cholesky"] = time.perf_counter() - tic
    tic = time.perf_counter()
    V = linalg.solve_triangular(factor, K_star.T, lower=True, check_finite=False)
    beta = linalg.solve_triangular(factor, Y_train, lower=True, check_finite=False)
    mean = V.T @ beta  # K* A^-1 Y = (L^-1 K*^T)^T (L^-1 Y)
    cross_norm = scaled_norm(K_star)
    del K_star
    # dsyrk fills the lower triangle only, which is all eigh reads
    cov = dsyrk(-1.0, V, beta=1.0, c=K_starstar, trans=1, lower=1, overwrite_c=1)
    timings["solve"] = time.perf_counter() - tic
    conditioning = _diagnose(factor, diagonal, one_norm, frobenius, cross_norm, mean, Y_train, Y_test,
                             added * a2, timings)
    return mean, cov, conditioning


def _trained(K, K_star, K_starstar, theta, theta_star, Y_train, Y_test, kernel_jitter, delta, tau, timings):
    """M = R Y and the lower triangle of Σ = (K** - V^T V) + G G^T (module docstring)."""
    tic = time.perf_counter()
    L_K, _, _, _ = _factor_in_place(K, kernel_jitter, "K matrix", keep_upper=False)
    V = linalg.solve_triangular(L_K, K_star.T, lower=True, check_finite=False)  # L_K^-1 K*^T
    cov = dsyrk(-1.0, V, beta=1.0, c=K_starstar, trans=1, lower=1, overwrite_c=1)
    conditioning = None
    if tau is None:
        factor, diagonal, one_norm, frobenius = _factor_in_place(theta, delta, "Θ matrix", keep_upper=True)
        R_T = linalg.cho_solve((factor, True), theta_star.T, check_finite=False)  # Θ^-1 Θ*^T = R^T
    else:
        # Θ^-1 (I - e^{-τΘ}) through Θ + δI = Q diag(η) Q^T: no inverse, finite where η is 0
        theta[np.diag_indices_from(theta)] += delta
        eta, Q = linalg.eigh(theta, overwrite_a=True, check_finite=False, driver="evd")
        np.maximum(eta, 0.0, out=eta)
        gain = np.full_like(eta, float(tau))
        positive = eta > 0
        gain[positive] = -np.expm1(-tau * eta[positive]) / eta[positive]
        R_T = Q @ (gain[:, None] * (Q.T @ theta_star.T))
    mean = R_T.T @ Y_train
    G_T = L_K.T @ R_T - V  # (R L_K - K* L_K^-T)^T
    cov = dsyrk(1.0, G_T, beta=1.0, c=cov, trans=1, lower=1, overwrite_c=1)
    timings["solve"] = time.perf_counter() - tic
    if tau is None:
        conditioning = _diagnose(factor, diagonal, one_norm, frobenius, scaled_norm(theta_star), mean,
                                 Y_train, Y_test, delta, timings)
    return mean, cov, conditioning


# -- out of core, Dask, torch: the conditioned law of a unit-diagonal kernel -------------------------

def _first(kernels, A, B):
    return kernels(A, B, False)[0]


def _elsewhere(kernels, X_train, Y_train, X_test, a2, noise, jitter, memory_limit, device, scratch_dir,
               dask_address, remedy) -> GaussianPosterior:
    n, m = len(X_train), len(X_test)
    delta = DEFAULT_RELATIVE_JITTER * a2 if jitter is None else float(jitter)
    added = (noise + delta) / a2  # on the diagonal of K, whose entries there are all 1
    kernel = functools.partial(_first, kernels)  # picklable where ``kernels`` is: it travels to Dask workers
    try:
        if device is not None:
            mean, lam, U, timings, backend = _torch(kernel, X_train, Y_train, X_test, added, device)
        else:
            if dask_address is not None:
                from ._dask import dask_posterior
                from ._out_of_core import tile_size

                block = None if memory_limit is None else max(tile_size(memory_limit, n, m), 16)
                mean, cov, timings, layout = dask_posterior(kernel, X_train, Y_train, X_test, added, dask_address,
                                                            block)
                backend = {"backend": "dask", **layout}
            else:
                from ._out_of_core import out_of_core_posterior

                mean, cov, timings, layout = out_of_core_posterior(kernel, X_train, Y_train, X_test, added,
                                                                   memory_limit, scratch_dir)
                backend = {"backend": "out-of-core", "memory_limit": memory_limit, **layout}
            tic = time.perf_counter()
            lam, U = eigen_decomposition(cov, overwrite=True)  # in memory: m × m
            timings["eigh"] = time.perf_counter() - tic
    except NotPositiveDefinite as failure:
        raise not_positive_definite(failure.label, added * a2, noise, delta, remedy) from None
    lam *= a2
    return GaussianPosterior(mean, lam, U, delta, zero_tolerance(n, m, a2, (delta / a2,)), noise=float(noise),
                             amplitude=math.sqrt(a2), timings=timings, backend=backend)


def _torch(kernel, X_train, Y_train, X_test, added, device):
    """Cholesky, solves, update and eigendecomposition through torch in float64 on ``device``; the
    kernel matrices are built on the CPU by the numpy path's code (identical bits) and moved."""
    import torch

    timings = {}
    target = torch.device(device)

    def synchronize():  # CUDA runs asynchronously: time what has finished
        if target.type == "cuda":
            torch.cuda.synchronize(target)

    tic = time.perf_counter()
    K = kernel(X_train, X_train)
    K[np.diag_indices_from(K)] += added
    K, K_star, K_starstar = (torch.from_numpy(a).to(target)
                             for a in (K, kernel(X_test, X_train), kernel(X_test, X_test)))
    Y = torch.tensor(np.asarray(Y_train, dtype=np.float64), device=target)
    synchronize()
    timings["kernel"] = time.perf_counter() - tic
    tic = time.perf_counter()
    L, info = torch.linalg.cholesky_ex(K)
    if int(info) != 0:
        raise NotPositiveDefinite("kernel matrix")
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
