"""Gaussian-process hypothesis spaces: the exact law of the test loss (SPEC §2)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg
from scipy.linalg.blas import dsyrk

from .._memory import check_memory
from .._random import check_random_state
from ..exceptions import InputError
from .._validation import check_positive
from ..distributions import GeneralizedChiSquare, eigen_decomposition, gaussian_loss_law
from ..tasks import Task
from .base import HypothesisSamples, HypothesisSpace
from .kernels import KERNELS, kernel_matrix, median_lengthscale

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
    """

    mean: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    jitter: float
    lengthscale: float
    zero_tolerance: float
    timings: dict = field(default_factory=dict)

    @property
    def covariance(self) -> np.ndarray:
        U, lam = self.eigenvectors, self.eigenvalues
        return (U * lam) @ U.T


# a² and a²-scaled eigenvalues stay normal float64 numbers (1e±300 and a margin for m, n).
_AMPLITUDE_RANGE = (1e-140, 1e140)


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

    Examples
    --------
    >>> from inductive_bias import GaussianProcess, digits
    >>> law, info = GaussianProcess("rbf", 1.0).loss_distribution(digits())
    >>> round(float(law.bits(1.05)[0]), 2)   # doctest: +SKIP
    """

    name = "gp"
    offers_predictions = True

    def __init__(self, kernel: str = "rbf", lengthscale: float | str = 1.0, amplitude: float = 1.0,
                 jitter: float | None = None):
        if kernel not in KERNELS:
            raise InputError("kernel", f"must be one of {', '.join(KERNELS)}; got {kernel!r}")
        if lengthscale != "median":
            if isinstance(lengthscale, str):
                raise InputError("lengthscale", f"must be a positive number or 'median'; got {lengthscale!r}")
            check_positive("lengthscale", lengthscale)
        check_positive("amplitude", amplitude)
        if not _AMPLITUDE_RANGE[0] <= amplitude <= _AMPLITUDE_RANGE[1]:  # a² must be a normal float
            raise InputError("amplitude", f"must lie in [{_AMPLITUDE_RANGE[0]:g}, {_AMPLITUDE_RANGE[1]:g}] so that a² "
                                          f"is representable; got {amplitude!r} (rescale the targets instead)")
        if jitter is not None:
            check_positive("jitter", jitter, allow_zero=True)
        self.kernel = kernel
        self.lengthscale = lengthscale
        self.amplitude = amplitude
        self.jitter = jitter

    def spec(self) -> dict:
        return {"space": self.name, "kernel": self.kernel, "lengthscale": self.lengthscale,
                "amplitude": float(self.amplitude), "jitter": self.jitter}

    def __repr__(self) -> str:
        return (f"GaussianProcess(kernel={self.kernel!r}, lengthscale={self.lengthscale!r}, "
                f"amplitude={self.amplitude!r}, jitter={self.jitter!r})")

    # -- SPEC §2: conditioning by Cholesky, diagonalising by eigh ------------------------------
    def posterior(self, task: Task) -> GPPosterior:
        """Condition on the training data; float64 Cholesky solves, no explicit inverse."""
        timings = {}
        n, m = task.n_train, task.n_test
        # float64 K (n x n), K* and V (m x n), K** / Σ and its eigenvectors (m x m), held at once
        check_memory("n_train" if n >= m else "n_test", n if n >= m else m, 8.0 * (n * n + 2 * m * n + 2 * m * m),
                     f"the GP's kernel matrices ({n} training and {m} test points)")
        tic = time.perf_counter()
        ell = median_lengthscale(task.X_train) if self.lengthscale == "median" else float(self.lengthscale)
        a2 = float(self.amplitude) ** 2
        K = kernel_matrix(self.kernel, task.X_train, task.X_train, ell)
        K_star = kernel_matrix(self.kernel, task.X_test, task.X_train, ell)
        K_starstar = kernel_matrix(self.kernel, task.X_test, task.X_test, ell)
        timings["kernel"] = time.perf_counter() - tic

        # Work with a^2 K scaled out: the mean does not depend on a, the covariance scales by a^2.
        relative_jitter = DEFAULT_RELATIVE_JITTER if self.jitter is None else self.jitter / a2
        K[np.diag_indices_from(K)] += relative_jitter  # mean diagonal of κ is 1 for these kernels
        tic = time.perf_counter()
        try:
            L = linalg.cholesky(K, lower=True, overwrite_a=True, check_finite=False)
        except linalg.LinAlgError:
            raise InputError(
                "jitter",
                f"the kernel matrix plus jitter {relative_jitter * a2:.3g} is not positive definite; "
                "increase the jitter, change the lengthscale, or remove duplicate training inputs",
            ) from None
        timings["cholesky"] = time.perf_counter() - tic

        tic = time.perf_counter()
        V = linalg.solve_triangular(L, K_star.T, lower=True, check_finite=False, overwrite_b=True)
        beta = linalg.solve_triangular(L, task.Y_train, lower=True, check_finite=False)
        mean = V.T @ beta  # K* K^-1 Y = (L^-1 K*^T)^T (L^-1 Y)
        # Σ/a^2 = K** - V^T V; dsyrk fills the lower triangle only, which is all eigh reads.
        cov = dsyrk(-1.0, V, beta=1.0, c=K_starstar, trans=1, lower=1, overwrite_c=1)
        timings["solve"] = time.perf_counter() - tic

        tic = time.perf_counter()
        lam, U = eigen_decomposition(cov, overwrite=True)
        timings["eigh"] = time.perf_counter() - tic
        lam *= a2
        # Σ is resolved only to about the jitter δ (adding δ I moves it by O(δ)) plus rounding of
        # K** - V^T V, ~ max(n, m) * machine eps * a^2 (backward stability of the Cholesky-based
        # Schur complement). Directions below that are numerically zero: pinned by the data.
        tolerance = 10.0 * relative_jitter * a2 + 16.0 * max(task.n_train, task.n_test) * np.finfo(float).eps * a2
        return GPPosterior(mean, lam, U, relative_jitter * a2, ell, tolerance, timings)

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
