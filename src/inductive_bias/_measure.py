"""``measure``: the inductive bias a task requires from a hypothesis space, in bits (SPEC §1)."""

from __future__ import annotations

from ._version import __version__

import math
import time
import warnings
from dataclasses import replace

import numpy as np

from .exceptions import InputError
from ._validation import check_positive, check_target_errors
from .estimators import ESTIMATORS, ExtrapolationWarning, estimate_bits, uses_predictions
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
        bound. Otherwise a sample-based estimator (SPEC §3) run on ``hypotheses`` sampled
        hypotheses: "sampled" (the recommended default, docs/estimators.md: "function-gaussian"
        from the hypotheses' predictions where the space gives them, a GP space included, else
        "gchi2-moments"), "paper" (published), "paper-logphi", "ncx2-mle", "ncx2-loc",
        "gchi2-moments", "function-gaussian", "empirical".
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
    # Predictions are drawn only for an estimator that uses them, from a space that offers them.
    wants = uses_predictions(estimator, space.offers_predictions)
    samples = space.sample(task, hypotheses, seed, predictions=wants)
    sampled = time.perf_counter() - tic
    result = measure_losses(samples.losses, eps, estimator=estimator, n_bootstrap=n_bootstrap, seed=seed,
                            train_losses=samples.train_losses, task=task, space=space.spec(),
                            predictions=samples.predictions)
    timings = {"sample": sampled, **result.timings, "total": time.perf_counter() - tic}
    return replace(result, timings=timings, diagnostics={"hypotheses": hypotheses, **result.diagnostics})



def measure_losses(losses, target_error=None, *, estimator: str = "sampled", n_bootstrap: int = 50, seed=0,
                   train_losses=None, task=None, space: dict | None = None, predictions=None,
                   targets=None) -> MeasureResult:
    """I(ε) from test losses measured elsewhere, by a sample-based estimator (SPEC §3).

    Parameters
    ----------
    losses : array_like (N,)
        Test losses of N sampled hypotheses.
    target_error : float or sequence, optional
        Default: 1, 2, 4, 8 and 16 standard deviations below the mean loss.
    estimator : str, default "sampled"
        A key of ``ESTIMATORS``. "sampled" is "function-gaussian" where ``predictions`` are
        given and "gchi2-moments" otherwise (docs/estimators.md says why).
    n_bootstrap : int, default 50
    seed : int, Generator or None, default 0
    train_losses : array_like (N,), optional
        Summarised beside the test losses.
    task : Task or dict, optional
        A :class:`Task` (its description is recorded and its test targets used with
        ``predictions``) or a description dict.
    space : dict, optional
        Description of the space, carried into the result.
    predictions : array_like (N, m, k), optional
        The N hypotheses' test predictions, for estimators that use them.
    targets : array_like (m, k), optional
        Test targets, where ``task`` is not a Task.

    Returns
    -------
    MeasureResult
        Each target's ``reason`` says when the fit failed, when ε is below every sampled loss, and
        when it lies deeper than the estimator is trusted (an :class:`ExtrapolationWarning` is also
        issued then). ``diagnostics`` holds the fit, its goodness of fit (KS, Anderson–Darling), the
        finite-sample intervals and the bootstrap failures.
    """

    tic = time.perf_counter()
    losses = check_losses(losses)
    if isinstance(task, Task):
        if targets is None:
            targets = task.Y_test
        task = task.describe()
    eps = default_target_errors(float(np.mean(losses)), float(np.std(losses))) if target_error is None \
        else check_target_errors(target_error)
    estimate = estimate_bits(losses, eps, estimator, n_bootstrap=n_bootstrap, seed=seed,
                             predictions=predictions, targets=targets)
    n = losses.size
    results, untrusted = [], []
    for j, e in enumerate(eps):
        b = float(estimate.bits[j])
        notes = []
        if estimate.failure:
            notes.append(f"the fit failed: {estimate.failure}")
        elif math.isinf(b) and estimate.samples_below[j] == 0 and estimate.estimator == "empirical":
            notes.append(f"none of the {n} sampled losses reaches it")
        else:
            if math.isinf(b):
                notes.append("the fitted law puts no probability at or below it")
            if estimate.samples_below[j] == 0:
                notes.append(f"extrapolated: below all {n} sampled losses (min {losses.min():.6g})")
        if not estimate.failure and estimate.untrusted[j] and estimate.estimator != "empirical":
            reach = (f"to {estimate.trusted_depth:g} sd below it" if estimate.trusted_depth > 0
                     else "within the sample")
            notes.append(f"untrusted: {estimate.depth[j]:.2g} sd below the smallest loss; {estimate.estimator} was "
                         f"accurate on the ground-truth benchmark only {reach}")
            untrusted.append(float(e))
        results.append(TargetResult(float(e), b, "; ".join(notes) or None,
                                    interval=tuple(float(v) for v in estimate.interval[j]),
                                    samples_below=int(estimate.samples_below[j])))
    if untrusted:
        warnings.warn(f"{estimate.estimator}: target error(s) {', '.join(f'{e:.6g}' for e in untrusted)} lie "
                      f"more than {estimate.trusted_depth:g} sd below the smallest of {n} sampled losses, "
                      "an extrapolation the ground-truth benchmark does not support",
                      ExtrapolationWarning, stacklevel=2)
    loss = {"mean": float(np.mean(losses)), "std": float(np.std(losses, ddof=1)), "min": float(losses.min()),
            "max": float(losses.max()), "samples": int(n)}
    if train_losses is not None:
        loss["train_mean"] = float(np.mean(train_losses))
        loss["train_max"] = float(np.max(train_losses))
    diagnostics = {"seed": seed if isinstance(seed, int) else None, "requested_estimator": estimator,
                   "n_bootstrap": estimate.n_bootstrap, "bootstrap_failures": estimate.bootstrap_failures,
                   "bootstrap_failure_reasons": list(estimate.bootstrap_failure_reasons),
                   "confidence": estimate.confidence, "interval": estimate.interval_kind,
                   "bootstrap_bias": estimate.bootstrap_bias, "fit": estimate.params,
                   "goodness_of_fit": estimate.goodness_of_fit, "failure": estimate.failure,
                   "sample_intervals": estimate.sample_interval, "simultaneous_intervals": estimate.simultaneous_interval,
                   "depth_below_min_sd": estimate.depth, "trusted_depth_sd": estimate.trusted_depth}
    return MeasureResult(task=task or {"name": "losses"}, space=space or {"space": "unknown"},
                         estimator=estimate.estimator, results=tuple(results), loss=loss, diagnostics=diagnostics,
                         timings={"estimate": estimate.seconds, "total": time.perf_counter() - tic},
                         version=__version__)
