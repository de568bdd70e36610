"""The GP posterior of docs/method.md §2 when the n × n kernel matrix does not fit in memory: a tiled,
left-looking Cholesky whose tiles live on disk.

The joint kernel matrix of training and test inputs,

    [[K + δI, K*^T],          [[L,  0],   [[L^T, V],
     [K*,     K**]]   =        [V^T, I]] ·  [0,   S]],    V = L^-1 K*^T,

is factored *partially*: the Cholesky runs over the training columns only, the test rows of the
factor are V^T = K* L^-T, and what is left of the test block is the Schur complement
S = K** - V^T V = Σ/a², the posterior covariance (docs/method.md §2). The mean M = V^T (L^-1 Y_train)
comes out of the same sweep. Nothing of size n × n is ever in memory: kernel tiles are computed
where they are needed, factor tiles are written to a scratch directory as soon as they are final
and read back (one or two at a time) by later tile columns. The m × m covariance S is kept in
memory, and so is its eigendecomposition (done by the caller): that is the part of the working set
that does not shrink with the limit.

Working set, in float64 words: about 5 b² during the sweep over the training columns (the tile
being formed and, briefly, its Fortran-ordered copy; the two factor tiles of one update; the
diagonal factor), m² + 3 b² while S is accumulated. Tiles are kept in Fortran order so that
BLAS (dgemm, dsyrk, dtrsm) and LAPACK update them in place. The tile size b is the largest that
keeps both within the limit (counting 6 b² for the sweep, for margin).
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from typing import Callable

import numpy as np
from scipy import linalg
from scipy.linalg.blas import dgemm, dsyrk, dtrsm

from ...exceptions import InputError
from ._record import NotPositiveDefinite

_WORD = 8  # bytes per float64
_MIN_TILE = 16


def tile_size(memory_limit: int, n: int, m: int) -> int:
    """The largest tile edge b whose working set (module docstring) fits ``memory_limit`` bytes."""
    words = memory_limit / _WORD
    b = min(math.sqrt(words / 6.0), math.sqrt(max(words - m * m, 0.0) / 3.0), float(n))
    return int(b)


class _Tiles:
    """Factor tiles on disk, one .npy file each, read back whole: no mapping stays open, so what
    has been written counts against the page cache, not against the process's resident memory."""

    def __init__(self, directory: str):
        self.directory = directory

    def _path(self, kind: str, i: int, j: int) -> str:
        return os.path.join(self.directory, f"{kind}_{i}_{j}.npy")

    def save(self, kind: str, i: int, j: int, tile: np.ndarray) -> None:
        np.save(self._path(kind, i, j), tile, allow_pickle=False)

    def load(self, kind: str, i: int, j: int) -> np.ndarray:
        return np.load(self._path(kind, i, j), allow_pickle=False)


def _bounds(size: int, b: int) -> list[tuple[int, int]]:
    return [(start, min(start + b, size)) for start in range(0, size, b)]


