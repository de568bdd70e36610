"""Sample-based estimators of I(ε) from N sampled losses (SPEC §3)."""

from .base import ExtrapolationWarning, FitError, FittedLaw, SampleEstimator, goodness_of_fit
from .estimate import (ESTIMATORS, SAMPLED_LOSSES_ONLY, SAMPLED_WITH_PREDICTIONS, SampleEstimate, estimate_bits,
                       get_estimator, resolve_estimator, uses_predictions)
from .function_space import FunctionSpaceGaussian
from .intervals import clopper_pearson_bits, dkw_bits
from .moments import MomentEstimator
from .ncx2_mle import Ncx2MLEEstimator
from .paper import NoncentralChiSquareLaw, PaperEstimator, sankaran_z

__all__ = ["ESTIMATORS", "ExtrapolationWarning", "FitError", "FittedLaw", "FunctionSpaceGaussian", "MomentEstimator",
           "Ncx2MLEEstimator", "NoncentralChiSquareLaw", "PaperEstimator", "SAMPLED_LOSSES_ONLY",
           "SAMPLED_WITH_PREDICTIONS", "SampleEstimate", "SampleEstimator", "clopper_pearson_bits", "dkw_bits",
           "estimate_bits", "get_estimator", "goodness_of_fit", "resolve_estimator", "sankaran_z", "uses_predictions"]
