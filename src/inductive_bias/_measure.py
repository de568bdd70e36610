"""``measure``: the inductive bias a task requires from a hypothesis space, in bits (SPEC §1).

One road from hypotheses to bits. A space whose loss law is known (a GP, SPEC §2) is measured
exactly; any other is sampled, and :func:`measure_samples` — the only function that turns samples
into a result — applies the fit rule (SPEC §8), leaves out diverged members, recognises a point
mass and runs the sample-based estimator (SPEC §3). Samples read from a store take the same road
(:func:`inductive_bias.store.measure_store`).
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from ._memory import check_memory
from ._fit_rule import FIT_FRACTION, target_variance
from ._random import split_seed
from ._validation import check_array, check_positive, check_target_errors
from ._version import __version__
from .distributions.generalized_chi2 import TAIL_METHODS
from .estimators import ESTIMATORS, estimate_bits, resolve_estimator
from .estimators.base import SampleEstimator
from .exceptions import ConditioningWarning, ExtrapolationWarning, InputError
from .results import FitReport, MeasureResult, MemberReport, TargetResult
from .spaces.base import HypothesisSamples, HypothesisSpace, MemberSpace
from .tasks import Task

__all__ = ["measure", "measure_samples", "measure_losses", "default_target_errors", "choose_estimator",
           "fit_threshold_for", "fitted_only_for", "members_needed", "FIT_FRACTION", "MIN_FIT_SHARE", "EXACT"]

EXACT = "exact"
DEFAULT_STD_STEPS = (1, 2, 4, 8, 16)
MIN_FIT_SHARE = 0.5  # fewer fitting members than this share: the space gets no figure (SPEC §8)
DEFAULT_INTERVAL_WIDTH = 1.0  # bits: the interval width sample-size planning is for


def default_target_errors(mean: float, std: float, floor: float = 0.0) -> np.ndarray:
    """Targets 1, 2, 4, 8 and 16 standard deviations below the mean loss, those above ``floor``."""
    eps = np.array([mean - k * std for k in DEFAULT_STD_STEPS])
    eps = eps[eps > floor]
    return eps if eps.size else np.array([0.5 * (mean + floor)])


def choose_estimator(estimator, space: HypothesisSpace | None = None, *, has_exact_law: bool | None = None):
    """The one decision of how I(ε) is obtained: :data:`EXACT` or a sample-based estimator.

    ``None`` means exact where the space's loss law is known and the recommended sample-based
    estimator ("sampled") otherwise; "exact" for a space without a known law is an error; any
    other name of :data:`~inductive_bias.estimators.ESTIMATORS`, or a
    :class:`~inductive_bias.estimators.SampleEstimator` object with its own options, is returned
    as given ("sampled" still resolves once predictions are known to be there or not).
    ``has_exact_law`` answers for a space that is not at hand (False: stored members).
    """
    if has_exact_law is None:
        has_exact_law = None if space is None else space.has_exact_law
    if estimator is None:
        return EXACT if has_exact_law else "sampled"
    if isinstance(estimator, SampleEstimator):
        return estimator
    if estimator == EXACT:
        if has_exact_law is False:
            what = f"{space.name!r} is" if space is not None else "these hypotheses are"
            raise InputError("estimator", f"'exact' needs a space whose loss law is known (a GP); {what} measured "
                                          f"from samples: use one of {', '.join(ESTIMATORS)}")
        return EXACT
    if not isinstance(estimator, str) or estimator not in ESTIMATORS:
        raise InputError("estimator", f"must be one of exact, {', '.join(ESTIMATORS)} or a SampleEstimator; "
                                      f"got {estimator!r}")
    return estimator


def fit_threshold_for(spec: dict, target_variance: float | None, fit_threshold: float | None = None):
    """The training MSE at or below which a member fits the data, and the rule that set it (SPEC §8).

    Default: the space's own stop criterion (``stop_train_mse``) where it has one, else its
    ``fit_fraction`` (a space trained until fit) or 1% of the variance of the training targets
    (R² >= 0.99; 0.0009 for balanced one-hot targets of 10 classes). Returns (None, why) where
    neither is known.
    """
    if fit_threshold is not None:
        return check_positive("fit_threshold", fit_threshold, allow_zero=True), "given"
    stop = spec.get("stop_train_mse") if spec else None
    if stop is not None:
        return float(stop), "the space's stop_train_mse"
    if target_variance is None:
        return None, "unknown (the training targets' variance is not known)"
    fraction = spec.get("fit_fraction") if spec else None
    if fraction is not None and fraction != FIT_FRACTION:
        return float(fraction) * float(target_variance), f"the space's fit_fraction {fraction:g} of the training " \
                                                         f"targets' variance"
    return FIT_FRACTION * float(target_variance), "1% of the training targets' variance (R^2 >= 0.99)"


def fitted_only_for(spec: dict | None, fitted_only: bool | None) -> bool:
    """Whether only the members that fit enter the estimate (SPEC §8). None: the space's rule —
    yes for a space whose members are trained until they fit (its spec has ``fit_fraction``), for
    which a member that did not fit is a training run that ran out of its epoch budget; no for
    others (fixed epochs, scikit-learn models), whose share that fits is reported only."""
    if fitted_only is None:
        return bool(spec) and spec.get("fit_fraction") is not None
    return bool(fitted_only)


def measure(task: Task, space: HypothesisSpace, target_error=None, *, estimator=None, hypotheses: int = 1000,
            seed=0, method: str = "auto", n_bootstrap: int = 50, fit_threshold: float | None = None,
            fitted_only: bool | None = None, progress: bool | None = None,
            interval_width: float = DEFAULT_INTERVAL_WIDTH) -> MeasureResult:
    """I(ε) = -log2 P[L(h) <= ε] for h drawn from ``space`` given ``task``'s training data.

    Parameters
    ----------
    task : Task
    space : HypothesisSpace
        e.g. ``GaussianProcess("rbf", 1.0)``, ``NeuralNetworks("mlp")``, ``ScikitLearnSpace("knn")``.
    target_error : float or sequence of float, optional
        ε values (test MSE). Default: 1, 2, 4, 8 and 16 standard deviations below the mean loss.
    estimator : None, str or SampleEstimator, default None
        None: "exact" where the space's loss law is known (GP and infinite-width spaces: the
        generalized chi-square law of SPEC §2 and §7, with the Chernoff lower bound), "sampled"
        otherwise. A sample-based
        estimator (SPEC §3) runs on ``hypotheses`` sampled hypotheses: "sampled" (recommended,
        docs/estimators.md: "function-gaussian" from the hypotheses' predictions where the space
        gives them, else "gchi2-moments"), "paper" (published), "paper-logphi", "ncx2-mle",
        "ncx2-loc", "gchi2-moments", "function-gaussian", "empirical", or an estimator object.
    hypotheses : int, default 1000
        Hypotheses sampled for a sample-based estimate.
    seed : int, Generator or None, default 0
        Split once into two streams: drawing hypotheses (a trained space's integer run seed is the
        seed itself, so that its members are those a store holds for it) and the bootstrap.
    method : {"auto", "inversion", "saddlepoint", "imhof"}
        How the exact law's tail is evaluated (see :class:`GeneralizedChiSquare`).
    n_bootstrap : int, default 50
        Bootstrap refits for the interval of a sample-based estimate.
    fit_threshold : float, optional
        Training MSE at or below which a trained member fits the data (:func:`fit_threshold_for`).
    fitted_only : bool or None, default None
        Estimate from the members that fit only (SPEC §4, §8). None: yes for spaces trained until
        fit (:func:`fitted_only_for`).
    progress : bool or None
        Progress bar while training members; None: when stderr is a terminal.
    interval_width : float, default 1.0
        Sample-size planning: the width (bits) of the interval each target's ``members_needed``
        is for (:func:`members_needed`).

    Returns
    -------
    MeasureResult

    Examples
    --------
    >>> from inductive_bias import GaussianProcess, digits, measure
    >>> result = measure(digits(), GaussianProcess("rbf", 1.0), target_error=[1.05, 1.0])
    >>> [round(float(b), 2) for b in result.bits]
    [6.58, 19.57]
    """
    if not isinstance(task, Task):
        raise InputError("task", f"must be a Task; got {type(task).__name__}")
    if not isinstance(space, HypothesisSpace):
        raise InputError("space", f"must be a hypothesis space; got {type(space).__name__}")
    choice = choose_estimator(estimator, space)
    if method not in TAIL_METHODS:
        raise InputError("method", f"must be one of {', '.join(TAIL_METHODS)}; got {method!r}")
    eps = None if target_error is None else check_target_errors(target_error)
    if choice == EXACT:
        for name, value in (("fit_threshold", fit_threshold), ("fitted_only", fitted_only)):
            if value not in (None, False):
                raise InputError(name, "applies to trained spaces (members that may not fit the data), not to an "
                                       f"exact measurement of {space.name!r}")
        return _measure_exact(task, space, eps, method)
    hypotheses = check_positive("hypotheses", hypotheses, integer=True)
    sampling, bootstrap = split_seed(seed)
    if isinstance(space, MemberSpace):
        sampling = seed  # the run seed: member i has seed member_seeds(seed, i, 1)[0], as in a store
    tic = time.perf_counter()
    wants = resolve_estimator(choice, space.offers_predictions).uses_predictions
    # per hypothesis: test and training loss, the estimator's copies of the losses, predictions
    per_hypothesis = 8 * (4 + (task.Y_test.size if wants else 0))
    check_memory("hypotheses", hypotheses, hypotheses * per_hypothesis,
                 "the hypotheses' losses" + (" and test predictions" if wants else ""))
    options = {"progress": progress} if isinstance(space, MemberSpace) else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConditioningWarning)
        samples = space.sample(task, hypotheses, sampling, predictions=wants, **options)
    cautions = []
    for w in caught:  # passed on; a conditioning warning also marks every figure drawn from these samples
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if issubclass(w.category, ConditioningWarning):
            cautions.append(str(w.message))
    sampled = time.perf_counter() - tic
    result = measure_samples(samples, eps, estimator=choice, n_bootstrap=n_bootstrap, seed=bootstrap, task=task,
                             space=space.spec(), fit_threshold=fit_threshold, fitted_only=fitted_only,
                             run_seed=seed if isinstance(space, MemberSpace) else None, recorded_seed=seed,
                             _requested=hypotheses, interval_width=interval_width)
    timings = {"sample": sampled, **result.timings, "total": time.perf_counter() - tic}
    if cautions:
        cautions = tuple(dict.fromkeys(cautions))
        results = tuple(_replace_target(r, cautions) for r in result.results)
        return _replace(result, timings=timings, results=results, warnings=tuple(result.warnings) + cautions)
    return _replace(result, timings=timings)


def _replace_target(r: TargetResult, cautions: tuple) -> TargetResult:
    from dataclasses import replace

    reason = "; ".join(filter(None, [r.reason, "unreliable: see the warning(s) below"]))
    return replace(r, reason=reason, reliable=False, warnings=tuple(r.warnings) + cautions)


def _replace(result: MeasureResult, **changes) -> MeasureResult:
    from dataclasses import replace

    return replace(result, **changes, law=changes.get("law", result.law), samples=changes.get("samples", result.samples))


def _measure_exact(task, space, eps, method) -> MeasureResult:
    tic = time.perf_counter()
    law, info = space.loss_distribution(task)
    return measure_law(task, space, law, info, eps, method, _started=tic)


def measure_law(task, space, law, info: dict, target_error=None, method: str = "auto", *,
                _started: float | None = None) -> MeasureResult:
    """The exact result of ``space`` from the law and info its ``loss_distribution(task)``
    returned (SPEC §2), for a caller that built the law already (an experiment reads its loss
    range first): the posterior is not computed a second time. ``info`` is not modified."""
    tic = time.perf_counter() if _started is None else _started
    eps = None if target_error is None else check_target_errors(target_error)
    info = dict(info)
    timings = dict(info.pop("timings", {}))
    cautions = tuple(info.pop("warnings", ()))  # the space's own diagnostics (spaces/conditioning.py)
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
        elif math.isinf(b) or math.isnan(b) or b < lb - 1e-9 * max(1.0, lb):
            # ε > c0, so P > 0: a tail method that returns P = 0 failed, it is not "impossible"; and
            # a figure below the rigorous Chernoff bound (SPEC §2) is round-off, not a probability
            b = math.nan
            reason = (f"failed: the {method} method broke down this deep in the tail (the Chernoff bound "
                      f"{lb:.6g} bits still holds); use method='inversion' or 'saddlepoint'")
        if cautions:
            reason = "; ".join(filter(None, [reason, "unreliable: see the warning(s) below"]))
        results.append(TargetResult(float(e), float(b), reason, bits_lower_bound=float(lb),
                                    reliable=not cautions, warnings=cautions))
    return MeasureResult(
        task=task.describe(), space=space.spec(), estimator=EXACT, results=tuple(results),
        loss={"mean": law.mean, "std": law.std, "offset": law.offset},
        diagnostics={"method": method, "terms": int(law.weights.size), **info},
        timings=timings, version=__version__, law=law, warnings=cautions,
    )


# Losses whose largest value lies outside this range are refused: their variance or third moment
# would underflow or overflow in the estimators (1e-300 used to read as "zero variance").
_LOSS_SCALE = (1e-100, 1e100)


def measure_samples(samples: HypothesisSamples, target_error=None, *, estimator="sampled", n_bootstrap: int = 50,
                    seed=None, task=None, space: dict | None = None, targets=None,
                    target_variance_: float | None = None, fit_threshold: float | None = None,
                    fitted_only: bool | None = None, run_seed: int | None = None, store: str | None = None,
                    space_id: str | None = None, recorded_seed=None, _requested: int | None = None,
                    interval_width: float = DEFAULT_INTERVAL_WIDTH) -> MeasureResult:
    """I(ε) from sampled hypotheses: the one function that turns samples into a result (SPEC §3, §4, §8).

    Parameters
    ----------
    samples : HypothesisSamples
        Drawn by a space's ``sample`` or read from a store (``SampleStore.samples``).
    target_error : float or sequence, optional
        Default: 1, 2, 4, 8 and 16 standard deviations below the mean of the losses used.
    estimator : str or SampleEstimator, default "sampled"
    n_bootstrap : int, default 50
    seed : int, Generator, SeedSequence or None
        The bootstrap's stream.
    task : Task or dict, optional
        A :class:`Task` (its description is recorded, its test targets used with predictions and
        its training targets' variance sets the fit rule) or a description.
    space : dict, optional
        The space's spec (``deterministic`` marks a point mass; ``stop_train_mse`` sets the fit rule).
    targets : array_like (m, k), optional
        Test targets where ``task`` is not a Task.
    target_variance_ : float, optional
        Variance of the training targets where ``task`` is not a Task (a store records it).
    fit_threshold, fitted_only
        The fit rule (:func:`fit_threshold_for`) and whether only fitting members are used
        (None: the space's rule, :func:`fitted_only_for`). Where only fitting members are used
        and fewer than ``MIN_FIT_SHARE`` of the members fit, the result has no figure: every
        target's bits are NaN, with the reason.
    run_seed, store, space_id
        Where the members came from, recorded in the result's :class:`MemberReport`.
    recorded_seed : int, optional
        The seed the caller was given (recorded in the :class:`FitReport`; ``seed`` is a stream
        split from it).
    interval_width : float, default 1.0
        The interval width (bits) whose members each target's ``members_needed`` states.

    Returns
    -------
    MeasureResult
        Deterministic spaces, and samples whose used losses are all equal, are a point mass: I(ε) =
        0 at and above the loss and +inf below, exactly. Members with a non-finite test loss (a
        diverged run) are counted and left out: their bits are then a lower value than counting
        them as never reaching ε would give.
    """
    tic = time.perf_counter()
    interval_width = check_positive("interval_width", interval_width)
    if not isinstance(samples, HypothesisSamples):
        raise InputError("samples", f"must be HypothesisSamples; got {type(samples).__name__}")
    space = dict(space or {"space": "unknown"})
    test = check_array("losses", samples.losses, ndim=1, allow_nonfinite=True)
    if np.any(test[np.isfinite(test)] < 0):
        raise InputError("losses", f"must be >= 0 (a mean squared error); got {float(np.nanmin(test))!r}")
    largest = float(np.max(test[np.isfinite(test)], initial=0.0))
    if largest > 0 and not _LOSS_SCALE[0] <= largest <= _LOSS_SCALE[1]:
        raise InputError("losses", f"are of scale {largest:.3g}: outside {_LOSS_SCALE[0]:g}..{_LOSS_SCALE[1]:g} their "
                                   "squares and cubes (the fits' moments) are not double-precision numbers; express "
                                   "them in another unit, and ε alike (I(ε) does not depend on the unit)")
    train = None if samples.train_losses is None else check_array(
        "train_losses", samples.train_losses, ndim=1, allow_nonfinite=True)
    if train is not None and train.shape != test.shape:
        raise InputError("train_losses", f"has {train.size} values for {test.size} test losses")
    if isinstance(task, Task):
        if targets is None:
            targets = task.Y_test
        if target_variance_ is None:
            target_variance_ = target_variance(task)
        task = task.describe()
    eps = None if target_error is None else check_target_errors(target_error)

    # the members that enter the estimate (SPEC §4, §8)
    threshold, rule = (None, None) if train is None else fit_threshold_for(space, target_variance_, fit_threshold)
    fits = np.ones(test.size, bool) if threshold is None else (train <= threshold)
    finite = np.isfinite(test)
    asked = fitted_only is not None and bool(fitted_only)
    fitted_only = fitted_only_for(space, fitted_only) and (asked or threshold is not None)
    if fitted_only and threshold is None:
        raise InputError("fitted_only", f"needs a fit threshold: {rule or 'these samples have no training losses'}")
    used = finite & fits if fitted_only else finite
    losses = test[used]
    accuracies = [a for a in (samples.test_accuracy or ()) if a is not None]
    members = MemberReport(
        members=int(test.size), members_used=int(losses.size), fitted_only=bool(fitted_only),
        non_finite_members=int((~finite).sum()), fit_threshold=threshold, fit_threshold_rule=rule,
        members_fit=None if threshold is None else int(fits.sum()),
        fit_share=None if threshold is None else float(fits.mean()),
        test_accuracy_mean=float(np.mean(accuracies)) if accuracies else None,
        train_losses=None if train is None else train.tolist(), test_losses=test.tolist(),
        store=store, space_id=space_id, run_seed=run_seed)
    if fitted_only and not asked and fits.mean() < MIN_FIT_SHARE:
        return _too_few_fit(test[finite], eps, space, task, members, samples, tic)
    if losses.size == 0:
        why = "fit the training data" if fitted_only else "have a finite test loss"
        raise InputError("fit_threshold" if fitted_only else "losses", f"none of the {test.size} members {why}")
    loss = {"mean": float(np.mean(losses)), "std": float(np.std(losses, ddof=1)) if losses.size > 1 else 0.0,
            "min": float(losses.min()), "max": float(losses.max()), "samples": int(losses.size)}
    if train is not None and np.isfinite(train).any():
        finite_train = train[np.isfinite(train)]
        loss.update(train_mean=float(np.mean(finite_train)), train_median=float(np.median(finite_train)),
                    train_min=float(finite_train.min()), train_max=float(finite_train.max()))
    if members.fit_share is not None:
        loss["fit_share"] = members.fit_share

    if space.get("deterministic") or (losses.size >= 2 and np.all(losses == losses[0])):
        return _point_mass(losses, eps, space, task, members, loss, samples, tic)
    if losses.size < 2:
        raise InputError("hypotheses", f"a sample-based estimate needs at least 2 members with a finite test loss; "
                                       f"got {losses.size}")
    predictions = None
    method = resolve_estimator(estimator, samples.predictions is not None)
    if method.uses_predictions and samples.predictions is not None:
        predictions = samples.predictions[used]
    if eps is None:
        eps = default_target_errors(loss["mean"], float(np.std(losses)))
    estimate = estimate_bits(losses, eps, method, n_bootstrap=n_bootstrap, seed=seed, predictions=predictions,
                             targets=targets)
    results, untrusted = _target_results(estimate, losses, interval_width)
    if untrusted:
        warnings.warn(f"{estimate.estimator}: target error(s) {', '.join(f'{e:.6g}' for e in untrusted)} lie "
                      f"more than {estimate.trusted_depth:g} sd below the smallest of {losses.size} sampled losses, "
                      "an extrapolation the ground-truth benchmark does not support",
                      ExtrapolationWarning, stacklevel=2)
    fit = FitReport(
        requested_estimator=estimator if isinstance(estimator, str) else estimator.name,
        seed=recorded_seed if isinstance(recorded_seed, (int, np.integer)) else None, hypotheses=_requested, n_bootstrap=estimate.n_bootstrap,
        bootstrap_failures=estimate.bootstrap_failures,
        bootstrap_failure_reasons=list(estimate.bootstrap_failure_reasons), confidence=estimate.confidence,
        interval=estimate.interval_kind, bootstrap_bias=_listed(estimate.bootstrap_bias), fit=estimate.params,
        goodness_of_fit=estimate.goodness_of_fit, failure=estimate.failure,
        sample_intervals=_listed(estimate.sample_interval), simultaneous_intervals=_listed(estimate.simultaneous_interval),
        depth_below_min_sd=_listed(estimate.depth), trusted_depth_sd=estimate.trusted_depth,
        interval_width=interval_width)
    return MeasureResult(task=task or {"name": "losses"}, space=space, estimator=estimate.estimator,
                         results=tuple(results), loss=loss, fit=fit, members=members,
                         timings={"estimate": estimate.seconds, "total": time.perf_counter() - tic},
                         version=__version__, law=estimate.law, samples=samples)


def _listed(values):
    return None if values is None else np.asarray(values, dtype=float).tolist()


def members_needed(interval, members: int, width: float) -> int | None:
    """Members an interval ``width`` bits wide would need, from one of width w on ``members``.

    A bootstrap interval's width shrinks as 1/sqrt(N) (the estimate is a smooth function of the
    sample, whose standard error falls as N^-1/2), so N' = ceil(N (w / width)^2). None where the
    interval is missing or not finite (nothing to scale); an interval already narrower gives a
    number below N (that many would have done).

    Examples
    --------
    >>> members_needed((2.0, 4.0), 100, 1.0)      # width 2 bits on 100 members: 4x the members
    400
    >>> members_needed((3.0, math.inf), 100, 1.0) is None
    True
    """
    if interval is None or members < 1:
        return None
    width_now = float(interval[1]) - float(interval[0])
    if not math.isfinite(width_now) or width_now < 0:
        return None
    return max(1, math.ceil(members * (width_now / width) ** 2 - 1e-9))


def _target_results(estimate, losses, interval_width: float = 1.0) -> tuple[list, list]:
    """One TargetResult per ε with its flags; the note is derived from the flags."""
    n = losses.size
    results, untrusted = [], []
    for j, e in enumerate(estimate.target_errors):
        b = float(estimate.bits[j])
        below = int(estimate.samples_below[j])
        extrapolated = below == 0 and estimate.fits_a_law and not estimate.failure
        distrusted = bool(not estimate.failure and estimate.fits_a_law and estimate.untrusted[j])
        notes = []
        if estimate.failure:
            notes.append(f"the fit failed: {estimate.failure}")
        elif math.isinf(b) and below == 0 and not estimate.fits_a_law:
            notes.append(f"none of the {n} sampled losses reaches it")
        else:
            if math.isinf(b):
                notes.append("the fitted law puts no probability at or below it")
            if extrapolated:
                notes.append(f"extrapolated: below all {n} sampled losses (min {losses.min():.6g})")
        if distrusted:
            reach = (f"to {estimate.trusted_depth:g} sd below it" if estimate.trusted_depth > 0
                     else "within the sample")
            notes.append(f"untrusted: {estimate.depth[j]:.2g} sd below the smallest loss; {estimate.estimator} was "
                         f"accurate on the ground-truth benchmark only {reach}")
            untrusted.append(float(e))
        interval = tuple(float(v) for v in estimate.interval[j])
        results.append(TargetResult(float(e), b, "; ".join(notes) or None,
                                    interval=interval, samples_below=below,
                                    extrapolated=extrapolated, untrusted=distrusted,
                                    members_needed=members_needed(interval, n, interval_width)))
    return results, untrusted


def _too_few_fit(finite_losses, eps, space, task, members, samples, tic) -> MeasureResult:
    """Fewer than MIN_FIT_SHARE of the members fit the training data: they do not stand for the
    space (SPEC §8), so there is no figure, only the reason (bits NaN, not reliable)."""
    why = (f"only {members.members_fit} of {members.members} members fit the training data (train MSE <= "
           f"{members.fit_threshold:.3g}: {members.fit_threshold_rule}); fewer than {MIN_FIT_SHARE:.0%} are too few "
           f"to stand for the space (SPEC §8): train longer (max_epochs) or with another learning rate")
    if eps is None:
        eps = (default_target_errors(float(np.mean(finite_losses)), float(np.std(finite_losses)))
               if finite_losses.size else np.array([math.nan]))
    results = tuple(TargetResult(float(e), math.nan, why, reliable=False) for e in eps)
    loss = {"samples": 0, "fit_share": members.fit_share}
    return MeasureResult(task=task or {"name": "losses"}, space=space, estimator="none (too few members fit)",
                         results=results, loss=loss, members=members, warnings=(why,),
                         timings={"total": time.perf_counter() - tic}, version=__version__, samples=samples)


def _point_mass(losses, eps, space, task, members, loss, samples, tic) -> MeasureResult:
    """Every used member has the same test loss L: I(ε) = 0 for ε >= L and +inf below (exact)."""
    value = float(losses[0])
    if eps is None:
        eps = np.array([value])
    why = ("the model has no internal randomness" if space.get("deterministic")
           else f"all {losses.size} members have the same test loss")
    results = []
    for e in eps:
        if e >= value:
            results.append(TargetResult(float(e), 0.0, f"point mass: {why}; every member reaches it",
                                        interval=(0.0, 0.0), samples_below=int(losses.size)))
        else:
            results.append(TargetResult(float(e), math.inf, f"point mass: {why}; no member reaches it "
                                        f"(all have loss {value:.6g})", interval=(math.inf, math.inf),
                                        samples_below=0))
    from dataclasses import replace

    return MeasureResult(task=task or {"name": "losses"}, space=space, estimator="point-mass", results=tuple(results),
                         loss={**loss, "std": 0.0}, members=replace(members, point_mass=True),
                         timings={"total": time.perf_counter() - tic}, version=__version__, samples=samples)


def measure_losses(losses, target_error=None, *, estimator="sampled", n_bootstrap: int = 50, seed=0,
                   train_losses=None, task=None, space: dict | None = None, predictions=None,
                   targets=None, interval_width: float = DEFAULT_INTERVAL_WIDTH) -> MeasureResult:
    """I(ε) from test losses measured elsewhere, by a sample-based estimator (SPEC §3).

    A thin door to :func:`measure_samples`: the losses (and, where given, training losses and the
    hypotheses' test predictions) become one :class:`HypothesisSamples`; ``seed`` is split as in
    :func:`measure`, its second stream feeding the bootstrap.

    Parameters
    ----------
    losses : array_like (N,)
        Test losses of N sampled hypotheses.
    target_error : float or sequence, optional
        Default: 1, 2, 4, 8 and 16 standard deviations below the mean loss.
    estimator : str or SampleEstimator, default "sampled"
        "sampled" is "function-gaussian" where ``predictions`` are given and "gchi2-moments"
        otherwise (docs/estimators.md says why).
    n_bootstrap : int, default 50
    seed : int, Generator or None, default 0
    train_losses : array_like (N,), optional
        Summarised beside the test losses, with the share that fits (SPEC §8) where the task is known.
    task : Task or dict, optional
    space : dict, optional
        Description of the space, carried into the result.
    predictions : array_like (N, m, k), optional
        The N hypotheses' test predictions, for estimators that use them.
    targets : array_like (m, k), optional
        Test targets, where ``task`` is not a Task.
    interval_width : float, default 1.0
        Sample-size planning: the interval width (bits) each ``members_needed`` is for.

    Returns
    -------
    MeasureResult
    """
    choice = choose_estimator(estimator, has_exact_law=False)
    values = check_array("losses", losses, ndim=1, min_rows=2)
    if predictions is not None:
        from .estimators.estimate import check_predictions

        predictions, targets = check_predictions(predictions, targets if not isinstance(task, Task) or targets is not None
                                                 else task.Y_test, values.size)
    samples = HypothesisSamples(losses=values, train_losses=None if train_losses is None else np.asarray(
        train_losses, dtype=np.float64), predictions=predictions)
    return measure_samples(samples, target_error, estimator=choice, n_bootstrap=n_bootstrap, seed=split_seed(seed)[1],
                           task=task, space=space or {"space": "unknown"}, targets=targets, recorded_seed=seed,
                           interval_width=interval_width)
