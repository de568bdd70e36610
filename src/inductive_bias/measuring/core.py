"""``measure``: the inductive bias a task requires from a hypothesis space, in bits (docs/method.md §1).

One road from hypotheses to bits. A space whose loss law is known (a GP or an infinite-width
network, docs/method.md §2, §7) is measured exactly; any other is sampled, and :func:`measure_samples` — the
only function that turns samples into a result — applies the fit rule (docs/method.md §8), recognises a
point mass and runs the sample-based estimator of the :class:`~.plan.MeasurePlan` it is handed
(docs/method.md §3). Trained members, in memory or in a store, come from the store runner
(:func:`inductive_bias.sample_into_store`); members read from a store take the same road
(:func:`inductive_bias.measure_store`).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import replace

import numpy as np

from .._fit_rule import MIN_FIT_SHARE, fit_rule, target_variance
from .._memory import check_memory
from .._random import split_seed
from .._validation import check_array, check_positive, check_target_errors
from .._version import __version__
from ..distributions.generalized_chi2 import TAIL_METHODS
from ..estimators import estimate_bits
from ..exceptions import ConditioningWarning, ExtrapolationWarning, InputError
from ..results import FitReport, LossSummary, MeasureResult, MemberReport, TargetResult
from ..spaces.base import HypothesisSamples, HypothesisSpace, MemberSpace
from ..tasks import Task
from .plan import DEFAULT_BOOTSTRAP, DEFAULT_INTERVAL_WIDTH, EXACT, MeasurePlan, plan_measurement
from .targets import constant_mse, exact_range, ladder_targets, sampled_range

__all__ = ["measure", "measure_samples", "measure_losses", "measure_law", "members_needed",
           "default_target_errors", "MIN_FIT_SHARE", "EXACT"]

#: z of a two-sided 95 % normal interval, for planning only
_Z95 = 1.959963984540054


def default_target_errors(reference: float | None, low: float, high: float) -> np.ndarray:
    """The default ε: rungs of the task's ladder in [low, high] (:mod:`.targets`)."""
    return ladder_targets(reference if reference is not None else 1.0, low, high)


