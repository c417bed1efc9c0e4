"""Fused, cache-blocked numba kernels of the exact simulator (the fast backend).

Layout. The backend's state is a float64 array ``S`` of shape (2, 2**n): real
parts in ``S[0]``, imaginary parts in ``S[1]`` (split layout, so butterflies
are plain SIMD multiply-adds; the public API converts to complex128 only when
a state is returned). Bit position ``pos = n-1-q`` holds qubit q. One QAOA
layer is two sweeps over the state:

1. *low sweep*: for each contiguous block of 2**K amplitudes (K =
   :data:`BLOCK_BITS`; 256 KiB, resident in the 1 MiB L2) multiply by the
   phase ``exp(-i gamma C)`` (a per-layer table indexed by a uint16 diagonal
   when C is integer with range < 65536, else cos/sin per amplitude), apply
   the gates of bit positions < :data:`L1_BITS` per 16 KiB sub-block (L1),
   then those of positions L1_BITS..K-1 on the block;
2. *high sweep*: for bit positions >= K, gather tiles of 2**H rows x W
   contiguous amplitudes into a thread-local buffer, apply the gates of
   those H positions there, scatter back.

The adjoint step runs the same sweeps backwards on the state and the
back-propagated vector together; the gradient terms Im <lam|G_q|phi> and
Im <lam|C|phi> are accumulated in the same loops that rewind the gates.
The checkpointed adjoint step (:func:`_sweeps_bwd_ck`) rewinds only lam and
reads the states stored by the forward pass for the overlaps.
Sweeps are split over threads with ``numba.prange`` when the state has at
least 2**:data:`PARALLEL_MIN_BITS` amplitudes.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import njit, prange

__all__ = ["BACKEND", "BLOCK_BITS", "L1_BITS", "PARALLEL_MIN_BITS"]

BLOCK_BITS = 14
L1_BITS = 10
_TABLE_MAX = 1 << 16

from qopt.devices.exact._elementwise import (  # noqa: E402  (numba options and threading shared with them)
    _NB,
    PARALLEL_MIN_BITS,
    _nchunks,
    _expect_rng,
    _expect_par,
    _mul_diag_rng,
    _mul_diag_par,
    _expect_c_rng,
    _expect_c_par,
    _xy_par,
    _xy_overlap_par,
    _ladder_par,
)

# phase kinds
_PH_TABLE, _PH_FLOAT, _PH_NONE = 0, 1, 2
# gate / generator kinds
_K_GEN, _K_X = 0, 1


# --------------------------------------------------------------------------
# gates on (re, im) at stride s inside [off, off + size)
# gate row gp: u00r u00i u01r u01i u10r u10i u11r u11i
# --------------------------------------------------------------------------
@njit(**_NB)
def _gate(re, im, off, size, s, gp, kind):
    if kind == _K_X:
        c = gp[0]
        sn = -gp[3]
        if s >= 4:
            for base in range(off, off + size, 2 * s):
                ar = re[base:base + s]
                ai = im[base:base + s]
                br = re[base + s:base + 2 * s]
                bi = im[base + s:base + 2 * s]
                for j in range(s):
                    xr = ar[j]
                    xi = ai[j]
                    yr = br[j]
                    yi = bi[j]
                    ar[j] = c * xr + sn * yi
                    ai[j] = c * xi - sn * yr
                    br[j] = c * yr + sn * xi
                    bi[j] = c * yi - sn * xr
        else:
            for base in range(off, off + size, 2 * s):
                for j in range(base, base + s):
                    xr = re[j]
                    xi = im[j]
                    yr = re[j + s]
                    yi = im[j + s]
                    re[j] = c * xr + sn * yi
                    im[j] = c * xi - sn * yr
                    re[j + s] = c * yr + sn * xi
                    im[j + s] = c * yi - sn * xr
    else:
        u00r, u00i, u01r, u01i = gp[0], gp[1], gp[2], gp[3]
        u10r, u10i, u11r, u11i = gp[4], gp[5], gp[6], gp[7]
        for base in range(off, off + size, 2 * s):
            ar = re[base:base + s]
            ai = im[base:base + s]
            br = re[base + s:base + 2 * s]
            bi = im[base + s:base + 2 * s]
            for j in range(s):
                xr = ar[j]
                xi = ai[j]
                yr = br[j]
                yi = bi[j]
                ar[j] = u00r * xr - u00i * xi + u01r * yr - u01i * yi
                ai[j] = u00r * xi + u00i * xr + u01r * yi + u01i * yr
                br[j] = u10r * xr - u10i * xi + u11r * yr - u11i * yi
                bi[j] = u10r * xi + u10i * xr + u11r * yi + u11i * yr


@njit(**_NB)
def _gate_bwd(pr, pi, lr, li, off, size, s, gp, kind, g, gkind):
    """Accumulate Im <lam|G|phi> over pairs at stride s, then apply gate gp to both."""
    acc = 0.0
    if gkind == _K_X and kind == _K_X:
        # fused single pass: overlap of X, then the X rotation on phi and lam
        c = gp[0]
        sn = -gp[3]
        if s < 8:
            for base in range(off, off + size, 2 * s):
                for j in range(base, base + s):
                    xr = pr[j]
                    xi = pi[j]
                    yr = pr[j + s]
                    yi = pi[j + s]
                    ur = lr[j]
                    ui = li[j]
                    vr = lr[j + s]
                    vi = li[j + s]
                    acc += ur * yi - ui * yr + vr * xi - vi * xr
                    pr[j] = c * xr + sn * yi
                    pi[j] = c * xi - sn * yr
                    pr[j + s] = c * yr + sn * xi
                    pi[j + s] = c * yi - sn * xr
                    lr[j] = c * ur + sn * vi
                    li[j] = c * ui - sn * vr
                    lr[j + s] = c * vr + sn * ui
                    li[j + s] = c * vi - sn * ur
            return acc
        for base in range(off, off + size, 2 * s):
            par = pr[base:base + s]
            pai = pi[base:base + s]
            pbr = pr[base + s:base + 2 * s]
            pbi = pi[base + s:base + 2 * s]
            lar = lr[base:base + s]
            lai = li[base:base + s]
            lbr = lr[base + s:base + 2 * s]
            lbi = li[base + s:base + 2 * s]
            for j in range(s):
                xr = par[j]
                xi = pai[j]
                yr = pbr[j]
                yi = pbi[j]
                ur = lar[j]
                ui = lai[j]
                vr = lbr[j]
                vi = lbi[j]
                acc += ur * yi - ui * yr + vr * xi - vi * xr
                par[j] = c * xr + sn * yi
                pai[j] = c * xi - sn * yr
                pbr[j] = c * yr + sn * xi
                pbi[j] = c * yi - sn * xr
                lar[j] = c * ur + sn * vi
                lai[j] = c * ui - sn * vr
                lbr[j] = c * vr + sn * ui
                lbi[j] = c * vi - sn * ur
        return acc
    if gkind == _K_X:
        for base in range(off, off + size, 2 * s):
            for j in range(base, base + s):
                # Im(conj(la) pb + conj(lb) pa)
                acc += lr[j] * pi[j + s] - li[j] * pr[j + s] + lr[j + s] * pi[j] - li[j + s] * pr[j]
    else:
        g00r, g00i, g01r, g01i = g[0], g[1], g[2], g[3]
        g10r, g10i, g11r, g11i = g[4], g[5], g[6], g[7]
        for base in range(off, off + size, 2 * s):
            for j in range(base, base + s):
                xr = pr[j]
                xi = pi[j]
                yr = pr[j + s]
                yi = pi[j + s]
                # (G p)_a, (G p)_b
                ar = g00r * xr - g00i * xi + g01r * yr - g01i * yi
                ai = g00r * xi + g00i * xr + g01r * yi + g01i * yr
                br = g10r * xr - g10i * xi + g11r * yr - g11i * yi
                bi = g10r * xi + g10i * xr + g11r * yi + g11i * yr
                acc += lr[j] * ai - li[j] * ar + lr[j + s] * bi - li[j + s] * br
    _gate(pr, pi, off, size, s, gp, kind)
    _gate(lr, li, off, size, s, gp, kind)
    return acc


@njit(**_NB)
def _phase(re, im, off, size, kind, idx, tr, ti, fdiag, gamma):
    if kind == _PH_TABLE:
        for i in range(off, off + size):
            e = idx[i]
            cr = tr[e]
            ci = ti[e]
            xr = re[i]
            xi = im[i]
            re[i] = xr * cr - xi * ci
            im[i] = xr * ci + xi * cr
    elif kind == _PH_FLOAT:
        for i in range(off, off + size):
            ph = -gamma * fdiag[i]
            cr = math.cos(ph)
            ci = math.sin(ph)
            xr = re[i]
            xi = im[i]
            re[i] = xr * cr - xi * ci
            im[i] = xr * ci + xi * cr


# --------------------------------------------------------------------------
# forward sweeps
# --------------------------------------------------------------------------
@njit(**_NB)
def _low_fwd_chunk(re, im, b0, b1, K, L1, kind, idx, tr, ti, fdiag, gamma, pos, gps, kinds):
    B = 1 << K
    S1 = 1 << L1
    m = pos.size
    n1 = 0
    while n1 < m and pos[n1] < L1:
        n1 += 1
    for blk in range(b0, b1):
        off = blk * B
        _phase(re, im, off, B, kind, idx, tr, ti, fdiag, gamma)
        if n1 > 0:
            for sb in range(off, off + B, S1):
                for k in range(n1):
                    _gate(re, im, sb, S1, 1 << pos[k], gps[k], kinds[k])
        for k in range(n1, m):
            _gate(re, im, off, B, 1 << pos[k], gps[k], kinds[k])


@njit(parallel=True, **_NB)
def _low_fwd_par(re, im, nblocks, nchunks, K, L1, kind, idx, tr, ti, fdiag, gamma, pos, gps, kinds):
    per = (nblocks + nchunks - 1) // nchunks
    for c in prange(nchunks):
        _low_fwd_chunk(re, im, c * per, min(nblocks, (c + 1) * per), K, L1, kind, idx, tr, ti,
                       fdiag, gamma, pos, gps, kinds)


@njit(**_NB)
def _gather(re, im, br, bi, base, s, R, W):
    for h in range(R):
        src = base + (h << s)
        o = h * W
        for j in range(W):
            br[o + j] = re[src + j]
            bi[o + j] = im[src + j]


@njit(**_NB)
def _scatter(re, im, br, bi, base, s, R, W):
    for h in range(R):
        dst = base + (h << s)
        o = h * W
        for j in range(W):
            re[dst + j] = br[o + j]
            im[dst + j] = bi[o + j]


@njit(**_NB)
def _high_fwd_chunk(re, im, t0, t1, s, H, W, rel, gps, kinds, br, bi):
    R = 1 << H
    nlo = (1 << s) // W
    for t in range(t0, t1):
        hi = t // nlo
        base = (hi << (s + H)) + (t - hi * nlo) * W
        _gather(re, im, br, bi, base, s, R, W)
        for k in range(rel.size):
            _gate(br, bi, 0, R * W, W << rel[k], gps[k], kinds[k])
        _scatter(re, im, br, bi, base, s, R, W)


@njit(parallel=True, **_NB)
def _high_fwd_par(re, im, ntiles, nchunks, s, H, W, rel, gps, kinds):
    per = (ntiles + nchunks - 1) // nchunks
    for c in prange(nchunks):
        br = np.empty((1 << H) * W)
        bi = np.empty((1 << H) * W)
        _high_fwd_chunk(re, im, c * per, min(ntiles, (c + 1) * per), s, H, W, rel, gps, kinds, br, bi)


# --------------------------------------------------------------------------
# backward sweeps (adjoint): rewind phi and lam, accumulate Im overlaps
# --------------------------------------------------------------------------
@njit(**_NB)
def _lam_tile(bpr, bpi, diag, blr, bli, base, s, R, W):
    """lam tile = D * phi tile (phi already gathered); returns the tile's sum |phi|^2 D."""
    v = 0.0
    for h in range(R):
        src = base + (h << s)
        o = h * W
        for j in range(W):
            d = diag[src + j]
            xr = bpr[o + j]
            xi = bpi[o + j]
            blr[o + j] = xr * d
            bli[o + j] = xi * d
            v += (xr * xr + xi * xi) * d
    return v


