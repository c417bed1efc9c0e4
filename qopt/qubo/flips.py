"""Greedy single-bit-flip descent on a BINARY quadratic function (the decoding step of PCE and QRAO).

Works on the arrays of ``bqm.to_numpy_vectors`` so it runs at numpy speed on encoded BQMs, before
the problem-level repair and local search of :func:`qopt.decode.finish`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["greedy_flip_rounds"]


def greedy_flip_rounds(x, h_lin, rows, cols, q, *, rounds: int = 1) -> np.ndarray:
    """``rounds`` sweeps of first-improvement single-bit flips of a BINARY quadratic function
    ``lin.x + sum q x_r x_c`` (arrays as from ``bqm.to_numpy_vectors``). Returns a new int8 array."""
    import scipy.sparse as sp

    x = np.asarray(x, dtype=float).copy()
    m = x.shape[0]
    Q = sp.coo_matrix((q, (rows, cols)), shape=(m, m))
    Q = (Q + Q.T).tocsc()
    field = h_lin + Q @ x
    for _ in range(int(rounds)):
        improved = False
        for i in range(m):
            delta = (1 - 2 * x[i]) * field[i]
            if delta < -1e-12:
                step = 1 - 2 * x[i]
                x[i] += step
                lo, hi = Q.indptr[i], Q.indptr[i + 1]
                field[Q.indices[lo:hi]] += step * Q.data[lo:hi]
                improved = True
        if not improved:
            break
    return x.astype(np.int8)
