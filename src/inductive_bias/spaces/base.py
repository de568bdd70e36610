"""What every hypothesis space offers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import InputError

__all__ = ["HypothesisSpace", "HypothesisSamples"]


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

    def spec(self) -> dict:
        raise NotImplementedError

    def sample(self, task, n: int, seed=None) -> HypothesisSamples:
        raise NotImplementedError

    def loss_distribution(self, task):
        raise InputError("estimator", f"'exact' needs a space whose loss law is known (a GP); "
                                      f"{self.name!r} is measured from samples: use 'paper' or 'sampled'")
