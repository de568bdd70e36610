"""I(ε) of a trained space from the members in a sample store (SPEC §3, §4)."""

from __future__ import annotations

from .._version import __version__

import math
from dataclasses import replace

import numpy as np

from ..exceptions import InputError
from .._validation import check_positive, check_target_errors
from ..estimators import ESTIMATORS, uses_predictions
from .._measure import measure_losses
from ..results import MeasureResult, TargetResult
from .sample_store import SampleStore

__all__ = ["measure_store", "fit_threshold_for", "FIT_FRACTION"]

FIT_FRACTION = 0.01  # default fit criterion: training MSE <= 1% of the training targets' variance


def fit_threshold_for(record, fit_threshold=None) -> tuple[float | None, str]:
    """The training MSE at or below which a member counts as fitting the data, and the rule.

    Default: the space's own stop criterion (``stop_train_mse``) where it has one, else 1% of the
    variance of the training targets (R^2 >= 0.99 on the training set; 0.0009 for balanced
    one-hot targets of 10 classes).
    """
    if fit_threshold is not None:
        return check_positive("fit_threshold", fit_threshold, allow_zero=True), "given"
    stop = record.spec.get("stop_train_mse")
    if stop is not None:
        return float(stop), "the space's stop_train_mse"
    if record.target_variance is None:
        return None, "unknown (the store lacks the training targets' variance)"
    return FIT_FRACTION * record.target_variance, "1% of the training targets' variance (R^2 >= 0.99)"


