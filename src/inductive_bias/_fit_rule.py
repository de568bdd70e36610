"""What "fits the training data" means (docs/method.md §8), and which members a figure rests on: one rule,
below both the spaces that train until they fit and the measuring road that decides which members
are used.

A member fits when its training MSE is at most the threshold: a space's own ``stop_train_mse``
where it has one, else its ``fit_fraction`` (default 1 %) of the training targets' variance
(R² >= 0.99). Members that do not fit are kept and reported; for spaces trained until they fit
(their spec has ``fit_fraction``) only the fitting ones are samples of the space.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FIT_FRACTION = 0.01  # docs/method.md §8: a member fits when its training MSE <= 1% of the targets' variance
MIN_FIT_SHARE = 0.5  # fewer fitting members than this share: the space gets no figure (docs/method.md §8)


def target_variance(task) -> float:
    """Mean over outputs of the variance of the training targets (the scale of 'fits the data')."""
    return float(np.mean(np.var(task.Y_train, axis=0)))


def fit_threshold(spec: dict | None, variance: float | None) -> tuple[float | None, str]:
    """The training MSE at or below which a member of the space ``spec`` fits, and the rule's text.

    The space's ``stop_train_mse`` where it has one, else its ``fit_fraction`` (default
    :data:`FIT_FRACTION`) of the training targets' ``variance``; (None, why) where neither is known.
    """
    spec = spec or {}
    stop = spec.get("stop_train_mse")
    if stop is not None:
        return float(stop), "the space's stop_train_mse"
    if variance is None or not math.isfinite(variance) or variance < 0:
        return None, "unknown (the training targets' variance is not known)"
    fraction = spec.get("fit_fraction")
    if fraction is not None and fraction != FIT_FRACTION:
        return float(fraction) * float(variance), f"the space's fit_fraction {fraction:g} of the training targets' " \
                                                  "variance"
    return FIT_FRACTION * float(variance), "1% of the training targets' variance (R^2 >= 0.99)"


@dataclass(frozen=True)
class FitRule:
    """Which members of a trained space are its samples (docs/method.md §4, §8).

    ``threshold`` is the training MSE at or below which a member fits (None: unknown, every member
    counts as fitting), ``rule`` where it came from, and ``fitted_only`` whether only the fitting
    members enter the estimate. ``asked`` is whether ``fitted_only`` was the caller's choice (a
    space's own rule that too few members meet gives no figure; the caller's choice is obeyed).
    """

    threshold: float | None
    rule: str | None
    fitted_only: bool
    asked: bool = False

    def fits(self, train_losses) -> np.ndarray:
        """Which members fit (a boolean mask in member order; all where the rule is unknown)."""
        train = np.asarray(train_losses, dtype=float)
        if self.threshold is None:
            return np.ones(train.shape, bool)
        with np.errstate(invalid="ignore"):
            return train <= self.threshold

    def used(self, test_losses, train_losses=None) -> np.ndarray:
        """Which members enter the estimate: every member, or with ``fitted_only`` those that fit.
        A member with a non-finite test loss (a diverged run) is used all the same: it reaches
        no target error."""
        test = np.asarray(test_losses, dtype=float)
        if not self.fitted_only or train_losses is None:
            return np.ones(test.shape, bool)
        return self.fits(train_losses)

    def too_few(self, train_losses) -> bool:
        """Whether the space's own rule leaves fewer than :data:`MIN_FIT_SHARE` of the members."""
        if not self.fitted_only or self.asked or train_losses is None or len(train_losses) == 0:
            return False
        return float(np.mean(self.fits(train_losses))) < MIN_FIT_SHARE


def fit_rule(spec: dict | None, variance: float | None, *, fit_threshold_: float | None = None,
             fitted_only: bool | None = None, has_train_losses: bool = True) -> FitRule:
    """The :class:`FitRule` of a space: ``fit_threshold_`` where given, else :func:`fit_threshold`;
    ``fitted_only`` where given, else yes for spaces trained until they fit (their spec has
    ``fit_fraction``), for which a member that did not fit is a run out of its epoch budget."""
    from .exceptions import InputError

    if not has_train_losses:
        return FitRule(None, None, False)
    if fit_threshold_ is not None:
        if isinstance(fit_threshold_, bool) or not isinstance(fit_threshold_, (int, float, np.floating, np.integer)) \
                or not math.isfinite(fit_threshold_) or fit_threshold_ < 0:
            raise InputError("fit_threshold", f"must be a finite number >= 0; got {fit_threshold_!r}")
        threshold, rule = float(fit_threshold_), "given"
    else:
        threshold, rule = fit_threshold(spec, variance)
    asked = fitted_only is not None
    wanted = bool(fitted_only) if asked else bool(spec) and spec.get("fit_fraction") is not None
    if wanted and threshold is None:
        if asked:
            raise InputError("fitted_only", f"needs a fit threshold: {rule}")
        wanted = False
    return FitRule(threshold, rule, wanted, asked)
