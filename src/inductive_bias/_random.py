"""The one way to seed: an int, a ``numpy.random.Generator`` or None, normalized once here and
passed down explicitly. Global RNG state is never used."""

from __future__ import annotations

import numpy as np

from .exceptions import InputError


def check_random_state(seed) -> np.random.Generator:
    """Return a Generator for ``seed`` (int >= 0, Generator, SeedSequence or None for fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise InputError("seed", _seed_message(seed))


def _seed_message(seed) -> str:
    # An integer (the CLI's --seed) is told about integers only; other types learn what else works.
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return f"must be a non-negative integer; got {seed!r}"
    return f"must be a non-negative integer, a numpy Generator or None; got {seed!r}"


def member_seeds(run_seed: int, first: int, count: int) -> list[int]:
    """Seeds of members ``first .. first+count-1`` of a run: member i's seed depends only on
    (run_seed, i), so a run can be resumed or extended member by member."""
    return [
        int(np.random.SeedSequence([int(run_seed), i]).generate_state(1, dtype=np.uint64)[0] >> 1)
        for i in range(first, first + count)
    ]


def split_seed(seed, streams: int = 2) -> list:
    """Independent streams from one seed, split once with ``SeedSequence.spawn``: e.g. one for
    drawing hypotheses and one for the bootstrap, so the two never share random numbers.

    An int, a SeedSequence or None spawns SeedSequences; a Generator spawns Generators. Either
    is accepted by :func:`check_random_state`.
    """
    if isinstance(seed, np.random.Generator):
        return seed.spawn(streams)
    if isinstance(seed, np.random.SeedSequence):
        return seed.spawn(streams)
    if seed is None:
        return np.random.SeedSequence().spawn(streams)
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.SeedSequence(int(seed)).spawn(streams)
    raise InputError("seed", _seed_message(seed))
