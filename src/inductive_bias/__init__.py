"""inductive-bias: how much inductive bias a task requires from a hypothesis space, in bits.

    I(ε) = -log2 P_{h ~ p_H}[ L(h) <= ε ]          (docs/method.md §1)

Exact for Gaussian-process spaces (the test loss is a generalized chi-square, docs/method.md §2), estimated
from sampled hypotheses elsewhere (docs/method.md §3).
"""

from ._version import __version__
from .complexity import ComplexityBound, compare, complexity_bound, estimate_geometry
from .distributions import GeneralizedChiSquare
from .estimators import estimate_bits
from .exceptions import ExtrapolationWarning, InputError
from .experiment import Experiment, ExperimentResult
from .measuring import MeasurePlan, measure, measure_losses, measure_store, members_needed, plan_measurement
from .results import LossSummary, MeasureResult, TargetResult
from .store import SampleStore, sample_into_store
from .spaces.sklearn_models import ScikitLearnSpace
from .spaces import GaussianProcess, HypothesisSamples, HypothesisSpace
from .spaces.infinite_width import InfiniteWidthNetwork
from .spaces.registry import build_space, space_from_spec
from .tasks import Task, digits, load_npz, load_task
from .tasks import (load_arrays, load_cartpole, load_cifar10, load_fashion_mnist, load_folder, load_hf, load_mnist,
                    load_omniglot, load_synthetic)

__all__ = [
    "ComplexityBound",
    "Experiment",
    "ExperimentResult",
    "GaussianProcess",
    "GeneralizedChiSquare",
    "HypothesisSamples",
    "HypothesisSpace",
    "InfiniteWidthNetwork",
    "LossSummary",
    "MeasurePlan",
    "MeasureResult",
    "NeuralNetworks",
    "SampleStore",
    "ScikitLearnSpace",
    "Task",
    "TargetResult",
    "ExtrapolationWarning",
    "InputError",
    "compare",
    "complexity_bound",
    "digits",
    "estimate_bits",
    "estimate_geometry",
    "load_npz",
    "load_arrays",
    "load_cartpole",
    "load_cifar10",
    "load_fashion_mnist",
    "load_folder",
    "load_hf",
    "load_mnist",
    "load_omniglot",
    "load_synthetic",
    "load_task",
    "measure",
    "measure_losses",
    "measure_store",
    "members_needed",
    "plan_measurement",
    "sample_into_store",
    "build_space",
    "space_from_spec",
]


def __getattr__(name):
    # NeuralNetworks needs torch, whose import takes seconds: load it only when asked for.
    if name == "NeuralNetworks":
        from .spaces.neural import NeuralNetworks

        return NeuralNetworks
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
