"""Measuring: from a space (exact law or samples) to bits, by one road (docs/method.md §1–§3, §8).

:func:`plan_measurement` decides once how I(ε) is obtained; :func:`measure_samples` is the one
funnel every sample-based road goes through (:func:`measure`, :func:`measure_losses`,
:func:`measure_store`, experiments and the command line); :mod:`.targets` gives the default target
errors that every space of a task shares.
"""

from .core import measure, measure_law, measure_losses, measure_samples, members_needed
from .plan import EXACT, MeasurePlan, plan_measurement
from .stored import measure_store
from .targets import constant_mse, ladder_targets

__all__ = ["EXACT", "MeasurePlan", "constant_mse", "ladder_targets", "measure", "measure_law", "measure_losses",
           "measure_samples", "measure_store", "members_needed", "plan_measurement"]
