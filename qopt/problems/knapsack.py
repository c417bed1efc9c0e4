"""Multidimensional 0-1 knapsack (MDKP).

maximise  sum_j p_j x_j   subject to   sum_j w_ij x_j <= c_i  (i = 1..m),  x in {0,1}^n.
"""

from __future__ import annotations

import numpy as np

from qopt.errors import InfeasibleModelError
from qopt.problems.base import Problem, as_solution, check_finite

__all__ = ["Knapsack"]


class Knapsack(Problem):
    """Multidimensional 0-1 knapsack problem.

    Args:
        profits: shape (n,), profit of each item.
        weights: shape (m, n), weight of each item in each of the m knapsacks.
        capacities: shape (m,), capacity of each knapsack.
        name: instance name.
        known_optimum: best known total profit.

    Raises:
        ValueError: on inconsistent shapes or non-finite data.
        InfeasibleModelError: if a capacity is negative (no assignment is feasible).

    Examples:
        >>> kp = Knapsack([10, 20, 30, 40], [[2, 3, 4, 5], [1, 2, 3, 4]], [8, 5])
        >>> kp.evaluate([1, 0, 0, 1]), kp.is_feasible([1, 0, 0, 1])
        (50.0, True)
    """

    family = "mdkp"
    sense = "max"

    def __init__(self, profits, weights, capacities, *, name=None, known_optimum=None):
        super().__init__(name=name, known_optimum=known_optimum)
        self.profits = check_finite("profits", profits)
        self.weights = np.atleast_2d(check_finite("weights", weights))
        self.capacities = np.atleast_1d(check_finite("capacities", capacities))
        n = self.profits.shape[0] if self.profits.ndim == 1 else -1
        if self.profits.ndim != 1 or n == 0:
            raise ValueError(f"profits must be a non-empty 1-D array, got shape {self.profits.shape}")
        if self.weights.shape != (self.capacities.shape[0], n):
            raise ValueError(
                f"weights must have shape (m, n) = ({self.capacities.shape[0]}, {n}), "
                f"got {self.weights.shape}"
            )
        if (self.weights < 0).any():
            i, j = np.argwhere(self.weights < 0)[0]
            raise ValueError(f"weights[{i}, {j}] = {self.weights[i, j]} is negative; MDKP weights must be >= 0")
        if (self.capacities < 0).any():
            i = int(np.argmax(self.capacities < 0))
            raise InfeasibleModelError(
                f"capacity {i} is {self.capacities[i]} < 0: no item set fits (not even the empty one)"
            )

    @property
    def num_variables(self) -> int:
        return int(self.profits.shape[0])

    @property
    def num_constraints(self) -> int:
        return int(self.capacities.shape[0])

    def cqm(self):
        import dimod

        cqm = dimod.ConstrainedQuadraticModel()
        n = self.num_variables
        obj = dimod.BinaryQuadraticModel("BINARY")
        obj.add_variables_from((j, -float(self.profits[j])) for j in range(n))
        cqm.set_objective(obj)
        for i in range(self.num_constraints):
            terms = [(j, float(w)) for j, w in enumerate(self.weights[i]) if w != 0]
            cqm.add_constraint_from_iterable(terms, "<=", float(self.capacities[i]), label=f"capacity_{i}")
        return cqm

    def evaluate(self, x) -> float:
        x = as_solution(x, self.num_variables)
        return float(self.profits @ x)

    def violations(self, x) -> dict[str, float]:
        x = as_solution(x, self.num_variables)
        excess = np.maximum(0.0, self.weights @ x - self.capacities)
        return {f"capacity_{i}": float(v) for i, v in enumerate(excess)}

    def is_feasible(self, x, *, atol: float = 1e-6) -> bool:
        x = as_solution(x, self.num_variables)
        return bool((self.weights @ x <= self.capacities + atol).all())

    def _ratio(self) -> np.ndarray:
        """Profit per unit of capacity used (weights normalised by capacity)."""
        cap = np.where(self.capacities > 0, self.capacities, 1.0)
        load = (self.weights / cap[:, None]).sum(axis=0)
        return self.profits / np.maximum(load, 1e-12)

    def repair(self, x) -> np.ndarray:
        """Drop the worst profit/weight items until feasible, then add the best that fit."""
        x = as_solution(x, self.num_variables).copy()
        ratio = self._ratio()
        load = self.weights @ x
        for j in np.argsort(ratio):  # worst first
            if (load <= self.capacities + 1e-9).all():
                break
            if x[j]:
                x[j] = 0
                load -= self.weights[:, j]
        return self._greedy_fill(x, load, ratio)

    def _greedy_fill(self, x, load, ratio):
        for j in np.argsort(-ratio):  # best first
            if not x[j] and (load + self.weights[:, j] <= self.capacities + 1e-9).all():
                x[j] = 1
                load = load + self.weights[:, j]
        return x

    def local_search(self, x, *, max_rounds: int = 100) -> np.ndarray:
        """Feasibility-keeping 1-flip (add) and 1-1 swap (drop one, add a better one) moves."""
        x = as_solution(x, self.num_variables).copy()
        if not self.is_feasible(x):
            return x
        ratio = self._ratio()
        load = self.weights @ x
        x = self._greedy_fill(x, load, ratio)
        load = self.weights @ x
        for _ in range(max_rounds):
            improved = False
            inside = np.flatnonzero(x == 1)
            outside = np.flatnonzero(x == 0)
            for i in inside:
                room = self.capacities - load + self.weights[:, i]
                fits = (self.weights[:, outside] <= room[:, None] + 1e-9).all(axis=0)
                gain = np.where(fits, self.profits[outside] - self.profits[i], -np.inf)
                if gain.size and gain.max() > 1e-9:
                    j = outside[int(np.argmax(gain))]
                    x[i], x[j] = 0, 1
                    load = load - self.weights[:, i] + self.weights[:, j]
                    x = self._greedy_fill(x, load, ratio)
                    load = self.weights @ x
                    improved = True
                    break
            if not improved:
                break
        return x
