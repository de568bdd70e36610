"""What every hypothesis space offers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..exceptions import InputError

__all__ = ["HypothesisSpace", "HypothesisSamples", "Member", "MemberSpace", "samples_from_members"]


@dataclass(frozen=True, eq=False)
class HypothesisSamples:
    """Hypotheses drawn from a space (or read from a sample store): their test losses, and what
    else is known of them. One object whichever road they came by; :func:`measure_samples` turns
    it into bits.

    Attributes
    ----------
    losses : ndarray (N,)                   test MSE of each hypothesis (docs/method.md §1); NaN where diverged
    train_losses : ndarray (N,) or None     training MSE (None where fitting is exact by construction)
    predictions : ndarray (N, m, k) or None test predictions, where asked for
    seeds : tuple of int or None            each trained member's seed (docs/method.md §4)
    test_accuracy : tuple or None           each member's test accuracy (None for regression targets)
    task_identity : dict or None            the task's identity (data fingerprint) where known
    """

    losses: np.ndarray
    train_losses: np.ndarray | None = None
    predictions: np.ndarray | None = None
    seeds: tuple | None = None
    test_accuracy: tuple | None = None
    task_identity: dict | None = None

    def __len__(self) -> int:
        return int(np.asarray(self.losses).size)


class HypothesisSpace:
    """A distribution over hypotheses that fit the training data (docs/method.md §1).

    Subclasses implement :meth:`spec` (a JSON-ready identity) and :meth:`sample`; spaces whose
    loss law is known exactly also implement :meth:`loss_distribution`.
    """

    name = "space"
    #: whether ``sample(..., predictions=True)`` returns the hypotheses' test predictions
    offers_predictions = False

    @property
    def has_exact_law(self) -> bool:
        """Whether the loss law is known exactly (:meth:`loss_distribution` is implemented)."""
        return type(self).loss_distribution is not HypothesisSpace.loss_distribution

    def spec(self) -> dict:
        raise NotImplementedError

    def sample(self, task, n: int, seed=None, *, predictions: bool = False) -> HypothesisSamples:
        raise NotImplementedError

    def loss_distribution(self, task):
        raise InputError("estimator", f"'exact' needs a space whose loss law is known (a GP); {self.name!r} is "
                                      "measured from samples: use a sample-based estimator ('sampled')")


@dataclass(frozen=True)
class Member:
    """One trained hypothesis of a :class:`MemberSpace`: its seed and what it scored (docs/method.md §4).

    ``test_loss`` and ``train_loss`` are MSE over the whole set and all outputs (docs/method.md §1);
    ``test_accuracy`` is None for regression targets; ``predictions`` (m, k) only where asked for;
    ``epochs`` the passes over the training data an iteratively trained member took (in memory
    only, not stored).
    """

    seed: int
    test_loss: float
    train_loss: float
    test_accuracy: float | None = None
    seconds: float = 0.0
    predictions: np.ndarray | None = None
    epochs: int | None = None


class MemberSpace(HypothesisSpace):
    """A space whose hypotheses are trained, one seed each (networks, scikit-learn models).

    Member i of a run with seed S has the seed ``member_seeds(S, i, 1)[0]``, so a run can be
    resumed or extended member by member, and a member is the same whether it was trained alone
    or together with others.
    """

    offers_predictions = True

    def train_members(self, task, seeds, *, predictions: bool = False, **options) -> list[Member]:
        raise NotImplementedError

    #: members trained per ``train_members`` call (progress is drawn and, in a store, members are
    #: committed between calls); a space's ``chunk_size`` takes precedence
    members_per_call = 64

    def call_size(self) -> int:
        """Members per ``train_members`` call, the same whichever road trains them (in memory or
        into a store), so that the same seeds give bit-identical members."""
        return int(getattr(self, "chunk_size", None) or self.members_per_call or 64)

    def sample(self, task, n: int, seed=0, *, predictions: bool = False, progress: bool | None = None
               ) -> HypothesisSamples:
        """Train members 0 .. n-1 of the run with integer seed ``seed`` (member i has seed
        ``member_seeds(seed, i, 1)[0]``), in memory: through the store runner
        (:func:`inductive_bias.sample_into_store`) into a store that lives in memory, the one road by
        which members are trained, so that a member is the same whichever way it was asked for."""
        from ..store import SampleStore, sample_into_store  # above the spaces: imported when used

        with SampleStore(":memory:") as store:
            run = sample_into_store(task, self, store, n, seed, predictions=predictions, progress=progress)
            return store.samples(run.space_id, predictions=predictions, limit=n)


def samples_from_members(members, task_identity: dict | None = None) -> HypothesisSamples:
    """One :class:`HypothesisSamples` from trained members (in member order)."""
    preds = [m.predictions for m in members]
    return HypothesisSamples(
        losses=np.array([m.test_loss for m in members], dtype=np.float64),
        train_losses=np.array([m.train_loss for m in members], dtype=np.float64),
        predictions=np.stack(preds).astype(np.float64) if preds and all(p is not None for p in preds) else None,
        seeds=tuple(int(m.seed) for m in members),
        test_accuracy=tuple(m.test_accuracy for m in members),
        task_identity=task_identity,
    )
