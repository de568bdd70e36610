"""The record of a Gaussian posterior and the conventions every backend shares: the default jitter,
the tolerance below which a posterior variance counts as pinned, and the message of a matrix that is
not positive definite (docs/method.md §2; docs/method.md §7 for the infinite-width spaces)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ...exceptions import InputError
from ..conditioning import Conditioning

#: δ / (mean diagonal of the matrix inverted) where no jitter is given (docs/method.md §2).
DEFAULT_RELATIVE_JITTER = 1e-10


@dataclass(frozen=True, eq=False)
class GaussianPosterior:
    """The Gaussian law of the hypotheses at the test inputs, diagonalised: Σ = U diag(λ) U^T,
    shared by the k outputs (docs/method.md §2, §7). Everything the exact law of the test loss needs, and
    how it was obtained.

    Attributes
    ----------
    mean : ndarray (m, k)
        M, the hypotheses' mean at the test inputs.
    eigenvalues : ndarray (m,)
        λ, ascending, negative rounding clipped to 0 (in the units of the prior's amplitude a²).
    eigenvectors : ndarray (m, m)
        U.
    jitter : float
        δ added to the diagonal of the matrix whose solve forms the mean (a²K + σ²I for the
        GP and nngp laws, Θ for the ntk law): a numerical device, reported.
    zero_tolerance : float
        Eigenvalues at or below it count as pinned by the data (round-off, and at most the default
        jitter's size: neither a larger jitter nor σ² moves real variance into the constant c0).
    noise : float
        σ², the observation noise variance (part of the model; 0 for the network laws).
    amplitude : float
        a, the prior standard deviation of each output.
    kernel_jitter : float or None
        ntk laws only: δ added to K, whose Cholesky factor builds Σ.
    training_time : float or None
        ntk laws only: the training time the law is at (None: trained to convergence).
    conditioning : Conditioning or None
        Diagnostics of the solve behind the mean (:mod:`..conditioning`); None where the backend
        does not compute them (out-of-core, Dask, torch).
    timings : dict
        Seconds per stage.
    backend : dict
        Where it was computed: ``{"backend": "numpy" | "out-of-core" | "dask" | "torch", ...}``.
    lengthscale : float or None
        The kernel's lengthscale used, where it has one (the median or the fitted value, resolved).
    hyperparameters : dict or None
        The marginal-likelihood fit, where a hyperparameter was fitted.
    """

    mean: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    jitter: float
    zero_tolerance: float
    noise: float = 0.0
    amplitude: float = 1.0
    kernel_jitter: float | None = None
    training_time: float | None = None
    conditioning: Conditioning | None = None
    timings: dict = field(default_factory=dict)
    backend: dict = field(default_factory=dict)
    lengthscale: float | None = None
    hyperparameters: dict | None = None

    @property
    def covariance(self) -> np.ndarray:
        """Σ = U diag(λ) U^T (m × m, formed on each call)."""
        U, lam = self.eigenvectors, self.eigenvalues
        return (U * lam) @ U.T


def zero_tolerance(n: int, m: int, scale: float, relative_jitters: tuple[float, ...]) -> float:
    """Eigenvalues of Σ at or below this count as pinned by the data (docs/method.md §2).

    Σ is resolved only to the rounding of the Cholesky-based Schur complement,
    ~ max(n, m) · machine eps · ``scale`` (backward stability; ``scale`` = a² times the mean
    diagonal of the prior kernel), and to O(δ) of each jitter applied (relative to its matrix's
    mean diagonal: K, and Θ for the ntk law), counted at most at the default's size: a larger
    jitter set by the user, or observation noise, is part of the matrix that was solved and must
    not move real posterior variance into the constant c0.
    """
    rounding = 16.0 * max(n, m) * np.finfo(float).eps
    return scale * (sum(10.0 * min(r, DEFAULT_RELATIVE_JITTER) for r in relative_jitters) + rounding)


def not_positive_definite(label: str, added: float, noise: float, jitter: float,
                          remedy: str | Callable[[], str]) -> InputError:
    """The one message for a Cholesky factorisation that failed: what was factored, what had been
    added to its diagonal, and what to change (the jitter first, then the space's own ``remedy``;
    a callable is evaluated only here, for remedies that cost a computation)."""
    on = f"{added:.3g} on its diagonal (noise {noise:.3g}, jitter {jitter:.3g})" if noise else f"jitter {jitter:.3g}"
    advice = remedy() if callable(remedy) else remedy
    return InputError("jitter", f"the training {label} plus {on} is not positive definite; increase the jitter "
                                f"(jitter= / --jitter), or {advice}")


class NotPositiveDefinite(Exception):
    """Raised by a backend whose Cholesky factorisation failed; :func:`posterior` turns it into the
    one :class:`InputError` of :func:`not_positive_definite`. ``label`` names the matrix."""

    def __init__(self, label: str):
        super().__init__(label)
        self.label = label
