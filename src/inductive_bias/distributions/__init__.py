"""Loss distributions: the exact generalized chi-square law of GP spaces (SPEC §2)."""

from .generalized_chi2 import GeneralizedChiSquare, IntegrationWarning

__all__ = ["GeneralizedChiSquare", "IntegrationWarning"]
