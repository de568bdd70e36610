"""Neural-network hypothesis spaces trained as batched ensembles (docs/method.md §4).

torch is imported only when a network space is used (``NeuralNetworks``, ``ARCHITECTURES``):
the names of the built-in architectures are known without it.
"""

from .parameters import ARCHITECTURE_PARAMETERS

#: the built-in architectures (their options: ``ARCHITECTURES``; declared in :mod:`.parameters`)
ARCHITECTURE_NAMES = tuple(ARCHITECTURE_PARAMETERS)

__all__ = ["ARCHITECTURES", "ARCHITECTURE_NAMES", "NeuralNetworks"]


def __getattr__(name):
    if name == "NeuralNetworks":
        from .space import NeuralNetworks

        return NeuralNetworks
    if name == "ARCHITECTURES":
        from .architectures import ARCHITECTURES

        return ARCHITECTURES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
