"""Loss distributions: the exact generalized chi-square law of Gaussian hypotheses (docs/method.md §2)."""

from .gaussian_loss import GaussianLossLaw, draw_hypotheses, eigen_decomposition, gaussian_loss_law
from .generalized_chi2 import GeneralizedChiSquare

__all__ = ["GaussianLossLaw", "GeneralizedChiSquare", "draw_hypotheses", "eigen_decomposition", "gaussian_loss_law"]
