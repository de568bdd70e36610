"""Run a sample-based estimator on losses (SPEC §3): bits per ε, a bootstrap interval, the
finite-sample intervals that assume nothing about the law, goodness of fit, and a flag wherever
ε lies further below the sampled losses than the estimator is trusted."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .._random import check_random_state
from ..exceptions import InputError
from .._validation import check_array, check_positive, check_target_errors
from .base import FitError, SampleEstimator, check_losses, goodness_of_fit
from .empirical import EmpiricalEstimator
from .function_space import FunctionSpaceGaussian
from .intervals import clopper_pearson_bits, dkw_bits
from .moments import MomentEstimator
from .ncx2_mle import Ncx2MLEEstimator
from .paper import PaperEstimator

#: What ``estimator="sampled"`` means: the function-space Gaussian where the hypotheses' test
#: predictions are available, else the best loss-only estimator on the ground-truth benchmark
#: (benchmarks/estimators_vs_exact.md, docs/estimators.md).
SAMPLED_WITH_PREDICTIONS = "function-gaussian"
SAMPLED_LOSSES_ONLY = "gchi2-moments"

ESTIMATORS = {
    "sampled": lambda: get_estimator(SAMPLED_LOSSES_ONLY),
    "paper": lambda: PaperEstimator("published"),
    "paper-logphi": lambda: PaperEstimator("log-phi"),
    "ncx2-mle": lambda: Ncx2MLEEstimator(free_location=False),
    "ncx2-loc": lambda: Ncx2MLEEstimator(free_location=True),
    "gchi2-moments": MomentEstimator,
    "function-gaussian": FunctionSpaceGaussian,
    "empirical": EmpiricalEstimator,
}


def _check_name(name) -> str:
    if not isinstance(name, str) or name not in ESTIMATORS:
        raise InputError("estimator", f"must be one of {', '.join(ESTIMATORS)} or a SampleEstimator; got {name!r}")
    return name


def get_estimator(estimator):
    """The estimator object for a name of :data:`ESTIMATORS` (a fresh one), or ``estimator``
    itself where it is already a :class:`SampleEstimator` (with options of its own)."""
    if isinstance(estimator, SampleEstimator):
        return estimator
    return ESTIMATORS[_check_name(estimator)]()


def resolve_estimator(estimator, has_predictions: bool) -> SampleEstimator:
    """The estimator that ``estimator`` stands for: "sampled" becomes "function-gaussian" where the
    hypotheses' predictions are available and "gchi2-moments" otherwise (docs/estimators.md);
    any other name, or an estimator object, is itself."""
    if isinstance(estimator, SampleEstimator):
        return estimator
    if _check_name(estimator) == "sampled":
        return get_estimator(SAMPLED_WITH_PREDICTIONS if has_predictions else SAMPLED_LOSSES_ONLY)
    return get_estimator(estimator)


def uses_predictions(estimator, available: bool = True) -> bool:
    """Whether ``estimator`` (a name or an object) reads the hypotheses' test predictions when
    they are ``available`` (so that a caller draws or loads them only then)."""
    return bool(resolve_estimator(estimator, available).uses_predictions)


#: "sampled" keeps the function-space Gaussian only while it describes the sampled losses: a KS
#: p-value below this sends it to the loss-only estimator (benchmarks/trained_estimators.md)
SAMPLED_MIN_KS_PVALUE = 0.01


def _sampled_choice(gaussian, losses, predictions, targets):
    """What "sampled" means for these hypotheses, decided once on the full sample.

    The function-space Gaussian is exact in shape for GP spaces and the most accurate estimator
    there, far below the sample too (docs/estimators.md). Trained networks are not Gaussian in
    function space: where its law misfits the very losses it should describe (Kolmogorov–Smirnov
    p below :data:`SAMPLED_MIN_KS_PVALUE`), the loss-only fit takes over. The reason is recorded.
    """
    try:
        law = gaussian.fit_predictions(predictions, targets)
    except FitError as error:
        return get_estimator(SAMPLED_LOSSES_ONLY), f"{SAMPLED_LOSSES_ONLY}: {gaussian.name} failed ({error})"
    p_value = goodness_of_fit(law, losses)["ks_pvalue"]
    if p_value < SAMPLED_MIN_KS_PVALUE:
        return get_estimator(SAMPLED_LOSSES_ONLY), (
            f"{SAMPLED_LOSSES_ONLY}: the function-space Gaussian misfits these losses (KS p = {p_value:.2g} < "
            f"{SAMPLED_MIN_KS_PVALUE})")
    return gaussian, f"{gaussian.name}: it describes these losses (KS p = {p_value:.2g})"


@dataclass(frozen=True)
class SampleEstimate:
    """What a sample-based estimator says at each target error.

    ``bits[j]`` is NaN where the fit failed (``failure`` says why); ``interval[j]`` is the
    bootstrap percentile interval at ``confidence``; ``samples_below[j]`` counts losses <= ε_j.
    ``sample_interval[j]`` is the Clopper–Pearson interval on I(ε_j) from that count alone and
    ``interval_kind`` says how the interval was formed from the replicates ("percentile", or
    "basic": [2·bits - upper quantile, 2·bits - lower quantile]) and ``bootstrap_bias`` is the
    mean replicate minus the estimate. ``simultaneous_interval`` the DKW band (both assume only independent draws; see
    :mod:`.intervals`). ``depth[j]`` is how far ε_j lies below the smallest loss, in standard
    deviations of the losses (negative inside the sample), and ``untrusted[j]`` whether that exceeds
    the estimator's ``trusted_depth``.
    """

    estimator: str
    target_errors: np.ndarray
    bits: np.ndarray
    interval: np.ndarray
    confidence: float
    n_samples: int
    n_bootstrap: int
    bootstrap_failures: int
    samples_below: np.ndarray
    params: dict = field(default_factory=dict)
    goodness_of_fit: dict | None = None
    failure: str | None = None
    seconds: float = 0.0
    sample_interval: np.ndarray | None = None
    simultaneous_interval: np.ndarray | None = None
    depth: np.ndarray | None = None
    untrusted: np.ndarray | None = None
    trusted_depth: float = 0.0
    bootstrap_failure_reasons: tuple = ()
    interval_kind: str = "percentile"
    bootstrap_bias: np.ndarray | None = None
    law: object = field(default=None, compare=False, repr=False)
    fits_a_law: bool = True


def check_predictions(predictions, targets, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Predictions (N, m, k) of the N hypotheses whose losses were given, and targets (m, k)."""
    predictions = np.asarray(predictions, dtype=np.float64)
    if predictions.ndim == 2:
        predictions = predictions[:, :, None]
    if predictions.ndim != 3:
        raise InputError("predictions", f"must have shape (hypotheses, test points, outputs); got {predictions.shape}")
    if predictions.shape[0] != n:
        raise InputError("predictions", f"has {predictions.shape[0]} hypotheses but there are {n} losses")
    if targets is None:
        raise InputError("targets", "the test targets (m, k) are needed with predictions (pass task= or targets=)")
    targets = check_array("targets", targets, ndim=(1, 2))
    if targets.ndim == 1:
        targets = targets[:, None]
    if targets.shape != predictions.shape[1:]:
        raise InputError("targets", f"has shape {targets.shape}; predictions are {predictions.shape[1:]} per hypothesis")
    if not np.all(np.isfinite(predictions)):
        raise InputError("predictions", "must be finite")
    return predictions, targets