def measure(task: Task, space: HypothesisSpace, target_error=None, *, estimator=None, hypotheses: int = 1000,
            seed=0, method: str = "auto", n_bootstrap: int = DEFAULT_BOOTSTRAP, fit_threshold: float | None = None,
            fitted_only: bool | None = None, progress: bool | None = None,
            interval_width: float = DEFAULT_INTERVAL_WIDTH) -> MeasureResult:
    """I(ε) = -log2 P[L(h) <= ε] for h drawn from ``space`` given ``task``'s training data.

    Parameters
    ----------
    task : Task
    space : HypothesisSpace
        e.g. ``GaussianProcess("rbf", 1.0)``, ``NeuralNetworks("mlp")``, ``ScikitLearnSpace("knn")``.
    target_error : float or sequence of float, optional
        ε values (test MSE). Default: rungs ``c · 2^(-j/2)`` below the constant predictor's test
        MSE c, inside the range the space's figures rest on (:mod:`inductive_bias.measuring.targets`),
        the same rungs for every space on the task.
    estimator : None, str or SampleEstimator, default None
        None: "exact" where the space's loss law is known (GP and infinite-width spaces: the
        generalized chi-square law of docs/method.md §2 and §7, with the Chernoff lower bound), "sampled"
        otherwise: the direct count with its exact interval, and a lower bound where no member
        reaches ε (docs/method.md §3). A fitted law ("paper", "paper-logphi", "ncx2-mle", "ncx2-loc",
        "gchi2-moments", "function-gaussian") gives model figures, checked against the count.
    hypotheses : int, default 1000
        Hypotheses sampled for a sample-based estimate.
    seed : int, Generator or None, default 0
        Split once into two streams: drawing hypotheses (a trained space's integer run seed is the
        seed itself, so that its members are those a store holds for it) and the bootstrap.
    method : {"auto", "inversion", "saddlepoint", "imhof"}
        How the exact law's tail is evaluated (see :class:`GeneralizedChiSquare`).
    n_bootstrap : int, default 200
        Bootstrap refits for a fitted law's interval (at least 20; the count needs none).
    fit_threshold : float, optional
        Training MSE at or below which a trained member fits the data (docs/method.md §8).
    fitted_only : bool or None, default None
        Estimate from the members that fit only (docs/method.md §4, §8). None: yes for spaces trained until fit.
    progress : bool or None
        Progress while training members; None: a bar on a terminal.
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
    >>> [round(float(b), 2) for b in result.bits], result.kinds
    ([6.58, 19.57], ('exact', 'exact'))
    """
    if not isinstance(task, Task):
        raise InputError("task", f"must be a Task; got {type(task).__name__}")
    if not isinstance(space, HypothesisSpace):
        raise InputError("space", f"must be a hypothesis space; got {type(space).__name__}")
    plan = plan_measurement(estimator, has_exact_law=space.has_exact_law, space_name=space.name,
                            n_bootstrap=n_bootstrap, interval_width=interval_width)
    if method not in TAIL_METHODS:
        raise InputError("method", f"must be one of {', '.join(TAIL_METHODS)}; got {method!r}")
    eps = None if target_error is None else check_target_errors(target_error)
    if plan.exact:
        for name, value in (("fit_threshold", fit_threshold), ("fitted_only", fitted_only)):
            if value not in (None, False):
                raise InputError(name, "applies to trained spaces (members that may not fit the data), not to an "
                                       f"exact measurement of {space.name!r}")
        tic = time.perf_counter()
        law, info = space.loss_distribution(task)
        return measure_law(task, space, law, info, eps, method, _started=tic)
    hypotheses = check_positive("hypotheses", hypotheses, integer=True)
    tic = time.perf_counter()
    # per hypothesis: test and training loss, the estimator's copies of the losses, predictions
    wants = plan.uses_predictions
    per_hypothesis = 8 * (4 + (task.Y_test.size if wants else 0))
    check_memory("hypotheses", hypotheses, hypotheses * per_hypothesis,
                 "the hypotheses' losses" + (" and test predictions" if wants else ""))
    cautions = []
    if isinstance(space, MemberSpace):
        # trained through the store runner (MemberSpace.sample); the integer run seed is the seed
        # itself, so that the members are those a store holds for it
        samples = space.sample(task, hypotheses, seed, predictions=wants, progress=progress)
        bootstrap, run_seed = split_seed(seed)[1], seed
    else:
        sampling, bootstrap = split_seed(seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConditioningWarning)
            samples = space.sample(task, hypotheses, sampling, predictions=wants)
        for w in caught:  # passed on; a conditioning warning also marks every figure drawn from these samples
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            if issubclass(w.category, ConditioningWarning):
                cautions.append(str(w.message))
        run_seed = None
    sampled = time.perf_counter() - tic
    result = measure_samples(samples, eps, plan=plan, seed=bootstrap, task=task, space=space.spec(),
                             fit_threshold=fit_threshold, fitted_only=fitted_only, run_seed=run_seed,
                             recorded_seed=seed, requested=hypotheses)
    timings = {"sample": sampled, **result.timings, "total": time.perf_counter() - tic}
    if cautions:
        cautions = tuple(dict.fromkeys(cautions))
        results = tuple(_unreliable(r, cautions) for r in result.results)
        return replace(result, timings=timings, results=results, warnings=tuple(result.warnings) + cautions)
    return replace(result, timings=timings)


def _unreliable(r: TargetResult, cautions: tuple) -> TargetResult:
    reason = "; ".join(filter(None, [r.reason, "unreliable: see the warning(s) below"]))
    return replace(r, reason=reason, reliable=False, warnings=tuple(r.warnings) + cautions)


