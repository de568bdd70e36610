"""Run a sample-based estimator on losses (docs/method.md §3): a figure per ε, each of a stated kind, with an
interval that contains it.

Every figure is one of three kinds:

``"count"``
    k >= 1 of the N losses reach ε: the point -log2(k/N) and the exact Clopper–Pearson interval.
``"bound"``
    none reaches ε: the one-sided bound I(ε) > -log2(1 - (α/2)^(1/N)) (the Clopper–Pearson upper
    end of P), kept in ``bits`` with the interval (bound, +inf). A sample can never bound I(ε)
    from above where nothing reaches ε.
``"model"``
    a fitted loss law's figure, with a bootstrap interval widened where needed to contain its
    point. Below the sample it is an extrapolation that no sample supports.

The direct count ("count", and "sampled", which means it) is what the deep-count benchmark
supports at every depth (benchmarks/deep_count.md). A fitted law is checked against the count
before any of its figures is used: where its bits at in-sample ε (a few fixed ranks and the targets)
fall outside the count's 99.9 % interval, or are not monotone in ε, the law is *rejected* and the
count's figures are reported instead, with the reason (``rejection``). A law that could not be fitted
falls back the same way (``failure``). Nothing is hidden: the kinds and reasons travel with the figures.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .._random import check_random_state
from .._validation import check_array, check_positive, check_target_errors
from ..exceptions import InputError
from .base import FitError, SampleEstimator, check_losses, goodness_of_fit
from .count import CountEstimator
from .function_space import FunctionSpaceGaussian
from .intervals import clopper_pearson_bits, dkw_bits
from .moments import MomentEstimator
from .ncx2_mle import Ncx2MLEEstimator
from .paper import PaperEstimator

#: What ``estimator="sampled"`` (the default for trained spaces) means: the direct count, the only
#: estimator whose intervals covered the deep-count truth at every depth (benchmarks/deep_count.md).
SAMPLED = "count"

ESTIMATORS = {
    "sampled": lambda: get_estimator(SAMPLED),
    "count": CountEstimator,
    "paper": lambda: PaperEstimator("published"),
    "paper-logphi": lambda: PaperEstimator("log-phi"),
    "ncx2-mle": lambda: Ncx2MLEEstimator(free_location=False),
    "ncx2-loc": lambda: Ncx2MLEEstimator(free_location=True),
    "gchi2-moments": MomentEstimator,
    "function-gaussian": FunctionSpaceGaussian,
}

#: Older name of the direct count, still accepted.
ALIASES = {"empirical": "count"}

KINDS = ("count", "bound", "model")

#: Fewest bootstrap refits a model figure's interval may rest on (fewer give interval ends that
#: change from seed to seed in the first digit).
MIN_BOOTSTRAP = 20
DEFAULT_BOOTSTRAP = 200
MAX_BOOTSTRAP = 100_000
#: Confidence of the count intervals a fitted law must fall inside at in-sample ε (misfit check).
CHECK_CONFIDENCE = 0.999
#: The misfit check's fixed probes: the ε at these ranks of the sorted losses (those <= N).
_PROBE_RANKS = (10,)
_PROBE_SHARES = (0.05, 0.25, 0.5)


def _check_name(name) -> str:
    name = ALIASES.get(name, name) if isinstance(name, str) else name
    if not isinstance(name, str) or name not in ESTIMATORS:
        raise InputError("estimator", f"must be one of {', '.join(ESTIMATORS)} or a SampleEstimator; got {name!r}")
    return name


def get_estimator(estimator) -> SampleEstimator:
    """The estimator object for a name of :data:`ESTIMATORS` (a fresh one; "sampled" is the count),
    or ``estimator`` itself where it is already a :class:`SampleEstimator` (with options of its own).
    This is the only place a name becomes an estimator."""
    if isinstance(estimator, SampleEstimator):
        return estimator
    return ESTIMATORS[_check_name(estimator)]()


def uses_bootstrap(estimator) -> bool:
    """Whether ``estimator`` draws bootstrap refits (a fitted law) or has an exact interval (the count)."""
    return bool(get_estimator(estimator).fits_a_law)


@dataclass(frozen=True)
class SampleEstimate:
    """What a sample-based estimator says at each target error (module docstring).

    ``bits[j]`` is the figure at ε_j, ``kinds[j]`` its kind ("count", "bound" or "model") and
    ``interval[j]`` its interval at ``confidence``, which always contains it (a bound's is
    (bits, +inf)). ``samples_below[j]`` counts losses <= ε_j; ``count_interval[j]`` is the
    Clopper–Pearson interval from that count alone, whatever the estimator, and
    ``simultaneous_interval[j]`` the DKW band (both assume only independent draws; see
    :mod:`.intervals`). For a fitted law: ``failure`` says why it could not be fitted,
    ``rejection`` why it was rejected against the count (its figures then are the count's),
    ``goodness_of_fit`` its KS and Anderson–Darling statistics, ``model_bits`` its own figures
    (NaN where it failed), and ``n_bootstrap`` refits formed its intervals, ``bootstrap_failures``
    of them failing.
    """

    estimator: str
    target_errors: np.ndarray
    bits: np.ndarray
    interval: np.ndarray
    kinds: tuple
    confidence: float
    n_samples: int
    samples_below: np.ndarray
    count_interval: np.ndarray
    simultaneous_interval: np.ndarray
    fits_a_law: bool = False
    n_bootstrap: int = 0
    bootstrap_failures: int = 0
    bootstrap_failure_reasons: tuple = ()
    interval_kind: str = "clopper-pearson"
    params: dict = field(default_factory=dict)
    goodness_of_fit: dict | None = None
    failure: str | None = None
    rejection: str | None = None
    model_bits: np.ndarray | None = None
    seconds: float = 0.0
    law: object = field(default=None, compare=False, repr=False)

    @property
    def extrapolated(self) -> np.ndarray:
        """Model figures at ε below every sampled loss."""
        return np.array([k == "model" for k in self.kinds]) & (self.samples_below == 0)


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


def check_bootstrap(n_bootstrap, estimator=None) -> int:
    """``n_bootstrap`` for ``estimator``: at least :data:`MIN_BOOTSTRAP` refits where it draws them."""
    n_bootstrap = check_positive("n_bootstrap", n_bootstrap, integer=True, allow_zero=True)
    if n_bootstrap > MAX_BOOTSTRAP:
        raise InputError("n_bootstrap", f"must be at most {MAX_BOOTSTRAP:,} (each refit fits the law again; beyond "
                                        f"a few thousand the interval ends no longer move); got {n_bootstrap}")
    if (estimator is None or uses_bootstrap(estimator)) and n_bootstrap < MIN_BOOTSTRAP:
        raise InputError("n_bootstrap", f"must be at least {MIN_BOOTSTRAP} for a fitted law's interval (fewer "
                                        f"refits give interval ends that change from seed to seed); got {n_bootstrap}")
    return n_bootstrap


def count_figures(below: np.ndarray, n: int, confidence: float) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The direct count's (bits, interval, kinds) for ``below`` of ``n`` losses <= each ε."""
    interval = clopper_pearson_bits(below, n, confidence)
    with np.errstate(divide="ignore"):
        bits = np.where(below > 0, -np.log2(np.maximum(below, 1) / n), interval[:, 0])
    kinds = tuple("count" if k > 0 else "bound" for k in below)
    return bits, interval, kinds


def _misfit(law, sorted_losses: np.ndarray, eps: np.ndarray, below: np.ndarray, bits: np.ndarray) -> str | None:
    """Why a fitted law contradicts the sample, or None: its bits at the fixed probes and at the
    targets must lie inside the count's :data:`CHECK_CONFIDENCE` interval, and fall as ε grows."""
    n = sorted_losses.size
    ranks = sorted({r for r in (*_PROBE_RANKS, *(math.ceil(s * n) for s in _PROBE_SHARES)) if 10 <= r <= n})
    probes = sorted_losses[np.array(ranks, dtype=int) - 1] if ranks else np.empty(0)
    probe_below = np.searchsorted(sorted_losses, probes, side="right")
    with np.errstate(invalid="ignore", over="ignore"):
        probe_bits = law.bits(probes) if probes.size else np.empty(0)
    where = np.concatenate([probes, eps])
    counts = np.concatenate([probe_below, below])
    model = np.concatenate([probe_bits, bits])
    limits = clopper_pearson_bits(counts, n, CHECK_CONFIDENCE)
    for e, k, b, (lo, hi) in zip(where, counts, model, limits):
        slack = 1e-9 * max(1.0, abs(lo) if math.isfinite(lo) else 1.0)
        if math.isnan(b) or b < lo - slack or b > hi + slack:
            shown = "inf" if math.isinf(b) else f"{b:.4g}"
            return (f"its {shown} bits at ε = {e:.6g} lie outside the count's {CHECK_CONFIDENCE:.1%} interval "
                    f"[{lo:.4g}, {hi:.4g}] ({int(k)} of {n} members reach it)")
    order = np.argsort(eps)
    ordered = bits[order]
    if ordered.size > 1 and np.any(np.diff(ordered) > 1e-9 * np.maximum(1.0, np.abs(ordered[1:]))):
        return "its bits do not fall as ε grows (a numerical breakdown of the law's tail)"
    return None


class _Shifted:
    """A law's bits shifted by a constant (the share of members with a finite loss)."""

    def __init__(self, law, shift: float):
        self.law, self.shift = law, shift

    def bits(self, eps):
        return np.asarray(self.law.bits(eps), dtype=float) + self.shift


def estimate_bits(losses, target_errors, estimator="sampled", *, n_bootstrap: int = DEFAULT_BOOTSTRAP,
                  confidence: float = 0.95, seed=None, predictions=None, targets=None) -> SampleEstimate:
    """Read I(ε) at each target error from sampled losses (docs/method.md §3; module docstring).

    Parameters
    ----------
    losses : array_like (N,)
        Test losses of N sampled hypotheses; +inf for a member that reaches no ε (diverged).
    target_errors : float or array_like
    estimator : str or SampleEstimator, default "sampled"
        A key of :data:`ESTIMATORS` ("sampled" is the direct count) or an estimator object with
        options of its own.
    n_bootstrap : int, default 200
        Refits on resampled hypotheses for a fitted law's interval (at least :data:`MIN_BOOTSTRAP`);
        refits that fail are counted, not hidden. The count needs none.
    confidence : float, default 0.95
        Of every interval.
    seed : int, Generator or None
    predictions : array_like (N, m, k), optional
        Test predictions of the same N hypotheses (needed by "function-gaussian").
    targets : array_like (m, k), optional
        The task's test targets Y_test, with ``predictions``.

    Returns
    -------
    SampleEstimate

    Examples
    --------
    >>> import numpy as np
    >>> losses = np.random.default_rng(0).chisquare(10, 1000)
    >>> est = estimate_bits(losses, [5.0, 1.0])
    >>> est.kinds, np.round(est.bits, 2).tolist(), int(est.samples_below[0])
    (('count', 'bound'), [3.13, 8.09], 114)
    >>> np.round(est.interval[1], 2).tolist()       # none of 1,000 reaches 1.0: only a lower bound
    [8.09, inf]
    """
    tic = time.perf_counter()
    method = get_estimator(estimator)
    losses = check_array("losses", losses, ndim=1, allow_nonfinite=True)
    if losses.size < 2:
        raise InputError("losses", f"needs at least 2 values; got {losses.size}")
    if np.isnan(losses).any() or np.any(losses == -np.inf):
        raise InputError("losses", "must be numbers or +inf (a member that reaches no ε); got NaN or -inf")
    eps = check_target_errors(target_errors)
    n_bootstrap = check_bootstrap(n_bootstrap, method)
    if not 0 < confidence < 1:
        raise InputError("confidence", f"must lie in (0, 1); got {confidence!r}")
    if predictions is not None:
        predictions, targets = check_predictions(predictions, targets, losses.size)
    if method.uses_predictions and predictions is None:
        raise InputError("estimator", f"{method.name!r} needs the hypotheses' test predictions (predictions= and "
                                      "targets=); with losses alone use another estimator")
    n = losses.size
    sorted_losses = np.sort(losses)
    below = np.searchsorted(sorted_losses, eps, side="right")
    count_bits, count_interval, count_kinds = count_figures(below, n, confidence)
    common = dict(estimator=method.name, target_errors=eps, confidence=confidence, n_samples=n,
                  samples_below=below, count_interval=count_interval,
                  simultaneous_interval=dkw_bits(below, n, confidence), fits_a_law=method.fits_a_law)
    if not method.fits_a_law:
        return SampleEstimate(bits=count_bits, interval=count_interval, kinds=count_kinds,
                              seconds=time.perf_counter() - tic, law=method.fit(losses), **common)

    # A fitted law describes the members with a finite loss; the others (+inf: diverged) reach no
    # ε, so P[L <= ε] = share_finite · P_law[L <= ε]: the law's bits shift by -log2(share_finite).
    finite = np.isfinite(losses)
    shift = -math.log2(finite.mean()) if finite.any() else math.inf
    fitted = losses[finite]
    if predictions is not None:
        predictions = predictions[finite]

    def fit(counts=None):
        if method.uses_predictions:
            return method.fit_predictions(predictions, targets, counts)
        return method.fit(fitted if counts is None else np.repeat(fitted, counts), start=law)

    def fallback(**why):
        return SampleEstimate(bits=count_bits, interval=count_interval, kinds=count_kinds,
                              seconds=time.perf_counter() - tic, **why, **common)

    law = None
    try:
        check_losses(fitted)
        law = fit()
        with np.errstate(invalid="ignore", over="ignore"):
            model_bits = np.asarray(law.bits(eps), dtype=float) + shift
    except (FitError, InputError) as error:
        return fallback(failure=str(error).removeprefix("losses: "))
    gof = goodness_of_fit(law, fitted) if law.log_cdf(fitted[:1]) is not None else None
    params = {k: v for k, v in law.params.items() if k != "theta"}
    shifted = _Shifted(law, shift) if shift else law
    rejection = _misfit(shifted, sorted_losses, eps, below, model_bits)
    if rejection is not None:
        return fallback(rejection=rejection, params=params, goodness_of_fit=gof, model_bits=model_bits, law=law)

    nf = fitted.size
    rng = check_random_state(seed)
    replicates, reasons = [], []
    for _ in range(n_bootstrap):
        counts = np.bincount(rng.integers(0, nf, nf), minlength=nf)
        try:
            with np.errstate(invalid="ignore", over="ignore"):
                replicates.append(fit(counts).bits(eps) + shift)
        except FitError as error:
            reasons.append(str(error))
    if len(replicates) < MIN_BOOTSTRAP:
        return fallback(failure=f"only {len(replicates)} of {n_bootstrap} bootstrap refits succeeded",
                        params=params, goodness_of_fit=gof, model_bits=model_bits, n_bootstrap=n_bootstrap,
                        bootstrap_failures=len(reasons), bootstrap_failure_reasons=tuple(sorted(set(reasons)))[:5],
                        law=law)
    alpha = (1 - confidence) / 2
    reps = np.array(replicates)
    # 'lower'/'higher' pick order statistics: no interpolation between finite and +inf replicates
    low = np.quantile(reps, alpha, axis=0, method="lower")
    high = np.quantile(reps, 1 - alpha, axis=0, method="higher")
    if method.bootstrap_interval == "basic":
        with np.errstate(invalid="ignore"):
            low, high = np.maximum(2 * model_bits - high, 0.0), 2 * model_bits - low
    # a point outside its own interval (every replicate on one side: a bias the bootstrap sees) is
    # not printed as such: the interval is widened to hold it, which can only raise its coverage
    low, high = np.fmin(low, model_bits), np.fmax(high, model_bits)
    return SampleEstimate(bits=model_bits, interval=np.column_stack([low, high]), kinds=("model",) * eps.size,
                          params=params, goodness_of_fit=gof, model_bits=model_bits, n_bootstrap=n_bootstrap,
                          bootstrap_failures=len(reasons), bootstrap_failure_reasons=tuple(sorted(set(reasons)))[:5],
                          interval_kind=method.bootstrap_interval, seconds=time.perf_counter() - tic, law=law,
                          **common)
