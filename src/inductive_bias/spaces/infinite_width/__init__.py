"""Infinite-width network spaces (docs/method.md §7): NNGP and NTK kernels and the exact law of the test loss.

- :mod:`.activations`: the dual maps T, T' of an activation (closed forms, Gauss–Hermite).
- :mod:`.kernels`: the NNGP and NTK recursions of fully connected networks.
- :mod:`.conv_kernels`: the same for convolutional (CNN) and locally connected (LCN) networks.
- :mod:`.layers`: composable layers (Conv, AvgPool, Residual, ...), layer strings and presets.
- :class:`InfiniteWidthNetwork`: the hypothesis space (``nngp`` or ``ntk``).
"""

from .activations import ACTIVATIONS, dual_maps
from .conv_kernels import conv_kernels
from .kernels import mlp_kernels
from .layers import PRESETS, layer_kernels, parse_layers
from .space import ARCHITECTURES, KINDS, READOUTS, InfiniteWidthNetwork, NetworkPosterior

__all__ = ["ACTIVATIONS", "ARCHITECTURES", "KINDS", "PRESETS", "READOUTS", "InfiniteWidthNetwork", "NetworkPosterior",
           "conv_kernels", "dual_maps", "layer_kernels", "mlp_kernels", "parse_layers"]
