"""Can the numbers of a Gaussian-process solve be trusted? Diagnostics of docs/method.md §2's Cholesky solves.

The posterior mean M = K* A^-1 Y_train (A = a²K + σ²I + δI, docs/method.md §2) is computed through a
Cholesky factor of A. Cholesky is backward stable: the computed α = A^-1 Y solves a system near
A, but a nearby system can have a very different solution when A is ill-conditioned (dense inputs,
a long rbf lengthscale, no noise). Three checks tell whether the result means anything:

- the **condition number** κ₁(A), estimated from the Cholesky factor by LAPACK's ``dpocon``
  (1-norm; within a small factor of the truth, O(n²) work);
- the **backward error** of the solve, η = ||A α - Y||_F / (||A||_F ||α||_F + ||Y||_F)
  (Rigal–Gaches normwise backward error), from the residual;
- to first order the computed α is off by at most κ₁ η ||α|| (relative to the 1-norm), so the
  **mean's error bound** is ||K*||_F κ₁ η ||α||_F; it is compared with the scale of the targets.
  Where it is large, a relative change of the matrix at round-off level (or of the jitter δ,
  a numerical device) may change the mean by that much: the result is not the data's;
- a **sanity check**: the posterior mean's test loss against the loss of the prior mean (zero).
  An interpolant that predicts the test targets several times worse than predicting nothing is
  wild, whatever its arithmetic.

Where a check fails, :meth:`Conditioning.warnings` gives one line for each, saying what to change
(observation noise, the lengthscale, the kernel); the measured result then carries those lines and
its targets are marked unreliable.

Examples
--------
>>> import numpy as np
>>> A = np.array([[2.0, 1.0], [1.0, 2.0]])
>>> factor = np.linalg.cholesky(A)
>>> round(condition_number(factor, one_norm=3.0), 6)   # κ₁ = ||A||₁ ||A⁻¹||₁ = 3 · 1
3.0
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.linalg import lapack

__all__ = ["Conditioning", "condition_number", "backward_error", "diagnose", "scaled_norm", "correlation_spread",
           "COLLAPSED_CORRELATION"]

#: The posterior mean's error bound may be at most this share of the targets' scale.
MEAN_ERROR_SHARE = 0.01
#: The posterior mean may predict the test targets at most this many times worse than zero.
PRIOR_LOSS_FACTOR = 10.0


def scaled_norm(x, block_rows: int = 256) -> float:
    """||x||_F without overflow or underflow of the squares (entries of 1e300 with ``--noise
    1e300``, of 1e-300 at tiny scales): the squares are summed after dividing by the largest
    magnitude, a block of rows at a time (no copy of the whole array). Where the squares cannot
    overflow or underflow, numpy's norm as it is."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return 0.0
    largest = max(float(np.max(x)), -float(np.min(x)))
    if not math.isfinite(largest) or largest == 0.0:
        return largest if math.isfinite(largest) else math.inf
    if 1e-100 < largest < 1e100:
        return float(np.linalg.norm(x))
    rows = x.reshape(x.shape[0], -1) if x.ndim > 1 else x.reshape(1, -1)
    total = 0.0
    for start in range(0, rows.shape[0], block_rows):
        block = rows[start:start + block_rows] / largest
        total += float(np.sum(block * block))
    return largest * math.sqrt(total)


#: A kernel matrix whose distinct inputs are all correlated within this of 1 is a constant matrix as
#: far as float64 can tell: entries of K carry ~16 digits, and the data's part of K (K_ij - K_ii
#: for ρ near 1) keeps fewer than four of them; the posterior it conditions on is rounding's.
COLLAPSED_CORRELATION = 1e-12


def correlation_spread(K: np.ndarray) -> tuple[float, tuple[int, int] | None]:
    """max over pairs i != j of 1 - ρ_ij, ρ_ij = K_ij / √(K_ii K_jj), and the pair where it is
    reached: how far the least correlated two inputs are from being the same input to the kernel.
    (inf, None) for fewer than two inputs or a zero variance (no correlation to speak of)."""
    K = np.asarray(K, dtype=np.float64)
    if len(K) < 2:
        return math.inf, None
    d = np.sqrt(np.diag(K))
    if not np.all(d > 0):
        return math.inf, None
    rho = K / d[:, None] / d[None, :]
    np.fill_diagonal(rho, np.inf)  # a point with itself is no pair
    i, j = np.unravel_index(int(np.argmin(rho)), rho.shape)
    return float(1.0 - rho[i, j]), (int(i), int(j))


def condition_number(factor: np.ndarray, one_norm: float) -> float:
    """κ₁(A) = ||A||₁ ||A⁻¹||₁ estimated by LAPACK ``dpocon`` from the lower Cholesky factor of A
    (only its lower triangle is read) and ||A||₁; +inf where the estimate of 1/κ₁ is 0."""
    rcond, info = lapack.dpocon(factor, float(one_norm), uplo="L")
    if info != 0 or not rcond > 0:
        return math.inf
    return 1.0 / rcond


