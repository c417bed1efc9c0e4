"""Quadratic assignment problem (QAP), one-hot encoded.

minimise over permutations p:  sum_{i,k} A[i, k] * B[p(i), p(k)].
Binary variable ``i * n + j`` is 1 when facility i sits at location j; rows and
columns of the n x n assignment matrix are one-hot.
"""

from __future__ import annotations

import numpy as np

from qopt.problems.base import Problem, as_solution, check_finite

__all__ = ["QuadraticAssignment"]


class QuadraticAssignment(Problem):
    """Quadratic assignment problem (Koopmans-Beckmann form, QAPLIB convention).

    Args:
        flow: shape (n, n), matrix A (first matrix of a QAPLIB .dat file).
        distance: shape (n, n), matrix B (second matrix).
        name: instance name.
        known_optimum: optimal assignment cost.

    Examples:
        >>> qap = QuadraticAssignment([[0, 1], [1, 0]], [[0, 2], [2, 0]])
        >>> qap.evaluate([1, 0, 0, 1]), qap.cost_of_permutation([1, 0])
        (4.0, 4.0)
    """

    family = "qap"
    sense = "min"

    def __init__(self, flow, distance, *, name=None, known_optimum=None):
        super().__init__(name=name, known_optimum=known_optimum)
        self.flow = check_finite("flow", flow)
        self.distance = check_finite("distance", distance)
        n = self.flow.shape[0] if self.flow.ndim == 2 else -1
        for label, mat in (("flow", self.flow), ("distance", self.distance)):
            if mat.ndim != 2 or mat.shape != (n, n) or n < 1:
                raise ValueError(f"{label} must be a square (n, n) matrix matching flow, got shape {mat.shape}")
        self.n = n

    @property
    def num_variables(self) -> int:
        return self.n * self.n

    def cost_matrix(self) -> np.ndarray:
        """Q of shape (n^2, n^2) with cost = x^T Q x; ``Q = kron(A, B)``."""
        return np.kron(self.flow, self.distance)

    def cqm(self):
        import dimod

        n = self.n
        cqm = dimod.ConstrainedQuadraticModel()
        cqm.set_objective(dimod.BinaryQuadraticModel(self.cost_matrix(), "BINARY"))
        for i in range(n):
            cqm.add_constraint_from_iterable([(i * n + j, 1.0) for j in range(n)], "==", 1.0, label=f"row_{i}")
        for j in range(n):
            cqm.add_constraint_from_iterable([(i * n + j, 1.0) for i in range(n)], "==", 1.0, label=f"col_{j}")
        return cqm

    def evaluate(self, x) -> float:
        X = as_solution(x, self.num_variables).reshape(self.n, self.n).astype(float)
        return float(np.sum(self.flow * (X @ self.distance @ X.T)))

    def cost_of_permutation(self, perm) -> float:
        """Cost of a 0-based permutation ``perm[i]`` = location of facility i."""
        p = np.asarray(perm, dtype=np.int64)
        if sorted(p.tolist()) != list(range(self.n)):
            raise ValueError(f"perm must be a permutation of 0..{self.n - 1}, got {p.tolist()}")
        return float(np.sum(self.flow * self.distance[np.ix_(p, p)]))

    def permutation_to_solution(self, perm) -> np.ndarray:
        """One-hot 0/1 vector of shape (n^2,) for a 0-based permutation."""
        x = np.zeros((self.n, self.n), dtype=np.int8)
        x[np.arange(self.n), np.asarray(perm)] = 1
        return x.ravel()

    def solution_to_permutation(self, x) -> np.ndarray | None:
        """The permutation encoded by ``x``, or None if ``x`` is not a permutation matrix."""
        X = as_solution(x, self.num_variables).reshape(self.n, self.n)
        if not ((X.sum(axis=0) == 1).all() and (X.sum(axis=1) == 1).all()):
            return None
        return np.argmax(X, axis=1)

    def violations(self, x) -> dict[str, float]:
        X = as_solution(x, self.num_variables).reshape(self.n, self.n)
        out = {f"row_{i}": float(abs(s - 1)) for i, s in enumerate(X.sum(axis=1))}
        out.update({f"col_{j}": float(abs(s - 1)) for j, s in enumerate(X.sum(axis=0))})
        return out

    def is_feasible(self, x, *, atol: float = 1e-6) -> bool:
        return self.solution_to_permutation(x) is not None

    def repair(self, x) -> np.ndarray:
        """Nearest permutation matrix by :func:`scipy.optimize.linear_sum_assignment`."""
        from scipy.optimize import linear_sum_assignment

        X = as_solution(x, self.num_variables).reshape(self.n, self.n)
        rows, cols = linear_sum_assignment(X, maximize=True)
        perm = np.empty(self.n, dtype=np.int64)
        perm[rows] = cols
        return self.permutation_to_solution(perm)

    def local_search(self, x, *, max_rounds: int = 1000) -> np.ndarray:
        """Best-improvement 2-swap descent (exchange the locations of two facilities) to a
        2-opt local optimum: no single swap lowers the cost.

        The same move and O(n^2)-per-move delta update (Taillard 1991) as the robust tabu
        search of ``qopt.solvers.native`` (:mod:`qopt.problems._qap_search`, numba).

        Args:
            x: shape (n^2,); returned unchanged (copied) if it is not a permutation matrix.
            max_rounds: at most this many swaps.
        """
        perm = self.solution_to_permutation(x)
        if perm is None:
            return as_solution(x, self.num_variables).copy()
        from qopt.problems._qap_search import two_opt

        p = np.ascontiguousarray(perm, dtype=np.int64)
        two_opt(np.ascontiguousarray(self.flow), np.ascontiguousarray(self.distance), p, int(max_rounds))
        return self.permutation_to_solution(p)
