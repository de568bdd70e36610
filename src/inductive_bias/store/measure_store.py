"""I(ε) of a trained space from the members in a sample store (SPEC §3, §4, §8)."""

from __future__ import annotations

from .._measure import choose_estimator, measure_samples
from .._random import split_seed
from .._validation import check_positive, check_target_errors
from ..estimators import resolve_estimator
from ..exceptions import InputError
from .._validation import check_interval_width
from ..results import MeasureResult
from .sample_store import SampleStore

__all__ = ["measure_store"]


def measure_store(store, space_id: str, target_error=None, *, estimator="sampled", n_bootstrap: int = 50,
                  seed=0, hypotheses: int | None = None, fit_threshold: float | None = None,
                  fitted_only: bool | None = None, task=None, interval_width: float = 1.0) -> MeasureResult:
    """Measure I(ε) of a stored space from its members (sample-based, SPEC §3): the store's
    samples, then :func:`~inductive_bias.measure_samples`, exactly as :func:`~inductive_bias.measure`
    does with members trained in memory (the same members and seed give the same result).

    Parameters
    ----------
    store : SampleStore, str or Path
    space_id : str
        As listed by ``inductive-bias runs`` (a unique prefix of at least 4 digits will do).
    target_error : float or sequence of float, optional
        Default: 1, 2, 4, 8, 16 standard deviations below the mean test loss.
    estimator : str or SampleEstimator, default "sampled"
        "exact" is refused: a trained space's loss law is only known through its samples.
    n_bootstrap : int, default 50
    seed : int, default 0
        Split as :func:`~inductive_bias.measure` splits it; the bootstrap takes its second stream.
    hypotheses : int, optional
        Use the first ``hypotheses`` members (by index); default all stored.
    fit_threshold : float, optional
        Training MSE at or below which a member fits; default the space's ``stop_train_mse``,
        else 1% of the training targets' variance (SPEC §8).
    fitted_only : bool or None, default None
        Estimate from the members that fit only; None: the space's rule (yes for spaces trained
        until fit, :func:`~inductive_bias._measure.fitted_only_for`).
    interval_width : float, default 1.0
        Sample-size planning: the interval width (bits) each target's ``members_needed`` is for.
    task : Task, optional
        The task the space was trained on (checked against the store). With it, members stored
        with their test predictions feed the function-space estimator ("sampled" then means it).

    Returns
    -------
    MeasureResult
        ``members`` records the store, space id, run seed, counts, fit rule and every member's
        training and test loss.
    """
    interval_width = check_interval_width("interval_width", interval_width)
    choice = choose_estimator(estimator, has_exact_law=False)
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
        wants = task is not None and resolve_estimator(choice, True).uses_predictions
        samples = store.samples(record.space_id, limit=hypotheses, predictions=wants)
        if samples.predictions is not None:  # they are compared with this task's test targets
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
    return measure_samples(samples, eps, estimator=choice, n_bootstrap=n_bootstrap, seed=split_seed(seed)[1],
                           task=record.task, targets=None if samples.predictions is None else task.Y_test, target_variance_=record.target_variance,
                           space=space, fit_threshold=fit_threshold, fitted_only=fitted_only,
                           run_seed=record.run_seed, store=path, space_id=record.space_id, recorded_seed=seed,
                           interval_width=interval_width)