@njit(**_NB)
def _high_bwd_chunk(pr, pi, lr, li, t0, t1, s, H, W, rel, gps, kinds, gens, gkinds,
                    bpr, bpi, blr, bli, acc, init, diag):
    """If ``init``, lam is not read but built as D * phi in the tile (acc[-1] += <phi|D|phi>)."""
    R = 1 << H
    nlo = (1 << s) // W
    for t in range(t0, t1):
        hi = t // nlo
        base = (hi << (s + H)) + (t - hi * nlo) * W
        _gather(pr, pi, bpr, bpi, base, s, R, W)
        if init:
            acc[rel.size] += _lam_tile(bpr, bpi, diag, blr, bli, base, s, R, W)
        else:
            _gather(lr, li, blr, bli, base, s, R, W)
        for k in range(rel.size):
            acc[k] += _gate_bwd(bpr, bpi, blr, bli, 0, R * W, W << rel[k], gps[k], kinds[k],
                                gens[k], gkinds[k])
        _scatter(pr, pi, bpr, bpi, base, s, R, W)
        _scatter(lr, li, blr, bli, base, s, R, W)


@njit(parallel=True, **_NB)
def _high_bwd_par(pr, pi, lr, li, ntiles, nchunks, s, H, W, rel, gps, kinds, gens, gkinds, accs,
                  init, diag):
    per = (ntiles + nchunks - 1) // nchunks
    for c in prange(nchunks):
        sz = (1 << H) * W
        bpr = np.empty(sz)
        bpi = np.empty(sz)
        blr = np.empty(sz)
        bli = np.empty(sz)
        _high_bwd_chunk(pr, pi, lr, li, c * per, min(ntiles, (c + 1) * per), s, H, W, rel, gps,
                        kinds, gens, gkinds, bpr, bpi, blr, bli, accs[c], init, diag)


