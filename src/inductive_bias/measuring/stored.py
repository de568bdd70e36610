"""I(ε) of a trained space from the members in a sample store (docs/method.md §3, §4, §8)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from .._random import split_seed
from .._validation import check_positive, check_target_errors
from ..exceptions import InputError
from ..results import MeasureResult
from ..spaces.base import HypothesisSpace, MemberSpace
from ..store import SampleStore, SpaceKey, sample_into_store
from ..store.sample_store import check_store_path
from .core import measure_samples
from .plan import DEFAULT_BOOTSTRAP, DEFAULT_INTERVAL_WIDTH, plan_measurement

__all__ = ["measure_store"]


def measure_store(store, space_id: str | None = None, target_error=None, *, space=None, estimator="sampled",
                  n_bootstrap: int = DEFAULT_BOOTSTRAP, seed=0, hypotheses: int | None = None,
                  fit_threshold: float | None = None, fitted_only: bool | None = None, task=None,
                  interval_width: float = DEFAULT_INTERVAL_WIDTH, progress: bool | None = None) -> MeasureResult:
    """Measure I(ε) of a stored space from its members (sample-based, docs/method.md §3): the store's
    samples, then :func:`~inductive_bias.measure_samples`, exactly as :func:`~inductive_bias.measure`
    does with members trained in memory (the same members and seed give the same result).

    Where ``hypotheses`` asks for more members than the store holds, the missing ones are trained
    into it first, by :func:`~inductive_bias.sample_into_store` as ``inductive-bias sample`` trains
    them (member i of run seed S has seed ``member_seeds(S, i, 1)[0]``, docs/method.md §4), and are
    reused by every later call. Training needs the space (``space``, or the stored spec of
    ``space_id``), the task it is trained on, and a store that can be written.

    Parameters
    ----------
    store : SampleStore, str or Path
        A path that does not exist yet is created where members must be trained into it.
    space_id : str, optional
        As listed by ``inductive-bias runs`` (a unique prefix of at least 4 digits will do). Give
        it, or ``space`` and ``task``; given both, they must name the same stored space.
    target_error : float or sequence of float, optional
        Default: the task's ladder (:mod:`inductive_bias.measuring.targets`) over the members' losses.
    space : MemberSpace, optional
        The trained space: its stored members are those of ``SpaceKey.of(space, task, seed)``
        (run seed ``seed``), and it trains the missing ones.
    estimator : str or SampleEstimator, default "sampled"
        "sampled" is the direct count; "exact" is refused: a trained space's loss law is only known
        through its samples.
    n_bootstrap : int, default 200
    seed : int, default 0
        Split as :func:`~inductive_bias.measure` splits it; the bootstrap takes its second stream.
        With ``space`` it is also the run seed (as in :func:`~inductive_bias.measure`); a space named
        by ``space_id`` keeps its stored run seed.
    hypotheses : int, optional
        Use members 0 .. ``hypotheses`` - 1, training those not stored yet; default: all stored.
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
        errors are the task's ladder. Needed with ``space`` and to train missing members.
    progress : bool or None, default None
        Progress while members are trained; None: a bar on a terminal, else a line at most every 10 s.

    Returns
    -------
    MeasureResult
        ``members`` records the store, space id, run seed, counts, fit rule and every member's
        training and test loss; ``timings["sample"]`` the seconds spent training missing members.

    Raises
    ------
    InputError
        Naming why the members asked for cannot be had: no such space and nothing to train it
        with, a store that cannot be written, a task other than the stored space's.
    """
    plan = plan_measurement(estimator, has_exact_law=False, n_bootstrap=n_bootstrap, interval_width=interval_width)
    if hypotheses is not None:
        hypotheses = check_positive("hypotheses", hypotheses, integer=True)
    eps = None if target_error is None else check_target_errors(target_error)
    if space is not None:
        _check_trained(space, task, seed)
    elif space_id is None:
        raise InputError("space_id", "give the stored space's id (`inductive-bias runs` lists them), or the space "
                                     "and its task")
    trained = _train_missing(store, space_id, space, task, seed, hypotheses, plan.uses_predictions, progress)
    if space is not None:
        space_id = trained["space_id"]
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
    if not len(samples):
        raise InputError("space_id", f"space {record.space_id} in {path} holds no members yet")
    if len(samples) < 2 and not record.spec.get("deterministic"):
        raise InputError("space_id", f"space {record.space_id} in {path} holds {len(samples)} member; a sample-based "
                                     "estimate needs at least 2 (inductive-bias sample ... --hypotheses N adds more)")
    space_spec = {**record.spec, "space_id": record.space_id, "run_seed": record.run_seed}
    if wants and (task is None or samples.predictions is None):
        raise InputError("task" if task is None else "estimator",
                         f"{plan.name!r} reads the members' test predictions: " +
                         ("give the task they were trained on" if task is None else
                          f"space {record.space_id} was stored without them (`sample --predictions`)"))
    result = measure_samples(samples, eps, plan=plan, seed=split_seed(seed)[1],
                             task=task if task is not None else record.task,
                             target_variance_=record.target_variance, space=space_spec, fit_threshold=fit_threshold,
                             fitted_only=fitted_only, run_seed=record.run_seed, store=path, space_id=record.space_id,
                             recorded_seed=seed)
    if trained["seconds"]:
        result = replace(result, timings={"sample": trained["seconds"], **result.timings})
    return result


def _check_trained(space, task, seed) -> None:
    """A space handed to measure_store must be one whose members a store holds, with its task and
    an integer run seed."""
    if not isinstance(space, HypothesisSpace):
        raise InputError("space", f"must be a hypothesis space; got {type(space).__name__}")
    if not isinstance(space, MemberSpace):
        raise InputError("space", f"{space.name!r} is not a trained space: a sample store holds the members of "
                                  "trained spaces (networks, scikit-learn models); measure() measures it, exactly "
                                  "where its loss law is known")
    if task is None:
        raise InputError("task", "needed with a space: the store keeps a space's members per task, and trains "
                                 "them on it")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError("seed", f"a trained space needs a non-negative integer run seed; got {seed!r}")


def _train_missing(store, space_id, space, task, seed, hypotheses, predictions, progress) -> dict:
    """Make members 0 .. hypotheses-1 present in the store, training the missing ones through the
    store runner (as ``inductive-bias sample`` does), or say in one line why they cannot be.
    Returns the space id and the seconds spent training."""
    own = not isinstance(store, SampleStore)
    path = str(store) if own else store.path
    # a store file not made yet (or made empty) is made by the training, if members are asked for
    absent = (space is not None and own and path != ":memory:"
              and (not Path(path).is_file() or Path(path).stat().st_size == 0))
    reader = None if absent else (SampleStore(path, create=False) if own else store)
    try:
        record = None if reader is None else _stored(reader, space_id, space, task, seed, hypotheses)
        present = 0 if record is None or hypotheses is None else \
            sum(1 for i in reader.member_indices(record.space_id) if i < hypotheses)
        if hypotheses is None or present >= hypotheses:
            if record is None:
                raise InputError("store", f"no such store: {path}; ask for N members (--hypotheses N) to train them "
                                          "into a new one, as `inductive-bias sample` would")
            return {"space_id": record.space_id, "seconds": 0.0}
        what = (f"space {record.space_id} holds {present} of the {hypotheses} members asked for" if record else
                f"{path} holds none of the {hypotheses} members asked for")
        spec = record.spec if record is not None else space.spec()
        if hypotheses < 2 and not spec.get("deterministic"):
            raise InputError("hypotheses", f"{hypotheses}: a sample-based estimate needs at least 2 members")
        if space is None:  # named by its id only: rebuilt from its stored spec, trained with its run seed
            if task is None:
                raise InputError("task", f"{what}; training the other {hypotheses - present} needs the task they "
                                         f"are trained on (its flags, as `inductive-bias runs --store {path}` shows)")
            reader.resolve(record.space_id, task)
            space, seed = _rebuilt(record, what), record.run_seed
    finally:
        if own and reader is not None:
            reader.close()
    if not own and store.read_only:
        raise InputError("store", f"{path} is open read-only and {what}: open it writable (SampleStore(path)) to "
                                  f"train the other {hypotheses - present}, or ask for at most {present}")
    if absent:
        check_store_path(path)  # a new file: its folder must exist, before any training
    try:
        writer = SampleStore(path) if own else store
    except InputError as error:
        if absent or error.argument != "store":
            raise
        raise InputError("store", f"{path} cannot be written and {what}: give a store whose file and folder you can "
                                  f"write to train the other {hypotheses - present}, or ask for at most "
                                  f"{present}") from None
    try:
        run = sample_into_store(task, space, writer, hypotheses, seed, predictions=predictions, progress=progress)
    finally:
        if own:
            writer.close()
    return {"space_id": run.space_id, "seconds": run.seconds}


def _stored(reader, space_id, space, task, seed, hypotheses):
    """The stored space named by ``space_id`` and/or by ``space`` (with ``task`` and run seed
    ``seed``); None where ``space`` is not stored yet and ``hypotheses`` asks for members to train."""
    if space is None:
        return reader.resolve(space_id)
    key = SpaceKey.of(space, task, seed)
    if space_id is not None:
        record = reader.resolve(space_id)
        if key.space_id != record.space_id:
            raise InputError("space_id", f"{record.space_id} was stored for another spec than these flags "
                                         f"({record.key.difference(key)})")
        return record
    if hypotheses is None:
        try:
            return reader.find(space, task, seed)
        except InputError as error:
            raise InputError(error.argument, f"{error.detail}; ask for N members (--hypotheses N) to train them "
                                             "here, as `inductive-bias sample` would") from None
    return next((r for r in reader.spaces() if r.space_id == key.space_id), None)


def _rebuilt(record, what: str):
    """The space a stored spec describes, to train more members of it; refused where the spec
    does not describe the same space again."""
    from ..spaces.registry import space_from_spec  # imported when used: it loads every space's module

    try:
        space = space_from_spec(record.spec)
    except InputError as error:
        raise InputError("space_id", f"{what}, and its stored spec does not rebuild the space to train the "
                                     f"others ({error}); give the space's flags") from None
    if space.spec() != record.spec:
        raise InputError("space_id", f"{what}, and its stored spec does not rebuild the same space to train "
                                     "the others; give the space's flags")
    return space