def backward_error(residual: np.ndarray, matrix_norm: float, solution: np.ndarray, rhs: np.ndarray) -> float:
    """η = ||r||_F / (||A||_F ||x||_F + ||b||_F) for r = A x - b: the smallest relative change of A
    and b that makes the computed x exact (normwise, Frobenius)."""
    denominator = matrix_norm * scaled_norm(solution) + scaled_norm(rhs)
    return float(scaled_norm(residual) / denominator) if denominator > 0 else 0.0


GP_REMEDY = ("add observation noise (noise= / --noise, e.g. 1e-3), shorten the lengthscale, or use a rougher "
             "kernel (laplace, matern32)")


@dataclass(frozen=True)
class Conditioning:
    """The diagnostics of one GP solve (module docstring); ``to_dict`` for JSON."""

    condition_number: float
    backward_error: float
    mean_error_bound: float
    target_scale: float
    posterior_mean_loss: float
    prior_mean_loss: float
    added_diagonal: float

    @property
    def mean_trusted(self) -> bool:
        """The bound on the mean's error is a small share of the targets' scale."""
        return bool(self.mean_error_bound <= MEAN_ERROR_SHARE * self.target_scale)

    @property
    def mean_sane(self) -> bool:
        """The posterior mean predicts the test targets no worse than PRIOR_LOSS_FACTOR × zero."""
        return bool(self.posterior_mean_loss <= PRIOR_LOSS_FACTOR * self.prior_mean_loss
                    or self.posterior_mean_loss <= 1e-12)

    def warnings(self, remedy: str = GP_REMEDY) -> list[str]:
        """One line for each failed check, saying what to change (``remedy``)."""
        out = []
        if not self.mean_trusted:
            out.append(f"ill-conditioned GP solve: condition number {self.condition_number:.2g} of the kernel "
                       f"matrix plus {self.added_diagonal:.2g} on its diagonal; the posterior mean is set by that "
                       f"diagonal and by round-off, not by the data (first-order error bound "
                       f"{self.mean_error_bound:.2g} against targets of scale {self.target_scale:.2g}): {remedy}")
        if not self.mean_sane:
            out.append(f"implausible GP posterior mean: its test loss {self.posterior_mean_loss:.4g} is "
                       f"{self.posterior_mean_loss / max(self.prior_mean_loss, 1e-300):.3g} times that of "
                       f"predicting 0 ({self.prior_mean_loss:.4g}): {remedy}")
        return out

    def to_dict(self) -> dict:
        return {**asdict(self), "mean_trusted": self.mean_trusted, "mean_sane": self.mean_sane}


def diagnose(factor: np.ndarray, one_norm: float, frobenius_norm: float, residual: np.ndarray, alpha: np.ndarray,
             train_targets: np.ndarray, cross_norm: float, mean: np.ndarray, test_targets: np.ndarray,
             added_diagonal: float = 0.0) -> Conditioning:
    """The checks of the module docstring for a solve A α = Y_train, M = K* α.

    Parameters
    ----------
    factor : ndarray (n, n)
        The lower Cholesky factor of A (its lower triangle is read).
    one_norm, frobenius_norm : float
        ||A||₁ and ||A||_F.
    residual : ndarray (n, k)
        A α - Y_train, evaluated with A itself (not with its factor).
    alpha : ndarray (n, k)
        The computed A^-1 Y_train.
    train_targets : ndarray (n, k)
    cross_norm : float
        ||K*||_F (in the units of A: the cross-covariance the mean is formed with).
    mean, test_targets : ndarray (m, k)
        The posterior mean at the test inputs and Y_test.
    added_diagonal : float
        σ² + δ added to the kernel's diagonal (reported in the warning).
    """
    kappa = condition_number(factor, one_norm)
    eta = backward_error(residual, frobenius_norm, alpha, train_targets)
    bound = cross_norm * kappa * eta * scaled_norm(alpha) if eta > 0 else 0.0
    m, k = test_targets.shape
    # the scale the mean is judged against: the training targets' root mean square, over m k entries
    scale = math.sqrt(m * k) * float(np.sqrt(np.mean(np.square(train_targets)))) if train_targets.size else 0.0
    diff = mean - test_targets
    return Conditioning(
        condition_number=float(kappa), backward_error=eta, mean_error_bound=float(bound), target_scale=scale,
        posterior_mean_loss=float(np.einsum("ij,ij->", diff, diff) / (m * k)),
        prior_mean_loss=float(np.einsum("ij,ij->", test_targets, test_targets) / (m * k)),
        added_diagonal=float(added_diagonal))