def measure_law(task, space, law, info: dict, target_error=None, method: str = "auto", *,
                _started: float | None = None) -> MeasureResult:
    """The exact result of ``space`` from the law and info its ``loss_distribution(task)``
    returned (docs/method.md §2), for a caller that built the law already (an experiment reads its loss
    range first): the posterior is not computed a second time. ``info`` is not modified."""
    tic = time.perf_counter() if _started is None else _started
    eps = None if target_error is None else check_target_errors(target_error)
    info = dict(info)
    timings = dict(info.pop("timings", {}))
    cautions = tuple(info.pop("warnings", ()))  # the space's own diagnostics (spaces/conditioning.py)
    reference = constant_mse(task) if isinstance(task, Task) else None
    if eps is None:
        eps = default_target_errors(reference, *exact_range(law))
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
            # a figure below the rigorous Chernoff bound (docs/method.md §2) is round-off, not a probability
            b = math.nan
            reason = (f"failed: the {method} method broke down this deep in the tail (the Chernoff bound "
                      f"{lb:.6g} bits still holds); use method='inversion' or 'saddlepoint'")
        if cautions:
            reason = "; ".join(filter(None, [reason, "unreliable: see the warning(s) below"]))
        results.append(TargetResult(float(e), float(b), reason, bits_lower_bound=float(lb),
                                    reliable=not cautions, warnings=cautions, kind="exact"))
    loss = LossSummary(mean=float(law.mean), std=float(law.std), offset=float(law.offset), constant_mse=reference)
    return MeasureResult(
        task=task.describe(), space=space.spec(), estimator=EXACT, results=tuple(results), loss=loss,
        diagnostics={"method": method, "terms": int(law.weights.size), **info},
        timings=timings, version=__version__, law=law, warnings=cautions,
    )


# Losses whose largest value lies outside this range are refused: their variance or third moment
# would underflow or overflow in the estimators (1e-300 used to read as "zero variance").
_LOSS_SCALE = (1e-100, 1e100)