def measure_store(store, space_id: str, target_error=None, *, estimator: str = "sampled", n_bootstrap: int = 50,
                  seed=0, hypotheses: int | None = None, fit_threshold: float | None = None,
                  fitted_only: bool = False, task=None) -> MeasureResult:
    """Measure I(ε) of a stored space from its members' test losses (sample-based, SPEC §3).

    Parameters
    ----------
    store : SampleStore, str or Path
    space_id : str
        As listed by ``inductive-bias runs`` (a unique prefix of at least 4 digits will do).
    target_error : float or sequence of float, optional
        Default: 1, 2, 4, 8, 16 standard deviations below the mean test loss.
    estimator : str, default "sampled"
        "exact" is refused: a trained space's loss law is only known through its samples.
    n_bootstrap : int, default 50
        Bootstrap refits for the interval on the bits.
    seed : int, default 0
        Seed of the bootstrap.
    hypotheses : int, optional
        Use the first ``hypotheses`` members (by index); default all stored.
    fit_threshold : float, optional
        Training MSE at or below which a member fits the training data; default
        :func:`fit_threshold_for`. The share of members that fit is reported.
    task : Task, optional
        The task the space was trained on (checked against the store). With it, members stored
        with their test predictions (``sample --predictions``) feed the function-space estimator:
        "function-gaussian" needs them, and "sampled" then means it.
    fitted_only : bool, default False
        Estimate from the members that fit only (SPEC §4: members that do not fit the data are not
        samples of p_H); by default all members are used and the share that fits is reported.

    Members whose test loss is not finite (a diverged training run) stay in the store and are
    counted in ``diagnostics["non_finite_members"]``, but no law can be fitted to them, so they are
    left out of the estimate: where there are any, the bits are a lower value than counting them
    as never reaching ε would give.

    Returns
    -------
    MeasureResult
        ``loss`` adds training-loss statistics; ``diagnostics`` adds the space id, member count,
        fit threshold (and its rule), the share that fits, mean test accuracy and every member's
        training and test loss (``train_losses``, ``test_losses``, in member order; NaN is null).
    """
    if estimator == "exact":
        raise InputError("estimator", "'exact' needs a space whose loss law is known (a GP); a trained space is "
                                      f"measured from its stored members: use one of {', '.join(ESTIMATORS)}")
    if estimator not in ESTIMATORS:
        raise InputError("estimator", f"must be one of {', '.join(ESTIMATORS)}; got {estimator!r}")
    if hypotheses is not None:
        hypotheses = check_positive("hypotheses", hypotheses, integer=True)
    eps = None if target_error is None else check_target_errors(target_error)
    own = not isinstance(store, SampleStore)
    if own:
        store = SampleStore(store, create=False)
    try:
        record = store.space(space_id)
        wants_predictions = task is not None and uses_predictions(estimator)
        members = store.members(record.space_id, limit=hypotheses, predictions=wants_predictions)
        path = store.path
    finally:
        if own:
            store.close()
    if hypotheses is not None and len(members) < hypotheses:
        raise InputError("hypotheses", f"space {record.space_id} holds {len(members)} members; sample more "
                                       f"before measuring {hypotheses} (inductive-bias sample ... --hypotheses "
                                       f"{hypotheses})")
    if not members:
        raise InputError("space_id", f"space {record.space_id} in {path} holds no members yet")
    threshold, rule = fit_threshold_for(record, fit_threshold)
    test = np.array([m.test_loss for m in members])
    train = np.array([m.train_loss for m in members])
    fits = train <= threshold if threshold is not None else np.ones(train.size, dtype=bool)
    finite = np.isfinite(test)
    use = finite & fits if fitted_only else finite
    losses = test[use]
    accuracies = [m.test_accuracy for m in members if m.test_accuracy is not None]
    space = {**record.spec, "space_id": record.space_id, "run_seed": record.run_seed}
    extra = {
        "store": path, "space_id": record.space_id, "run_seed": record.run_seed, "members": len(members),
        "members_used": int(losses.size), "fitted_only": bool(fitted_only),
        "non_finite_members": int((~finite).sum()),
        "fit_threshold": threshold, "fit_threshold_rule": rule,
        "members_fit": int(fits.sum()) if threshold is not None else None,
        "fit_share": float(fits.mean()) if threshold is not None else None,
        "test_accuracy_mean": float(np.mean(accuracies)) if accuracies else None,
        "train_losses": train.tolist(),
        "test_losses": test.tolist(),
    }
    if losses.size == 0:
        why = "fit the training data" if fitted_only else "have a finite test loss"
        raise InputError("fit_threshold" if fitted_only else "space_id",
                         f"none of the {len(members)} members of {record.space_id} {why}")
    if losses.size == 1 or np.all(losses == losses[0]):
        result = _point_mass(losses, eps, estimator, record, space)
    else:
        predictions, targets = _stored_predictions(members, use, task, record) if wants_predictions else (None, None)
        result = measure_losses(losses, eps, estimator=estimator, n_bootstrap=n_bootstrap, seed=seed,
                                train_losses=train[use], task=record.task, space=space,
                                predictions=predictions, targets=targets)
    finite_train = train[np.isfinite(train)]
    loss = dict(result.loss)
    if finite_train.size:
        loss.update(train_mean=float(np.mean(finite_train)), train_median=float(np.median(finite_train)),
                    train_min=float(finite_train.min()), train_max=float(finite_train.max()))
    if threshold is not None:
        loss["fit_share"] = extra["fit_share"]
    return replace(result, loss=loss, diagnostics={**result.diagnostics, **extra})


def _stored_predictions(members, use, task, record):
    """The used members' test predictions (N, m, k) and the task's test targets, where every
    member was stored with its predictions; (None, None) otherwise."""
    if not all(m.predictions is not None for m in members):
        return None, None
    from .sample_store import task_identity

    if task_identity(task) != record.task_identity:
        raise InputError("task", f"is not the task space {record.space_id} was trained on "
                                 f"({record.task.get('name')}); give that task (--data and its options)")
    predictions = np.stack([m.predictions for m in members])[use].astype(np.float64)
    return predictions, task.Y_test


def _point_mass(losses, eps, estimator, record, space) -> MeasureResult:
    """Every member has the same test loss L: I(ε) = 0 for ε >= L and +inf below (exact)."""

    value = float(losses[0])
    if eps is None:
        eps = np.array([value])
    why = ("the model has no internal randomness" if record.spec.get("deterministic")
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
    return MeasureResult(task=record.task, space=space, estimator=estimator, results=tuple(results),
                         loss={"mean": value, "std": 0.0, "min": value, "max": value, "samples": int(losses.size)},
                         diagnostics={"point_mass": True}, timings={}, version=__version__)
