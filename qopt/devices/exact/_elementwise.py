"""Element-wise numba kernels of the exact simulator: expectation values and products with a
diagonal, the XY-mixer two-qubit rotation and its overlap, the Dicke-ladder basis change, and the
cost diagonal's row builder.

States use the split layout of :mod:`qopt.devices.exact._kernels` (``S[0]`` real, ``S[1]``
imaginary parts, shape (2, 2**n)) unless a kernel's name ends in ``_c`` (complex128). Every kernel
comes as ``*_rng`` (one contiguous index range) and ``*_par`` (the range split over ``nchunks``
threads with ``numba.prange``).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

__all__ = ["energy_rows", "PARALLEL_MIN_BITS"]

#: States with fewer than 2**PARALLEL_MIN_BITS amplitudes run on one thread.
PARALLEL_MIN_BITS = 18

# reassoc lets LLVM vectorise the gradient/expectation reductions (sums in a
# different order: results move by ~1e-16 relative); contract allows FMA.
_NB = dict(cache=True, nogil=True, fastmath={"reassoc", "contract", "nsz"}, error_model="numpy")


# --------------------------------------------------------------------------
# elementwise helpers (split layout unless named _c)
# --------------------------------------------------------------------------
@njit(**_NB)
def _expect_rng(re, im, diag, a0, a1):
    a = 0.0
    for i in range(a0, a1):
        a += (re[i] * re[i] + im[i] * im[i]) * diag[i]
    return a


@njit(parallel=True, **_NB)
def _expect_par(re, im, diag, nchunks):
    N = re.size
    per = (N + nchunks - 1) // nchunks
    parts = np.zeros(nchunks)
    for c in prange(nchunks):
        parts[c] = _expect_rng(re, im, diag, c * per, min(N, (c + 1) * per))
    return parts.sum()


@njit(**_NB)
def _mul_diag_rng(re, im, diag, orr, oi, a0, a1):
    a = 0.0
    for i in range(a0, a1):
        d = diag[i]
        xr = re[i]
        xi = im[i]
        orr[i] = xr * d
        oi[i] = xi * d
        a += (xr * xr + xi * xi) * d
    return a


@njit(parallel=True, **_NB)
def _mul_diag_par(re, im, diag, orr, oi, nchunks):
    N = re.size
    per = (N + nchunks - 1) // nchunks
    parts = np.zeros(nchunks)
    for c in prange(nchunks):
        parts[c] = _mul_diag_rng(re, im, diag, orr, oi, c * per, min(N, (c + 1) * per))
    return parts.sum()


@njit(**_NB)
def _expect_c_rng(psi, diag, a0, a1):
    a = 0.0
    for i in range(a0, a1):
        z = psi[i]
        a += (z.real * z.real + z.imag * z.imag) * diag[i]
    return a


@njit(parallel=True, **_NB)
def _expect_c_par(psi, diag, nchunks):
    N = psi.size
    per = (N + nchunks - 1) // nchunks
    parts = np.zeros(nchunks)
    for c in prange(nchunks):
        parts[c] = _expect_c_rng(psi, diag, c * per, min(N, (c + 1) * per))
    return parts.sum()


@njit(inline="always", **_NB)
def _pair_base(t, lo, hi):
    """The t-th index with bits lo < hi both 0 (t counts the 2**(n-2) such indices in order)."""
    i = ((t >> lo) << (lo + 1)) | (t & ((1 << lo) - 1))
    return ((i >> hi) << (hi + 1)) | (i & ((1 << hi) - 1))


@njit(**_NB)
def _xy_rng(re, im, t0, t1, pj, pk, c, sn):
    lo = min(pj, pk)
    hi = max(pj, pk)
    mj = 1 << pj
    mk = 1 << pk
    for t in range(t0, t1):
        i = _pair_base(t, lo, hi)
        a = i | mk  # bit pj = 0, bit pk = 1
        b = i | mj
        xr = re[a]
        xi = im[a]
        yr = re[b]
        yi = im[b]
        re[a] = c * xr + sn * yi
        im[a] = c * xi - sn * yr
        re[b] = c * yr + sn * xi
        im[b] = c * yi - sn * xr


@njit(parallel=True, **_NB)
def _xy_par(re, im, n4, nchunks, pj, pk, c, sn):
    per = (n4 + nchunks - 1) // nchunks
    for ch in prange(nchunks):
        _xy_rng(re, im, ch * per, min(n4, (ch + 1) * per), pj, pk, c, sn)


@njit(**_NB)
def _xy_overlap_rng(lr, li, pr, pi, t0, t1, pj, pk):
    lo = min(pj, pk)
    hi = max(pj, pk)
    mj = 1 << pj
    mk = 1 << pk
    acc = 0.0
    for t in range(t0, t1):
        i = _pair_base(t, lo, hi)
        a = i | mk
        b = i | mj
        acc += lr[a] * pi[b] - li[a] * pr[b] + lr[b] * pi[a] - li[b] * pr[a]
    return acc


@njit(parallel=True, **_NB)
def _xy_overlap_par(lr, li, pr, pi, n4, nchunks, pj, pk):
    per = (n4 + nchunks - 1) // nchunks
    parts = np.zeros(nchunks)
    for ch in prange(nchunks):
        parts[ch] = _xy_overlap_rng(lr, li, pr, pi, ch * per, min(n4, (ch + 1) * per), pj, pk)
    return parts.sum()


@njit(**_NB)
def _ladder_rng(sr, si, dr, di, n, inverse, y0, y1):
    for y in range(y0, y1):
        if inverse:
            x = y
            sh = 1
            while sh < n:
                x ^= x >> sh
                sh <<= 1
        else:
            x = y ^ (y >> 1)
        dr[y] = sr[x]
        di[y] = si[x]


@njit(parallel=True, **_NB)
def _ladder_par(sr, si, dr, di, n, inverse, nchunks):
    """Forward: dst[y] = src[gray(y)]; inverse: dst[x] = src[inverse_gray(x)]."""
    N = sr.size
    per = (N + nchunks - 1) // nchunks
    for c in prange(nchunks):
        _ladder_rng(sr, si, dr, di, n, inverse, c * per, min(N, (c + 1) * per))


# --------------------------------------------------------------------------
# cost diagonal
# --------------------------------------------------------------------------
@njit(**_NB)
def _energy_rows(out, e_h, e_l, c, h0, h1, nl):
    """out[h * 2**nl + l] = e_h[h] + e_l[l] + sum_k c[h, k] bit_k(l), bit k = qubit nl-1-k of L.

    The subset sums of c[h] are built by doubling (2**nl adds per row)."""
    L = 1 << nl
    t = np.empty(L)
    for h in range(h0, h1):
        t[0] = e_h[h]
        for k in range(nl):
            w = c[h, nl - 1 - k]
            m = 1 << k
            for x in range(m):
                t[m + x] = t[x] + w
        o = h * L
        for x in range(L):
            out[o + x] = t[x] + e_l[x]


@njit(parallel=True, **_NB)
def _energy_rows_par(out, e_h, e_l, c, nl, nchunks):
    H = e_h.size
    per = (H + nchunks - 1) // nchunks
    for ch in prange(nchunks):
        _energy_rows(out, e_h, e_l, c, ch * per, min(H, (ch + 1) * per), nl)


def energy_rows(e_h: np.ndarray, e_l: np.ndarray, c: np.ndarray, nl: int) -> np.ndarray:
    """The diagonal from its high/low split (see qopt.devices.exact.diagonal)."""
    out = np.empty(e_h.size << nl)
    nch = _nchunks(out.size)
    if nch == 1:
        _energy_rows(out, e_h, e_l, c, 0, e_h.size, nl)
    else:
        _energy_rows_par(out, e_h, e_l, np.ascontiguousarray(c), nl, min(nch, e_h.size))
    return out


def _nchunks(N: int) -> int:
    """Chunks to split N amplitudes into: 1 below 2**PARALLEL_MIN_BITS, else 8 per thread."""
    if N < (1 << PARALLEL_MIN_BITS):
        return 1
    return 8 * numba.get_num_threads()
