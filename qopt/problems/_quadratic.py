"""Sparse quadratic pseudo-Boolean functions f(x) = offset + h.x + sum_k v_k x_{r_k} x_{c_k}.

Used by unconstrained problems (QUBO, MaxCut) for fast numpy energies and 1-flip search.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["QuadraticForm"]


class QuadraticForm:
    """A quadratic function of binary variables, stored sparsely.

    Args:
        linear: shape (n,), linear coefficients.
        rows, cols, values: shape (k,) each, quadratic terms ``values * x[rows] * x[cols]``
            (``rows != cols``; duplicates add).
        offset: constant term.
    """

    def __init__(self, linear, rows, cols, values, offset: float = 0.0):
        self.linear = np.asarray(linear, dtype=float)
        n = self.linear.shape[0]
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        values = np.asarray(values, dtype=float)
        if (rows == cols).any():
            raise ValueError("quadratic terms must join two different variables")
        # symmetric matrix J with J[i, j] = J[j, i] = total coefficient of x_i x_j
        J = sp.coo_matrix((values, (rows, cols)), shape=(n, n))
        self.J = (J + J.T).tocsr()
        self.offset = float(offset)

    @classmethod
    def from_bqm(cls, bqm, n: int) -> "QuadraticForm":
        """From a BINARY dimod BQM over variables ``0 .. n-1``."""
        lin, (r, c, v), off = bqm.to_numpy_vectors(variable_order=list(range(n)))
        return cls(lin, r, c, v, off)

    def energy(self, x) -> float:
        x = np.asarray(x, dtype=float)
        return float(self.offset + self.linear @ x + 0.5 * x @ (self.J @ x))

    def energies(self, X) -> np.ndarray:
        """Energies of the rows of ``X``, shape (num_samples, n) -> (num_samples,)."""
        X = np.asarray(X, dtype=float)
        return self.offset + X @ self.linear + 0.5 * np.einsum("ij,ij->i", X, (self.J @ X.T).T)

    def flip_deltas(self, x) -> np.ndarray:
        """Energy change of flipping each variable, shape (n,)."""
        x = np.asarray(x, dtype=float)
        field = self.linear + self.J @ x
        return (1 - 2 * x) * field

    def descend(self, x, *, max_rounds: int = 100_000) -> np.ndarray:
        """Steepest-descent 1-flip search to a local minimum."""
        x = np.asarray(x, dtype=np.int8).copy()
        xf = x.astype(float)
        field = self.linear + self.J @ xf
        for _ in range(max_rounds):
            delta = (1 - 2 * xf) * field
            j = int(np.argmin(delta))
            if delta[j] >= -1e-12:
                break
            step = 1 - 2 * xf[j]
            xf[j] += step
            field += step * self.J[:, j].toarray().ravel()
        return xf.astype(np.int8)


def unconstrained_to_bqm(problem, options: dict):
    """``(bqm, decoder)`` for a problem whose objective is already a BQM."""
    from qopt.qubo.penalties import Decoder

    if options:
        raise ValueError(f"{problem.family} has no constraints; penalty options {sorted(options)} do not apply")
    bqm = problem.bqm()
    return bqm, Decoder(tuple(range(problem.num_variables)))
