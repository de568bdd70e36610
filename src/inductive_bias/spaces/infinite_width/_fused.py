"""The pooled CNN kernel fused and blocked: every pair of positions, every layer, in cache (docs/method.md §7).

The convolutional recursion of :mod:`.conv_kernels` sums K^l over the same filter offset δ at
both positions, K^{l+1}(p, p') = σw²/F² Σ_δ T(K^l)(p+δ, p'+δ) + σb², so it never changes the
*offset* Δ = p' − p between the two positions. The (HW)² position pairs of one pair of images
therefore split into (2H−1)(2W−1) independent problems, one per offset: on the rectangle
R_Δ = {p : p and p + Δ inside the image} of (H−|Δy|) x (W−|Δx|) positions, the whole depth of
the recursion is a plain 2-D F x F box sum (zero outside R_Δ, which is exactly 'same' padding
at both positions) after an elementwise dual map. A tile holds K and Θ of one offset for 8 image
pairs (one per lane of a vector register; 50 KiB each for 28 x 28); every layer passes over it
once, a row at a time, its box sums drawn from a ring of F rows that stays in the L1 cache, and
the global-average-pooling read-out only needs the sums of the last layer's rows.

Two implementations of the same recursion:

- :func:`pooled_numba` (CPU): one compiled loop nest per block of image pairs, the blocks run
  on a thread pool (the compiled code releases the GIL). arccos/arcsin are evaluated inline by a
  branch-free series that the compiler vectorises (:func:`asin_acos`), because the C library's
  scalar arccos (18 ns here) would cost more than all the rest.
- :func:`pooled_torch` (any torch device, e.g. a GPU): the position-pair tensor of a block of
  image pairs held whole, the recursion as batched tensor operations.

The read-outs: ``gap`` sums every offset; ``flatten`` reads the position-diagonal p = p', which
is the offset Δ = 0 alone.
"""

from __future__ import annotations

import math

import numpy as np

from .layers import _box

__all__ = ["FUSED_ACTIVATIONS", "asin_acos", "have_numba", "pooled_numba", "pooled_torch"]

#: activations whose dual maps the fused kernels evaluate in closed form
FUSED_ACTIVATIONS = ("relu", "erf", "identity")
_CODES = {"relu": 0, "erf": 1, "identity": 2}

# arcsin on |x| <= 1/2: asin(x) = x + x z P(z), z = x² <= 1/4, P(z) = Σ_{n>=0} c_{n+1} z^n with the
# Taylor coefficients c_n = (2n)! / (4^n (n!)² (2n+1)). Truncating the Taylor series needs 22 terms
# for 2e-16 (its n-th term is ~4^-n); P's interpolant at the Chebyshev nodes of [0, 1/4] reaches
# the same accuracy with 13 (degree 12: asin within 1 ulp of mpmath's on a grid of |x| <= 1/2).
_DEGREE = 12


def _asin_coefficients() -> np.ndarray:
    """P's monomial coefficients in z, lowest first (P evaluated by its 60-term Taylor series at the
    nodes, where that series has converged to rounding)."""
    from numpy.polynomial import Chebyshev, Polynomial

    k = np.arange(_DEGREE + 1)
    z = 0.125 * (1.0 - np.cos(np.pi * (2 * k + 1) / (2 * (_DEGREE + 1))))
    values, c, power = np.zeros_like(z), 1.0, np.ones_like(z)
    for n in range(1, 61):
        c *= (2 * n - 1) / (2 * n)  # (2n)! / (4^n (n!)²), by its ratio
        values += c / (2 * n + 1) * power
        power = power * z
    fit = Chebyshev.fit(z, values, _DEGREE, domain=[0.0, 0.25])
    return fit.convert(kind=Polynomial, domain=[0.0, 0.25], window=[0.0, 0.25]).coef


_ASIN_C = _asin_coefficients()


