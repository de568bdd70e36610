"""Gaussian-process hypothesis spaces: the exact law of the test loss (SPEC §2)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg
from scipy.linalg import lapack
from scipy.linalg.blas import dsymm, dsyrk

from .._memory import check_memory
from ..exceptions import InputError
from ..distributions import eigen_decomposition
from ..tasks import Task
from ._gaussian_space import GaussianPosteriorSpace
from ._gp_backends import check_device, gp_posterior, in_memory_bytes, parse_memory_size
from ._out_of_core import median_distance
from .conditioning import Conditioning, diagnose
from .kernels import KERNELS, kernel_matrix, median_lengthscale
from ..parameters import ANY, NON_NEGATIVE, POSITIVE, Parameter, defaults_of

__all__ = ["GaussianProcess", "GPPosterior"]

DEFAULT_RELATIVE_JITTER = 1e-10


def zero_tolerance(task: Task, a2: float, relative_jitter: float) -> float:
    """Eigenvalues of Σ at or below this count as pinned by the data (SPEC §2).

    Σ is resolved only to the rounding of K** - V^T V, ~ max(n, m) · machine eps · a² (backward
    stability of the Cholesky-based Schur complement), and to the default jitter's O(δ) at most:
    a larger jitter set by the user, or observation noise, is part of the matrix that was solved
    and must not move real posterior variance into the constant c0.
    """
    rounding = 16.0 * max(task.n_train, task.n_test) * np.finfo(float).eps
    return a2 * (10.0 * min(relative_jitter, DEFAULT_RELATIVE_JITTER) + rounding)


def _symmetric_product_upper(factor: np.ndarray, diagonal: float, x: np.ndarray) -> np.ndarray:
    """A x for the symmetric A whose strict upper triangle ``factor`` still holds (an in-place
    lower Cholesky with clean=0) and whose diagonal entries all equal ``diagonal``."""
    kept = factor.diagonal().copy()
    np.fill_diagonal(factor, diagonal)
    try:
        return dsymm(1.0, factor, np.asfortranarray(x), lower=0)
    finally:
        factor[np.diag_indices_from(factor)] = kept


@dataclass(frozen=True, eq=False)
class GPPosterior:
    """The posterior at the test inputs, diagonalised: Σ = U diag(λ) U^T (SPEC §2).

    Attributes
    ----------
    mean : ndarray (m, k)          M = K* (a²K + σ²I + δI)^-1 Y_train (the latent function's mean)
    eigenvalues : ndarray (m,)     λ, ascending, negative rounding clipped to 0
    eigenvectors : ndarray (m, m)  U
    jitter : float                 δ added to the diagonal of a²K + σ²I (a numerical device)
    lengthscale : float            ℓ used (the median or the fitted value, resolved, where asked for)
    zero_tolerance : float         eigenvalues at or below it count as pinned by the data
    timings : dict                 seconds per stage
    noise : float                  σ², the observation noise variance (part of the model)
    amplitude : float              a used (the fitted value where asked for)
    conditioning : Conditioning    diagnostics of the solve (:mod:`.conditioning`); None where the
                                   posterior came from the out-of-core, Dask or torch backend
    hyperparameters : dict or None the marginal-likelihood fit, where a hyperparameter was "ml"
    backend : dict                 where it was computed: numpy, out-of-core (tile layout), torch (device)
    """

    mean: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    jitter: float
    lengthscale: float
    zero_tolerance: float
    timings: dict = field(default_factory=dict)
    noise: float = 0.0
    amplitude: float = 1.0
    conditioning: Conditioning | None = None
    hyperparameters: dict | None = None
    backend: dict = field(default_factory=dict)

    @property
    def covariance(self) -> np.ndarray:
        U, lam = self.eigenvectors, self.eigenvalues
        return (U * lam) @ U.T


# a² and a²-scaled eigenvalues stay normal float64 numbers (1e±300 and a margin for m, n).
_AMPLITUDE_RANGE = (1e-140, 1e140)


#: The GP space's parameters (SPEC §2): type, constraint, default and help, declared once; the
#: constructor's defaults, the command line's flags and experiment tables all read them.
PARAMETERS = (
    Parameter("kernel", str, "rbf", "kernel", choices=tuple(KERNELS)),
    Parameter("lengthscale", float, 1.0, "lengthscale: a number, 'median' (of the training inputs' pairwise "
              "distances) or 'ml' (fitted by marginal likelihood); 1.0 as published", special=("median", "ml"),
              **POSITIVE),
    Parameter("amplitude", float, 1.0, "prior standard deviation a of each output, or 'ml'", special=("ml",),
              **POSITIVE),
    Parameter("noise", float, 0.0, "observation noise variance σ² (K + σ²I in the solves), or 'ml'; 0 "
              "interpolates the training data exactly, as published", special=("ml",), metavar="SIGMA2",
              **NON_NEGATIVE),
    Parameter("jitter", float, None, "added to the kernel diagonal for numerical stability only (default "
              "1e-10 a²)", **NON_NEGATIVE),
    Parameter("restarts", int, 5, "starting points of the marginal-likelihood fit of 'ml' hyperparameters",
              **POSITIVE),
    Parameter("seed", int, 0, "seed of those starting points (the command line's --seed)", flag=False,
              **NON_NEGATIVE),
    Parameter("memory_limit", ANY, None, "bound on the posterior's working memory, e.g. 1GB or 500MB; beyond it "
              "the Cholesky and solves run on tiles on disk (default: no bound, all in memory)", metavar="SIZE"),
    Parameter("device", str, None, "compute the posterior with torch float64 there (default: numpy)",
              choices=("cpu", "cuda")),
    Parameter("scratch_dir", str, None, "with memory_limit: where the tiles are written (default: the system's "
              "temp dir)", metavar="DIR"),
    Parameter("dask_address", str, None, "run the Cholesky and solves on this Dask scheduler (e.g. "
              "tcp://head:8786); needs the dask extra", metavar="ADDR"),
)
_DEFAULT = defaults_of(PARAMETERS)


class GaussianProcess(GaussianPosteriorSpace):
    """Latent functions drawn from GP(0, a² κ) conditioned on the training data, each output
    independently (SPEC §2): interpolating it exactly (``noise=0``, the published setting) or up to
    Gaussian observation noise of variance σ² (``noise=σ²``).

    Parameters
    ----------
    kernel : {"rbf", "laplace", "matern32", "matern52"}, default "rbf"
    lengthscale : float, "median" or "ml", default 1.0
        ℓ; "median" takes the median pairwise distance of the training inputs, "ml" maximises the
        log marginal likelihood of the training data (SPEC §2; :mod:`.marginal_likelihood`).
    amplitude : float or "ml", default 1.0
        a, the prior standard deviation of each output.
    jitter : float or None, default None
        δ added to the diagonal of a²K + σ²I for numerical stability only; None means 1e-10 a²
        (1e-10 times the mean diagonal of a²K). The value used is reported. It does not set the
        tolerance below which posterior variances count as pinned by the data (SPEC §2): that
        reflects round-off only.
    noise : float or "ml", default 0.0
        σ², the variance of Gaussian observation noise on the training targets: the solves use
        a²K + σ²I + δI (SPEC §2, "Observation noise"); hypotheses are the latent functions, so the
        test loss compares the latent function with Y_test. Part of the space's spec.
    restarts : int, default 5
        Starting points of the marginal-likelihood maximisation (where a hyperparameter is "ml").
    seed : int, default 0
        Seed of those starting points (the first start is always the deterministic default).
    memory_limit : int or str, optional
        Bytes (or "1GB", "500MB", "2GiB") the posterior's working arrays may take. Where the
        in-memory computation would exceed it, the Cholesky, the triangular solves and the rank-n
        update of the covariance run on tiles kept on disk; the m × m covariance and its
        eigendecomposition stay in memory (about 3 m² × 8 bytes). The result is the same law to
        rounding. Computational only: not part of the space's spec.
    device : {"cpu", "cuda"}, optional
        Compute the posterior and its eigendecomposition with torch (float64) on this device;
        "cuda" without a CUDA device raises InputError. None (default): numpy / LAPACK.
    scratch_dir : str, optional
        Where the out-of-core tiles are written (a temporary directory inside it, removed after);
        default: the system's temporary directory.
    dask_address : str, optional
        A Dask scheduler ("tcp://host:8786"): the kernel matrices, Cholesky, solves and rank-n
        update run there as a blocked graph (blocks from ``memory_limit`` where given); the m × m
        covariance comes back and is diagonalised here. Needs the ``dask`` extra.

    The conditioning diagnostics (:mod:`.conditioning`) are computed on the in-memory numpy path;
    the out-of-core, Dask and torch backends report ``conditioning: null``.

    Examples
    --------
    >>> from inductive_bias import GaussianProcess, digits
    >>> law, info = GaussianProcess("rbf", 1.0).loss_distribution(digits())
    >>> round(float(law.bits(1.05)[0]), 2)
    6.58
    >>> noisy = GaussianProcess("rbf", "median", noise=1e-3)   # K + σ²I in the solves
    """

    name = "gp"

    def __init__(self, kernel: str = _DEFAULT["kernel"], lengthscale: float | str = _DEFAULT["lengthscale"],
                 amplitude: float | str = _DEFAULT["amplitude"], jitter: float | None = _DEFAULT["jitter"],
                 noise: float | str = _DEFAULT["noise"], *, restarts: int = _DEFAULT["restarts"],
                 seed: int = _DEFAULT["seed"], memory_limit: int | str | None = _DEFAULT["memory_limit"],
                 device: str | None = _DEFAULT["device"], scratch_dir: str | None = _DEFAULT["scratch_dir"],
                 dask_address: str | None = _DEFAULT["dask_address"]):
        given = {p.name: p for p in PARAMETERS}
        self.kernel = given["kernel"].check(kernel)
        self.lengthscale = given["lengthscale"].check(lengthscale)
        self.amplitude = given["amplitude"].check(amplitude)
        if not isinstance(self.amplitude, str) and not _AMPLITUDE_RANGE[0] <= self.amplitude <= _AMPLITUDE_RANGE[1]:
            # a² must be a normal float
            raise InputError("amplitude", f"must lie in [{_AMPLITUDE_RANGE[0]:g}, {_AMPLITUDE_RANGE[1]:g}] so that a² "
                                          f"is representable; got {amplitude!r} (rescale the targets instead)")
        self.noise = given["noise"].check(noise)
        self.jitter = None if jitter is None else given["jitter"].check(jitter)
        self.restarts = given["restarts"].check(restarts)
        self.seed = given["seed"].check(seed)
        self._memory_bytes = None if memory_limit is None else parse_memory_size("memory_limit", memory_limit)
        if memory_limit is not None and device is not None:
            raise InputError("memory_limit", "bounds the numpy backends; it does not apply with device "
                                             f"{device!r} (torch holds the kernel matrix on the device)")
        if dask_address is not None and device is not None:
            raise InputError("dask_address", f"runs on the Dask cluster's CPUs; it does not apply with device {device!r}")
        if dask_address is not None and (not isinstance(dask_address, str) or not dask_address.strip()):
            raise InputError("dask_address", f"must be a scheduler address such as tcp://host:8786; got {dask_address!r}")
        self.memory_limit = memory_limit
        self.dask_address = dask_address
        self.device = check_device(device)
        self.scratch_dir = scratch_dir

    @property
    def fits_hyperparameters(self) -> bool:
        return "ml" in (self.lengthscale, self.amplitude, self.noise)

    def spec(self) -> dict:
        out = {"space": self.name, "kernel": self.kernel, "lengthscale": self.lengthscale,
               "amplitude": self.amplitude if isinstance(self.amplitude, str) else float(self.amplitude),
               "jitter": self.jitter, "noise": self.noise if isinstance(self.noise, str) else float(self.noise)}
        if self.fits_hyperparameters:
            out.update(restarts=self.restarts, seed=self.seed)
        return out

    def __repr__(self) -> str:
        return (f"GaussianProcess(kernel={self.kernel!r}, lengthscale={self.lengthscale!r}, "
                f"amplitude={self.amplitude!r}, jitter={self.jitter!r}, noise={self.noise!r})")

    def _hyperparameters(self, task: Task) -> tuple[float, float, float, dict | None]:
        """(ℓ, a, σ²) to condition with, resolving "median" and "ml"; and the fit's report."""
        if self.fits_hyperparameters:
            from .marginal_likelihood import fit_hyperparameters

            fit = fit_hyperparameters(self.kernel, task.X_train, task.Y_train, lengthscale=self.lengthscale,
                                      amplitude=self.amplitude, noise=self.noise, jitter=self.jitter,
                                      restarts=self.restarts, seed=self.seed)
            return fit.lengthscale, fit.amplitude, fit.noise, fit.to_dict()
        ell = self._median(task.X_train) if self.lengthscale == "median" else float(self.lengthscale)
        return ell, float(self.amplitude), float(self.noise), None

    def _median(self, X) -> float:
        """SPEC §2's "median" lengthscale; within ``memory_limit`` where all n(n-1)/2 distances
        would not fit it (the same value, selected in blocks)."""
        if self._memory_bytes is not None and 8 * len(X) * (len(X) - 1) // 2 > self._memory_bytes:
            value = median_distance(X, self._memory_bytes)
            if not value > 0:
                raise InputError("lengthscale", "'median' is 0: more than half the training pairs coincide; "
                                                "give a number")
            return value
        return median_lengthscale(X)

    # -- SPEC §2: conditioning by Cholesky, diagonalising by eigh ------------------------------
    def posterior(self, task: Task) -> GPPosterior:
        """Condition on the training data; float64 Cholesky solves, no explicit inverse (SPEC §2).

        With A = K + (σ²/a² + δ/a²) I (a² scaled out: the mean does not depend on a, the
        covariance scales by a²): M = K* A^-1 Y_train and Σ = a² (K** - K* A^-1 K*^T).
        """
        timings = {}
        n, m = task.n_train, task.n_test
        tic = time.perf_counter()
        ell, amplitude, noise, fitted = self._hyperparameters(task)
        timings["marginal_likelihood" if fitted is not None else "lengthscale"] = time.perf_counter() - tic
        a2 = amplitude ** 2
        relative_jitter = DEFAULT_RELATIVE_JITTER if self.jitter is None else self.jitter / a2
        added = noise / a2 + relative_jitter   # on the diagonal of K, whose entries there are all 1
        in_memory = (self.device is None and self.dask_address is None and
                     (self._memory_bytes is None or in_memory_bytes(n, m, task.n_outputs) <= self._memory_bytes))
        if not in_memory:  # the same M and Σ (SPEC §2) from a backend of docs/scale.md
            mean, lam, U, more, backend = gp_posterior(
                self.kernel, task.X_train, task.Y_train, task.X_test, ell, added, memory_limit=self._memory_bytes,
                device=self.device, scratch_dir=self.scratch_dir, dask_address=self.dask_address)
            lam *= a2
            return GPPosterior(mean, lam, U, relative_jitter * a2, ell, zero_tolerance(task, a2, relative_jitter),
                               {**timings, **more}, noise=noise, amplitude=amplitude, hyperparameters=fitted,
                               backend=backend)
        # float64 K (n x n), K* and V (m x n), K** / Σ and its eigenvectors (m x m), held at once
        check_memory("n_train" if n >= m else "n_test", n if n >= m else m, 8.0 * (n * n + 2 * m * n + 2 * m * m),
                     f"the GP's kernel matrices ({n} training and {m} test points)")
        tic = time.perf_counter()
        K = kernel_matrix(self.kernel, task.X_train, task.X_train, ell)
        K_star = kernel_matrix(self.kernel, task.X_test, task.X_train, ell)
        K_starstar = kernel_matrix(self.kernel, task.X_test, task.X_test, ell)
        timings["kernel"] = time.perf_counter() - tic

        K[np.diag_indices_from(K)] += added
        tic = time.perf_counter()
        A = K.T  # K is symmetric and C-ordered, so K.T is the same matrix in Fortran order: no copy
        one_norm = float(np.max(np.sum(np.abs(A), axis=0)))
        frobenius = float(np.linalg.norm(A))
        # Factor in place keeping the strict upper triangle (clean=0): it still holds A, for the
        # residual of the solve below without a second n x n array.
        factor, info = lapack.dpotrf(A, lower=1, clean=0, overwrite_a=1)
        if info != 0:
            raise InputError(
                "jitter",
                f"the kernel matrix plus {added * a2:.3g} on its diagonal (noise {noise:.3g}, jitter "
                f"{relative_jitter * a2:.3g}) is not positive definite; add observation noise or increase the "
                "jitter, change the lengthscale, or remove duplicate training inputs",
            )
        timings["cholesky"] = time.perf_counter() - tic

        tic = time.perf_counter()
        V = linalg.solve_triangular(factor, K_star.T, lower=True, check_finite=False)
        beta = linalg.solve_triangular(factor, task.Y_train, lower=True, check_finite=False)
        mean = V.T @ beta  # K* A^-1 Y = (L^-1 K*^T)^T (L^-1 Y)
        cross_norm = float(np.linalg.norm(K_star))
        del K_star
        # Σ/a² = K** - V^T V; dsyrk fills the lower triangle only, which is all eigh reads.
        cov = dsyrk(-1.0, V, beta=1.0, c=K_starstar, trans=1, lower=1, overwrite_c=1)
        timings["solve"] = time.perf_counter() - tic

        tic = time.perf_counter()
        alpha = linalg.solve_triangular(factor, beta, lower=True, trans=1, check_finite=False)
        residual = _symmetric_product_upper(factor, 1.0 + added, alpha) - task.Y_train
        conditioning = diagnose(factor, one_norm, frobenius, residual, alpha, task.Y_train, cross_norm, mean,
                                task.Y_test, added_diagonal=added * a2)
        timings["conditioning"] = time.perf_counter() - tic

        tic = time.perf_counter()
        lam, U = eigen_decomposition(cov, overwrite=True)
        timings["eigh"] = time.perf_counter() - tic
        lam *= a2
        return GPPosterior(mean, lam, U, relative_jitter * a2, ell, zero_tolerance(task, a2, relative_jitter),
                           timings, noise=noise, amplitude=amplitude, conditioning=conditioning,
                           hyperparameters=fitted,
                           backend={"backend": "numpy", **({} if self._memory_bytes is None else
                                                           {"memory_limit": self._memory_bytes})})

    def _posterior_info(self, post: GPPosterior) -> dict:
        """The hyperparameters used (and the marginal-likelihood fit where one was "ml") and
        where the posterior was computed."""
        info = {"lengthscale": post.lengthscale, "noise": post.noise, "amplitude": post.amplitude,
                "backend": dict(post.backend)}
        if post.hyperparameters is not None:
            info["hyperparameters"] = post.hyperparameters
        return info

