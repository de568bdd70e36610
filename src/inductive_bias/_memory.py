"""Memory a request needs, estimated before it is made, against what the machine has.

A size flag (``--hypotheses``, ``--n-train``, ``--ambient-dim``, ``--resize``) that asks for more
memory than is available is refused at once with both figures, instead of a MemoryError (or the
kernel's out-of-memory killer) minutes later. Estimates count the large float64 arrays a step
holds at once; they are lower bounds, so a refusal is never wrong, and a request that passes may
still be large.
"""

from __future__ import annotations

import os

from .exceptions import InputError

__all__ = ["available_memory", "check_memory", "format_bytes"]


def available_memory() -> int | None:
    """Bytes the system could give this process now: ``MemAvailable`` of /proc/meminfo on Linux,
    else the free physical pages; None where neither is known (then nothing is refused)."""
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def format_bytes(count: float) -> str:
    """1536 -> '1.5 KiB'; 8e12 -> '7.3 TiB'."""
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def check_memory(argument: str, value, needed: float, what: str, available: int | None = None) -> None:
    """Refuse ``argument = value`` if ``needed`` bytes (for ``what``) exceed the available memory.

    Examples
    --------
    >>> check_memory("hypotheses", 10**12, 8 * 10**12, "their test losses", available=2**34)
    Traceback (most recent call last):
    ...
    inductive_bias.exceptions.InputError: hypotheses: 1000000000000 needs at least 7.28 TiB of memory for their test losses; 16 GiB is available
    """
    limit = available_memory() if available is None else available
    if limit is not None and needed > limit:
        raise InputError(argument, f"{value} needs at least {format_bytes(needed)} of memory for {what}; "
                                   f"{format_bytes(limit)} is available")
