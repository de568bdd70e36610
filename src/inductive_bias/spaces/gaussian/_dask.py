"""The GP posterior of docs/method.md §2 on a Dask cluster: the same mathematics as the numpy backend, as a
blocked Dask graph run by the cluster's workers (their memory, their spilling to disk).

K, K* and K** are built block by block on the workers from the chunked inputs; the Cholesky
(``dask.array.linalg.cholesky``), the triangular solves and the rank-n update
Σ/a² = K** - V^T V with V = L^-1 K*^T run blocked there too. Only M (m × k) and the m × m
covariance come back to this process, which diagonalises it in memory (LAPACK eigh), as the
out-of-core backend does.

Needs ``pip install 'inductive-bias[dask]'`` (dask[array] and distributed).
"""

from __future__ import annotations

import time

import numpy as np

from ..._network import first_bytes
from ...exceptions import InputError
from ._record import NotPositiveDefinite

DEFAULT_BLOCK = 4096
CONNECT_TIMEOUT = "20s"
PROBE_TIMEOUT = 10.0  # seconds a scheduler has to send its handshake
# A scheduler's handshake is a message of a few hundred bytes; its first 8 bytes are the
# message's length (little-endian). Anything else is not Dask: distributed itself would read an
# SSH banner's first bytes as a length of exbibytes and try to allocate them.
_HANDSHAKE_MAX = 1 << 20


def probe_scheduler(address: str, timeout: float | None = None) -> None:
    """Check, within ``timeout`` seconds and without distributed, that a Dask scheduler answers at
    a tcp address: a scheduler sends its handshake as soon as it accepts a connection. A service
    that accepts and says nothing (an HTTP server) is refused after the timeout, and one that
    answers otherwise at once; other schemes (tls://, ucx://) are left to distributed."""
    import socket
    import struct

    timeout = PROBE_TIMEOUT if timeout is None else timeout
    if not isinstance(address, str) or not address.strip():
        raise InputError("dask_address", f"must be host:port or tcp://host:port; got {address!r}")
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme != "tcp":
        return
    host, _, port = rest.rstrip("/").rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError("dask_address", f"must be host:port or tcp://host:port; got {address!r}")
    try:
        header = first_bytes(host, int(port), 8, timeout)
    except socket.timeout:
        raise InputError("dask_address", f"{address!r} accepted a connection but sent no Dask handshake within "
                                         f"{timeout:g} s: it is not a Dask scheduler (or not answering)") from None
    except OSError as error:
        raise InputError("dask_address", f"cannot reach a Dask scheduler at {address!r}: "
                                         f"{error.strerror or type(error).__name__}") from None
    if len(header) < 8:
        raise InputError("dask_address", f"{address!r} closed the connection without a Dask handshake: it is not a "
                                         "Dask scheduler")
    (length,) = struct.unpack("<Q", header)
    if not 0 < length <= _HANDSHAKE_MAX:
        raise InputError("dask_address", f"{address!r} answered, but not as a Dask scheduler does (its first bytes "
                                         f"{header!r} are not a handshake)")


def _kernel_block(a, b, kernel):
    # a block on the diagonal gets the same object twice, so that its diagonal is formed as in the
    # in-memory path (for the stationary kernels: exactly 1)
    if a.shape == b.shape and np.array_equal(a, b):
        return kernel(a, a)
    return kernel(a, b)


def dask_posterior(kernel, X_train, Y_train, X_test, added: float, address: str, block: int | None = None):
    """(mean, lower-triangle-valid covariance Σ/a², timings, layout), computed on the cluster at
    ``address`` (module docstring). ``kernel(A, B)`` gives a block of K (picklable: it travels to
    the workers); ``added`` is what is added to K's diagonal (σ²/a² + δ/a²)."""
    try:
        import dask.array as da
        from distributed import Client
    except ModuleNotFoundError:
        raise InputError("dask_address", "needs Dask: pip install 'inductive-bias[dask]'") from None
    probe_scheduler(address)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError("dask_address", f"cannot reach a Dask scheduler at {address!r}: {first}") from None
    n = len(X_train)
    b = min(block or DEFAULT_BLOCK, n)
    timings = {}
    try:
        tic = time.perf_counter()
        Xtr = da.from_array(np.ascontiguousarray(X_train, dtype=np.float64), chunks=(b, -1))
        Xte = da.from_array(np.ascontiguousarray(X_test, dtype=np.float64), chunks=(b, -1))
        Y = da.from_array(np.ascontiguousarray(Y_train, dtype=np.float64), chunks=(b, -1))

        def gram(A, B):
            return da.blockwise(_kernel_block, "ij", A, "ik", B, "jk", dtype=np.float64, concatenate=True,
                                kernel=kernel)

        # dask's Cholesky wants equal square blocks: pad K to a multiple of b with an identity
        # block, and K*^T, Y with zero rows. The factor is then [[L, 0], [0, I]] and the padded
        # rows of V and β are 0: M and Σ are exactly those of the unpadded problem.
        pad = -n % b
        diagonal = np.concatenate([np.full(n, added), np.ones(pad)])
        K = da.pad(gram(Xtr, Xtr), ((0, pad), (0, pad))).rechunk(b) + da.diag(da.from_array(diagonal, chunks=b))
        L = da.linalg.cholesky(K, lower=True)
        V = da.linalg.solve_triangular(L, da.pad(gram(Xte, Xtr).T, ((0, pad), (0, 0))).rechunk((b, -1)), lower=True)
        beta = da.linalg.solve_triangular(L, da.pad(Y, ((0, pad), (0, 0))).rechunk((b, -1)), lower=True)
        mean = V.T @ beta
        covariance = gram(Xte, Xte) - V.T @ V
        mean, covariance = client.compute([mean, covariance], sync=True)
        timings["cluster"] = time.perf_counter() - tic
    except np.linalg.LinAlgError:
        raise NotPositiveDefinite("kernel matrix") from None
    finally:
        client.close()
    layout = {"dask_address": address, "block": b, "blocks": -(-n // b), "padded_rows": pad}
    return np.asarray(mean), np.asarray(covariance), timings, layout
