"""Permutation search kernels for the QAP (numba): swap deltas, 2-opt descent and
Taillard's robust tabu search.

Cost of a permutation ``p`` (``p[i]`` = location of facility ``i``):
``C(p) = sum_{i,k} A[i, k] * B[p[i], p[k]]`` with ``A`` the flow and ``B`` the distance
matrix, both float64 of shape (n, n), any sign, not necessarily symmetric.

The swap of facilities ``r`` and ``s`` changes the cost by (Taillard 1991, eq. for
asymmetric matrices)::

    Δ(p, r, s) = (A_rr − A_ss)(B_{p_s p_s} − B_{p_r p_r})
               + (A_rs − A_sr)(B_{p_s p_r} − B_{p_r p_s})
               + Σ_{k≠r,s} (A_kr − A_ks)(B_{p_k p_s} − B_{p_k p_r})
                          + (A_rk − A_sk)(B_{p_s p_k} − B_{p_r p_k})

After a swap of ``(u, v)`` the delta of every disjoint pair is updated in O(1)
(:func:`_delta_update`), so one iteration of a best-improvement search costs O(n^2).

Reference: E. Taillard, *Robust taboo search for the quadratic assignment problem*,
Parallel Computing 17 (1991) 443-455.

This module imports numba; import it lazily (``import qopt`` must stay light).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["perm_cost", "delta_matrix", "two_opt", "robust_tabu"]

_NB = dict(cache=True, nogil=True)


@njit(**_NB)
def perm_cost(A, B, p):
    """C(p) = sum_{i,k} A[i, k] * B[p[i], p[k]] (float)."""
    n = p.shape[0]
    total = 0.0
    for i in range(n):
        pi = p[i]
        for k in range(n):
            total += A[i, k] * B[pi, p[k]]
    return total


@njit(**_NB)
def _delta_full(A, B, p, r, s):
    pr = p[r]
    ps = p[s]
    d = (A[r, r] - A[s, s]) * (B[ps, ps] - B[pr, pr]) + (A[r, s] - A[s, r]) * (B[ps, pr] - B[pr, ps])
    for k in range(p.shape[0]):
        if k != r and k != s:
            pk = p[k]
            d += (A[k, r] - A[k, s]) * (B[pk, ps] - B[pk, pr]) + (A[r, k] - A[s, k]) * (B[ps, pk] - B[pr, pk])
    return d


@njit(**_NB)
def _delta_update(A, B, p, delta_rs, r, s, u, v):
    """Δ(p', r, s) from Δ(p, r, s) when p' = p with u, v swapped (p is already p'); r, s ∉ {u, v}."""
    pr = p[r]
    ps = p[s]
    pu = p[u]
    pv = p[v]
    return (delta_rs
            + (A[u, r] - A[u, s] + A[v, s] - A[v, r]) * (B[pv, pr] - B[pv, ps] + B[pu, ps] - B[pu, pr])
            + (A[r, u] - A[s, u] + A[s, v] - A[r, v]) * (B[pr, pv] - B[ps, pv] + B[ps, pu] - B[pr, pu]))


@njit(**_NB)
def delta_matrix(A, B, p):
    """Upper-triangular matrix D (n, n) with D[r, s] = Δ(p, r, s) for r < s."""
    n = p.shape[0]
    D = np.zeros((n, n))
    for r in range(n - 1):
        for s in range(r + 1, n):
            D[r, s] = _delta_full(A, B, p, r, s)
    return D


@njit(**_NB)
def _apply_swap(A, B, p, D, u, v):
    """Swap facilities u < v in p and bring D up to date (O(n^2))."""
    n = p.shape[0]
    tmp = p[u]
    p[u] = p[v]
    p[v] = tmp
    for r in range(n - 1):
        for s in range(r + 1, n):
            if r != u and r != v and s != u and s != v:
                D[r, s] = _delta_update(A, B, p, D[r, s], r, s, u, v)
            else:
                D[r, s] = _delta_full(A, B, p, r, s)


@njit(**_NB)
def two_opt(A, B, p, max_moves):
    """Best-improvement 2-swap descent from ``p`` (modified in place) to a 2-opt local optimum
    (no swap lowers the cost by more than 1e-9 relative), or until ``max_moves`` swaps.

    Returns:
        the number of swaps made.
    """
    n = p.shape[0]
    if n < 2:
        return 0
    D = delta_matrix(A, B, p)
    scale = 1e-9 * max(1.0, abs(perm_cost(A, B, p)))
    moves = 0
    while moves < max_moves:
        best = -scale
        bu = -1
        bv = -1
        for r in range(n - 1):
            for s in range(r + 1, n):
                if D[r, s] < best:
                    best = D[r, s]
                    bu = r
                    bv = s
        if bu < 0:
            break
        _apply_swap(A, B, p, D, bu, bv)
        moves += 1
    return moves


@njit(**_NB)
def robust_tabu(A, B, p, D, tabu, cost, it0, num_iterations, best_p, best_cost, seed,
                tenure_min, tenure_max, aspiration):
    """``num_iterations`` iterations of Taillard's robust tabu search, continuing a run.

    State (modified in place, so a run can be split into chunks): ``p`` (n,) int64 current
    permutation, ``D`` its delta matrix, ``tabu`` (n, n) int64 with ``tabu[i, l]`` the
    iteration until which facility ``i`` may not return to location ``l``, and ``best_p``.
    A move is tabu when both facilities would return to locations they left recently;
    it is taken anyway when it improves on the best cost (aspiration by objective) or when
    neither assignment was made in the last ``aspiration`` iterations (long-term
    diversification). The tenure is drawn uniformly in [tenure_min, tenure_max] every
    ``2 * tenure_max`` iterations from numba's generator, seeded with ``seed`` at entry.

    Returns:
        ``(cost, best_cost)`` after the chunk.
    """
    np.random.seed(seed)
    n = p.shape[0]
    tenure = tenure_min + np.random.randint(0, tenure_max - tenure_min + 1)
    for it in range(it0, it0 + num_iterations):
        if (it - it0) % (2 * tenure_max) == 0:
            tenure = tenure_min + np.random.randint(0, tenure_max - tenure_min + 1)
        bu = -1
        bv = -1
        best_d = np.inf
        aspired_any = False
        for r in range(n - 1):
            for s in range(r + 1, n):
                d = D[r, s]
                allowed = tabu[r, p[s]] < it or tabu[s, p[r]] < it
                aspired = (tabu[r, p[s]] < it - aspiration and tabu[s, p[r]] < it - aspiration) \
                    or cost + d < best_cost - 1e-9
                if (aspired and not aspired_any) or (aspired and aspired_any and d < best_d) \
                        or (not aspired and not aspired_any and allowed and d < best_d):
                    bu = r
                    bv = s
                    best_d = d
                    if aspired:
                        aspired_any = True
        if bu < 0:  # every move tabu: wait for the tenure to expire
            continue
        old_u = p[bu]
        old_v = p[bv]
        cost += D[bu, bv]
        _apply_swap(A, B, p, D, bu, bv)
        tabu[bu, old_u] = it + tenure
        tabu[bv, old_v] = it + tenure
        if cost < best_cost - 1e-9:
            best_cost = cost
            best_p[:] = p
    return cost, best_cost
