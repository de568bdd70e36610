"""Sample-based estimators of I(ε) from N sampled losses (SPEC §3)."""

from .base import FitError, FittedLaw, SampleEstimator, goodness_of_fit
from .estimate import ESTIMATORS, SampleEstimate, estimate_bits, get_estimator
from .paper import NoncentralChiSquareLaw, PaperEstimator, sankaran_z

__all__ = ["ESTIMATORS", "FitError", "FittedLaw", "NoncentralChiSquareLaw", "PaperEstimator",
           "SampleEstimate", "SampleEstimator", "estimate_bits", "get_estimator", "goodness_of_fit",
           "sankaran_z"]
