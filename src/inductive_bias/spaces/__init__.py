"""Hypothesis spaces: distributions over hypotheses that fit the training data (docs/method.md §1)."""

from .gaussian import GaussianPosterior, posterior
from .base import HypothesisSamples, HypothesisSpace, Member, MemberSpace
from .gaussian_process import GaussianProcess, GPPosterior
from .kernels import KERNELS
from .sklearn_models import PointMassWarning, ScikitLearnSpace

__all__ = ["GaussianProcess", "GPPosterior", "HypothesisSamples", "HypothesisSpace", "KERNELS", "Member", "MemberSpace"]
__all__ += ["PointMassWarning", "ScikitLearnSpace"]
__all__ += ["GaussianPosterior", "posterior"]
