"""The one BINARY -> Ising conversion of qopt.

With ``x_q = (1 - Z_q) / 2`` (``x = 0`` <-> spin/eigenvalue ``+1``, the convention of
:mod:`qopt.devices.exact`, PennyLane and Qiskit ``Z``), a BINARY BQM
``E(x) = offset + sum a_q x_q + sum b_qr x_q x_r`` becomes

``E = const + sum_q h_q Z_q + sum_{q<r} J_qr Z_q Z_r`` with ``h_q = -a_q/2 - sum_r b_qr/4``,
``J_qr = b_qr/4`` and ``const = offset + sum a/2 + sum b/4``.

:func:`ising_arrays` computes it (vectorised); :func:`ising_terms` is the same in the
``{(q, r): J}`` form the circuit builders use.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ising_arrays", "ising_terms"]


def ising_arrays(bqm, variables) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Ising form of a (BINARY or SPIN) BQM over ``variables`` (qubit q = ``variables[q]``).

    Returns:
        ``(h, rows, cols, J, const)``: ``E = const + h.s + sum_k J_k s_rows[k] s_cols[k]`` with
        ``s = 1 - 2x``; ``h`` shape (n,), ``rows``/``cols``/``J`` shape (num_interactions,),
        indices into ``variables`` (one entry per BQM interaction, in the BQM's order).
    """
    lin, (r, c, q), off = bqm.binary.to_numpy_vectors(variable_order=list(variables))
    lin = np.asarray(lin, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    h = -lin / 2
    np.add.at(h, r, -q / 4)
    np.add.at(h, c, -q / 4)
    const = float(off + lin.sum() / 2 + q.sum() / 4)
    return h, np.asarray(r, dtype=np.int64), np.asarray(c, dtype=np.int64), q / 4, const


def ising_terms(bqm, variables) -> tuple[np.ndarray, dict[tuple[int, int], float], float]:
    """:func:`ising_arrays` as ``(h of shape (n,), {(q, r): J_qr} with q < r, const)``."""
    h, rows, cols, J, const = ising_arrays(bqm, variables)
    terms: dict[tuple[int, int], float] = {}
    for a, b, v in zip(rows.tolist(), cols.tolist(), J.tolist()):
        key = (a, b) if a < b else (b, a)
        terms[key] = terms.get(key, 0.0) + v
    return h, terms, const
