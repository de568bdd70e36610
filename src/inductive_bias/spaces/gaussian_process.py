"""Gaussian-process hypothesis spaces: the exact law of the test loss (docs/method.md §2)."""

from __future__ import annotations

import dataclasses
import time

from .._validation import check_scratch_dir
from ..exceptions import InputError
from ..tasks import Task
from ._gaussian_space import GaussianPosteriorSpace
from ._out_of_core import median_distance
from .gaussian import GaussianPosterior, check_device, parse_memory_size, posterior
from .kernels import KERNELS, kernel_matrix, median_lengthscale
from ..parameters import ANY, NON_NEGATIVE, POSITIVE, Parameter, defaults_of

__all__ = ["GaussianProcess", "GPPosterior"]

#: The name of :class:`~.gaussian.GaussianPosterior` before every Gaussian space shared it.
GPPosterior = GaussianPosterior

# what to change where the kernel matrix fails to factor (after the jitter)
_NOT_POSITIVE_DEFINITE_REMEDY = ("add observation noise (noise= / --noise, e.g. 1e-3), change the lengthscale, or "
                                 "remove duplicate training inputs")


class StationaryKernel:
    """A kernel of docs/method.md §2 with its lengthscale, as :func:`~.gaussian.posterior` reads a prior:
    ``(X1, X2, tangent) -> (κ(X1, X2), None)``. A class, not a closure, so that it pickles (the
    Dask backend sends it to the workers)."""

    def __init__(self, kernel: str, lengthscale: float):
        self.kernel, self.lengthscale = kernel, lengthscale

    def __call__(self, X1, X2, tangent: bool = False):
        return kernel_matrix(self.kernel, X1, X2, self.lengthscale), None


# a² and a²-scaled eigenvalues stay normal float64 numbers (1e±300 and a margin for m, n).
_AMPLITUDE_RANGE = (1e-140, 1e140)


#: The GP space's parameters (docs/method.md §2): type, constraint, default and help, declared once; the
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
    independently (docs/method.md §2): interpolating it exactly (``noise=0``, the published setting) or up to
    Gaussian observation noise of variance σ² (``noise=σ²``).

    Parameters
    ----------
    kernel : {"rbf", "laplace", "matern32", "matern52"}, default "rbf"
    lengthscale : float, "median" or "ml", default 1.0
        ℓ; "median" takes the median pairwise distance of the training inputs, "ml" maximises the
        log marginal likelihood of the training data (docs/method.md §2; :mod:`.marginal_likelihood`).
    amplitude : float or "ml", default 1.0
        a, the prior standard deviation of each output.
    jitter : float or None, default None
        δ added to the diagonal of a²K + σ²I for numerical stability only; None means 1e-10 a²
        (1e-10 times the mean diagonal of a²K). The value used is reported. It does not set the
        tolerance below which posterior variances count as pinned by the data (docs/method.md §2): that
        reflects round-off only.
    noise : float or "ml", default 0.0
        σ², the variance of Gaussian observation noise on the training targets: the solves use
        a²K + σ²I + δI (docs/method.md §2, "Observation noise"); hypotheses are the latent functions, so the
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
        # checked here, before any work: the out-of-core posterior writes its tiles there
        self.scratch_dir = check_scratch_dir("scratch_dir", scratch_dir)

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
        """docs/method.md §2's "median" lengthscale; within ``memory_limit`` where all n(n-1)/2 distances
        would not fit it (the same value, selected in blocks)."""
        if self._memory_bytes is not None and 8 * len(X) * (len(X) - 1) // 2 > self._memory_bytes:
            value = median_distance(X, self._memory_bytes)
            if not value > 0:
                raise InputError("lengthscale", "'median' is 0: more than half the training pairs coincide; "
                                                "give a number")
            return value
        return median_lengthscale(X)

    # -- docs/method.md §2: the posterior, through the one Gaussian road --------------------------------
    def posterior(self, task: Task) -> GaussianPosterior:
        """Condition on the training data (docs/method.md §2): M = K* A^-1 Y_train and
        Σ = a² (K** - K* A^-1 K*^T) with A = K + (σ² + δ)/a² I, by :func:`~.gaussian.posterior`
        (float64 Cholesky solves, no explicit inverse; the backend of the space's options)."""
        tic = time.perf_counter()
        ell, amplitude, noise, fitted = self._hyperparameters(task)
        first = {"marginal_likelihood" if fitted is not None else "lengthscale": time.perf_counter() - tic}
        post = posterior(StationaryKernel(self.kernel, ell), task.X_train, task.Y_train, task.X_test, task.Y_test,
                         amplitude=amplitude, noise=noise, jitter=self.jitter, unit_diagonal=True,
                         memory_limit=self._memory_bytes, device=self.device, scratch_dir=self.scratch_dir,
                         dask_address=self.dask_address, remedy=_NOT_POSITIVE_DEFINITE_REMEDY,
                         owner="GP")
        return dataclasses.replace(post, lengthscale=ell, hyperparameters=fitted, timings={**first, **post.timings})

    def _posterior_info(self, post: GaussianPosterior) -> dict:
        """The hyperparameters used (and the marginal-likelihood fit where one was "ml") and
        where the posterior was computed."""
        info = {"lengthscale": post.lengthscale, "noise": post.noise, "amplitude": post.amplitude,
                "backend": dict(post.backend)}
        if post.hyperparameters is not None:
            info["hyperparameters"] = post.hyperparameters
        return info

