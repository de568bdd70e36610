"""Gaussian-process hypothesis spaces: the exact law of the test loss (SPEC §2)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .._random import check_random_state
from ..exceptions import InputError
from .._validation import check_positive
from ..distributions import GeneralizedChiSquare, gaussian_loss_law
from ..tasks import Task
from .base import HypothesisSamples, HypothesisSpace
from ._gp_backends import check_device, gp_posterior, parse_memory_size
from ._out_of_core import median_distance
from .kernels import KERNELS, median_lengthscale

__all__ = ["GaussianProcess", "GPPosterior"]

DEFAULT_RELATIVE_JITTER = 1e-10


@dataclass(frozen=True, eq=False)
class GPPosterior:
    """The posterior at the test inputs, diagonalised: Σ = U diag(λ) U^T (SPEC §2).

    Attributes
    ----------
    mean : ndarray (m, k)          M = K* K^-1 Y_train
    eigenvalues : ndarray (m,)     λ, ascending, negative rounding clipped to 0
    eigenvectors : ndarray (m, m)  U
    jitter : float                 δ added to the diagonal of a^2 K
    lengthscale : float            ℓ used (the median, resolved, where asked for)
    zero_tolerance : float         eigenvalues at or below it count as pinned by the data
    timings : dict                 seconds per stage
    backend : dict                 where it was computed: numpy, out-of-core (tile layout), torch (device)
    """

    mean: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    jitter: float
    lengthscale: float
    zero_tolerance: float
    timings: dict = field(default_factory=dict)
    backend: dict = field(default_factory=dict)

    @property
    def covariance(self) -> np.ndarray:
        U, lam = self.eigenvectors, self.eigenvalues
        return (U * lam) @ U.T


class GaussianProcess(HypothesisSpace):
    """Functions drawn from GP(0, a^2 κ) conditioned to interpolate the training data, each output
    independently (SPEC §2).

    Parameters
    ----------
    kernel : {"rbf", "laplace", "matern32", "matern52"}, default "rbf"
    lengthscale : float or "median", default 1.0
        ℓ; "median" takes the median pairwise distance of the training inputs.
    amplitude : float, default 1.0
        a, the prior standard deviation of each output.
    jitter : float or None, default None
        δ added to the diagonal of a^2 K for numerical stability only; None means
        1e-10 times the mean diagonal. The value used is reported.
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

    Examples
    --------
    >>> from inductive_bias import GaussianProcess, digits
    >>> law, info = GaussianProcess("rbf", 1.0).loss_distribution(digits())
    >>> round(float(law.bits(1.05)[0]), 2)   # doctest: +SKIP
    """

    name = "gp"
    offers_predictions = True

    def __init__(self, kernel: str = "rbf", lengthscale: float | str = 1.0, amplitude: float = 1.0,
                 jitter: float | None = None, *, memory_limit: int | str | None = None,
                 device: str | None = None, scratch_dir: str | None = None, dask_address: str | None = None):
        if kernel not in KERNELS:
            raise InputError("kernel", f"must be one of {', '.join(KERNELS)}; got {kernel!r}")
        if lengthscale != "median":
            if isinstance(lengthscale, str):
                raise InputError("lengthscale", f"must be a positive number or 'median'; got {lengthscale!r}")
            check_positive("lengthscale", lengthscale)
        check_positive("amplitude", amplitude)
        if jitter is not None:
            check_positive("jitter", jitter, allow_zero=True)
        self.kernel = kernel
        self.lengthscale = lengthscale
        self.amplitude = amplitude
        self.jitter = jitter
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

    def spec(self) -> dict:
        return {"space": self.name, "kernel": self.kernel, "lengthscale": self.lengthscale,
                "amplitude": float(self.amplitude), "jitter": self.jitter}

    def __repr__(self) -> str:
        return (f"GaussianProcess(kernel={self.kernel!r}, lengthscale={self.lengthscale!r}, "
                f"amplitude={self.amplitude!r}, jitter={self.jitter!r})")

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
        """Condition on the training data; float64 Cholesky solves, no explicit inverse."""
        tic = time.perf_counter()
        ell = self._median(task.X_train) if self.lengthscale == "median" else float(self.lengthscale)
        seconds_for_ell = time.perf_counter() - tic
        a2 = float(self.amplitude) ** 2
        # Work with a^2 K scaled out: the mean does not depend on a, the covariance scales by a^2.
        relative_jitter = DEFAULT_RELATIVE_JITTER if self.jitter is None else self.jitter / a2
        mean, lam, U, timings, backend = gp_posterior(
            self.kernel, task.X_train, task.Y_train, task.X_test, ell, relative_jitter,
            memory_limit=self._memory_bytes, device=self.device, scratch_dir=self.scratch_dir,
            dask_address=self.dask_address)
        timings = {"lengthscale": seconds_for_ell, **timings}
        lam *= a2
        # Σ is resolved only to about the jitter δ (adding δ I moves it by O(δ)) plus rounding of
        # K** - V^T V, ~ max(n, m) * machine eps * a^2 (backward stability of the Cholesky-based
        # Schur complement). Directions below that are numerically zero: pinned by the data.
        tolerance = 10.0 * relative_jitter * a2 + 16.0 * max(task.n_train, task.n_test) * np.finfo(float).eps * a2
        return GPPosterior(mean, lam, U, relative_jitter * a2, ell, tolerance, timings, backend)

    def loss_distribution(self, task: Task) -> tuple[GeneralizedChiSquare, dict]:
        """The exact law of the test loss (SPEC §2):
        L = c0 + sum_i (λ_i/(mk)) χ²_k(||B_i||²/λ_i),  B = U^T (M - Y_test)."""
        post = self.posterior(task)
        tic = time.perf_counter()
        split = gaussian_loss_law(post.mean, post.eigenvalues, post.eigenvectors, task.Y_test,
                                  tolerance=post.zero_tolerance)
        law = split.law
        post.timings["law"] = time.perf_counter() - tic
        info = {
            "jitter": post.jitter,
            "lengthscale": post.lengthscale,
            "pinned_directions": split.pinned_directions,
            "zero_tolerance": post.zero_tolerance,
            "loss_offset": law.offset,
            "loss_mean": law.mean,
            "loss_std": law.std,
            "timings": dict(post.timings),
            "backend": dict(post.backend),
        }
        return law, info

    # -- sampling hypotheses --------------------------------------------------------------------
    def sample(self, task: Task, n: int, seed=None, *, predictions: bool = False) -> HypothesisSamples:
        """Draw n hypotheses from the posterior and report their test losses.

        With ``predictions=True`` each hypothesis h = M + U Λ^{1/2} Z is formed at the test inputs
        and its loss computed by :meth:`Task.test_loss`; otherwise the losses are drawn from the
        exact law of those same losses, which is equal in distribution and much cheaper.
        """
        n = check_positive("hypotheses", n, integer=True)
        rng = check_random_state(seed)
        if not predictions:
            law, _ = self.loss_distribution(task)
            return HypothesisSamples(losses=law.sample(n, rng))
        post = self.posterior(task)
        root = post.eigenvectors * np.sqrt(post.eigenvalues)  # U Λ^{1/2}
        m, k = task.Y_test.shape
        out = np.empty((n, m, k))
        chunk = max(1, 50_000_000 // (m * k * 8))
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            Z = rng.standard_normal((stop - start, m, k))
            out[start:stop] = post.mean + np.einsum("ij,njk->nik", root, Z, optimize=True)
        return HypothesisSamples(losses=task.test_loss(out), predictions=out)