def measure_samples(samples: HypothesisSamples, target_error=None, *, plan: MeasurePlan | None = None,
                    seed=None, task=None, space: dict | None = None, targets=None,
                    target_variance_: float | None = None, fit_threshold: float | None = None,
                    fitted_only: bool | None = None, run_seed: int | None = None, store: str | None = None,
                    space_id: str | None = None, recorded_seed=None, requested: int | None = None) -> MeasureResult:
    """I(ε) from sampled hypotheses: the one function that turns samples into a result (docs/method.md §3, §4, §8).

    Parameters
    ----------
    samples : HypothesisSamples
        Drawn by a space's ``sample``, trained by the store runner or read from a store.
    target_error : float or sequence, optional
        Default: the task's ladder (:mod:`.targets`) from the smallest used loss to the median.
    plan : MeasurePlan, optional
        How (:func:`~.plan.plan_measurement`); default the direct count.
    seed : int, Generator, SeedSequence or None
        The bootstrap's stream.
    task : Task or dict, optional
        A :class:`Task` (its description is recorded, its test targets used with predictions, its
        training targets' variance sets the fit rule, its constant predictor the default ε) or a
        description.
    space : dict, optional
        The space's spec (``deterministic`` marks a point mass; ``stop_train_mse`` and
        ``fit_fraction`` set the fit rule).
    targets : array_like (m, k), optional
        Test targets where ``task`` is not a Task.
    target_variance_ : float, optional
        Variance of the training targets where ``task`` is not a Task (a store records it).
    fit_threshold, fitted_only
        The fit rule (:func:`inductive_bias._fit_rule.fit_rule`). Where the space's own rule keeps
        only fitting members and fewer than half fit, the result has no figure: every target's
        bits are NaN, with the reason.
    run_seed, store, space_id, recorded_seed, requested
        Where the members came from and what the caller asked for, recorded in the result.

    Returns
    -------
    MeasureResult
        A deterministic space is a point mass: I(ε) = 0 at and above its loss and +inf below,
        exactly. Members with a non-finite test loss (a diverged run) are counted as members
        that reach no ε.
    """
    tic = time.perf_counter()
    plan = plan if plan is not None else plan_measurement("sampled", has_exact_law=False)
    if not isinstance(plan, MeasurePlan) or plan.exact:
        raise InputError("plan", f"must be the MeasurePlan of a sample-based estimator; got {plan!r}")
    if not isinstance(samples, HypothesisSamples):
        raise InputError("samples", f"must be HypothesisSamples; got {type(samples).__name__}")
    space = dict(space or {"space": "unknown"})
    test = check_array("losses", samples.losses, ndim=1, allow_nonfinite=True)
    if np.any(test[~np.isnan(test)] < 0):
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
    reference = None
    if isinstance(task, Task):
        if targets is None:
            targets = task.Y_test
        if target_variance_ is None:
            target_variance_ = target_variance(task)
        reference = constant_mse(task)
        task = task.describe()
    elif isinstance(task, dict) and isinstance(task.get("constant_mse"), (int, float)):
        reference = float(task["constant_mse"])  # a stored task's description carries it
    eps = None if target_error is None else check_target_errors(target_error)

    rule = fit_rule(space, target_variance_, fit_threshold_=fit_threshold, fitted_only=fitted_only,
                    has_train_losses=train is not None)
    fits = rule.fits(train) if train is not None else np.ones(test.size, bool)
    used = rule.used(test, train)
    finite = np.isfinite(test)
    accuracies = [a for a in (samples.test_accuracy or ()) if a is not None]
    members = MemberReport(
        members=int(test.size), members_used=int(used.sum()), fitted_only=rule.fitted_only,
        non_finite_members=int((~finite).sum()), fit_threshold=rule.threshold, fit_threshold_rule=rule.rule,
        members_fit=None if rule.threshold is None else int(fits.sum()),
        fit_share=None if rule.threshold is None else float(fits.mean()),
        test_accuracy_mean=float(np.mean(accuracies)) if accuracies else None,
        train_losses=None if train is None else train.tolist(), test_losses=test.tolist(),
        store=store, space_id=space_id, run_seed=run_seed)
    if rule.too_few(train):
        return _too_few_fit(test[finite], eps, space, task, members, samples, tic, reference)
    losses = test[used]
    usable = losses[np.isfinite(losses)]
    if usable.size == 0:
        why = "fit the training data" if rule.fitted_only else "have a finite test loss"
        raise InputError("fit_threshold" if rule.fitted_only else "losses", f"none of the {test.size} members {why}")
    loss = LossSummary(mean=float(np.mean(usable)), std=float(np.std(usable, ddof=1)) if usable.size > 1 else 0.0,
                       min=float(usable.min()), max=float(usable.max()), samples=int(losses.size),
                       fit_share=members.fit_share, constant_mse=reference,
                       test_accuracy_mean=members.test_accuracy_mean,
                       **_train_summary(train))
    if space.get("deterministic"):
        return _point_mass(usable, eps, space, task, members, loss, samples, tic)
    if losses.size < 2:
        raise InputError("hypotheses", f"a sample-based estimate needs at least 2 members; got {losses.size}")
    if eps is None:
        eps = default_target_errors(reference, *sampled_range(usable))
    predictions = None
    if plan.uses_predictions:
        if samples.predictions is None:
            raise InputError("estimator", f"{plan.name!r} needs the hypotheses' test predictions; these samples have "
                                          "none (a store fills them with `sample --predictions`)")
        predictions = samples.predictions[used]
    estimate = _estimate(losses, eps, plan, seed, predictions, targets)
    results = _target_results(estimate, losses.size, plan)
    extrapolated = [r.target_error for r in results if r.extrapolated]
    if extrapolated:
        warnings.warn(f"{estimate.estimator}: target error(s) {', '.join(f'{e:.6g}' for e in extrapolated)} lie below "
                      f"all {losses.size} sampled losses: model extrapolations that no sample supports (the count "
                      "gives only a lower bound there)", ExtrapolationWarning, stacklevel=2)
    fit = FitReport(
        requested_estimator=plan.requested or plan.name,
        seed=recorded_seed if isinstance(recorded_seed, (int, np.integer)) else None, hypotheses=requested,
        n_bootstrap=estimate.n_bootstrap, bootstrap_failures=estimate.bootstrap_failures,
        bootstrap_failure_reasons=list(estimate.bootstrap_failure_reasons), confidence=estimate.confidence,
        interval=estimate.interval_kind, fit=estimate.params, goodness_of_fit=estimate.goodness_of_fit,
        failure=estimate.failure, rejection=estimate.rejection, count_intervals=_listed(estimate.count_interval),
        simultaneous_intervals=_listed(estimate.simultaneous_interval), interval_width=plan.interval_width)
    notes = []
    if estimate.failure:
        notes.append(f"{estimate.estimator} could not be fitted ({estimate.failure}); the figures are the direct count's")
    if estimate.rejection:
        notes.append(f"{estimate.estimator} rejected: {estimate.rejection}; the figures are the direct count's")
    if loss.worse_than_constant:
        notes.append(f"the members' mean test MSE {loss.mean:.4g} is worse than the constant predictor's "
                     f"{loss.constant_mse:.4g}")
    return MeasureResult(task=task or {"name": "losses"}, space=space, estimator=estimate.estimator,
                         results=tuple(results), loss=loss, fit=fit, members=members, warnings=tuple(notes),
                         timings={"estimate": estimate.seconds, "total": time.perf_counter() - tic},
                         version=__version__, law=estimate.law, samples=samples)


