"""Memory a request needs, estimated before it is made, against what the machine has.

A size flag (``--hypotheses``, ``--n-train``, ``--ambient-dim``, ``--resize``) that asks for more
memory than is available is refused at once with both figures, instead of a MemoryError (or the
kernel's out-of-memory killer) minutes later. Estimates count the large float64 arrays a step
holds at once; they are lower bounds, so a refusal is never wrong, and a request that passes may
still be large.
"""

from __future__ import annotations

import math
import os

from .exceptions import InputError

__all__ = ["available_memory", "check_memory", "check_time", "format_bytes", "memory_limits", "TIME_LIMIT_SECONDS"]


def _meminfo_available() -> int | None:
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


def _read_int(path: str) -> int | None:
    try:
        with open(path) as file:
            text = file.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # "max" (cgroup v2): no limit


def _cgroup_room() -> int | None:
    """Bytes the process's memory cgroup (v2 ``memory.max``, v1 ``memory.limit_in_bytes``) still
    allows: its limit less its usage; None without a limit. A container's limit is invisible to
    MemAvailable, which reports the host's memory."""
    try:
        with open("/proc/self/cgroup") as file:
            lines = file.read().splitlines()
    except OSError:
        return None
    candidates = []
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        path = path.lstrip("/")
        if controllers == "":  # cgroup v2
            for base in (os.path.join("/sys/fs/cgroup", path), "/sys/fs/cgroup"):
                candidates.append((os.path.join(base, "memory.max"), os.path.join(base, "memory.current")))
        elif "memory" in controllers.split(","):  # cgroup v1
            for base in (os.path.join("/sys/fs/cgroup/memory", path), "/sys/fs/cgroup/memory"):
                candidates.append((os.path.join(base, "memory.limit_in_bytes"),
                                   os.path.join(base, "memory.usage_in_bytes")))
    rooms = []
    for limit_file, usage_file in candidates:
        limit = _read_int(limit_file)
        if limit is None or limit >= 1 << 60:  # v1 writes "no limit" as ~2**63
            continue
        usage = _read_int(usage_file) or 0
        rooms.append(max(limit - usage, 0))
    return min(rooms) if rooms else None


def _address_space_room() -> int | None:
    """Bytes of address space left under RLIMIT_AS (``ulimit -v``, ``prlimit --as``): the soft
    limit less the process's current virtual size. An allocation past it fails however much
    memory is free."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return None
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    size = 0
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    size = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    return max(soft - size, 0)


def memory_limits() -> list[tuple[int, str]]:
    """Every known bound on the memory this process can still get, with its name: free memory
    (MemAvailable), the memory cgroup's limit (a container's) and the address-space limit."""
    out = []
    for room, name in ((_meminfo_available(), "free memory"), (_cgroup_room(), "the memory cgroup's limit"),
                       (_address_space_room(), "the address-space limit (ulimit -v)")):
        if room is not None:
            out.append((room, name))
    return out


def available_memory() -> int | None:
    """Bytes this process could get now: the least of ``MemAvailable`` (else the free physical
    pages), the room left in its memory cgroup and the room left under RLIMIT_AS; None where
    none is known (then nothing is refused)."""
    limits = memory_limits()
    return min(room for room, _ in limits) if limits else None


def _as_float(value) -> float:
    """A count or size as a float; +inf for an int beyond a double (8 * 10**400 bytes)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def format_bytes(count: float) -> str:
    """1536 -> '1.5 KiB'; 8e12 -> '7.3 TiB'; beyond a double's range, 'over 1e308 bytes'."""
    value = _as_float(count)
    if not math.isfinite(value):
        return "over 1e308 bytes"
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
    needed = _as_float(needed)
    if limit is not None and needed > limit:
        raise InputError(argument, f"{value} needs at least {format_bytes(needed)} of memory for {what}; "
                                   f"{format_bytes(limit)} is available{_which_limit(limit, available)}")


def _which_limit(limit: int, given) -> str:
    """' (the address-space limit (ulimit -v))' where a limit other than free memory is the least."""
    if given is not None:
        return ""
    for room, name in memory_limits():
        if room == limit and name != "free memory":
            return f" under {name}"
    return ""


#: The longest a single request may need, by a lower bound on its time, before it is refused.
TIME_LIMIT_SECONDS = 7 * 24 * 3600.0


def format_seconds(seconds: float) -> str:
    """90 -> '1.5 minutes'; 4e8 -> '12.7 years'."""
    if not math.isfinite(seconds):
        return "over 1e300 years"
    for unit, size in (("years", 365.25 * 86400), ("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def check_time(argument: str, value, seconds: float, what: str, limit: float = TIME_LIMIT_SECONDS) -> None:
    """Refuse ``argument = value`` whose lower bound ``seconds`` on its running time (for ``what``)
    exceeds ``limit`` (a week by default): such a request would hang, not finish.

    Examples
    --------
    >>> check_time("restarts", 10**12, 10**12 * 1e-4, "10**12 fits of at least 0.1 ms each")
    Traceback (most recent call last):
    ...
    inductive_bias.exceptions.InputError: restarts: 1000000000000 needs at least 3.17 years for 10**12 fits of at least 0.1 ms each; the limit is 7 days
    """
    seconds = _as_float(seconds)
    if seconds > limit:
        raise InputError(argument, f"{value} needs at least {format_seconds(seconds)} for {what}; "
                                   f"the limit is {format_seconds(limit)}")
