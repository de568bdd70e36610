"""``measure``: the inductive bias a task requires from a hypothesis space, in bits (SPEC §1)."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from ._validation import InputError, check_positive, check_target_errors
from .estimators import ESTIMATORS, estimate_bits
from .estimators.base import check_losses
from .results import MeasureResult, TargetResult
from .spaces.base import HypothesisSpace
from .tasks import Task

__all__ = ["measure", "measure_losses", "default_target_errors"]

EXACT_METHODS = ("auto", "inversion", "saddlepoint", "imhof")
DEFAULT_STD_STEPS = (1, 2, 4, 8, 16)


def default_target_errors(mean: float, std: float, floor: float = 0.0) -> np.ndarray:
    """Targets 1, 2, 4, 8 and 16 standard deviations below the mean loss, those above ``floor``."""
    eps = np.array([mean - k * std for k in DEFAULT_STD_STEPS])
    eps = eps[eps > floor]
    return eps if eps.size else np.array([0.5 * (mean + floor)])


def measure(task: Task, space: HypothesisSpace, target_error=None, *, estimator: str = "exact",
            hypotheses: int = 1000, seed=0, method: str = "auto", n_bootstrap: int = 50) -> MeasureResult:
    """I(ε) = -log2 P[L(h) <= ε] for h drawn from ``space`` given ``task``'s training data.

    Parameters
    ----------
    task : Task
    space : HypothesisSpace
        e.g. ``GaussianProcess("rbf", 1.0)``.
    target_error : float or sequence of float, optional
        ε values (test MSE). Default: 1, 2, 4, 8 and 16 standard deviations below the mean loss.
    estimator : str, default "exact"
        "exact": the generalized chi-square law (GP spaces, SPEC §2), with the Chernoff lower
        bound. Otherwise a sample-based estimator (SPEC §3) run on ``hypotheses`` sampled losses:
        "paper" (published), "paper-logphi", "empirical".
    hypotheses : int, default 1000
        Number of hypotheses sampled by sample-based estimators.
    seed : int, Generator or None, default 0
    method : {"auto", "inversion", "saddlepoint", "imhof"}
        How the exact law's tail is evaluated (see :class:`GeneralizedChiSquare`).
    n_bootstrap : int, default 50
        Bootstrap refits for the interval of a sample-based estimate.

    Returns
    -------
    MeasureResult

    Examples
    --------
    >>> from inductive_bias import GaussianProcess, digits, measure
    >>> result = measure(digits(), GaussianProcess("rbf", 1.0), target_error=[1.05, 1.0])
    >>> [round(b, 2) for b in result.bits]     # doctest: +SKIP
    """
    if not isinstance(task, Task):
        raise InputError("task", f"must be a Task; got {type(task).__name__}")
    if not isinstance(space, HypothesisSpace):
        raise InputError("space", f"must be a hypothesis space; got {type(space).__name__}")
    if estimator != "exact" and estimator not in ESTIMATORS:
        raise InputError("estimator", f"must be one of exact, {', '.join(ESTIMATORS)}; got {estimator!r}")
    if method not in EXACT_METHODS:
        raise InputError("method", f"must be one of {', '.join(EXACT_METHODS)}; got {method!r}")
    eps = None if target_error is None else check_target_errors(target_error)
    from . import __version__

    if estimator == "exact":
        return _measure_exact(task, space, eps, method, __version__)
    hypotheses = check_positive("hypotheses", hypotheses, integer=True)
    return _measure_sampled(task, space, eps, estimator, hypotheses, seed, n_bootstrap, __version__)


def _measure_exact(task, space, eps, method, version) -> MeasureResult:
    tic = time.perf_counter()
    law, info = space.loss_distribution(task)
    timings = dict(info.pop("timings", {}))
    if eps is None:
        eps = default_target_errors(law.mean, law.std, law.offset)
    tic_tail = time.perf_counter()
    bits = law.bits(eps, method)
    bound = law.chernoff_bits(eps)
    timings["tail"] = time.perf_counter() - tic_tail
    timings["total"] = time.perf_counter() - tic
    results = []
    for e, b, lb in zip(eps, bits, bound):
        reason = None
        if math.isinf(b) and e <= law.offset:
            reason = (f"no hypothesis reaches it: every test loss is at least {law.offset:.6g}, the error "
                      "along directions the training data pins down")
        elif math.isinf(b):
            reason = f"the {method} method broke down this deep in the tail; use method='inversion'"
        results.append(TargetResult(float(e), float(b), reason, bits_lower_bound=float(lb)))
    return MeasureResult(
        task=task.describe(), space=space.spec(), estimator="exact", results=tuple(results),
        loss={"mean": law.mean, "std": law.std, "offset": law.offset},
        diagnostics={"method": method, "terms": int(law.weights.size), **info},
        timings=timings, version=version,
    )


def _measure_sampled(task, space, eps, estimator, hypotheses, seed, n_bootstrap, version) -> MeasureResult:
    tic = time.perf_counter()
    samples = space.sample(task, hypotheses, seed)
    sampled = time.perf_counter() - tic
    result = measure_losses(samples.losses, eps, estimator=estimator, n_bootstrap=n_bootstrap, seed=seed,
                            train_losses=samples.train_losses, task=task.describe(), space=space.spec())
    timings = {"sample": sampled, **result.timings, "total": time.perf_counter() - tic}
    return replace(result, timings=timings, diagnostics={"hypotheses": hypotheses, **result.diagnostics})


def measure_losses(losses, target_error=None, *, estimator: str = "paper", n_bootstrap: int = 50, seed=0,
                   train_losses=None, task: dict | None = None, space: dict | None = None) -> MeasureResult:
    """I(ε) from test losses measured elsewhere, by a sample-based estimator (SPEC §3).

    ``task`` and ``space`` are descriptions carried into the result; ``train_losses``, where
    given, are summarised beside the test losses.
    """
    from . import __version__

    tic = time.perf_counter()
    losses = check_losses(losses)
    eps = default_target_errors(float(np.mean(losses)), float(np.std(losses))) if target_error is None \
        else check_target_errors(target_error)
    estimate = estimate_bits(losses, eps, estimator, n_bootstrap=n_bootstrap, seed=seed)
    n = losses.size
    results = []
    for j, e in enumerate(eps):
        b = float(estimate.bits[j])
        if estimate.failure:
            reason = f"the fit failed: {estimate.failure}"
        elif math.isinf(b):
            reason = f"none of the {n} sampled losses reaches it"
        elif estimate.samples_below[j] == 0:
            reason = f"extrapolated: below all {n} sampled losses (min {losses.min():.6g})"
        else:
            reason = None
        results.append(TargetResult(float(e), b, reason, interval=tuple(float(v) for v in estimate.interval[j]),
                                    samples_below=int(estimate.samples_below[j])))
    loss = {"mean": float(np.mean(losses)), "std": float(np.std(losses, ddof=1)), "min": float(losses.min()),
            "max": float(losses.max()), "samples": int(n)}
    if train_losses is not None:
        loss["train_mean"] = float(np.mean(train_losses))
        loss["train_max"] = float(np.max(train_losses))
    diagnostics = {"seed": seed if isinstance(seed, int) else None, "n_bootstrap": estimate.n_bootstrap,
                   "bootstrap_failures": estimate.bootstrap_failures, "confidence": estimate.confidence,
                   "fit": estimate.params, "goodness_of_fit": estimate.goodness_of_fit,
                   "failure": estimate.failure}
    return MeasureResult(task=task or {"name": "losses"}, space=space or {"space": "unknown"}, estimator=estimator,
                         results=tuple(results), loss=loss, diagnostics=diagnostics,
                         timings={"estimate": estimate.seconds, "total": time.perf_counter() - tic},
                         version=__version__)