def _estimate(losses, eps, plan, seed, predictions, targets):
    """:func:`estimate_bits` on the used members; a member with a non-finite loss (diverged) is
    passed as +inf: it reaches no ε."""
    return estimate_bits(np.where(np.isnan(losses), np.inf, losses), eps, plan.estimator,
                         n_bootstrap=plan.n_bootstrap, confidence=plan.confidence, seed=seed,
                         predictions=predictions, targets=targets)


def _train_summary(train) -> dict:
    if train is None or not np.isfinite(train).any():
        return {}
    finite = train[np.isfinite(train)]
    return dict(train_mean=float(np.mean(finite)), train_median=float(np.median(finite)),
                train_min=float(finite.min()), train_max=float(finite.max()))


def _listed(values):
    return None if values is None else np.asarray(values, dtype=float).tolist()


def members_needed(kind: str, bits: float, interval=None, members: int | None = None,
                   width: float = DEFAULT_INTERVAL_WIDTH) -> int | None:
    """Members a figure at ε would need: sample-size planning from what was measured.

    - a count (p = 2^-I): enough for a first member below ε with 95 % probability,
      ln(0.05)/ln(1-p) ≈ 3 · 2^I, and for a Clopper–Pearson interval about ``width`` bits wide, whose
      half-width in bits is about z·sqrt((1-p)/(N p))/ln 2: N = (2 z / (width ln 2))² (1-p)/p;
    - a bound (I > b): at least ln(0.05)/ln(1 - 2^-b) ≈ 3 · 2^b for a first member below ε (I is
      larger, so more);
    - a model figure: its bootstrap interval's width scaled as 1/sqrt(N) from ``members``;
    - an exact figure: None (nothing to sample).

    Examples
    --------
    >>> members_needed("count", 3.0)            # p = 1/8: 23 for a first member, 224 for 1 bit
    224
    >>> members_needed("bound", 4.1)
    50
    >>> members_needed("model", 9.0, (8.0, 10.0), members=100)
    400
    """
    if kind == "exact" or bits is None or math.isnan(bits):
        return None
    if kind in ("count", "bound"):
        if math.isinf(bits) or bits > 1000:
            return None
        p = 2.0 ** -bits
        # the fewest N with (1 - p)^N <= 0.05 (about ln(20)/p = 3·2^I)
        first = math.log(0.05) / math.log1p(-p) if p < 1 else 1.0
        if kind == "bound":
            return math.ceil(first - 1e-9)
        for_width = (2 * _Z95 / (width * math.log(2))) ** 2 * (1 - p) / p
        return max(1, math.ceil(max(first, for_width) - 1e-9))
    if interval is None or not members:
        return None
    width_now = float(interval[1]) - float(interval[0])
    if not math.isfinite(width_now) or width_now < 0:
        return None
    return max(1, math.ceil(members * (width_now / width) ** 2 - 1e-9))


def _target_results(estimate, n: int, plan: MeasurePlan) -> list:
    """One TargetResult per ε; the note is derived from the figure's kind and the estimate's flags."""
    results = []
    for j, e in enumerate(estimate.target_errors):
        b = float(estimate.bits[j])
        below = int(estimate.samples_below[j])
        kind = estimate.kinds[j]
        interval = tuple(float(v) for v in estimate.interval[j])
        extrapolated = kind == "model" and below == 0
        if kind == "count":
            note = None
        elif kind == "bound":
            note = f"a lower bound: none of the {n} members reaches it"
        elif extrapolated:
            note = (f"model extrapolation: none of the {n} members reaches it (the count alone says > "
                    f"{float(estimate.count_interval[j][0]):.4g} bits)")
        else:
            note = f"model figure ({below} of {n} members reach it)"
        results.append(TargetResult(float(e), b, note, interval=interval, samples_below=below, kind=kind,
                                    extrapolated=extrapolated, untrusted=extrapolated, reliable=not extrapolated,
                                    members_needed=None if kind == "bound" else
                                    members_needed(kind, b, interval, n, plan.interval_width)))
    return results


