"""I(ε) of a trained space from the members in a sample store (docs/method.md §3, §4, §8)."""

from __future__ import annotations

from .._random import split_seed
from .._validation import check_positive, check_target_errors
from ..exceptions import InputError
from ..results import MeasureResult
from ..store import SampleStore
from .core import measure_samples
from .plan import DEFAULT_BOOTSTRAP, DEFAULT_INTERVAL_WIDTH, plan_measurement

__all__ = ["measure_store"]


def measure_store(store, space_id: str, target_error=None, *, estimator="sampled",
                  n_bootstrap: int = DEFAULT_BOOTSTRAP, seed=0, hypotheses: int | None = None,
                  fit_threshold: float | None = None, fitted_only: bool | None = None, task=None,
                  interval_width: float = DEFAULT_INTERVAL_WIDTH) -> MeasureResult:
    """Measure I(ε) of a stored space from its members (sample-based, docs/method.md §3): the store's
    samples, then :func:`~inductive_bias.measure_samples`, exactly as :func:`~inductive_bias.measure`
    does with members trained in memory (the same members and seed give the same result).

    Parameters
    ----------
    store : SampleStore, str or Path
    space_id : str
        As listed by ``inductive-bias runs`` (a unique prefix of at least 4 digits will do).
    target_error : float or sequence of float, optional
        Default: the task's ladder (:mod:`inductive_bias.measuring.targets`) over the members' losses.
    estimator : str or SampleEstimator, default "sampled"
        "sampled" is the direct count; "exact" is refused: a trained space's loss law is only known
        through its samples.
    n_bootstrap : int, default 200
    seed : int, default 0
        Split as :func:`~inductive_bias.measure` splits it; the bootstrap takes its second stream.
    hypotheses : int, optional
        Use the first ``hypotheses`` members (by index); default all stored.
    fit_threshold : float, optional
        Training MSE at or below which a member fits; default the space's ``stop_train_mse``,
        else 1% of the training targets' variance (docs/method.md §8).
    fitted_only : bool or None, default None
        Estimate from the members that fit only; None: the space's rule (yes for spaces trained
        until fit, docs/method.md §8).
    interval_width : float, default 1.0
        Sample-size planning: the interval width (bits) each target's ``members_needed`` is for.
    task : Task, optional
        The task the space was trained on (checked against the store). With it, members stored
        with their test predictions can feed the function-space estimator, and the default target
        errors are the task's ladder.

    Returns
    -------
    MeasureResult
        ``members`` records the store, space id, run seed, counts, fit rule and every member's
        training and test loss.
    """
    plan = plan_measurement(estimator, has_exact_law=False, n_bootstrap=n_bootstrap, interval_width=interval_width)
    if hypotheses is not None:
        hypotheses = check_positive("hypotheses", hypotheses, integer=True)
    eps = None if target_error is None else check_target_errors(target_error)
    own = not isinstance(store, SampleStore)
    if own:
        store = SampleStore(store, create=False)
    try:
        record = store.resolve(space_id)
        if hypotheses is not None and hypotheses < 2 and not record.spec.get("deterministic"):
            raise InputError("hypotheses", f"{hypotheses}: a sample-based estimate needs at least 2 members (space "
                                           f"{record.space_id} holds {record.members})")
        wants = plan.uses_predictions
        samples = store.samples(record.space_id, limit=hypotheses, predictions=wants)
        if task is not None:  # its test targets and constant predictor are used: it must be the stored one
            store.resolve(record.space_id, task)
        path = store.path
    finally:
        if own:
            store.close()
    if hypotheses is not None and len(samples) < hypotheses:
        raise InputError("hypotheses", f"space {record.space_id} holds {len(samples)} members; sample more "
                                       f"before measuring {hypotheses} (inductive-bias sample ... --hypotheses "
                                       f"{hypotheses})")
    if not len(samples):
        raise InputError("space_id", f"space {record.space_id} in {path} holds no members yet")
    if len(samples) < 2 and not record.spec.get("deterministic"):
        raise InputError("space_id", f"space {record.space_id} in {path} holds {len(samples)} member; a sample-based "
                                     "estimate needs at least 2 (inductive-bias sample ... --hypotheses N adds more)")
    space = {**record.spec, "space_id": record.space_id, "run_seed": record.run_seed}
    if wants and (task is None or samples.predictions is None):
        raise InputError("task" if task is None else "estimator",
                         f"{plan.name!r} reads the members' test predictions: " +
                         ("give the task they were trained on" if task is None else
                          f"space {record.space_id} was stored without them (`sample --predictions`)"))
    return measure_samples(samples, eps, plan=plan, seed=split_seed(seed)[1],
                           task=task if task is not None else record.task,
                           target_variance_=record.target_variance, space=space, fit_threshold=fit_threshold,
                           fitted_only=fitted_only, run_seed=record.run_seed, store=path, space_id=record.space_id,
                           recorded_seed=seed)
