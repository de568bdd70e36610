"""Train the missing members of a space into a sample store, committing each as it finishes."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._fit_rule import target_variance
from .._memory import check_memory
from .._random import member_seeds
from ..exceptions import InputError
from .._validation import check_positive
from ..spaces.base import MemberSpace
from ..tasks import Task
from .._progress import ProgressBar
from .executors import make_executor
from .sample_store import SampleStore, task_identity

__all__ = ["sample_into_store", "SampleRun", "SamplingInterrupted", "REPRODUCIBILITY"]

# What "the same members" means (docs/store.md, "Reproducibility of members"); reported by `sample --json`.
REPRODUCIBILITY = {
    "member_seed": "member i of a run has seed member_seeds(run_seed, i, 1)[0], whatever its chunk",
    "bit_identical_for": "the same seed, chunk size, device, thread count and library versions",
    "across_chunk_sizes": "equal to float32 rounding (test losses within 1e-5 relative, tested): batched "
                          "products may sum in another order for another number of stacked members",
}


@dataclass(frozen=True)
class SampleRun:
    """What :func:`sample_into_store` did.

    ``present_before`` members were already stored, ``trained`` were trained and committed now,
    ``skipped`` were committed meanwhile by another process; the space now holds ``stored``
    members with indices below ``requested`` (``stored == requested`` when done).
    """

    space_id: str
    store: str
    requested: int
    present_before: int
    trained: int
    skipped: int
    stored: int
    seconds: float


class SamplingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`sample_into_store`: what is committed stays; the message says how to
    resume."""

    def __init__(self, space_id: str, store: str, committed: int, requested: int):
        self.space_id, self.store, self.committed, self.requested = space_id, store, committed, requested
        if store == ":memory:":
            super().__init__(f"interrupted after {committed} of {requested} members of space {space_id}; they were "
                             "kept in memory only and are lost: use a store file (inductive-bias sample --store) "
                             "for long runs")
        else:
            super().__init__(f"interrupted: {committed} of {requested} members of space {space_id} are committed "
                             f"to {store}; run the same command again to train the other {requested - committed}")


def _chunk_size(space, chunk) -> int:
    if chunk is not None:
        return check_positive("chunk", chunk, integer=True)
    return space.call_size()


def sample_into_store(task: Task, space: MemberSpace, store, n: int, seed: int = 0, *, predictions: bool = False,
                      chunk: int | None = None, progress: bool | None = None, executor="local",
                      ray_address: str | None = None) -> SampleRun:
    """Make members 0 .. n-1 of ``space`` on ``task`` (run seed ``seed``) present in ``store``.

    Member indices already stored are skipped; the missing ones are trained ``chunk`` at a time
    with :meth:`MemberSpace.train_members` and each member is committed in its own transaction
    as soon as its chunk returns. Member i has seed ``member_seeds(seed, i, 1)[0]`` (docs/method.md §4), so
    an interrupted or extended run gives the same members as one uninterrupted run.

    Parameters
    ----------
    task : Task
    space : MemberSpace
        A trained space (scikit-learn models, neural networks).
    store : SampleStore, str or Path
        The store, or the path of one (created if missing, closed on return).
    n : int
        Members wanted in total (not additionally).
    seed : int, default 0
        The run seed.
    predictions : bool, default False
        Also store each member's test predictions (compressed float32) for function-space use.
    chunk : int, optional
        Members per ``train_members`` call (at most this many are lost to a kill). Default: the
        space's :meth:`~MemberSpace.call_size` (its ``chunk_size``, else ``members_per_call``).
    progress : bool or None, default None
        Progress bar on stderr; None: only when stderr is a terminal.
    executor : {"local", "ray"} or executor object, default "local"
        Where chunks are trained (:mod:`inductive_bias.store.executors`). With "ray" they are Ray
        tasks and, unless ``chunk`` is given, a chunk is at most the call size and small enough
        that every worker gets one; members come back to this process, which alone commits them.
        The same seeds give the same members (neural networks: to float32 rounding where the
        chunking differs from a local run's).
    ray_address : str, optional
        The Ray cluster to use (executor "ray"); default: the one connected to, else a local one.

    Returns
    -------
    SampleRun

    Raises
    ------
    SamplingInterrupted
        On Ctrl-C (a KeyboardInterrupt); everything committed so far stays.
    """
    if not isinstance(task, Task):
        raise InputError("task", f"must be a Task; got {type(task).__name__}")
    if not isinstance(space, MemberSpace):
        raise InputError("space", f"only trained spaces (MemberSpace) are sampled into a store; got "
                                  f"{type(space).__name__}")
    n = check_positive("hypotheses", n, integer=True)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError("seed", f"a trained space needs a non-negative integer run seed; got {seed!r}")
    seed = int(seed)
    # the indices still to train, as Python ints in a list and a set (~64 bytes each)
    check_memory("hypotheses", n, 64 * n, "the list of members to train")
    size = _chunk_size(space, chunk)
    own_executor = isinstance(executor, str) or executor is None
    executor = make_executor(executor, ray_address)
    own = not isinstance(store, SampleStore)
    try:
        if own:
            store = SampleStore(store)
        try:
            return _run(task, space, store, n, seed, predictions, size, chunk is not None, progress, executor)
        finally:
            try:
                store.checkpoint()  # the store file alone now holds every committed member
            finally:
                if own:
                    store.close()
    finally:
        if own_executor:
            executor.close()


def _run(task, space, store, n, seed, predictions, size, size_given, progress, executor) -> SampleRun:
    tic = time.perf_counter()
    space_id = store.open_space(space.spec(), task_identity(task), seed, task_info=task.describe(),
                                target_variance=target_variance(task))
    present = store.member_indices(space_id)
    before = sum(1 for i in present if i < n)
    missing = [i for i in range(n) if i not in present]
    bar = ProgressBar(n, initial=before, label=f"{space_id} ", enabled=progress)
    trained = skipped = 0
    if not size_given:
        size = executor.chunk_size(size, len(missing))
    chunks = [missing[start:start + size] for start in range(0, len(missing), size)]
    seeds_of = [[member_seeds(seed, i, 1)[0] for i in indices] for indices in chunks]
    try:
        for position, members, environment in executor.map(task, space, seeds_of, predictions):
            indices, seeds = chunks[position], seeds_of[position]
            if len(members) != len(seeds) or [m.seed for m in members] != seeds:
                raise RuntimeError(f"{type(space).__name__}.train_members returned members for seeds "
                                   f"{[m.seed for m in members][:4]}... instead of {seeds[:4]}...")
            for index, member in zip(indices, members):
                if store.add_member(space_id, index, member, environment):
                    trained += 1
                else:
                    skipped += 1
                bar.update(1)
    except KeyboardInterrupt:
        bar.close()
        committed = sum(1 for i in store.member_indices(space_id) if i < n)
        raise SamplingInterrupted(space_id, store.path, committed, n) from None
    bar.close()
    stored = sum(1 for i in store.member_indices(space_id) if i < n)
    return SampleRun(space_id, store.path, n, before, trained, skipped, stored, time.perf_counter() - tic)