@njit(**_NB)
def _low_bwd_chunk(pr, pi, lr, li, b0, b1, K, L1, kind, idx, tr, ti, fdiag, offset, gamma,
                   pos, gps, kinds, gens, gkinds, acc):
    """acc[:m] += Im <lam|G|phi> per low position, acc[m] += Im <lam|C|phi>; rewinds both."""
    B = 1 << K
    S1 = 1 << L1
    m = pos.size
    n1 = 0
    while n1 < m and pos[n1] < L1:
        n1 += 1
    for blk in range(b0, b1):
        off = blk * B
        for k in range(m - 1, n1 - 1, -1):
            acc[k] += _gate_bwd(pr, pi, lr, li, off, B, 1 << pos[k], gps[k], kinds[k], gens[k],
                                gkinds[k])
        if n1 > 0:
            for sb in range(off, off + B, S1):
                for k in range(n1 - 1, -1, -1):
                    acc[k] += _gate_bwd(pr, pi, lr, li, sb, S1, 1 << pos[k], gps[k], kinds[k],
                                        gens[k], gkinds[k])
        if kind == _PH_TABLE:
            a = 0.0
            for i in range(off, off + B):
                e = idx[i]
                xr = pr[i]
                xi = pi[i]
                yr = lr[i]
                yi = li[i]
                a += (yr * xi - yi * xr) * (offset + e)
                cr = tr[e]
                ci = ti[e]
                pr[i] = xr * cr - xi * ci
                pi[i] = xr * ci + xi * cr
                lr[i] = yr * cr - yi * ci
                li[i] = yr * ci + yi * cr
            acc[m] += a
        elif kind == _PH_FLOAT:
            a = 0.0
            for i in range(off, off + B):
                e = fdiag[i]
                xr = pr[i]
                xi = pi[i]
                yr = lr[i]
                yi = li[i]
                a += (yr * xi - yi * xr) * e
                cr = math.cos(gamma * e)
                ci = math.sin(gamma * e)
                pr[i] = xr * cr - xi * ci
                pi[i] = xr * ci + xi * cr
                lr[i] = yr * cr - yi * ci
                li[i] = yr * ci + yi * cr
            acc[m] += a


