"""The law of the test loss of Gaussian hypotheses, from a mean and a covariance (docs/method.md §2, §7).

Every space whose hypotheses are Gaussian at the test inputs — a GP posterior (docs/method.md §2), an
infinite-width network (NNGP or NTK, docs/method.md §7), or a Gaussian fitted to sampled predictions (the
function-space estimator, docs/method.md §3) — has h_c = M_c + Σ^{1/2} z_c with z_c ~ N(0, I_m) for each
output c < k. With Σ = U Λ U^T and B = U^T (M - Y_test) the test loss (docs/method.md §1) is

    L = c0 + sum_i (λ_i/(m k)) χ²_k(ν_i),     ν_i = ||B_i||² / λ_i,

where c0 collects ||B_i||²/(m k) over the directions with λ_i at or below a tolerance (pinned by the
data). This module is the one place that turns (M, Σ) into that law.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from ..exceptions import InputError
from .generalized_chi2 import GeneralizedChiSquare

__all__ = ["GaussianLossLaw", "draw_hypotheses", "gaussian_loss_law", "eigen_decomposition"]


class GaussianLossLaw:
    """A generalized chi-square law together with how it was split (pinned directions, offset)."""

    __slots__ = ("law", "pinned_directions", "free_directions")

    def __init__(self, law: GeneralizedChiSquare, pinned_directions: int, free_directions: int):
        self.law = law
        self.pinned_directions = pinned_directions
        self.free_directions = free_directions


def eigen_decomposition(covariance: np.ndarray, *, overwrite: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Σ = U diag(λ) U^T for a symmetric (m, m) covariance (only the lower triangle is read);
    λ ascending with negative rounding clipped to 0."""
    lam, U = linalg.eigh(covariance, lower=True, overwrite_a=overwrite, check_finite=False, driver="evd")
    np.maximum(lam, 0.0, out=lam)
    return lam, U


def gaussian_loss_law(mean: np.ndarray, eigenvalues: np.ndarray, eigenvectors: np.ndarray, targets: np.ndarray, *,
                      tolerance: float, noncentrality_shift: float = 0.0) -> GaussianLossLaw:
    """The exact law of L = 1/(mk) ||M + Σ^{1/2} Z - Y||² for Σ = U diag(λ) U^T (module docstring).

    Parameters
    ----------
    mean : ndarray (m, k)
        M, the hypotheses' mean at the test inputs.
    eigenvalues, eigenvectors : ndarray (m,), (m, m)
        λ and U of the covariance Σ shared by the k outputs.
    targets : ndarray (m, k)
        Y_test.
    tolerance : float
        Eigenvalues at or below it count as pinned: their share of the error enters the offset c0.
    noncentrality_shift : float, default 0
        Subtracted from each ν_i (clipped at 0): the function-space estimator removes the expected
        inflation k/N of ||B_i||² by the noise of a sample mean.

    Raises
    ------
    InputError
        When every direction is pinned: the loss is then the constant c0, not a distribution.
    """
    m, k = targets.shape
    B = eigenvectors.T @ (mean - targets)
    row_norms = np.einsum("ij,ij->i", B, B)
    free = eigenvalues > tolerance
    if not np.any(free):
        # Not necessarily the data's fault: a lengthscale far beyond the inputs' distances makes every
        # kernel entry 1, and the posterior variance vanishes to rounding just the same.
        raise InputError("space", "every test direction is pinned by the training data (posterior variance at "
                                  "round-off): the loss is a constant, not a law; check --lengthscale and --kernel "
                                  "(a lengthscale far beyond the inputs' distances does this) and that the test "
                                  "points differ from the training points")
    lam = eigenvalues[free]
    nu = row_norms[free] / lam
    if noncentrality_shift:
        nu = np.maximum(nu - noncentrality_shift, 0.0)
    law = GeneralizedChiSquare(weights=lam / (m * k), dof=float(k), noncentrality=nu,
                               offset=float(np.sum(row_norms[~free]) / (m * k)))
    return GaussianLossLaw(law, int(np.count_nonzero(~free)), int(np.count_nonzero(free)))


def draw_hypotheses(mean: np.ndarray, eigenvalues: np.ndarray, eigenvectors: np.ndarray, n: int, rng,
                    *, chunk_bytes: int = 50_000_000) -> np.ndarray:
    """n hypotheses h = M + U Λ^{1/2} Z at the test inputs, Z standard normal (m, k) each (docs/method.md §2):
    the predictions whose losses :func:`gaussian_loss_law` describes. Drawn in chunks of about
    ``chunk_bytes`` of normals; returns (n, m, k)."""
    root = eigenvectors * np.sqrt(eigenvalues)  # U Λ^{1/2}
    m, k = mean.shape
    out = np.empty((n, m, k))
    chunk = max(1, chunk_bytes // (m * k * 8))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        out[start:stop] = mean + np.einsum("ij,njk->nik", root, rng.standard_normal((stop - start, m, k)),
                                           optimize=True)
    return out
