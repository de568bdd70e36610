"""How I(ε) is obtained, decided once (docs/method.md §2, §3): a :class:`MeasurePlan` made at the boundary
and carried down every road (``measure``, ``measure_losses``, ``measure_store``, experiments, the
command line), so that the same request means the same estimator everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from ..estimators import ESTIMATORS, SampleEstimator, check_bootstrap, get_estimator
from ..estimators.estimate import DEFAULT_BOOTSTRAP
from .._validation import check_interval_width
from ..exceptions import InputError

__all__ = ["EXACT", "MeasurePlan", "plan_measurement", "DEFAULT_BOOTSTRAP", "DEFAULT_INTERVAL_WIDTH"]

EXACT = "exact"
DEFAULT_INTERVAL_WIDTH = 1.0  # bits: the interval width sample-size planning is for


@dataclass(frozen=True)
class MeasurePlan:
    """The decision of how I(ε) is obtained, and with which settings.

    ``requested`` is what the caller asked for (None, "sampled", "exact", a name, or an
    estimator's name); ``estimator`` the sample-based estimator it resolved to (None for an exact
    measurement). ``n_bootstrap`` refits form a fitted law's interval (the count needs none),
    ``confidence`` is every interval's level, ``interval_width`` the width (bits) sample-size
    planning is for.
    """

    requested: str | None
    estimator: SampleEstimator | None
    n_bootstrap: int = DEFAULT_BOOTSTRAP
    confidence: float = 0.95
    interval_width: float = DEFAULT_INTERVAL_WIDTH

    @property
    def exact(self) -> bool:
        return self.estimator is None

    @property
    def name(self) -> str:
        return EXACT if self.exact else self.estimator.name

    @property
    def uses_predictions(self) -> bool:
        """Whether the hypotheses' test predictions are needed (drawn or loaded only then)."""
        return bool(self.estimator is not None and self.estimator.uses_predictions)


def plan_measurement(estimator=None, *, has_exact_law: bool | None, space_name: str | None = None,
                     n_bootstrap: int = DEFAULT_BOOTSTRAP, confidence: float = 0.95,
                     interval_width: float = DEFAULT_INTERVAL_WIDTH) -> MeasurePlan:
    """The one decision of how I(ε) is obtained.

    Parameters
    ----------
    estimator : None, str, SampleEstimator or MeasurePlan
        None: "exact" where the space's loss law is known, else "sampled" (the direct count,
        docs: benchmarks/deep_count.md). "exact" for a space without a known law is an error. Any
        name of :data:`~inductive_bias.estimators.ESTIMATORS`, or an estimator object.
    has_exact_law : bool or None
        Whether the space's loss law is known (None: unknown, e.g. checking a name alone).
    space_name : str, optional
        For messages.
    n_bootstrap, confidence, interval_width
        Checked here, once.

    Examples
    --------
    >>> plan_measurement(None, has_exact_law=False).name
    'count'
    >>> plan_measurement(None, has_exact_law=True).name
    'exact'
    >>> plan_measurement("gchi2-moments", has_exact_law=True).n_bootstrap
    200
    """
    if isinstance(estimator, MeasurePlan):  # decided already: passed down as it is
        if estimator.exact and has_exact_law is False:
            raise InputError("estimator", f"'exact' needs a space whose loss law is known; {space_name!r} is measured "
                                          "from samples")
        return estimator
    if not 0 < confidence < 1:
        raise InputError("confidence", f"must lie in (0, 1); got {confidence!r}")
    # finite and at least a millionth of a bit on every road: the members planned grow as 1/width²
    interval_width = check_interval_width("interval_width", interval_width)
    if estimator is None:
        estimator = EXACT if has_exact_law else "sampled"
    if isinstance(estimator, str) and estimator == EXACT:
        if has_exact_law is False:
            what = f"{space_name!r} is" if space_name else "these hypotheses are"
            raise InputError("estimator", f"'exact' needs a space whose loss law is known (a GP or an infinite-width "
                                          f"network); {what} measured from samples: use one of {', '.join(ESTIMATORS)}")
        return MeasurePlan(EXACT, None, 0, confidence, interval_width)
    if not isinstance(estimator, (str, SampleEstimator)):
        raise InputError("estimator", f"must be one of exact, {', '.join(ESTIMATORS)} or a SampleEstimator; "
                                      f"got {estimator!r}")
    method = get_estimator(estimator)
    n_bootstrap = check_bootstrap(n_bootstrap, method)
    requested = estimator if isinstance(estimator, str) else method.name
    return MeasurePlan(requested, method, n_bootstrap, confidence, interval_width)
