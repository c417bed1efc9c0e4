"""Fused, cache-blocked numba kernels of the exact simulator (the fast backend).

Layout. A state of 2**n complex128 amplitudes; bit position ``pos = n-1-q``
holds qubit q. One QAOA layer is two sweeps over the state:

1. *low sweep*: for each contiguous block of 2**K amplitudes (K =
   :data:`BLOCK_BITS`, 256 KiB, resident in the 1 MiB L2), multiply by the
   phase ``exp(-i gamma C)`` (a per-layer lookup table when C is integer with
   a small range, else cos/sin per amplitude), then apply the single-qubit
   gates of bit positions 0..K-1 in place;
2. *high sweep*: for bit positions >= K, gather tiles of 2**H rows x W
   contiguous amplitudes (whole cache lines) into a thread-local buffer, apply
   the gates of those H positions there, scatter back.

The adjoint step runs the same sweeps backwards on the state and the
back-propagated vector together, accumulating <lam|G_q|phi> and
<lam|C|phi> on the fly. Sweeps are split over threads with ``numba.prange``
when the state has at least 2**:data:`PARALLEL_MIN_BITS` amplitudes.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import njit, prange

__all__ = ["BACKEND", "BLOCK_BITS", "PARALLEL_MIN_BITS"]

BLOCK_BITS = 14
PARALLEL_MIN_BITS = 18
_TABLE_MAX = 1 << 16

_NB = dict(cache=True, nogil=True, fastmath=False, error_model="numpy")

# phase kinds
_PH_TABLE, _PH_FLOAT, _PH_NONE = 0, 1, 2


# --------------------------------------------------------------------------
# butterflies
# --------------------------------------------------------------------------
@njit(**_NB)
def _bfly(x, off, size, s, u00, u01, u10, u11):
    for base in range(off, off + size, 2 * s):
        for j in range(base, base + s):
            a = x[j]
            b = x[j + s]
            x[j] = u00 * a + u01 * b
            x[j + s] = u10 * a + u11 * b


@njit(**_NB)
def _bfly_x(x, off, size, s, c, sn):
    """exp(-i beta X): a' = c a - i s b, b' = c b - i s a (c = cos beta, sn = sin beta)."""
    for base in range(off, off + size, 2 * s):
        for j in range(base, base + s):
            a = x[j]
            b = x[j + s]
            x[j] = complex(c * a.real + sn * b.imag, c * a.imag - sn * b.real)
            x[j + s] = complex(c * b.real + sn * a.imag, c * b.imag - sn * a.real)


@njit(**_NB)
def _gate(x, off, size, s, u, xk):
    if xk:
        _bfly_x(x, off, size, s, u[0, 0].real, -u[0, 1].imag)
    else:
        _bfly(x, off, size, s, u[0, 0], u[0, 1], u[1, 0], u[1, 1])


@njit(**_NB)
def _overlap(lam, phi, off, size, s, g):
    """sum over pairs of conj(l) (G p) for the 2x2 generator g on stride s."""
    acc = 0j
    g00, g01, g10, g11 = g[0, 0], g[0, 1], g[1, 0], g[1, 1]
    for base in range(off, off + size, 2 * s):
        for j in range(base, base + s):
            pa = phi[j]
            pb = phi[j + s]
            acc += lam[j].conjugate() * (g00 * pa + g01 * pb) + lam[j + s].conjugate() * (g10 * pa + g11 * pb)
    return acc


@njit(**_NB)
def _phase(x, off, size, kind, idx, table, fdiag, gamma):
    if kind == _PH_TABLE:
        for i in range(off, off + size):
            x[i] *= table[idx[i]]
    elif kind == _PH_FLOAT:
        for i in range(off, off + size):
            ph = -gamma * fdiag[i]
            x[i] *= complex(math.cos(ph), math.sin(ph))


# --------------------------------------------------------------------------
# forward sweeps
# --------------------------------------------------------------------------
@njit(**_NB)
def _low_fwd_chunk(psi, b0, b1, K, kind, idx, table, fdiag, gamma, pos, us, xk):
    B = 1 << K
    for blk in range(b0, b1):
        off = blk * B
        _phase(psi, off, B, kind, idx, table, fdiag, gamma)
        for k in range(pos.size):
            _gate(psi, off, B, 1 << pos[k], us[k], xk[k])


@njit(parallel=True, **_NB)
def _low_fwd_par(psi, nblocks, nchunks, K, kind, idx, table, fdiag, gamma, pos, us, xk):
    per = (nblocks + nchunks - 1) // nchunks
    for c in prange(nchunks):
        _low_fwd_chunk(psi, c * per, min(nblocks, (c + 1) * per), K, kind, idx, table, fdiag,
                       gamma, pos, us, xk)


@njit(**_NB)
def _high_fwd_chunk(psi, t0, t1, s, H, W, rel, us, xk, buf):
    R = 1 << H
    nlo = (1 << s) // W
    for t in range(t0, t1):
        hi = t // nlo
        base = (hi << (s + H)) + (t - hi * nlo) * W
        for h in range(R):
            src = base + (h << s)
            for j in range(W):
                buf[h * W + j] = psi[src + j]
        for k in range(rel.size):
            _gate(buf, 0, R * W, W << rel[k], us[k], xk[k])
        for h in range(R):
            dst = base + (h << s)
            for j in range(W):
                psi[dst + j] = buf[h * W + j]


@njit(parallel=True, **_NB)
def _high_fwd_par(psi, ntiles, nchunks, s, H, W, rel, us, xk):
    per = (ntiles + nchunks - 1) // nchunks
    for c in prange(nchunks):
        buf = np.empty((1 << H) * W, dtype=np.complex128)
        _high_fwd_chunk(psi, c * per, min(ntiles, (c + 1) * per), s, H, W, rel, us, xk, buf)


# --------------------------------------------------------------------------
# backward sweeps (adjoint): rewind phi and lam, accumulate overlaps
# --------------------------------------------------------------------------
@njit(**_NB)
def _high_bwd_chunk(phi, lam, t0, t1, s, H, W, rel, uds, xk, gens, bp, bl, acc):
    R = 1 << H
    nlo = (1 << s) // W
    for t in range(t0, t1):
        hi = t // nlo
        base = (hi << (s + H)) + (t - hi * nlo) * W
        for h in range(R):
            src = base + (h << s)
            for j in range(W):
                bp[h * W + j] = phi[src + j]
                bl[h * W + j] = lam[src + j]
        for k in range(rel.size):
            st = W << rel[k]
            acc[k] += _overlap(bl, bp, 0, R * W, st, gens[k])
            _gate(bp, 0, R * W, st, uds[k], xk[k])
            _gate(bl, 0, R * W, st, uds[k], xk[k])
        for h in range(R):
            dst = base + (h << s)
            for j in range(W):
                phi[dst + j] = bp[h * W + j]
                lam[dst + j] = bl[h * W + j]


@njit(parallel=True, **_NB)
def _high_bwd_par(phi, lam, ntiles, nchunks, s, H, W, rel, uds, xk, gens, accs):
    per = (ntiles + nchunks - 1) // nchunks
    for c in prange(nchunks):
        bp = np.empty((1 << H) * W, dtype=np.complex128)
        bl = np.empty((1 << H) * W, dtype=np.complex128)
        _high_bwd_chunk(phi, lam, c * per, min(ntiles, (c + 1) * per), s, H, W, rel, uds, xk,
                        gens, bp, bl, accs[c])


@njit(**_NB)
def _low_bwd_chunk(phi, lam, b0, b1, K, kind, idx, table, fdiag, offset, gamma, pos, uds, xk,
                   gens, acc):
    """acc[:m] += <lam|G|phi> per low position, acc[m] += <lam|C|phi>."""
    B = 1 << K
    m = pos.size
    for blk in range(b0, b1):
        off = blk * B
        for k in range(m - 1, -1, -1):
            st = 1 << pos[k]
            acc[k] += _overlap(lam, phi, off, B, st, gens[k])
            _gate(phi, off, B, st, uds[k], xk[k])
            _gate(lam, off, B, st, uds[k], xk[k])
        if kind == _PH_TABLE:
            a = 0j
            for i in range(off, off + B):
                e = idx[i]
                pl = lam[i].conjugate() * phi[i]
                a += pl * (offset + e)
                ph = table[e]
                phi[i] *= ph
                lam[i] *= ph
            acc[m] += a
        elif kind == _PH_FLOAT:
            a = 0j
            for i in range(off, off + B):
                e = fdiag[i]
                a += lam[i].conjugate() * phi[i] * e
                ph = complex(math.cos(gamma * e), math.sin(gamma * e))
                phi[i] *= ph
                lam[i] *= ph
            acc[m] += a


@njit(parallel=True, **_NB)
def _low_bwd_par(phi, lam, nblocks, nchunks, K, kind, idx, table, fdiag, offset, gamma, pos, uds,
                 xk, gens, accs):
    per = (nblocks + nchunks - 1) // nchunks
    for c in prange(nchunks):
        _low_bwd_chunk(phi, lam, c * per, min(nblocks, (c + 1) * per), K, kind, idx, table, fdiag,
                       offset, gamma, pos, uds, xk, gens, accs[c])


# --------------------------------------------------------------------------
# elementwise helpers
# --------------------------------------------------------------------------
@njit(parallel=True, **_NB)
def _expect_par(psi, diag, nchunks):
    N = psi.size
    per = (N + nchunks - 1) // nchunks
    parts = np.zeros(nchunks)
    for c in prange(nchunks):
        a = 0.0
        for i in range(c * per, min(N, (c + 1) * per)):
            z = psi[i]
            a += (z.real * z.real + z.imag * z.imag) * diag[i]
        parts[c] = a
    return parts.sum()


@njit(parallel=True, **_NB)
def _mul_diag_par(psi, diag, out, nchunks):
    N = psi.size
    per = (N + nchunks - 1) // nchunks
    parts = np.zeros(nchunks)
    for c in prange(nchunks):
        a = 0.0
        for i in range(c * per, min(N, (c + 1) * per)):
            z = psi[i]
            d = diag[i]
            out[i] = z * d
            a += (z.real * z.real + z.imag * z.imag) * d
        parts[c] = a
    return parts.sum()


@njit(**_NB)
def _expect_ser(psi, diag):
    a = 0.0
    for i in range(psi.size):
        z = psi[i]
        a += (z.real * z.real + z.imag * z.imag) * diag[i]
    return a


@njit(**_NB)
def _mul_diag_ser(psi, diag, out):
    a = 0.0
    for i in range(psi.size):
        z = psi[i]
        d = diag[i]
        out[i] = z * d
        a += (z.real * z.real + z.imag * z.imag) * d
    return a


@njit(parallel=True, **_NB)
def _xy_par(psi, n4, pj, pk, c, sn):
    lo = min(pj, pk)
    hi = max(pj, pk)
    mj = 1 << pj
    mk = 1 << pk
    for t in prange(n4):
        # insert zero bits at lo and hi
        i = ((t >> lo) << (lo + 1)) | (t & ((1 << lo) - 1))
        i = ((i >> hi) << (hi + 1)) | (i & ((1 << hi) - 1))
        a = i | mk  # qubit j (bit pj) = 0, qubit k (bit pk) = 1
        b = i | mj
        x = psi[a]
        y = psi[b]
        psi[a] = complex(c * x.real + sn * y.imag, c * x.imag - sn * y.real)
        psi[b] = complex(c * y.real + sn * x.imag, c * y.imag - sn * x.real)


@njit(parallel=True, **_NB)
def _xy_overlap_par(lam, phi, n4, pj, pk, nchunks):
    lo = min(pj, pk)
    hi = max(pj, pk)
    mj = 1 << pj
    mk = 1 << pk
    per = (n4 + nchunks - 1) // nchunks
    parts = np.zeros(nchunks, dtype=np.complex128)
    for c in prange(nchunks):
        acc = 0j
        for t in range(c * per, min(n4, (c + 1) * per)):
            i = ((t >> lo) << (lo + 1)) | (t & ((1 << lo) - 1))
            i = ((i >> hi) << (hi + 1)) | (i & ((1 << hi) - 1))
            a = i | mk
            b = i | mj
            acc += lam[a].conjugate() * phi[b] + lam[b].conjugate() * phi[a]
        parts[c] = acc
    return parts.sum()


@njit(parallel=True, **_NB)
def _ladder_par(src, dst, n, inverse):
    """Forward: dst[y] = src[gray(y)]; inverse: dst[x] = src[inverse_gray(x)]."""
    N = src.size
    for y in prange(N):
        if inverse:
            x = y
            sh = 1
            while sh < n:
                x ^= x >> sh
                sh <<= 1
            dst[y] = src[x]
        else:
            dst[y] = src[y ^ (y >> 1)]


# --------------------------------------------------------------------------
# the backend object used by qopt.devices.exact.qaoa / hea
# --------------------------------------------------------------------------
class _Prepared:
    """A cost diagonal ready for the phase kernels: uint16 table index or float."""

    __slots__ = ("kind", "idx", "offset", "fdiag", "idx_max")

    def __init__(self, kind, idx, offset, fdiag, idx_max):
        self.kind, self.idx, self.offset, self.fdiag, self.idx_max = kind, idx, offset, fdiag, idx_max


_DUMMY_U16 = np.zeros(1, dtype=np.uint16)
_DUMMY_C = np.zeros(1, dtype=np.complex128)
_DUMMY_F = np.zeros(1)


def _nchunks(N: int) -> int:
    if N < (1 << PARALLEL_MIN_BITS):
        return 1
    return 4 * numba.get_num_threads()


def _split_gates(n, us, active):
    """Per bit position (ascending), the active gates: (positions, matrices, x-kind flags)."""
    qs = [q for q in range(n - 1, -1, -1) if active[q]]
    pos = np.array([n - 1 - q for q in qs], dtype=np.int64)
    if qs:
        u = np.ascontiguousarray(us[qs], dtype=np.complex128)
    else:
        u = np.zeros((0, 2, 2), dtype=np.complex128)
    xk = np.array([bool(abs(m[0, 0].imag) == 0 and m[0, 0] == m[1, 1] and m[0, 1] == m[1, 0]
                        and m[0, 1].real == 0) for m in u], dtype=np.bool_)
    return pos, u, xk


def _high_groups(n: int, K: int):
    """Bit-position groups above K: (start s, width H, tile width W)."""
    out = []
    s = K
    hmax = BLOCK_BITS - 2
    while s < n:
        H = min(hmax, n - s)
        W = min(1 << s, max(4, 1 << (BLOCK_BITS - H)))
        out.append((s, H, W))
        s += H
    return out


class NumbaBackend:
    """Backend interface of qopt.devices.exact.qaoa (see _NumpyBackend there)."""

    name = "numba"

    @staticmethod
    def prepare(diag: np.ndarray) -> _Prepared:
        lo = float(diag.min())
        hi = float(diag.max())
        if hi - lo < _TABLE_MAX and lo == math.floor(lo):
            r = diag - lo
            idx = r.astype(np.uint16)
            if np.array_equal(idx, r):
                return _Prepared(_PH_TABLE, idx, lo, _DUMMY_F, int(hi - lo))
        return _Prepared(_PH_FLOAT, _DUMMY_U16, 0.0, diag, 0)

    @staticmethod
    def expectation(psi: np.ndarray, diag: np.ndarray) -> float:
        if psi.size < (1 << PARALLEL_MIN_BITS):
            return float(_expect_ser(psi, diag))
        return float(_expect_par(psi, diag, _nchunks(psi.size)))

    @staticmethod
    def mul_diag(psi: np.ndarray, diag: np.ndarray, out: np.ndarray) -> float:
        if psi.size < (1 << PARALLEL_MIN_BITS):
            return float(_mul_diag_ser(psi, diag, out))
        return float(_mul_diag_par(psi, diag, out, _nchunks(psi.size)))

    @staticmethod
    def forward_layer(psi, n, prepared, gamma, us, active) -> None:
        _sweeps_fwd(psi, n, prepared, gamma, us, active)

    @staticmethod
    def gate_layer(psi, n, us, active) -> None:
        _sweeps_fwd(psi, n, None, 0.0, us, active)

    @staticmethod
    def backward_layer(phi, lam, n, prepared, gamma, us, gens, active):
        return _sweeps_bwd(phi, lam, n, prepared, gamma, us, gens, active)

    @staticmethod
    def gate_layer_backward(phi, lam, n, us, gens, active):
        return _sweeps_bwd(phi, lam, n, None, 0.0, us, gens, active)[1]

    @staticmethod
    def apply_xy(psi, n, j, k, beta) -> None:
        _xy_par(psi, psi.size >> 2, n - 1 - j, n - 1 - k, math.cos(beta), math.sin(beta))

    @staticmethod
    def xy_overlap(lam, phi, n, j, k) -> complex:
        return complex(_xy_overlap_par(lam, phi, phi.size >> 2, n - 1 - j, n - 1 - k,
                                       _nchunks(phi.size)))

    @staticmethod
    def ladder(src, dst, n, inverse) -> None:
        _ladder_par(src, dst, n, inverse)


def _phase_args(prep, gamma):
    if prep is None:
        return _PH_NONE, _DUMMY_U16, _DUMMY_C, _DUMMY_F, 0.0
    if prep.kind == _PH_TABLE:
        table = np.exp(-1j * gamma * (prep.offset + np.arange(prep.idx_max + 1)))
        return _PH_TABLE, prep.idx, table, _DUMMY_F, prep.offset
    return _PH_FLOAT, _DUMMY_U16, _DUMMY_C, prep.fdiag, 0.0


def _sweeps_fwd(psi, n, prep, gamma, us, active) -> None:
    N = psi.size
    K = min(n, BLOCK_BITS)
    kind, idx, table, fdiag, _ = _phase_args(prep, gamma)
    pos, u, xk = _split_gates(n, us, active)
    low = pos < K
    nch = _nchunks(N)
    nblocks = N >> K
    if nch == 1:
        _low_fwd_chunk(psi, 0, nblocks, K, kind, idx, table, fdiag, gamma, pos[low], u[low], xk[low])
    else:
        _low_fwd_par(psi, nblocks, min(nch, nblocks), K, kind, idx, table, fdiag, gamma, pos[low],
                     u[low], xk[low])
    for s, H, W in _high_groups(n, K):
        sel = (pos >= s) & (pos < s + H)
        if not sel.any():
            continue
        ntiles = (N >> (s + H)) * ((1 << s) // W)
        rel = pos[sel] - s
        if nch == 1:
            buf = np.empty((1 << H) * W, dtype=np.complex128)
            _high_fwd_chunk(psi, 0, ntiles, s, H, W, rel, u[sel], xk[sel], buf)
        else:
            _high_fwd_par(psi, ntiles, min(nch, ntiles), s, H, W, rel, u[sel], xk[sel])


def _sweeps_bwd(phi, lam, n, prep, gamma, us, gens, active):
    N = phi.size
    K = min(n, BLOCK_BITS)
    kind, idx, table, fdiag, offset = _phase_args(prep, -gamma)
    pos, ud, xk = _split_gates(n, np.conj(np.swapaxes(us, 1, 2)), active)
    qs = n - 1 - pos
    g = np.ascontiguousarray(gens[qs], dtype=np.complex128) if pos.size else np.zeros((0, 2, 2), np.complex128)
    gq = np.zeros(n)
    nch = _nchunks(N)
    for s, H, W in reversed(_high_groups(n, K)):
        sel = (pos >= s) & (pos < s + H)
        if not sel.any():
            continue
        ntiles = (N >> (s + H)) * ((1 << s) // W)
        rel = pos[sel] - s
        if nch == 1:
            acc = np.zeros((1, int(sel.sum())), dtype=np.complex128)
            bp = np.empty((1 << H) * W, dtype=np.complex128)
            bl = np.empty((1 << H) * W, dtype=np.complex128)
            _high_bwd_chunk(phi, lam, 0, ntiles, s, H, W, rel, ud[sel], xk[sel], g[sel], bp, bl, acc[0])
        else:
            c = min(nch, ntiles)
            acc = np.zeros((c, int(sel.sum())), dtype=np.complex128)
            _high_bwd_par(phi, lam, ntiles, c, s, H, W, rel, ud[sel], xk[sel], g[sel], acc)
        gq[qs[sel]] = 2.0 * acc.sum(axis=0).imag
    low = pos < K
    m = int(low.sum())
    nblocks = N >> K
    if nch == 1:
        acc = np.zeros((1, m + 1), dtype=np.complex128)
        _low_bwd_chunk(phi, lam, 0, nblocks, K, kind, idx, table, fdiag, offset, gamma, pos[low],
                       ud[low], xk[low], g[low], acc[0])
    else:
        c = min(nch, nblocks)
        acc = np.zeros((c, m + 1), dtype=np.complex128)
        _low_bwd_par(phi, lam, nblocks, c, K, kind, idx, table, fdiag, offset, gamma, pos[low],
                     ud[low], xk[low], g[low], acc)
    tot = acc.sum(axis=0)
    gq[qs[low]] = 2.0 * tot[:m].imag
    return 2.0 * float(tot[m].imag), gq


BACKEND = NumbaBackend
