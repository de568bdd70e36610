"""Where the members of a trained space are trained: in this process, or in Ray tasks.

An executor takes chunks of member seeds and hands back, chunk by chunk, the members
:meth:`~inductive_bias.spaces.base.MemberSpace.train_members` makes of them. It never touches the
sample store: the runner (the driver) alone commits members, as each chunk comes back, so that a
killed driver loses only the chunks in flight and a rerun resumes from what was committed.

- ``local``: chunks trained one after another in this process (the default).
- ``ray``: chunks submitted as Ray tasks to a running cluster (``address``) or to a local one
  started for the run; they come back in the order they finish. A task whose worker dies is
  resubmitted by Ray up to ``max_retries`` times; an exception raised by the training itself is not
  retried (the same seeds would raise it again) and stops the run with its message.

Needs ``pip install 'inductive-bias[ray]'`` for Ray.
"""

from __future__ import annotations

import math
import socket
from typing import Iterator

from .._network import first_bytes
from ..exceptions import InputError
from .sample_store import library_versions

__all__ = ["EXECUTORS", "LocalExecutor", "RayExecutor", "make_executor"]

EXECUTORS = ("local", "ray")


class LocalExecutor:
    """Train each chunk in this process, in order."""

    name = "local"

    def chunk_size(self, call_size: int, missing: int) -> int:
        return call_size

    def map(self, task, space, chunks: list[list[int]], predictions: bool) -> Iterator[tuple[int, list, dict]]:
        """(position of the chunk in ``chunks``, its members, the versions that trained them), as
        each chunk is trained."""
        for position, seeds in enumerate(chunks):
            yield (position, *_train_chunk(task, space, seeds, predictions))

    def close(self) -> None:
        pass


def _train_chunk(task, space, seeds, predictions):
    """One chunk of members and the library versions of the process that trained them (after
    training, so that lazily imported libraries count). The Ray task runs this in a worker."""
    members = space.train_members(task, seeds, predictions=predictions)
    return members, library_versions(space)


class RayExecutor:
    """Train chunks in Ray tasks (one CPU each) on the cluster at ``address``, or on a local
    cluster started here (and shut down by :meth:`close`) when Ray is not yet initialised.

    Parameters
    ----------
    address : str, optional
        A running cluster ("ray://host:10001", "host:6379" or "auto"); None: the cluster this
        process is already connected to, else a new local one.
    max_retries : int, default 3
        Resubmissions of a chunk whose worker process dies.
    num_cpus : int, optional
        CPUs of a local cluster started here (default: all).
    """

    name = "ray"

    def __init__(self, address: str | None = None, *, max_retries: int = 3, num_cpus: int | None = None):
        try:
            import ray
        except ModuleNotFoundError:
            raise InputError("executor", "'ray' needs Ray: pip install 'inductive-bias[ray]'") from None
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InputError("max_retries", f"must be a non-negative integer; got {max_retries!r}")
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            _check_reachable(address)
            try:
                ray.init(address=address, num_cpus=num_cpus, include_dashboard=False, log_to_driver=False,
                         configure_logging=False)
            except (ConnectionError, ValueError, RuntimeError) as error:
                first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                raise InputError("ray_address", f"cannot reach a Ray cluster at {address!r}: {first}") from None
            self._started = True
        self._remote = ray.remote(num_cpus=1, max_retries=max_retries)(_train_chunk)
        self._pending: list = []

    def workers(self) -> int:
        """CPUs of the cluster: how many chunks run at once."""
        return max(1, int(self._ray.cluster_resources().get("CPU", 1)))

    def chunk_size(self, call_size: int, missing: int) -> int:
        """The space's call size, made smaller where that would leave workers idle."""
        return max(1, min(call_size, math.ceil(missing / self.workers())))

    def map(self, task, space, chunks: list[list[int]], predictions: bool) -> Iterator[tuple[int, list, dict]]:
        """As :meth:`LocalExecutor.map`, in the order chunks finish. At most
        two chunks per worker are submitted ahead, so a killed driver leaves little running."""
        ray = self._ray
        task_ref, space_ref = ray.put(task), ray.put(space)
        position_of: dict = {}
        waiting = list(enumerate(chunks))
        window = 2 * self.workers()
        while waiting or self._pending:
            while waiting and len(self._pending) < window:
                position, seeds = waiting.pop(0)
                ref = self._remote.remote(task_ref, space_ref, seeds, predictions)
                position_of[ref] = position
                self._pending.append(ref)
            done, self._pending = ray.wait(self._pending, num_returns=1)
            for ref in done:
                yield (position_of.pop(ref), *ray.get(ref))

    def close(self) -> None:
        for ref in self._pending:  # interrupted: stop what is still running
            self._ray.cancel(ref, force=True)
        self._pending = []
        if self._started:
            self._ray.shutdown()
            self._started = False


#: seconds a Ray address has to accept a connection and to answer it
PROBE_TIMEOUT = 10.0


def _check_reachable(address: str | None, timeout: float | None = None) -> None:
    """A "host:port" or "ray://host:port" address must accept a connection: Ray itself keeps
    retrying an unreachable cluster for minutes instead of failing."""
    if address is None or address in ("auto", "local"):
        return
    timeout = PROBE_TIMEOUT if timeout is None else timeout
    target = address.split("://", 1)[-1].rstrip("/")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise InputError("ray_address", f"must be host:port, ray://host:port or auto; got {address!r}")
    # Ray's head (GCS) and its client server speak gRPC: HTTP/2, whose server answers a client's
    # connection preface with a SETTINGS frame. A service that accepts and never answers, or
    # answers otherwise (an HTTP/1 server), would keep ray.init retrying for minutes.
    try:
        header = first_bytes(host, int(port), 9, timeout, send=_HTTP2_PREFACE + _HTTP2_EMPTY_SETTINGS)
    except socket.timeout:
        raise InputError("ray_address", f"{address!r} accepted a connection but did not answer as a Ray cluster "
                                        f"(gRPC) within {timeout:g} s") from None
    except OSError as error:
        raise InputError("ray_address", f"cannot reach a Ray cluster at {address!r}: "
                                        f"{error.strerror or type(error).__name__}") from None
    if len(header) < 9 or header[3] != 0x4:
        raise InputError("ray_address", f"{address!r} answered, but not as a Ray cluster does (no gRPC/HTTP2 "
                                        f"settings; its first bytes were {header[:16]!r})")


_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_HTTP2_EMPTY_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # length 0, type SETTINGS, stream 0


def make_executor(executor, ray_address: str | None = None):
    """An executor from a name ("local", "ray") or an executor object (returned as is)."""
    if executor is None or executor == "local":
        if ray_address is not None:
            raise InputError("ray_address", "applies to --executor ray only")
        return LocalExecutor()
    if executor == "ray":
        return RayExecutor(ray_address)
    if isinstance(executor, str):
        raise InputError("executor", f"must be one of {', '.join(EXECUTORS)}; got {executor!r}")
    if not (hasattr(executor, "map") and hasattr(executor, "chunk_size")):
        raise InputError("executor", f"must be 'local', 'ray' or an executor object; got {type(executor).__name__}")
    return executor
