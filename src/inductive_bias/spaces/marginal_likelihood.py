"""GP hyperparameters fitted by maximising the log marginal likelihood of the training data (docs/method.md §2).

With A = a²K + σ²I + δI (n × n; δ the numerical jitter) and k independent outputs Y (n × k),

    log p(Y) = −½ tr(Yᵀ A⁻¹ Y) − (k/2) log det A − (nk/2) log 2π,

and for any hyperparameter θ (Rasmussen & Williams 2006, eq. 5.9, summed over the k outputs)

    ∂ log p / ∂θ = ½ tr((α αᵀ − k A⁻¹) ∂A/∂θ),      α = A⁻¹ Y.

The free hyperparameters — any of ℓ, a², σ² given as "ml" — are optimised in log space by L-BFGS-B
with these analytic gradients, from several starting points: the first deterministic (ℓ = the median
pairwise distance, a² = the targets' mean square, σ² = 1% of it), the others drawn uniformly in
log space within the bounds from a seeded generator. The best optimum is reported with its
likelihood, every start's outcome, and which values sit on a bound.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(40, 2)); Y = np.sin(X[:, :1]) + 0.1 * rng.normal(size=(40, 1))
>>> fit = fit_hyperparameters("rbf", X, Y, lengthscale="ml", noise="ml")
>>> bool(fit.noise < 0.1)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg, optimize
from scipy.spatial.distance import pdist, squareform

from .._random import check_random_state
from .._memory import check_time
from ..exceptions import InputError
from .gaussian import DEFAULT_RELATIVE_JITTER
from .kernels import KERNELS, median_lengthscale

__all__ = ["MarginalLikelihoodFit", "fit_hyperparameters", "log_marginal_likelihood"]

#: Bounds, as factors of the scale each hyperparameter is measured against (lengthscale: the median
#: pairwise distance; amplitude² and noise: the training targets' mean square).
LENGTHSCALE_BOUNDS = (1e-3, 1e3)
AMPLITUDE2_BOUNDS = (1e-5, 1e5)
NOISE_BOUNDS = (1e-9, 1e3)
_NAMES = ("lengthscale", "amplitude", "noise")


def _kernel_and_derivative(kernel: str, distances: np.ndarray, ell: float) -> tuple[np.ndarray, np.ndarray]:
    """κ(r) and ∂κ/∂ log ℓ for the kernels of docs/method.md §2, from the pairwise distances r."""
    if kernel == "rbf":
        q = (distances / ell) ** 2
        K = np.exp(-0.5 * q)
        return K, K * q
    if kernel == "laplace":
        u = distances / ell
        K = np.exp(-u)
        return K, K * u
    if kernel == "matern32":
        u = math.sqrt(3.0) * distances / ell
        e = np.exp(-u)
        return (1.0 + u) * e, u * u * e
    if kernel == "matern52":
        u = math.sqrt(5.0) * distances / ell
        e = np.exp(-u)
        return (1.0 + u + u * u / 3.0) * e, (u * u / 3.0) * (1.0 + u) * e
    raise InputError("kernel", f"must be one of {', '.join(KERNELS)}; got {kernel!r}")


def log_marginal_likelihood(kernel: str, X: np.ndarray, Y: np.ndarray, lengthscale: float, amplitude: float,
                            noise: float, jitter: float | None = None, *, gradient: bool = False,
                            _distances: np.ndarray | None = None):
    """log p(Y) of the module docstring; with ``gradient=True`` also its derivatives with respect to
    (log ℓ, log a², log σ²). ``jitter`` δ: None means 1e-10 a². Raises ``numpy.linalg.LinAlgError``
    where A is not positive definite in floating point."""
    Y = np.asarray(Y, dtype=np.float64)
    Y = Y[:, None] if Y.ndim == 1 else Y
    n, k = Y.shape
    r = squareform(pdist(X)) if _distances is None else _distances
    a2 = amplitude**2
    delta = DEFAULT_RELATIVE_JITTER * a2 if jitter is None else jitter
    K, dK = _kernel_and_derivative(kernel, r, lengthscale)
    A = a2 * K
    A[np.diag_indices(n)] += noise + delta
    L = linalg.cholesky(A, lower=True, check_finite=False)
    alpha = linalg.cho_solve((L, True), Y, check_finite=False)
    value = (-0.5 * float(np.einsum("ij,ij->", Y, alpha)) - k * float(np.sum(np.log(np.diag(L))))
             - 0.5 * n * k * math.log(2.0 * math.pi))
    if not gradient:
        return value
    W = alpha @ alpha.T - k * linalg.cho_solve((L, True), np.eye(n), check_finite=False)
    grad = np.array([0.5 * a2 * float(np.einsum("ij,ij->", W, dK)),   # ∂A/∂log ℓ = a² ∂K/∂log ℓ
                     0.5 * a2 * float(np.einsum("ij,ij->", W, K)),    # ∂A/∂log a² = a² K
                     0.5 * noise * float(np.trace(W))])                # ∂A/∂log σ² = σ² I
    return value, grad


@dataclass(frozen=True)
class MarginalLikelihoodFit:
    """The hyperparameters found, the log marginal likelihood there, and how they were found."""

    lengthscale: float
    amplitude: float
    noise: float
    log_marginal_likelihood: float
    fitted: tuple
    restarts: int
    seed: int
    starts: list = field(default_factory=list)
    at_bound: tuple = ()

    def to_dict(self) -> dict:
        return {"lengthscale": self.lengthscale, "amplitude": self.amplitude, "noise": self.noise,
                "log_marginal_likelihood": self.log_marginal_likelihood, "fitted": list(self.fitted),
                "restarts": self.restarts, "seed": self.seed, "at_bound": list(self.at_bound),
                "starts": self.starts}


def fit_hyperparameters(kernel: str, X, Y, *, lengthscale="ml", amplitude=1.0, noise=0.0, jitter=None,
                        restarts: int = 5, seed: int = 0) -> MarginalLikelihoodFit:
    """Maximise log p(Y) over the hyperparameters given as "ml"; the others are held fixed
    ("median" for the lengthscale resolves to the median pairwise distance).

    Parameters
    ----------
    kernel : {"rbf", "laplace", "matern32", "matern52"}
    X : ndarray (n, d); Y : ndarray (n, k)
        The training data.
    lengthscale, amplitude, noise : float or "ml"
        ℓ, a and σ²; at least one "ml".
    jitter : float or None
        δ on the diagonal (None: 1e-10 a², as the space uses).
    restarts : int, default 5
        Starting points (the first deterministic, the others seeded draws).
    seed : int, default 0

    Returns
    -------
    MarginalLikelihoodFit
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    Y = Y[:, None] if Y.ndim == 1 else Y
    given = {"lengthscale": lengthscale, "amplitude": amplitude, "noise": noise}
    free = [i for i, name in enumerate(_NAMES) if given[name] == "ml"]
    if not free:
        raise InputError("lengthscale", "fit_hyperparameters needs at least one hyperparameter given as 'ml'")
    restarts = int(restarts)
    if restarts < 1:
        raise InputError("restarts", f"must be >= 1; got {restarts!r}")
    # Each start factors the n x n kernel matrix at least once: n³/3 operations at no more than
    # 1e12 per second (beyond any CPU), and never under a microsecond.
    n_points = int(np.shape(X)[0]) if np.ndim(X) else 1
    per_start = max(n_points**3 / 3 / 1e12, 1e-6)
    check_time("restarts", restarts, restarts * per_start,
               f"{restarts} starts of the marginal-likelihood fit (each at least one factorization of the "
               f"{n_points} x {n_points} kernel matrix)")
    distances = squareform(pdist(X))
    median = median_lengthscale(X)
    scale = float(np.mean(Y**2)) or 1.0
    # log-space parameters: (log ℓ, log a², log σ²), with their bounds and deterministic start
    start = np.array([math.log(median), math.log(scale), math.log(1e-2 * scale)])
    bounds = np.array([[math.log(median * b) for b in LENGTHSCALE_BOUNDS],
                       [math.log(scale * b) for b in AMPLITUDE2_BOUNDS],
                       [math.log(scale * b) for b in NOISE_BOUNDS]])
    fixed = start.copy()
    if lengthscale != "ml":
        fixed[0] = math.log(median if lengthscale == "median" else float(lengthscale))
    if amplitude != "ml":
        fixed[1] = 2.0 * math.log(float(amplitude))
    if noise != "ml":
        fixed[2] = math.log(float(noise)) if float(noise) > 0 else -math.inf

    def full(theta_free):
        theta = fixed.copy()
        theta[free] = theta_free
        return theta

    def objective(theta_free):
        theta = full(theta_free)
        value, grad = log_marginal_likelihood(kernel, X, Y, math.exp(theta[0]), math.exp(0.5 * theta[1]),
                                              math.exp(theta[2]), jitter, gradient=True, _distances=distances)
        return -value, -grad[free]

    rng = check_random_state(seed)
    def named(theta_free):  # a start or an optimum as {hyperparameter: value} (a, not a²)
        theta = full(theta_free)
        values = (math.exp(theta[0]), math.exp(0.5 * theta[1]), math.exp(theta[2]))
        return {_NAMES[j]: values[j] for j in free}

    starts, best = [], None
    for i in range(restarts):
        x0 = start[free] if i == 0 else rng.uniform(bounds[free, 0], bounds[free, 1])
        try:
            res = optimize.minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=bounds[free])
        except np.linalg.LinAlgError:
            starts.append({"start": named(x0), "failed": "the kernel matrix was not positive definite along the way"})
            continue
        starts.append({"start": named(x0), "found": named(res.x), "log_marginal_likelihood": float(-res.fun),
                       "converged": bool(res.success), "message": str(res.message)})
        if best is None or -res.fun > -best.fun:
            best = res
    if best is None:
        raise InputError("lengthscale", f"the marginal-likelihood fit failed from all {restarts} starts (the kernel "
                                        "matrix was not positive definite): give a noise, or fix the lengthscale")
    at_bound = tuple(_NAMES[j] for j, x in zip(free, best.x)
                     if min(abs(x - bounds[j, 0]), abs(x - bounds[j, 1])) < 1e-6)
    found = named(best.x)  # fixed values are returned as given, not through exp(log(.))
    ell = found.get("lengthscale", median if lengthscale == "median" else lengthscale)
    return MarginalLikelihoodFit(lengthscale=float(ell), amplitude=float(found.get("amplitude", amplitude)),
                                 noise=float(found.get("noise", noise)),
                                 log_marginal_likelihood=float(-best.fun), fitted=tuple(_NAMES[j] for j in free),
                                 restarts=restarts, seed=int(seed) if isinstance(seed, (int, np.integer)) else 0,
                                 starts=starts, at_bound=at_bound)
