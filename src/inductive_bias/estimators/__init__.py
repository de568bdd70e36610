"""Sample-based estimators of I(ε) from N sampled losses (docs/method.md §3): the direct count, and fitted
loss laws whose figures are checked against it."""

from .base import ExtrapolationWarning, FitError, FittedLaw, SampleEstimator, goodness_of_fit
from .count import CountEstimator
from .estimate import (ALIASES, ESTIMATORS, KINDS, MIN_BOOTSTRAP, SAMPLED, SampleEstimate, check_bootstrap, estimate_bits,
                       get_estimator, uses_bootstrap)
from .function_space import FunctionSpaceGaussian
from .intervals import clopper_pearson_bits, dkw_bits
from .moments import MomentEstimator
from .ncx2_mle import Ncx2MLEEstimator
from .paper import NoncentralChiSquareLaw, PaperEstimator, sankaran_z

#: every name an ``estimator=`` argument accepts (older names included)
ESTIMATOR_NAMES = (*ESTIMATORS, *ALIASES)

__all__ = ["ALIASES", "CountEstimator", "ESTIMATOR_NAMES", "ESTIMATORS", "ExtrapolationWarning", "FitError", "FittedLaw", "FunctionSpaceGaussian",
           "KINDS", "MIN_BOOTSTRAP", "MomentEstimator", "Ncx2MLEEstimator", "NoncentralChiSquareLaw", "PaperEstimator",
           "SAMPLED", "SampleEstimate", "SampleEstimator", "check_bootstrap", "clopper_pearson_bits", "dkw_bits",
           "estimate_bits", "get_estimator", "goodness_of_fit", "sankaran_z", "uses_bootstrap"]