@njit(parallel=True, **_NB)
def _low_bwd_par(pr, pi, lr, li, nblocks, nchunks, K, L1, kind, idx, tr, ti, fdiag, offset, gamma,
                 pos, gps, kinds, gens, gkinds, accs):
    per = (nblocks + nchunks - 1) // nchunks
    for c in prange(nchunks):
        _low_bwd_chunk(pr, pi, lr, li, c * per, min(nblocks, (c + 1) * per), K, L1, kind, idx, tr,
                       ti, fdiag, offset, gamma, pos, gps, kinds, gens, gkinds, accs[c])


# --------------------------------------------------------------------------
# checkpointed backward sweeps: only lam is rewound; phi is read from the
# states stored during the forward pass (psi_{l+1} after the layer for the
# high positions, psi_l before it for the phase and the low positions)
# --------------------------------------------------------------------------
@njit(**_NB)
def _ovl(lr, li, pr, pi, off, size, s, g, gkind):
    """Im <lam|G|phi> summed over the pairs at stride s in [off, off + size)."""
    acc = 0.0
    if gkind == _K_X:
        if s >= 8:
            for base in range(off, off + size, 2 * s):
                lar = lr[base:base + s]
                lai = li[base:base + s]
                lbr = lr[base + s:base + 2 * s]
                lbi = li[base + s:base + 2 * s]
                par = pr[base:base + s]
                pai = pi[base:base + s]
                pbr = pr[base + s:base + 2 * s]
                pbi = pi[base + s:base + 2 * s]
                for j in range(s):
                    acc += lar[j] * pbi[j] - lai[j] * pbr[j] + lbr[j] * pai[j] - lbi[j] * par[j]
        else:
            for base in range(off, off + size, 2 * s):
                for j in range(base, base + s):
                    acc += lr[j] * pi[j + s] - li[j] * pr[j + s] + lr[j + s] * pi[j] - li[j + s] * pr[j]
        return acc
    g00r, g00i, g01r, g01i = g[0], g[1], g[2], g[3]
    g10r, g10i, g11r, g11i = g[4], g[5], g[6], g[7]
    for base in range(off, off + size, 2 * s):
        for j in range(base, base + s):
            xr = pr[j]
            xi = pi[j]
            yr = pr[j + s]
            yi = pi[j + s]
            ar = g00r * xr - g00i * xi + g01r * yr - g01i * yi
            ai = g00r * xi + g00i * xr + g01r * yi + g01i * yr
            br = g10r * xr - g10i * xi + g11r * yr - g11i * yi
            bi = g10r * xi + g10i * xr + g11r * yi + g11i * yr
            acc += lr[j] * ai - li[j] * ar + lr[j + s] * bi - li[j + s] * br
    return acc


@njit(**_NB)
def _high_bwd_ck_chunk(lr, li, qr, qi, t0, t1, s, H, W, rel, gps, kinds, gens, gkinds,
                       blr, bli, bqr, bqi, acc, init, diag):
    """High positions of one adjoint step: overlaps of lam with psi_{l+1} (both after
    the layer), then lam is rewound through the gates. With ``init`` lam = D psi_{l+1}
    is built in the tile (acc[-1] += <psi|D|psi>)."""
    R = 1 << H
    nlo = (1 << s) // W
    sz = R * W
    for t in range(t0, t1):
        hi = t // nlo
        base = (hi << (s + H)) + (t - hi * nlo) * W
        _gather(qr, qi, bqr, bqi, base, s, R, W)
        if init:
            acc[rel.size] += _lam_tile(bqr, bqi, diag, blr, bli, base, s, R, W)
        else:
            _gather(lr, li, blr, bli, base, s, R, W)
        for k in range(rel.size):
            acc[k] += _ovl(blr, bli, bqr, bqi, 0, sz, W << rel[k], gens[k], gkinds[k])
        for k in range(rel.size - 1, -1, -1):
            _gate(blr, bli, 0, sz, W << rel[k], gps[k], kinds[k])
        _scatter(lr, li, blr, bli, base, s, R, W)


@njit(parallel=True, **_NB)
def _high_bwd_ck_par(lr, li, qr, qi, ntiles, nchunks, s, H, W, rel, gps, kinds, gens, gkinds,
                     accs, init, diag):
    per = (ntiles + nchunks - 1) // nchunks
    for c in prange(nchunks):
        sz = (1 << H) * W
        blr = np.empty(sz)
        bli = np.empty(sz)
        bqr = np.empty(sz)
        bqi = np.empty(sz)
        _high_bwd_ck_chunk(lr, li, qr, qi, c * per, min(ntiles, (c + 1) * per), s, H, W, rel, gps,
                           kinds, gens, gkinds, blr, bli, bqr, bqi, accs[c], init, diag)


