"""The computational options of a Gaussian posterior (not part of any space's spec): a memory
limit, a torch device, and the in-memory working set they are weighed against."""

from __future__ import annotations

import math
import re

import numpy as np

from ...exceptions import InputError

DEVICES = ("cpu", "cuda")
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*$")


def parse_memory_size(name: str, value) -> int:
    """Bytes from an int or a string such as "1GB", "500MB", "1.5GiB" (kB, MB, GB, TB powers of
    1000; KiB, MiB, GiB, TiB powers of 1024; a bare number is bytes)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        size = int(value)
    elif isinstance(value, str) and (match := _SIZE.match(value)) and match.group(2).lower() in _UNITS:
        scaled = float(match.group(1)) * _UNITS[match.group(2).lower()]
        if not math.isfinite(scaled):  # 1.8e308 (or 1e300TB) overflows to inf: int(inf) would raise
            raise InputError(name, f"must be a finite size such as 1GB, 500MB or 2GiB; got {value!r}")
        size = int(scaled)
    else:
        raise InputError(name, f"must be a size such as 1GB, 500MB or 2GiB; got {value!r}")
    if size <= 0:
        raise InputError(name, f"must be positive; got {value!r}")
    return size


def in_memory_bytes(n: int, m: int, k: int) -> int:
    """Peak bytes of the numpy backend's arrays: K (n²), K* and V sharing storage (n m), K** / Σ
    (m²), the eigendecomposition's workspace (~2 m², dsyevd), M and β (n k, m k)."""
    return 8 * (n * n + n * m + 3 * m * m + (n + m) * k)


def check_device(device) -> str | None:
    """None (the numpy backends) or a torch device name, usable now: "cuda" without a CUDA
    device is an error, never a silent fall back to the CPU."""
    if device is None:
        return None
    if device not in DEVICES:
        raise InputError("device", f"must be one of {', '.join(DEVICES)}; got {device!r}")
    try:
        import torch
    except ModuleNotFoundError:
        raise InputError("device", f"{device!r} runs the GP posterior through torch, which is not installed") from None
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("device", f"'cuda' asked for, but torch {torch.__version__} finds no CUDA device; "
                                   "use --device cpu or leave --device out")
    return device
