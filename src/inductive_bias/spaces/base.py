"""What every hypothesis space offers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..exceptions import InputError

__all__ = ["HypothesisSpace", "HypothesisSamples", "Member", "MemberSpace", "samples_from_members"]


@dataclass(frozen=True, eq=False)
class HypothesisSamples:
    """Hypotheses drawn from a space: their test losses, and what else the space records.

    Attributes
    ----------
    losses : ndarray (N,)                 test MSE of each hypothesis (SPEC §1)
    train_losses : ndarray (N,) or None   training MSE (None where fitting is exact by construction)
    predictions : ndarray (N, m, k) or None  test predictions, where asked for
    extra : dict                          per-space records (accuracies, seeds, timings)
    """

    losses: np.ndarray
    train_losses: np.ndarray | None = None
    predictions: np.ndarray | None = None
    extra: dict = field(default_factory=dict)


class HypothesisSpace:
    """A distribution over hypotheses that fit the training data (SPEC §1).

    Subclasses implement :meth:`spec` (a JSON-ready identity) and :meth:`sample`; spaces whose
    loss law is known exactly also implement :meth:`loss_distribution`.
    """

    name = "space"
    #: whether ``sample(..., predictions=True)`` returns the hypotheses' test predictions
    offers_predictions = False

    def spec(self) -> dict:
        raise NotImplementedError

    def sample(self, task, n: int, seed=None, *, predictions: bool = False) -> HypothesisSamples:
        raise NotImplementedError

    def loss_distribution(self, task):
        raise InputError("estimator", f"'exact' needs a space whose loss law is known (a GP); "
                                      f"{self.name!r} is measured from samples: use 'paper', 'paper-logphi' or 'empirical'")


@dataclass(frozen=True)
class Member:
    """One trained hypothesis of a :class:`MemberSpace`: its seed and what it scored (SPEC §4).

    ``test_loss`` and ``train_loss`` are MSE over the whole set and all outputs (SPEC §1);
    ``test_accuracy`` is None for regression targets; ``predictions`` (m, k) only where asked for.
    """

    seed: int
    test_loss: float
    train_loss: float
    test_accuracy: float | None = None
    seconds: float = 0.0
    predictions: np.ndarray | None = None


class MemberSpace(HypothesisSpace):
    """A space whose hypotheses are trained, one seed each (networks, scikit-learn models).

    Member i of a run with seed S has the seed ``member_seeds(S, i, 1)[0]``, so a run can be
    resumed or extended member by member, and a member is the same whether it was trained alone
    or together with others.
    """

    offers_predictions = True

    def train_members(self, task, seeds, *, predictions: bool = False, **options) -> list[Member]:
        raise NotImplementedError

    def sample(self, task, n: int, seed=0, *, predictions: bool = False, **options) -> HypothesisSamples:
        from .._random import member_seeds
        from .._validation import check_positive

        n = check_positive("hypotheses", n, integer=True)
        if not isinstance(seed, (int, np.integer)):
            raise InputError("seed", f"a trained space needs an integer run seed; got {seed!r}")
        members = self.train_members(task, member_seeds(int(seed), 0, n), predictions=predictions, **options)
        return samples_from_members(members)


def samples_from_members(members) -> HypothesisSamples:
    preds = [m.predictions for m in members]
    return HypothesisSamples(
        losses=np.array([m.test_loss for m in members]),
        train_losses=np.array([m.train_loss for m in members]),
        predictions=np.stack(preds) if preds and all(p is not None for p in preds) else None,
        extra={"seeds": [m.seed for m in members],
               "test_accuracy": [m.test_accuracy for m in members],
               "seconds": [m.seconds for m in members]},
    )
