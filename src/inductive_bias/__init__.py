"""inductive-bias: how much inductive bias a task requires from a hypothesis space, in bits.

    I(ε) = -log2 P_{h ~ p_H}[ L(h) <= ε ]          (SPEC §1)

Exact for Gaussian-process spaces (the test loss is a generalized chi-square, SPEC §2), estimated
from sampled hypotheses elsewhere (SPEC §3).
"""

__version__ = "0.1.0"

from .distributions import GeneralizedChiSquare
from .estimators import estimate_bits
from .estimators import ExtrapolationWarning
from .measure import measure, measure_losses
from .results import MeasureResult, TargetResult
from .spaces import GaussianProcess, HypothesisSamples, HypothesisSpace
from .tasks import Task, digits, load_npz, load_task

__all__ = [
    "GaussianProcess",
    "GeneralizedChiSquare",
    "HypothesisSamples",
    "HypothesisSpace",
    "MeasureResult",
    "Task",
    "TargetResult",
    "ExtrapolationWarning",
    "digits",
    "estimate_bits",
    "load_npz",
    "load_task",
    "measure",
    "measure_losses",
]