@njit(**_NB)
def _low_bwd_ck_chunk(lr, li, qr, qi, plus, b0, b1, K, L1, kind, idx, tr, ti, fdiag, offset,
                      gamma, pos, gps, kinds, gens, gkinds, acc, cr, ci):
    """Low positions and phase of one adjoint step. Per block: rewind lam through the
    low gates (lam is then at the start of the mixer), chi = exp(-i gamma C) psi_l in
    the scratch (cr, ci) (psi_l = ``plus`` everywhere when plus != 0), acc[k] +=
    Im <lam|G_k|chi>, acc[m] += Im <lam|C|chi>, and lam <- exp(+i gamma C) lam."""
    B = 1 << K
    S1 = 1 << L1
    m = pos.size
    n1 = 0
    while n1 < m and pos[n1] < L1:
        n1 += 1
    for blk in range(b0, b1):
        off = blk * B
        for k in range(m - 1, n1 - 1, -1):
            _gate(lr, li, off, B, 1 << pos[k], gps[k], kinds[k])
        if n1 > 0:
            for sb in range(off, off + B, S1):
                for k in range(n1 - 1, -1, -1):
                    _gate(lr, li, sb, S1, 1 << pos[k], gps[k], kinds[k])
        if plus != 0.0:
            for i in range(B):
                cr[i] = plus
                ci[i] = 0.0
        else:
            for i in range(B):
                cr[i] = qr[off + i]
                ci[i] = qi[off + i]
        if kind == _PH_TABLE:
            for i in range(B):
                e = idx[off + i]
                c = tr[e]
                sn = ti[e]
                xr = cr[i]
                xi = ci[i]
                cr[i] = xr * c - xi * sn
                ci[i] = xr * sn + xi * c
        elif kind == _PH_FLOAT:
            for i in range(B):
                ph = -gamma * fdiag[off + i]
                c = math.cos(ph)
                sn = math.sin(ph)
                xr = cr[i]
                xi = ci[i]
                cr[i] = xr * c - xi * sn
                ci[i] = xr * sn + xi * c
        lbr = lr[off:off + B]
        lbi = li[off:off + B]
        for k in range(m):
            acc[k] += _ovl(lbr, lbi, cr, ci, 0, B, 1 << pos[k], gens[k], gkinds[k])
        if kind == _PH_TABLE:
            a = 0.0
            for i in range(B):
                e = idx[off + i]
                yr = lbr[i]
                yi = lbi[i]
                a += (yr * ci[i] - yi * cr[i]) * (offset + e)
                c = tr[e]
                sn = ti[e]
                lbr[i] = yr * c + yi * sn
                lbi[i] = yi * c - yr * sn
            acc[m] += a
        elif kind == _PH_FLOAT:
            a = 0.0
            for i in range(B):
                e = fdiag[off + i]
                yr = lbr[i]
                yi = lbi[i]
                a += (yr * ci[i] - yi * cr[i]) * e
                c = math.cos(gamma * e)
                sn = math.sin(gamma * e)
                lbr[i] = yr * c - yi * sn
                lbi[i] = yr * sn + yi * c
            acc[m] += a


@njit(parallel=True, **_NB)
def _low_bwd_ck_par(lr, li, qr, qi, plus, nblocks, nchunks, K, L1, kind, idx, tr, ti, fdiag,
                    offset, gamma, pos, gps, kinds, gens, gkinds, accs):
    per = (nblocks + nchunks - 1) // nchunks
    for c in prange(nchunks):
        cr = np.empty(1 << K)
        ci = np.empty(1 << K)
        _low_bwd_ck_chunk(lr, li, qr, qi, plus, c * per, min(nblocks, (c + 1) * per), K, L1, kind,
                          idx, tr, ti, fdiag, offset, gamma, pos, gps, kinds, gens, gkinds, accs[c],
                          cr, ci)


# --------------------------------------------------------------------------
# the backend object used by qopt.devices.exact.qaoa / hea
# --------------------------------------------------------------------------
class _Prepared:
    """A cost diagonal ready for the phase kernels: uint16 table index or float."""

    __slots__ = ("kind", "idx", "offset", "fdiag", "idx_max")

    def __init__(self, kind, idx, offset, fdiag, idx_max):
        self.kind, self.idx, self.offset, self.fdiag, self.idx_max = kind, idx, offset, fdiag, idx_max


_DUMMY_U16 = np.zeros(1, dtype=np.uint16)
_DUMMY_F = np.zeros(1)


def _dynamic(kernel):
    """Call a prange kernel with chunk size 1, i.e. its nchunks iterations are handed
    out dynamically, so a thread descheduled on a shared machine does not stall the
    sweep. (Set from Python: calling set_parallel_chunksize inside jitted code would
    stop numba from caching the kernel.)"""

    def call(*args):
        old = numba.set_parallel_chunksize(1)
        try:
            return kernel(*args)
        finally:
            numba.set_parallel_chunksize(old)

    call.__name__ = kernel.__name__
    call.__doc__ = kernel.__doc__
    return call


for _name in [k for k in list(globals()) if k.endswith("_par")]:
    globals()[_name] = _dynamic(globals()[_name])
del _name


def _gate_rows(us: np.ndarray) -> np.ndarray:
    u = np.asarray(us, dtype=np.complex128).reshape(-1, 4)
    out = np.empty((u.shape[0], 8))
    out[:, 0::2] = u.real
    out[:, 1::2] = u.imag
    return out