def estimate_bits(losses, target_errors, estimator: str = "sampled", *, n_bootstrap: int = 50,
                  confidence: float = 0.95, seed=None, predictions=None, targets=None) -> SampleEstimate:
    """Fit ``estimator`` to ``losses`` and read I(ε) at each target error (SPEC §3).

    Parameters
    ----------
    losses : array_like (N,)
        Test losses of N sampled hypotheses.
    target_errors : float or array_like
    estimator : str or SampleEstimator, default "sampled"
        A key of :data:`ESTIMATORS` ("sampled" resolves by :func:`resolve_estimator`) or an
        estimator object with options of its own.
    n_bootstrap : int, default 50
        Refits on resampled hypotheses (with replacement) for the interval (percentile, or basic
        for estimators whose ``bootstrap_interval`` is "basic"); refits that fail are counted,
        not hidden.
    confidence : float, default 0.95
        Of the bootstrap and finite-sample intervals.
    seed : int, Generator or None
    predictions : array_like (N, m, k), optional
        Test predictions of the same N hypotheses (needed by "function-gaussian").
    targets : array_like (m, k), optional
        The task's test targets Y_test, with ``predictions``.

    Returns
    -------
    SampleEstimate
    """
    tic = time.perf_counter()
    losses = check_losses(losses)
    eps = check_target_errors(target_errors)
    n_bootstrap = check_positive("n_bootstrap", n_bootstrap, integer=True, allow_zero=True)
    if not 0 < confidence < 1:
        raise InputError("confidence", f"must lie in (0, 1); got {confidence!r}")
    if predictions is not None:
        predictions, targets = check_predictions(predictions, targets, losses.size)
    method = resolve_estimator(estimator, predictions is not None)
    choice = None
    if isinstance(estimator, str) and estimator == "sampled" and method.uses_predictions:
        method, choice = _sampled_choice(method, losses, predictions, targets)
    name = method.name
    if method.uses_predictions and predictions is None:
        raise InputError("estimator", f"{name!r} needs the hypotheses' test predictions (predictions= and "
                                      "targets=); with losses alone use another estimator")
    rng = check_random_state(seed)
    n = losses.size
    below = np.searchsorted(np.sort(losses), eps, side="right")
    sd = float(np.std(losses, ddof=1))
    depth = (float(losses.min()) - eps) / sd
    common = dict(fits_a_law=method.fits_a_law, confidence=confidence, n_samples=n, n_bootstrap=n_bootstrap, samples_below=below,
                  sample_interval=clopper_pearson_bits(below, n, confidence),
                  simultaneous_interval=dkw_bits(below, n, confidence), depth=depth,
                  untrusted=depth > method.trusted_depth_at(n), trusted_depth=float(method.trusted_depth_at(n)))

    def fit(counts=None):
        if method.uses_predictions:
            return method.fit_predictions(predictions, targets, counts)
        return method.fit(losses if counts is None else np.repeat(losses, counts), start=law)

    nan = np.full(eps.shape, np.nan)
    law = None
    try:
        law = fit()
        bits = law.bits(eps)
    except FitError as error:
        return SampleEstimate(name, eps, nan, np.column_stack([nan, nan]), bootstrap_failures=0,
                              failure=str(error), seconds=time.perf_counter() - tic, **common)
    replicates, reasons = [], []
    for _ in range(n_bootstrap):
        counts = np.bincount(rng.integers(0, n, n), minlength=n)
        try:
            replicates.append(fit(counts).bits(eps))
        except FitError as error:
            reasons.append(str(error))
    if replicates:
        alpha = (1 - confidence) / 2
        reps = np.array(replicates)
        # 'lower'/'higher' pick order statistics: no interpolation between finite and +inf replicates
        low = np.quantile(reps, alpha, axis=0, method="lower")
        high = np.quantile(reps, 1 - alpha, axis=0, method="higher")
        with np.errstate(invalid="ignore"):
            bias = np.mean(reps, axis=0) - bits
            if method.bootstrap_interval == "basic":
                low, high = np.maximum(2 * bits - high, 0.0), 2 * bits - low
        interval = np.column_stack([low, high])
    else:
        interval = np.column_stack([nan, nan])
        bias = nan
    gof = goodness_of_fit(law, losses) if law.log_cdf(losses[:1]) is not None else None
    params = {k: v for k, v in law.params.items() if k != "theta"}
    if choice is not None:
        params["sampled_choice"] = choice
    return SampleEstimate(name, eps, bits, interval, bootstrap_failures=len(reasons), params=params,
                          goodness_of_fit=gof, seconds=time.perf_counter() - tic,
                          bootstrap_failure_reasons=tuple(sorted(set(reasons)))[:5],
                          interval_kind=method.bootstrap_interval, bootstrap_bias=bias, law=law, **common)
