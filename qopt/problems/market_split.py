"""Market split (multi-dimensional subset sum): find x in {0,1}^n with A x = b.

As an optimisation problem: minimise sum_i |(A x - b)_i|; the optimum is 0 exactly
when the instance is feasible (Cornuejols & Dawande, IPCO 1998).
"""

from __future__ import annotations

import numpy as np

from qopt.problems.base import Problem, as_solution, check_finite

__all__ = ["MarketSplit"]


class MarketSplit(Problem):
    """Market split problem.

    Args:
        A: shape (m, n), non-negative integer demands.
        b: shape (m,), targets.
        name: instance name.
        known_optimum: optimum of sum |Ax - b| (0 for a feasible instance).

    Examples:
        >>> ms = MarketSplit([[1, 2, 3]], [4])
        >>> ms.evaluate([1, 0, 1]), ms.is_feasible([1, 0, 1]), ms.evaluate([1, 1, 1])
        (0.0, True, 2.0)
    """

    family = "market_split"
    sense = "min"

    def __init__(self, A, b, *, name=None, known_optimum=0.0):
        super().__init__(name=name, known_optimum=known_optimum)
        self.A = np.atleast_2d(check_finite("A", A))
        self.b = np.atleast_1d(check_finite("b", b))
        if self.A.shape[0] != self.b.shape[0] or self.A.shape[1] == 0:
            raise ValueError(f"A must have shape (m, n) with m = len(b) = {self.b.shape[0]}, got {self.A.shape}")

    @property
    def num_variables(self) -> int:
        return int(self.A.shape[1])

    def cqm(self):
        """Feasibility form: zero objective, constraints ``A x == b`` (labels ``row_i``)."""
        import dimod

        cqm = dimod.ConstrainedQuadraticModel()
        cqm.set_objective(dimod.BinaryQuadraticModel({j: 0.0 for j in range(self.num_variables)}, {}, 0.0, "BINARY"))
        for i, (row, rhs) in enumerate(zip(self.A, self.b)):
            cqm.add_constraint_from_iterable(
                [(j, float(a)) for j, a in enumerate(row) if a != 0], "==", float(rhs), label=f"row_{i}"
            )
        return cqm

    def milp_model(self):
        """Elastic form for the exact solver: min sum_i (u_i + v_i) s.t. A x - u + v == b,
        u, v integer >= 0, so an infeasible instance still gets its least residual."""
        import dimod

        cqm = dimod.ConstrainedQuadraticModel()
        m, n = self.A.shape
        bound = float(np.abs(self.A).sum(axis=1).max() + np.abs(self.b).max())
        for j in range(n):
            cqm.add_variable("BINARY", j)
        # beyond 2^53 dimod refuses integer bounds; a continuous residual has the same optimum
        kind = "INTEGER" if bound < 2.0**53 else "REAL"
        for i in range(m):
            cqm.add_variable(kind, ("over", i), lower_bound=0, upper_bound=bound)
            cqm.add_variable(kind, ("under", i), lower_bound=0, upper_bound=bound)
        cqm.set_objective([(("over", i), 1.0) for i in range(m)] + [(("under", i), 1.0) for i in range(m)])
        for i, (row, rhs) in enumerate(zip(self.A, self.b)):
            terms = [(j, float(a)) for j, a in enumerate(row) if a != 0]
            terms += [(("over", i), -1.0), (("under", i), 1.0)]
            cqm.add_constraint_from_iterable(terms, "==", float(rhs), label=f"row_{i}")
        return cqm

    def residual(self, x) -> np.ndarray:
        """``A x - b``, shape (m,)."""
        return self.A @ as_solution(x, self.num_variables) - self.b

    def evaluate(self, x) -> float:
        return float(np.abs(self.residual(x)).sum())

    def violations(self, x) -> dict[str, float]:
        return {f"row_{i}": float(abs(r)) for i, r in enumerate(self.residual(x))}

    def is_feasible(self, x, *, atol: float = 1e-6) -> bool:
        return bool((np.abs(self.residual(x)) <= atol).all())

    def repair(self, x) -> np.ndarray:
        """No cheap repair exists (the feasibility problem is NP-hard); ``x`` is returned and
        the residual ``sum |Ax - b|`` is the reported objective."""
        return as_solution(x, self.num_variables).copy()

    def local_search(self, x, *, max_rounds: int = 200) -> np.ndarray:
        """1-flip and 1-1 swap moves that reduce ``sum |Ax - b|``."""
        x = as_solution(x, self.num_variables).copy()
        A = self.A
        r = A @ x - self.b
        for _ in range(max_rounds):
            cur = np.abs(r).sum()
            if cur == 0:
                break
            step = np.where(x == 1, -1, 1)
            flip = np.abs(r[:, None] + A * step[None, :]).sum(axis=0)
            j = int(np.argmin(flip))
            if flip[j] < cur - 1e-9:
                x[j] ^= 1
                r = r + A[:, j] * step[j]
                continue
            ones, zeros = np.flatnonzero(x == 1), np.flatnonzero(x == 0)
            if not len(ones) or not len(zeros):
                break
            swap = r[:, None, None] - A[:, ones, None] + A[:, None, zeros]
            val = np.abs(swap).sum(axis=0)
            a, c = np.unravel_index(int(np.argmin(val)), val.shape)
            if val[a, c] < cur - 1e-9:
                x[ones[a]], x[zeros[c]] = 0, 1
                r = A @ x - self.b
                continue
            break
        return x