def have_numba() -> bool:
    """True when numba can be imported (the optional ``fast`` extra)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


_COMPILED = {}

# image pairs computed together, one per lane of a vector register (512 bits: 8 float64, 16 float32)
_LANES = {"float64": 8, "float32": 16}


def _precision(dtype) -> str:
    """"float64" or "float32" from a numpy or torch dtype, or its name (None: float64)."""
    name = "float64" if dtype is None else str(dtype).replace("torch.", "")
    if name not in _LANES:
        from ...exceptions import InputError

        raise InputError("dtype", f"the fused kernel computes in float64 or float32; got {dtype}")
    return name


def _compiled(precision: str = "float64"):
    """Compile (once per process and precision) the fused kernel. In float32 every constant is a
    float32 too: one float64 literal would promote the whole vector loop to float64."""
    if precision in _COMPILED:
        return _COMPILED[precision]
    import numba

    T = np.float32 if precision == "float32" else np.float64
    c = _ASIN_C.astype(T)  # c[k] multiplies z**k: a constant array frozen into the code
    ZERO, HALF, ONE, TWO, NEG = T(0.0), T(0.5), T(1.0), T(2.0), T(-1.0)
    PI, HALF_PI, INV2PI = T(math.pi), T(0.5 * math.pi), T(1.0 / (2.0 * math.pi))
    TWO_OVER_PI, FOUR_OVER_PI, TINY = T(2.0 / math.pi), T(4.0 / math.pi), T(np.finfo(T).tiny)
    LANES = _LANES[precision]
    # contract: fused multiply-adds; the others let the loops vectorise. No reassociation: the
    # order of the sums is the one written (the results do not depend on the vector width).
    flags = {"contract", "nnan", "ninf", "nsz", "arcp"}

    @numba.njit(inline="always", fastmath=flags)
    def series(z):
        """Σ_k c[k] z^k (k <= 12) by Estrin's scheme: Horner's 12 dependent multiply-adds would leave
        the vector units waiting on their latency."""
        z2 = z * z
        z4 = z2 * z2
        z8 = z4 * z4
        p0 = c[0] + c[1] * z + (c[2] + c[3] * z) * z2
        p1 = c[4] + c[5] * z + (c[6] + c[7] * z) * z2
        p2 = c[8] + c[9] * z + (c[10] + c[11] * z) * z2
        return p0 + p1 * z4 + (p2 + c[12] * z4) * z8

    @numba.njit(inline="always", fastmath=flags)
    def asin_acos(x):
        """(arcsin x, arccos x) for x in [-1, 1], both branch-free: |x| <= 1/2 by the series,
        larger |x| by asin|x| = π/2 − 2 asin √((1−|x|)/2) (1 − |x| exact for |x| >= 1/2)."""
        a = abs(x)
        big = a > HALF
        zb = HALF - HALF * a
        root = math.sqrt(zb)
        z = zb if big else a * a
        s = root if big else a
        r = s + s * z * series(z)  # asin s
        asin_a = HALF_PI - TWO * r if big else r
        acos_a = TWO * r if big else HALF_PI - r
        neg = x < ZERO
        return (-asin_a if neg else asin_a), (PI - acos_a if neg else acos_a)

    # The F x F box of a layer is separable: a sum over F rows, then over F columns. A tile is
    # computed a row at a time: the rows of the layer's elementwise map (the dual map, or the
    # first layer's products) go into a ring of F rows, and as soon as the F rows around row o are
    # in the ring, row o of the next layer is summed out of it, rows then columns, and written in
    # place (row o of the input is no longer needed: the map of rows up to o + r is done). Each
    # layer thus reads and writes K and Θ once; everything else stays in the L1 cache.

    # Every hot loop below runs over zero-based 1-D slices with the loop index itself as the
    # subscript: numba wraps negative subscripts around, and for a subscript like `oa + m`, whose
    # sign the compiler cannot prove, that check turned the vector loads into gathers.

    @numba.njit(inline="always", fastmath=flags)
    def row_sum(ring, o, h, r, F, wl, buf, pad):
        """buf[pad + m] = Σ_{|d| <= r, 0 <= o+d < h} ring[(o+d) % F, m], in the order d = 0, 1, −1, ...
        (the 3 x 3 box inside the tile in one loop: a store costs more than a load here)."""
        out = buf[pad:pad + wl]
        first = ring[o % F, :wl]
        if r == 1 and 1 <= o < h - 1:
            up, down = ring[(o + 1) % F, :wl], ring[(o + 2) % F, :wl]  # (o − 1) % F = (o + 2) % F
            for m in range(wl):
                out[m] = first[m] + up[m] + down[m]
            return
        for m in range(wl):
            out[m] = first[m]
        for d in range(1, r + 1):
            if o + d < h:
                row = ring[(o + d) % F, :wl]
                for m in range(wl):
                    out[m] += row[m]
            if o - d >= 0:
                row = ring[(o - d) % F, :wl]
                for m in range(wl):
                    out[m] += row[m]

    @numba.njit(inline="always", fastmath=flags)
    def col_sum(buf, pad, wl, r, L, out, o, scale, shift, base):
        """out[o, m] = scale Σ_{|e| <= r} buf[pad + m + e·L] + shift + base[o, m] (zeros padded; the
        sum in the order e = 0, 1, −1, ...; ``base`` None: no such term): the next layer's K
        (scale σw²/F², shift σb²) or Θ (base the new K). The 3 x 3 box in one loop; a wider one
        one loop per shift (a loop over e inside the loop over m would not vectorise)."""
        row = out[o, :wl]
        centre = buf[pad:pad + wl]
        if r == 1:
            right, left = buf[pad + L:pad + L + wl], buf[pad - L:pad - L + wl]
            if base is None:
                for m in range(wl):
                    row[m] = scale * (centre[m] + right[m] + left[m]) + shift
            else:
                below = base[o, :wl]
                for m in range(wl):
                    row[m] = below[m] + scale * (centre[m] + right[m] + left[m])
            return
        for m in range(wl):
            row[m] = centre[m]
        for e in range(1, r + 1):
            right = buf[pad + e * L:pad + e * L + wl]
            for m in range(wl):
                row[m] += right[m]
            left = buf[pad - e * L:pad - e * L + wl]
            for m in range(wl):
                row[m] += left[m]
        if base is None:
            for m in range(wl):
                row[m] = scale * row[m] + shift
        else:
            below = base[o, :wl]
            for m in range(wl):
                row[m] = below[m] + scale * row[m]

    @numba.njit(inline="always", fastmath=flags)
    def dual_row(act, k, th, i, wl, rA, rB, sA, sB, ya, oa, yb, ob, ring_t, ring_d, slot):
        """Row i of T(K) and T'(K) Θ into ring slot ``slot`` (one loop per activation: no branch
        inside the vector loop)."""
        kr, tr = k[i, :wl], th[i, :wl]
        ra, rb = rA[ya + i, oa:oa + wl], rB[yb + i, ob:ob + wl]
        sa, sb = sA[ya + i, oa:oa + wl], sB[yb + i, ob:ob + wl]
        out_t, out_d = ring_t[slot, :wl], ring_d[slot, :wl]
        if act == 0:  # relu: the arc-cosine kernel of degree 1
            for m in range(wl):
                rho = min(ONE, max(NEG, kr[m] * ra[m] * rb[m]))
                _, theta = asin_acos(rho)
                rest = PI - theta
                out_t[m] = sa[m] * sb[m] * (math.sqrt(max(ZERO, ONE - rho * rho)) + rest * rho) * INV2PI
                out_d[m] = rest * INV2PI * tr[m]
        elif act == 1:  # erf: r = 1/√(1 + 2v), s = 1 + 2v
            for m in range(wl):
                kij = kr[m]
                arg = min(ONE, max(NEG, TWO * kij * ra[m] * rb[m]))
                angle, _ = asin_acos(arg)
                out_t[m] = TWO_OVER_PI * angle
                gap = sa[m] * sb[m] - TWO * TWO * kij * kij
                out_d[m] = FOUR_OVER_PI / math.sqrt(max(gap, TINY)) * tr[m]
        else:  # identity
            for m in range(wl):
                out_t[m] = kr[m]
                out_d[m] = tr[m]

    @numba.njit(nogil=True, fastmath=flags)
    def pairs(A, B, I, J, rA, rB, sA, sB, depth, act, sw2, sb2, F, same, flatten, ntk, outK, outT):
        """K and Θ of the image pairs (A[I[q]], B[J[q]]) into outK[q], outT[q], LANES pairs at a
        time: the pairs of a group share every tile's shape, so every pass over a tile row runs
        over w positions x LANES pairs, a multiple of the vector width however small the tile.

        rA, rB: (depth, n, H, W), 1/√K^l(x, p; x, p) (0 where it is 0) for relu, 1/√(1 + 2K^l)
        for erf; sA, sB: √K^l (relu's scale) or 1 + 2K^l (erf)."""
        C, H, W = A.shape[1], A.shape[2], A.shape[3]
        L = LANES
        r = F // 2
        pad = r * L
        c1 = T(sw2 / (C * F * F))
        c2 = T(sw2 / (F * F))
        shift = T(sb2)
        k = np.empty((H, W * L), T)
        th = np.empty((H, W * L), T)
        ring_t = np.empty((F, W * L), T)
        ring_d = np.empty((F, W * L), T)
        buf_t = np.zeros(W * L + 2 * pad, T)  # a summed row with r zero positions on each side
        buf_d = np.zeros(W * L + 2 * pad, T)
        # the group's images and per-position factors, lane fastest
        a_img = np.empty((C, H, W * L), T)
        b_img = np.empty((C, H, W * L), T)
        ra = np.empty((depth, H, W * L), T)
        rb = np.empty((depth, H, W * L), T)
        sa = np.empty((depth, H, W * L), T)
        sb = np.empty((depth, H, W * L), T)
        acc_t = np.empty(W * L)  # per-column partial sums of the read-out (float64), in a fixed order
        acc_d = np.empty(W * L)
        same_image = np.zeros(L, dtype=np.bool_)
        reach_y = 0 if flatten else H - 1
        reach_x = 0 if flatten else W - 1
        n = I.shape[0]
        for start in range(0, n, L):
            for l in range(L):
                q = min(start + l, n - 1)  # a short last group repeats its last pair
                a, b = I[q], J[q]
                same_image[l] = same and a == b
                for y in range(H):
                    for x in range(W):
                        for ch in range(C):
                            a_img[ch, y, x * L + l] = A[a, ch, y, x]
                            b_img[ch, y, x * L + l] = B[b, ch, y, x]
                        for layer in range(depth):
                            ra[layer, y, x * L + l] = rA[layer, a, y, x]
                            rb[layer, y, x * L + l] = rB[layer, b, y, x]
                            sa[layer, y, x * L + l] = sA[layer, a, y, x]
                            sb[layer, y, x * L + l] = sB[layer, b, y, x]
            acc_t[:] = 0.0
            acc_d[:] = 0.0
            for dy in range(-reach_y, reach_y + 1):
                h = H - abs(dy)
                ya = max(0, -dy)  # tile row i is row ya + i of image a and row yb + i of image b
                yb = ya + dy
                for dx in range(-reach_x, reach_x + 1):
                    w = W - abs(dx)
                    wl = w * L
                    oa = max(0, -dx) * L
                    ob = oa + dx * L
                    origin = dy == 0 and dx == 0
                    for m in range(wl, wl + pad):  # zeros right of the tile (the left pad stays 0)
                        buf_t[pad + m] = 0.0
                        buf_d[pad + m] = 0.0
                    # layer 1: K = σw²/(C F²) box(Σ_c x_c x'_c) + σb², Θ = K
                    for i in range(h + r):
                        if i < h:
                            out = ring_t[i % F, :wl]
                            xa, xb = a_img[0, ya + i, oa:oa + wl], b_img[0, yb + i, ob:ob + wl]
                            for m in range(wl):
                                out[m] = xa[m] * xb[m]
                            for ch in range(1, C):
                                xa, xb = a_img[ch, ya + i, oa:oa + wl], b_img[ch, yb + i, ob:ob + wl]
                                for m in range(wl):
                                    out[m] += xa[m] * xb[m]
                        o = i - r
                        if o >= 0:
                            row_sum(ring_t, o, h, r, F, wl, buf_t, pad)
                            col_sum(buf_t, pad, wl, r, L, k, o, c1, shift, None)
                            if ntk:
                                kr, tr = k[o, :wl], th[o, :wl]
                                for m in range(wl):
                                    tr[m] = kr[m]
                    for layer in range(depth):
                        last = layer == depth - 1
                        for i in range(h + (0 if last else r)):
                            if i < h:
                                slot = i % F
                                dual_row(act, k, th, i, wl, ra[layer], rb[layer], sa[layer], sb[layer], ya, oa, yb,
                                         ob, ring_t, ring_d, slot)
                                if act == 0 and origin:
                                    # an image with itself at one position: ρ = 1 exactly (the
                                    # rounding of k·r·r' would put θ ~ 1e-8 off 0): T = v/2, T' = 1/2
                                    for l in range(L):
                                        if same_image[l]:
                                            for x in range(w):
                                                m = x * L + l
                                                ring_t[slot, m] = HALF * sa[layer, i, m] * sb[layer, i, m]
                                                ring_d[slot, m] = HALF * th[i, m]
                                if last:
                                    rt, rd = ring_t[slot, :wl], ring_d[slot, :wl]
                                    for m in range(wl):
                                        acc_t[m] += rt[m]
                                        acc_d[m] += rd[m]
                            o = i - r
                            if not last and o >= 0:
                                row_sum(ring_t, o, h, r, F, wl, buf_t, pad)
                                if ntk:
                                    row_sum(ring_d, o, h, r, F, wl, buf_d, pad)
                                col_sum(buf_t, pad, wl, r, L, k, o, c2, shift, None)
                                if ntk:
                                    col_sum(buf_d, pad, wl, r, L, th, o, c2, ZERO, k)
            positions = 1.0 * H * W if flatten else 1.0 * (H * W) * (H * W)
            for l in range(min(L, n - start)):
                total_t = 0.0
                total_d = 0.0
                for x in range(W):
                    total_t += acc_t[x * L + l]
                    total_d += acc_d[x * L + l]
                outK[start + l] = sw2 * total_t / positions + sb2
                outT[start + l] = outK[start + l] + sw2 * total_d / positions

    @numba.njit(nogil=True, fastmath=flags)
    def vector_asin_acos(x, s, c):
        for i in range(x.shape[0]):
            s[i], c[i] = asin_acos(x[i])

    _COMPILED[precision] = (pairs, vector_asin_acos)
    return _COMPILED[precision]


def asin_acos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """arcsin and arccos of a float64 array by the fused kernels' inline rule (numba): for tests."""
    _, vector = _compiled()
    x = np.ascontiguousarray(x, dtype=np.float64).ravel()
    s, c = np.empty_like(x), np.empty_like(x)
    vector(x, s, c)
    return s, c


def _scales(variances: list, activation: str):
    """rA (1/√v, 0 where v = 0) and sA (√v for relu, 1 + 2v for erf) per layer: (depth, n, H, W)."""
    v = np.stack(variances)
    inv = np.zeros_like(v)
    np.divide(1.0, np.sqrt(v), out=inv, where=v > 0)
    if activation == "erf":  # ρ-like argument 2k/√((1+2v)(1+2v')): "r" = 1/√(1+2v), "s" = 1+2v
        s = 1.0 + 2.0 * v
        return 1.0 / np.sqrt(s), s
    return inv, np.sqrt(v)


def pooled_numba(A, B, var_a, var_b, depth, activation, sw2, sb2, F, ntk, *, readout="gap", pairs=None,
                 progress=None, threads=None, block_pairs=None, dtype=None):
    """K and Θ (Θ None unless ``ntk``) of a CNN with global average pooling (or flatten) read-out
    for the image pairs given, by the fused kernel on a thread pool.

    Parameters
    ----------
    A, B : ndarray (n1, C, H, W), (n2, C, H, W), float64
    var_a, var_b : lists of ``depth`` arrays (n, H, W)
        K^l(x, p; x, p), from :func:`~.conv_kernels.conv_variances`.
    pairs : (I, J) int arrays or None
        The entries to compute; None: all of (n1, n2) (the lower triangle when B is A).
    progress : ProgressBar or None
        Advanced by the number of pairs of each finished block.
    threads : int or None
        Worker threads (None: the usable cores).
    dtype : None, "float64" or "float32" (numpy or torch dtypes too)
        The precision of the recursion (default float64); float32 runs 16 image pairs per vector
        instead of 8. The read-out's sums and the results are float64 either way.
    block_pairs : int or None
        Image pairs per task: the unit of threading and of progress (the working memory is a
        few tiles of H x W x 8 lanes per thread, whatever the block). None: a multiple of the 8
        lanes giving each thread about 4 tasks, at most 64 pairs.

    Returns
    -------
    K, Θ : ndarray (n1, n2) when ``pairs`` is None (symmetric when B is A), else (len(I),) each.
    """
    from concurrent.futures import ThreadPoolExecutor

    from ..._cpu import usable_cores

    precision = _precision(dtype)
    kernel, _ = _compiled(precision)
    lanes = _LANES[precision]
    same = B is A
    A = np.ascontiguousarray(A, dtype=precision)
    B = A if same else np.ascontiguousarray(B, dtype=precision)
    rA, sA = (x.astype(precision) for x in _scales(var_a, activation))
    rB, sB = (rA, sA) if same else (x.astype(precision) for x in _scales(var_b, activation))
    n1, n2 = len(A), len(B)
    if pairs is None:
        I, J = np.tril_indices(n1) if same else np.divmod(np.arange(n1 * n2), n2)
    else:
        I, J = pairs
    I, J = np.ascontiguousarray(I, dtype=np.int64), np.ascontiguousarray(J, dtype=np.int64)
    outK, outT = np.empty(len(I)), np.empty(len(I))
    act = _CODES[activation]

    def run(start):
        sl = slice(start, start + block_pairs)
        kernel(A, B, I[sl], J[sl], rA, rB, sA, sB, depth, act, sw2, sb2, F, same, readout == "flatten", ntk,
               outK[sl], outT[sl])
        return len(I[sl])

    workers = usable_cores() if threads is None else threads
    if block_pairs is None:
        share = -(-len(I) // (4 * workers))
        block_pairs = min(8 * lanes, lanes * max(1, -(-share // lanes)))
    starts = range(0, len(I), block_pairs)
    if workers <= 1 or len(starts) <= 1:
        for start in starts:
            done = run(start)
            if progress is not None:
                progress.update(done)
    else:
        with ThreadPoolExecutor(workers) as pool:
            for done in pool.map(run, starts):
                if progress is not None:
                    progress.update(done)
    if pairs is not None:
        return outK, (outT if ntk else None)
    return _scatter(outK, outT if ntk else None, I, J, n1, n2, same)


def _torch_dual(torch, act, k, va, vb, exact=None):
    """T(K), T'(K) for tensors (variances broadcast against k); ``exact`` marks entries with ρ = 1."""
    if act == "relu":
        scale = torch.sqrt(va * vb)
        rho = torch.where(scale > 0, k / torch.where(scale > 0, scale, torch.ones_like(scale)), torch.zeros_like(k))
        rho = rho.clamp(-1.0, 1.0)
        if exact is not None:
            rho = torch.where(exact, torch.ones_like(rho), rho)
        rest = math.pi - torch.arccos(rho)
        t = scale * (torch.sqrt((1.0 - rho * rho).clamp_min(0.0)) + rest * rho) / (2.0 * math.pi)
        return t, rest / (2.0 * math.pi)
    if act == "erf":
        a = (1.0 + 2.0 * va) * (1.0 + 2.0 * vb)
        t = (2.0 / math.pi) * torch.arcsin((2.0 * k / torch.sqrt(a)).clamp(-1.0, 1.0))
        return t, (4.0 / math.pi) / torch.sqrt((a - 4.0 * k * k).clamp_min(torch.finfo(k.dtype).tiny))
    return k.clone(), torch.ones_like(k)


def _scatter(outK, outT, I, J, n1: int, n2: int, same: bool):
    """The (n1, n2) kernel matrices from their entries at (I, J), mirrored where A is B (``same``:
    only one triangle was computed); ``outT`` None where the NTK was not asked for."""
    K = np.empty((n1, n2))
    theta = None if outT is None else np.empty((n1, n2))
    K[I, J] = outK
    if theta is not None:
        theta[I, J] = outT
    if same:
        K[J, I] = outK
        if theta is not None:
            theta[J, I] = outT
    return K, theta


def pooled_torch(A, B, var_a, var_b, depth, activation, sw2, sb2, F, ntk, *, readout="gap", device=None,
                 dtype=None, block_entries=4_000_000, progress=None):
    """The same kernels as :func:`pooled_numba` by torch tensor operations on ``device`` (e.g.
    "cuda"): a block of image pairs at a time holds the whole position-pair tensor,
    (pairs, H, W, H, W), with ``block_entries`` numbers per tensor bounding the memory.

    ``dtype`` (a torch dtype, default float64) is the precision of the recursion; the results are
    returned as float64 numpy arrays. Returns K, Θ (n1, n2) (symmetric when B is A).
    """
    import torch

    dtype = getattr(torch, _precision(dtype))
    device = torch.device("cpu" if device is None else device)
    same = B is A
    n1, n2 = len(A), len(B)
    C, H, W = A.shape[1:]
    P = H * W
    tA = torch.as_tensor(np.asarray(A), dtype=dtype, device=device)
    tB = tA if same else torch.as_tensor(np.asarray(B), dtype=dtype, device=device)
    vA = [torch.as_tensor(v, dtype=dtype, device=device) for v in var_a]
    vB = vA if same else [torch.as_tensor(v, dtype=dtype, device=device) for v in var_b]
    I, J = np.tril_indices(n1) if same else np.divmod(np.arange(n1 * n2), n2)
    outK, outT = np.empty(len(I)), np.empty(len(I))
    step = max(1, block_entries // (P * P))
    eye = torch.eye(P, dtype=torch.bool, device=device).reshape(H, W, H, W)
    for start in range(0, len(I), step):
        i = torch.as_tensor(I[start:start + step], device=device)
        j = torch.as_tensor(J[start:start + step], device=device)
        k = torch.einsum("bcpq,bcrs->bpqrs", tA[i], tB[j])
        k = sw2 / (C * F * F) * _box(k, F) + sb2
        exact = (i == j)[:, None, None, None, None] & eye if same else None
        th = k.clone() if ntk else None
        for layer in range(depth):
            va = vA[layer][i][:, :, :, None, None]
            vb = vB[layer][j][:, None, None, :, :]
            t, dt = _torch_dual(torch, activation, k, va, vb, exact)
            if layer < depth - 1:
                k = sw2 / (F * F) * _box(t, F) + sb2
                if ntk:
                    th = k + sw2 / (F * F) * _box(dt * th, F)
        if readout == "flatten":
            t = torch.diagonal(t.reshape(-1, P, P), dim1=1, dim2=2)
            d = torch.diagonal((dt * th).reshape(-1, P, P), dim1=1, dim2=2) if ntk else None
        else:
            d = dt * th if ntk else None
        kk = sw2 * t.reshape(len(i), -1).mean(dim=1) + sb2
        outK[start:start + step] = kk.double().cpu().numpy()
        if ntk:
            outT[start:start + step] = (kk + sw2 * d.reshape(len(i), -1).mean(dim=1)).double().cpu().numpy()
        if progress is not None:
            progress.update(len(i))
    return _scatter(outK, outT if ntk else None, I, J, n1, n2, same)