def _is_x(u: np.ndarray) -> bool:
    """u = a I + i b X with real a, b (an X rotation or X itself)."""
    return bool(u[0, 0].imag == 0 and u[0, 0] == u[1, 1] and u[0, 1] == u[1, 0] and u[0, 1].real == 0)


def _split_gates(n, us, active):
    """Active gates by ascending bit position: (positions, gate rows (m, 8), x-kind flags)."""
    qs = [q for q in range(n - 1, -1, -1) if active[q]]
    pos = np.array([n - 1 - q for q in qs], dtype=np.int64)
    u = np.asarray(us)[qs] if qs else np.zeros((0, 2, 2), dtype=np.complex128)
    kinds = np.array([_K_X if _is_x(m) else _K_GEN for m in u], dtype=np.int64)
    return pos, _gate_rows(u), kinds, np.array(qs, dtype=np.int64)


def _high_groups(n: int, K: int, block_bits: int = BLOCK_BITS):
    """Bit-position groups above K: (start s, width H, tile width W); tiles of ~2**block_bits."""
    out = []
    s = K
    hmax = block_bits - 2
    while s < n:
        H = min(hmax, n - s)
        W = min(1 << s, max(8, 1 << (block_bits - H)))
        out.append((s, H, W))
        s += H
    return out


def _phase_args(prep, gamma):
    """(kind, idx, table re, table im, float diag, offset) for exp(-i gamma C)."""
    if prep is None:
        return _PH_NONE, _DUMMY_U16, _DUMMY_F, _DUMMY_F, _DUMMY_F, 0.0
    if prep.kind == _PH_TABLE:
        ang = -gamma * (prep.offset + np.arange(prep.idx_max + 1))
        return _PH_TABLE, prep.idx, np.cos(ang), np.sin(ang), _DUMMY_F, prep.offset
    return _PH_FLOAT, _DUMMY_U16, _DUMMY_F, _DUMMY_F, prep.fdiag, 0.0


