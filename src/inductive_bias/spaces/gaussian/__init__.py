"""One Gaussian posterior for every space whose hypotheses are Gaussian at the test inputs (the GP
of docs/method.md §2, the nngp and ntk of docs/method.md §7): the record :class:`GaussianPosterior` and the function
:func:`posterior` that computes it, in memory (numpy), out of core, on a Dask cluster or through
torch. Spaces supply only their kernels."""

from ._options import DEVICES, check_device, in_memory_bytes, parse_memory_size
from ._posterior import posterior
from ._record import DEFAULT_RELATIVE_JITTER, GaussianPosterior, not_positive_definite, zero_tolerance

__all__ = ["DEFAULT_RELATIVE_JITTER", "DEVICES", "GaussianPosterior", "check_device", "in_memory_bytes",
           "not_positive_definite", "parse_memory_size", "posterior", "zero_tolerance"]
