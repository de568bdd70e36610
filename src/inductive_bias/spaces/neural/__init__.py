"""Neural-network hypothesis spaces trained as batched ensembles (SPEC §4)."""

from .architectures import ARCHITECTURES
from .space import NeuralNetworks

__all__ = ["ARCHITECTURES", "NeuralNetworks"]