def out_of_core_posterior(kernel: Callable[[np.ndarray, np.ndarray], np.ndarray], X_train: np.ndarray,
                          Y_train: np.ndarray, X_test: np.ndarray, added: float, memory_limit: int,
                          scratch_dir: str | None = None) -> tuple[np.ndarray, np.ndarray, dict, dict]:
    """M and the lower triangle of S = Σ/a² (module docstring), with at most ``memory_limit`` bytes
    of working arrays, S included. ``kernel(A, B)`` gives a block of K (called with the same object
    twice on the diagonal blocks); ``added`` is what is added to K's diagonal (σ²/a² + δ/a²).

    Returns
    -------
    mean : ndarray (m, k)
    covariance : ndarray (m, m), lower triangle valid (what eigh reads)
    timings : dict           seconds: "kernel" (tiles formed), "cholesky", "solve", "io"
    layout : dict            tile size, tile counts, bytes written to scratch
    """
    n, m = len(X_train), len(X_test)
    k = Y_train.shape[1]
    b = tile_size(memory_limit, n, m)
    # the eigendecomposition that follows (dsyevd, in memory) needs ~3 m² words: refuse up front
    need = _WORD * max(m * m + 3 * _MIN_TILE**2, 3 * m * m)
    if b < min(_MIN_TILE, n) or memory_limit < need:
        raise InputError("memory_limit", f"{memory_limit} bytes cannot hold the {m} x {m} posterior covariance, "
                                         f"its eigendecomposition and tiles of {_MIN_TILE} rows; give at least "
                                         f"{need} bytes")
    train = _bounds(n, b)
    test = _bounds(m, b)
    timings = {"kernel": 0.0, "cholesky": 0.0, "solve": 0.0, "io": 0.0}
    mean = np.zeros((m, k))
    beta = np.empty((n, k))  # L^-1 Y_train, n × k: small
    written = 0

    with tempfile.TemporaryDirectory(prefix="inductive-bias-gp-", dir=scratch_dir) as directory:
        tiles = _Tiles(directory)

        def load(kind, i, j):
            tic = time.perf_counter()
            tile = tiles.load(kind, i, j)
            timings["io"] += time.perf_counter() - tic
            return tile

        def save(kind, i, j, tile):
            nonlocal written
            tic = time.perf_counter()
            tiles.save(kind, i, j, tile)
            timings["io"] += time.perf_counter() - tic
            written += tile.nbytes

        def kernel_tile(rows, i, j):
            tic = time.perf_counter()
            (r0, r1), (c0, c1) = rows[i], train[j]
            if rows is train and i == j:
                A = X_train[r0:r1]
                tile = kernel(A, A)  # the same object: the diagonal as the in-memory path forms it
                tile[np.diag_indices_from(tile)] += added
            else:
                source = X_train if rows is train else X_test
                tile = kernel(source[r0:r1], X_train[c0:c1])
            tile = np.asfortranarray(tile)  # BLAS and LAPACK then work on it in place
            timings["kernel"] += time.perf_counter() - tic
            return tile

        # Left-looking sweep over the training tile columns j (docs/method.md §2: Cholesky of K + (σ² + δ)I / a², with
        # the test rows carried along as the extra rows of the factor, V^T = K* L^-T).
        for j in range(len(train)):
            # the diagonal tile: A_jj - sum_k L_jk L_jk^T, then its Cholesky factor
            diagonal = kernel_tile(train, j, j)
            rhs = Y_train[train[j][0]:train[j][1]].copy()
            for kk in range(j):
                L_jk = load("L", j, kk)
                tic = time.perf_counter()
                diagonal = dsyrk(-1.0, L_jk, beta=1.0, c=diagonal, lower=1, overwrite_c=1)
                rhs -= L_jk @ beta[train[kk][0]:train[kk][1]]
                timings["cholesky"] += time.perf_counter() - tic
            tic = time.perf_counter()
            try:
                L_jj = linalg.cholesky(diagonal, lower=True, overwrite_a=True, check_finite=False)
            except linalg.LinAlgError:
                raise NotPositiveDefinite("kernel matrix") from None
            del diagonal
            beta[train[j][0]:train[j][1]] = linalg.solve_triangular(L_jj, rhs, lower=True, check_finite=False)
            timings["cholesky"] += time.perf_counter() - tic
            save("L", j, j, L_jj)

            # the tiles below it, training rows then test rows: (A_ij - sum_k L_ik L_jk^T) L_jj^-T
            for rows, kind in ((train, "L"), (test, "P")):
                first = j + 1 if rows is train else 0
                for i in range(first, len(rows)):
                    tile = kernel_tile(rows, i, j)
                    for kk in range(j):
                        L_ik = load(kind, i, kk)
                        L_jk = load("L", j, kk)
                        tic = time.perf_counter()
                        tile = dgemm(-1.0, L_ik, L_jk, beta=1.0, c=tile, trans_b=1, overwrite_c=1)
                        timings["cholesky" if kind == "L" else "solve"] += time.perf_counter() - tic
                        del L_ik, L_jk
                    tic = time.perf_counter()
                    tile = dtrsm(1.0, L_jj, tile, side=1, lower=1, trans_a=1, overwrite_b=1)  # X L_jj^T = tile
                    if kind == "P":
                        t0, t1 = rows[i]
                        mean[t0:t1] += tile @ beta[train[j][0]:train[j][1]]
                    timings["cholesky" if kind == "L" else "solve"] += time.perf_counter() - tic
                    save(kind, i, j, tile)
                    del tile
            del L_jj

        # S = K** - V^T V, accumulated tile pair by tile pair (the rank-n update, blocked).
        tic = time.perf_counter()
        # K** is symmetric: its transpose is the Fortran array that eigh then overwrites in place
        covariance = kernel(X_test, X_test).T
        timings["kernel"] += time.perf_counter() - tic
        for j in range(len(train)):
            for t in range(len(test)):
                P_tj = load("P", t, j)
                t0, t1 = test[t]
                tic = time.perf_counter()
                block = covariance[t0:t1, t0:t1]
                block[...] = dsyrk(-1.0, P_tj, beta=1.0, c=np.asfortranarray(block), lower=1)
                for u in range(t):
                    P_uj = load("P", u, j)
                    u0, u1 = test[u]
                    covariance[t0:t1, u0:u1] -= P_tj @ P_uj.T
                    del P_uj
                timings["solve"] += time.perf_counter() - tic
                del P_tj

    layout = {"tile_size": b, "train_tiles": len(train), "test_tiles": len(test), "bytes_written": written}
    return mean, covariance, timings, layout