def _too_few_fit(finite_losses, eps, space, task, members, samples, tic, reference) -> MeasureResult:
    """Fewer than MIN_FIT_SHARE of the members fit the training data: they do not stand for the
    space (docs/method.md §8), so there is no figure, only the reason (bits NaN, not reliable)."""
    why = (f"only {members.members_fit} of {members.members} members fit the training data (train MSE <= "
           f"{members.fit_threshold:.3g}: {members.fit_threshold_rule}); fewer than {MIN_FIT_SHARE:.0%} are too few "
           f"to stand for the space (docs/method.md §8): train longer (max_epochs) or with another learning rate")
    if eps is None:
        eps = (default_target_errors(reference, *sampled_range(finite_losses)) if finite_losses.size
               else np.array([math.nan]))
    results = tuple(TargetResult(float(e), math.nan, why, reliable=False, kind="count") for e in eps)
    loss = LossSummary(samples=0, fit_share=members.fit_share, constant_mse=reference)
    return MeasureResult(task=task or {"name": "losses"}, space=space, estimator="none (too few members fit)",
                         results=results, loss=loss, members=members, warnings=(why,),
                         timings={"total": time.perf_counter() - tic}, version=__version__, samples=samples)


def _point_mass(losses, eps, space, task, members, loss, samples, tic) -> MeasureResult:
    """A deterministic space: every member is the same model with test loss L, so I(ε) = 0 for
    ε >= L and +inf below, exactly."""
    value = float(losses[0])
    if eps is None:
        eps = np.array([value])
    results = []
    for e in eps:
        if e >= value:
            results.append(TargetResult(float(e), 0.0, "point mass: the model has no internal randomness; it reaches "
                                        "it", kind="exact"))
        else:
            results.append(TargetResult(float(e), math.inf, f"point mass: the model has no internal randomness; its "
                                        f"loss is {value:.6g}", kind="exact"))
    return MeasureResult(task=task or {"name": "losses"}, space=space, estimator="point-mass", results=tuple(results),
                         loss=replace(loss, std=0.0), members=replace(members, point_mass=True),
                         timings={"total": time.perf_counter() - tic}, version=__version__, samples=samples)


def measure_losses(losses, target_error=None, *, estimator="sampled", n_bootstrap: int = DEFAULT_BOOTSTRAP, seed=0,
                   train_losses=None, task=None, space: dict | None = None, predictions=None,
                   targets=None, interval_width: float = DEFAULT_INTERVAL_WIDTH) -> MeasureResult:
    """I(ε) from test losses measured elsewhere, by a sample-based estimator (docs/method.md §3).

    A thin door to :func:`measure_samples`: the losses (and, where given, training losses and the
    hypotheses' test predictions) become one :class:`HypothesisSamples`; ``seed`` is split as in
    :func:`measure`, its second stream feeding the bootstrap.

    Parameters
    ----------
    losses : array_like (N,)
        Test losses of N sampled hypotheses (NaN or +inf: a diverged member, which reaches no ε).
    target_error : float or sequence, optional
        Default: the ladder of :mod:`.targets` from the smallest loss to the median.
    estimator : str or SampleEstimator, default "sampled"
        "sampled" is the direct count (a lower bound where no loss reaches ε).
    n_bootstrap : int, default 200
    seed : int, Generator or None, default 0
    train_losses : array_like (N,), optional
        Summarised beside the test losses, with the share that fits (docs/method.md §8) where the task is known.
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

    Examples
    --------
    >>> import numpy as np
    >>> losses = np.random.default_rng(0).chisquare(10, 1000)
    >>> result = measure_losses(losses, [5.0, 1.0])
    >>> result.kinds, [round(float(b), 2) for b in result.bits]
    (('count', 'bound'), [3.13, 8.09])
    """
    plan = plan_measurement(estimator, has_exact_law=False, n_bootstrap=n_bootstrap, interval_width=interval_width)
    values = check_array("losses", losses, ndim=1, min_rows=2, allow_nonfinite=True)
    if predictions is not None:
        from ..estimators.estimate import check_predictions

        predictions, targets = check_predictions(predictions, targets if not isinstance(task, Task) or targets is not None
                                                 else task.Y_test, values.size)
    samples = HypothesisSamples(losses=values, train_losses=None if train_losses is None else np.asarray(
        train_losses, dtype=np.float64), predictions=predictions)
    return measure_samples(samples, target_error, plan=plan, seed=split_seed(seed)[1], task=task,
                           space=space or {"space": "unknown"}, targets=targets, recorded_seed=seed)
