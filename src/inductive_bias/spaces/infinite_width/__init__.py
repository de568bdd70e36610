"""Infinite-width network spaces (SPEC §7): NNGP and NTK kernels and the exact law of the test loss.

- :mod:`.activations`: the dual maps T, T' of an activation (closed forms, Gauss–Hermite).
- :mod:`.kernels`: the NNGP and NTK recursions of fully connected networks.
- :class:`InfiniteWidthNetwork`: the hypothesis space (``nngp`` or ``ntk``).
"""

from .activations import ACTIVATIONS, dual_maps
from .kernels import mlp_kernels
from .space import ARCHITECTURES, KINDS, InfiniteWidthNetwork, NetworkPosterior

__all__ = ["ACTIVATIONS", "ARCHITECTURES", "KINDS", "InfiniteWidthNetwork", "NetworkPosterior", "dual_maps",
           "mlp_kernels"]
