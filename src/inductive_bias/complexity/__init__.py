"""The model-agnostic upper bound on inductive bias (docs/method.md §5) and estimators of its inputs."""

from .bound import OMNIGLOT_BACKGROUND_CHARACTERS, PRESETS, ComplexityBound, complexity_bound, omniglot_setting
from .compare import Comparison, compare
from .dimension import DimensionEstimate, intrinsic_dimension
from .geometry import DELTA_METHODS, TaskGeometry, estimate_geometry
from .separation import SeparationEstimate, class_separation, evt_separation

__all__ = [
    "DELTA_METHODS",
    "OMNIGLOT_BACKGROUND_CHARACTERS",
    "PRESETS",
    "Comparison",
    "ComplexityBound",
    "DimensionEstimate",
    "SeparationEstimate",
    "TaskGeometry",
    "class_separation",
    "compare",
    "complexity_bound",
    "estimate_geometry",
    "evt_separation",
    "intrinsic_dimension",
    "omniglot_setting",
]
