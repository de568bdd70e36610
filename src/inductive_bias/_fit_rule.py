"""What "fits the training data" means (SPEC §8), below both the spaces that train until they fit
and :mod:`inductive_bias._measure`, which applies the same rule to decide which members are used."""

from __future__ import annotations

import numpy as np

FIT_FRACTION = 0.01  # SPEC §8: a member fits when its training MSE <= 1% of the targets' variance


def target_variance(task) -> float:
    """Mean over outputs of the variance of the training targets (the scale of 'fits the data')."""
    return float(np.mean(np.var(task.Y_train, axis=0)))