def _sweeps_fwd(st, n, prep, gamma, us, active) -> None:
    re, im = st[0], st[1]
    N = re.size
    K = min(n, BLOCK_BITS)
    L1 = min(K, L1_BITS)
    kind, idx, tr, ti, fdiag, _ = _phase_args(prep, gamma)
    pos, gps, kinds, _ = _split_gates(n, us, active)
    low = pos < K
    nch = _nchunks(N)
    nblocks = N >> K
    if kind == _PH_NONE and not low.any():
        pass
    elif nch == 1:
        _low_fwd_chunk(re, im, 0, nblocks, K, L1, kind, idx, tr, ti, fdiag, gamma, pos[low],
                       gps[low], kinds[low])
    else:
        _low_fwd_par(re, im, nblocks, min(nch, nblocks), K, L1, kind, idx, tr, ti, fdiag, gamma,
                     pos[low], gps[low], kinds[low])
    for s, H, W in _high_groups(n, K):
        sel = (pos >= s) & (pos < s + H)
        if not sel.any():
            continue
        ntiles = (N >> (s + H)) * ((1 << s) // W)
        rel = pos[sel] - s
        if nch == 1:
            br = np.empty((1 << H) * W)
            bi = np.empty((1 << H) * W)
            _high_fwd_chunk(re, im, 0, ntiles, s, H, W, rel, gps[sel], kinds[sel], br, bi)
        else:
            _high_fwd_par(re, im, ntiles, min(nch, ntiles), s, H, W, rel, gps[sel], kinds[sel])


def _backward_gates(n, us, gens, active):
    """Inverse gates and generators of a layer, split by bit position, for the adjoint sweeps."""
    ud = np.conj(np.swapaxes(np.asarray(us), 1, 2))
    pos, gps, kinds, qs = _split_gates(n, ud, active)
    g = np.asarray(gens)[qs] if qs.size else np.zeros((0, 2, 2), dtype=np.complex128)
    grows = _gate_rows(g)
    gkinds = np.array([_K_X if (m[0, 0] == 0 and m[1, 1] == 0 and m[0, 1] == 1 and m[1, 0] == 1)
                       else _K_GEN for m in g], dtype=np.int64)
    return pos, gps, kinds, qs, grows, gkinds


def _high_backward(groups, arrays, chunk, par, pos, gps, kinds, grows, gkinds, qs, gq, init_diag, nch):
    """Backward tile sweeps over the high bit groups with the kernel pair ``chunk``/``par``
    (rewinding or checkpointed) on the four re/im ``arrays``. Writes the gate gradients into
    ``gq``; returns <psi|D|psi> when ``init_diag`` is fused into the first sweep, else None."""
    N = arrays[0].size
    value = None
    for s, H, W in groups:
        sel = (pos >= s) & (pos < s + H)
        ntiles = (N >> (s + H)) * ((1 << s) // W)
        rel = pos[sel] - s
        c = 1 if nch == 1 else min(nch, ntiles)
        ms = int(sel.sum())
        acc = np.zeros((c, ms + 1))
        init = init_diag is not None
        dg = init_diag if init else _DUMMY_F
        if c == 1:
            sz = (1 << H) * W
            chunk(*arrays, 0, ntiles, s, H, W, rel, gps[sel], kinds[sel], grows[sel], gkinds[sel],
                  np.empty(sz), np.empty(sz), np.empty(sz), np.empty(sz), acc[0], init, dg)
        else:
            par(*arrays, ntiles, c, s, H, W, rel, gps[sel], kinds[sel], grows[sel], gkinds[sel], acc, init, dg)
        tot = acc.sum(axis=0)
        gq[qs[sel]] = 2.0 * tot[:ms]
        if init:
            value = float(tot[ms])
            init_diag = None
    return value


def _sweeps_bwd(phi, lam, n, prep, gamma, us, gens, active, init_diag=None):
    """Adjoint step; with ``init_diag`` lam is first set to D phi (fused into the first
    high sweep when there is one). Returns (d/dgamma, d/dbeta_q (n,), <phi|D|phi> or None)."""
    pr, pi, lr, li = phi[0], phi[1], lam[0], lam[1]
    N = pr.size
    bb = BLOCK_BITS
    K = min(n, bb)
    L1 = min(K, L1_BITS - 1)  # two states share L1
    kind, idx, tr, ti, fdiag, offset = _phase_args(prep, -gamma)
    pos, gps, kinds, qs, grows, gkinds = _backward_gates(n, us, gens, active)
    gq = np.zeros(n)
    nch = _nchunks(N)
    groups = [(s, H, W) for s, H, W in reversed(_high_groups(n, K, bb))
              if ((pos >= s) & (pos < s + H)).any()]
    value = None
    if init_diag is not None and (not groups or groups[0][0] + groups[0][1] != n):
        # no sweep over the top bits to fuse into: build lam separately
        value = NumbaBackend.mul_diag(phi, init_diag, lam)
        init_diag = None
    if groups:
        fused = _high_backward(groups, (pr, pi, lr, li), _high_bwd_chunk, _high_bwd_par, pos, gps, kinds,
                               grows, gkinds, qs, gq, init_diag, nch)
        value = value if fused is None else fused
        init_diag = None
    low = pos < K
    m = int(low.sum())
    nblocks = N >> K
    c = 1 if nch == 1 else min(nch, nblocks)
    acc = np.zeros((c, m + 1))
    if kind == _PH_NONE and m == 0:
        pass
    elif c == 1:
        _low_bwd_chunk(pr, pi, lr, li, 0, nblocks, K, L1, kind, idx, tr, ti, fdiag, offset, gamma,
                       pos[low], gps[low], kinds[low], grows[low], gkinds[low], acc[0])
    else:
        _low_bwd_par(pr, pi, lr, li, nblocks, c, K, L1, kind, idx, tr, ti, fdiag, offset, gamma,
                     pos[low], gps[low], kinds[low], grows[low], gkinds[low], acc)
    tot = acc.sum(axis=0)
    gq[qs[low]] = 2.0 * tot[:m]
    return 2.0 * float(tot[m]), gq, value


def _sweeps_bwd_ck(lam, psi_next, psi_prev, n, prep, gamma, us, gens, active, init_diag=None):
    """Checkpointed adjoint step of one layer: lam (after the layer) is rewound to before
    it; ``psi_next`` is the state after the layer, ``psi_prev`` the state before it (None
    for |+>^n). Neither is modified. Needs at most one high group
    (:func:`checkpoint_ok`). Returns (d/dgamma, d/dbeta_q (n,), <psi|D|psi> or None)."""
    lr, li = lam[0], lam[1]
    qr, qi = psi_next[0], psi_next[1]
    N = lr.size
    K = min(n, BLOCK_BITS)
    L1 = min(K, L1_BITS)
    kind, idx, tr, ti, fdiag, offset = _phase_args(prep, gamma)
    pos, gps, kinds, qs, grows, gkinds = _backward_gates(n, us, gens, active)
    gq = np.zeros(n)
    nch = _nchunks(N)
    groups = [(s, H, W) for s, H, W in _high_groups(n, K)
              if ((pos >= s) & (pos < s + H)).any()]
    if len(groups) > 1:
        raise ValueError(f"the checkpointed adjoint handles at most {BLOCK_BITS + BLOCK_BITS - 2} "
                         f"qubits, got {n}")
    value = None
    if init_diag is not None and (not groups or groups[0][0] + groups[0][1] != n):
        value = NumbaBackend.mul_diag(psi_next, init_diag, lam)
        init_diag = None
    if groups:
        fused = _high_backward(groups, (lr, li, qr, qi), _high_bwd_ck_chunk, _high_bwd_ck_par, pos, gps,
                               kinds, grows, gkinds, qs, gq, init_diag, nch)
        value = value if fused is None else fused
        init_diag = None
    if psi_prev is None:
        plus, pr, pi = 2.0 ** (-n / 2), _DUMMY_F, _DUMMY_F
    else:
        plus, pr, pi = 0.0, psi_prev[0], psi_prev[1]
    low = pos < K
    m = int(low.sum())
    nblocks = N >> K
    c = 1 if nch == 1 else min(nch, nblocks)
    acc = np.zeros((c, m + 1))
    if c == 1:
        _low_bwd_ck_chunk(lr, li, pr, pi, plus, 0, nblocks, K, L1, kind, idx, tr, ti, fdiag, offset,
                          gamma, pos[low], gps[low], kinds[low], grows[low], gkinds[low], acc[0],
                          np.empty(1 << K), np.empty(1 << K))
    else:
        _low_bwd_ck_par(lr, li, pr, pi, plus, nblocks, c, K, L1, kind, idx, tr, ti, fdiag, offset,
                        gamma, pos[low], gps[low], kinds[low], grows[low], gkinds[low], acc)
    tot = acc.sum(axis=0)
    gq[qs[low]] = 2.0 * tot[:m]
    return 2.0 * float(tot[m]), gq, value


def checkpoint_ok(n: int) -> bool:
    """True if the checkpointed adjoint applies at n qubits (at most one high group)."""
    return len(_high_groups(n, min(n, BLOCK_BITS))) <= 1


class NumbaBackend:
    """Split-layout numba backend (see _NumpyBackend in qaoa.py for the interface)."""

    name = "numba"

    # ---- states ----------------------------------------------------------
    @staticmethod
    def alloc(n: int) -> np.ndarray:
        return np.empty((2, 1 << n))

    @staticmethod
    def fill_plus(st: np.ndarray, n: int) -> None:
        st[0].fill(2.0 ** (-n / 2))
        st[1].fill(0.0)

    @staticmethod
    def fill_basis0(st: np.ndarray) -> None:
        st.fill(0.0)
        st[0, 0] = 1.0

    @staticmethod
    def load(st: np.ndarray, psi: np.ndarray) -> None:
        st[0] = psi.real
        st[1] = psi.imag

    @staticmethod
    def to_complex(st: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            out = np.empty(st.shape[1], dtype=np.complex128)
        out.real = st[0]
        out.imag = st[1]
        return out

    # ---- diagonal --------------------------------------------------------
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
    def expectation(st: np.ndarray, diag: np.ndarray) -> float:
        N = st.shape[1]
        if N < (1 << PARALLEL_MIN_BITS):
            return float(_expect_rng(st[0], st[1], diag, 0, N))
        return float(_expect_par(st[0], st[1], diag, _nchunks(N)))

    @staticmethod
    def expectation_complex(psi: np.ndarray, diag: np.ndarray) -> float:
        N = psi.size
        if N < (1 << PARALLEL_MIN_BITS):
            return float(_expect_c_rng(psi, diag, 0, N))
        return float(_expect_c_par(psi, diag, _nchunks(N)))

    @staticmethod
    def mul_diag(st: np.ndarray, diag: np.ndarray, out: np.ndarray) -> float:
        N = st.shape[1]
        if N < (1 << PARALLEL_MIN_BITS):
            return float(_mul_diag_rng(st[0], st[1], diag, out[0], out[1], 0, N))
        return float(_mul_diag_par(st[0], st[1], diag, out[0], out[1], _nchunks(N)))

    # ---- layers ----------------------------------------------------------
    @staticmethod
    def forward_layer(st, n, prepared, gamma, us, active) -> None:
        _sweeps_fwd(st, n, prepared, gamma, us, active)

    @staticmethod
    def gate_layer(st, n, us, active) -> None:
        _sweeps_fwd(st, n, None, 0.0, us, active)

    @staticmethod
    def backward_layer(phi, lam, n, prepared, gamma, us, gens, active):
        return _sweeps_bwd(phi, lam, n, prepared, gamma, us, gens, active)[:2]

    @staticmethod
    def backward_layer_init(phi, lam, n, prepared, gamma, us, gens, active, diag):
        """lam = D phi, then :meth:`backward_layer`; returns (<phi|D|phi>, d/dgamma, d/dbeta_q)."""
        gg, gq, value = _sweeps_bwd(phi, lam, n, prepared, gamma, us, gens, active, diag)
        return value, gg, gq

    @staticmethod
    def backward_layer_ck(lam, psi_next, psi_prev, n, prepared, gamma, us, gens, active,
                          diag=None):
        """Checkpointed adjoint step (see :func:`_sweeps_bwd_ck`); with ``diag``, lam is
        first set to D psi_next. Returns (<psi|D|psi> or None, d/dgamma, d/dbeta_q)."""
        gg, gq, value = _sweeps_bwd_ck(lam, psi_next, psi_prev, n, prepared, gamma, us, gens,
                                       active, diag)
        return value, gg, gq

    checkpoint_ok = staticmethod(checkpoint_ok)

    @staticmethod
    def gate_layer_backward(phi, lam, n, us, gens, active):
        return _sweeps_bwd(phi, lam, n, None, 0.0, us, gens, active)[1]

    @staticmethod
    def apply_xy(st, n, j, k, beta) -> None:
        n4 = st.shape[1] >> 2
        _xy_par(st[0], st[1], n4, max(1, min(_nchunks(4 * n4), n4)), n - 1 - j, n - 1 - k,
                math.cos(beta), math.sin(beta))

    @staticmethod
    def xy_overlap_imag(lam, phi, n, j, k) -> float:
        n4 = phi.shape[1] >> 2
        return float(_xy_overlap_par(lam[0], lam[1], phi[0], phi[1], n4,
                                     max(1, min(_nchunks(4 * n4), n4)), n - 1 - j, n - 1 - k))

    @staticmethod
    def ladder(src, dst, n, inverse) -> None:
        _ladder_par(src[0], src[1], dst[0], dst[1], n, inverse, _nchunks(src.shape[1]))


BACKEND = NumbaBackend
