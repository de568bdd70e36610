"""Errors and warnings that callers catch or filter, in one public place.

Every bad input raises :class:`InputError` (a ``ValueError``) naming the argument, the expectation
and the value received; the CLI turns it into one line and exit status 2. Each warning has its own
class so that callers can filter it (``warnings.simplefilter("ignore", ExtrapolationWarning)``).
"""

from __future__ import annotations

__all__ = ["InputError", "FitError", "ExtrapolationWarning", "IntegrationWarning", "PointMassWarning",
           "ConditioningWarning", "DefaultSizeWarning"]


class InputError(ValueError):
    """Bad input: one line naming the argument, the expectation and the value received."""

    def __init__(self, argument: str, detail: str):
        self.argument = argument
        self.detail = detail
        super().__init__(f"{argument}: {detail}")


class FitError(RuntimeError):
    """A fit did not produce a usable law; the message says why."""


class ExtrapolationWarning(UserWarning):
    """A target error lies further below the sampled losses than the estimator was shown to be
    trustworthy on the ground-truth benchmark (benchmarks/estimators_vs_exact.md); the figure is
    still returned, with the reason beside it."""


class IntegrationWarning(UserWarning):
    """A numerical integral did not reach its requested accuracy; the value is still returned."""


class PointMassWarning(UserWarning):
    """The space has no randomness: every member is the same model (a point mass)."""


class ConditioningWarning(UserWarning):
    """A Gaussian-process solve cannot be trusted: the kernel matrix is too ill-conditioned for its
    posterior mean to be resolved, or that mean predicts the test targets far worse than zero. The
    message says what to change (observation noise, the lengthscale, the kernel)."""


class DefaultSizeWarning(UserWarning):
    """A loader's default number of training or test points exceeds the data: what there is is used."""
