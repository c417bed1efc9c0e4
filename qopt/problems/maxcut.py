"""Weighted MaxCut: choose S maximising the total weight of edges with exactly one end in S."""

from __future__ import annotations

import numpy as np

from qopt.problems._quadratic import QuadraticForm, unconstrained_to_bqm
from qopt.problems.base import Unconstrained, as_solution
from qopt.problems.mis import _check_graph

__all__ = ["MaxCut"]


class MaxCut(Unconstrained):
    """Weighted MaxCut.

    The minimisation QUBO is ``-cut(x) = sum_{(i,j)} w_ij (2 x_i x_j - x_i - x_j)``.

    Args:
        graph: networkx graph on ``0 .. n-1``; edge attribute ``weight`` (default 1).
        name: instance name.
        known_optimum: best known cut weight.

    Examples:
        >>> import networkx as nx
        >>> MaxCut(nx.cycle_graph(4)).evaluate([1, 0, 1, 0])
        4.0
    """

    family = "maxcut"
    sense = "max"

    def __init__(self, graph, *, name=None, known_optimum=None):
        super().__init__(name=name, known_optimum=known_optimum)
        self._n = _check_graph(graph)
        self.graph = graph
        data = [(u, v, float(d.get("weight", 1.0))) for u, v, d in graph.edges(data=True) if u != v]
        arr = np.array(data, dtype=float).reshape(-1, 3)
        self.u, self.v, self.w = arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2]
        if not np.isfinite(self.w).all():
            raise ValueError("edge weights must be finite")
        lin = -(np.bincount(self.u, self.w, self._n) + np.bincount(self.v, self.w, self._n))
        self.form = QuadraticForm(lin, self.u, self.v, 2 * self.w)

    @property
    def num_variables(self) -> int:
        return self._n

    def bqm(self):
        """The minimisation QUBO ``-cut(x)`` as a dimod BQM."""
        import dimod

        return dimod.BinaryQuadraticModel.from_numpy_vectors(
            self.form.linear, (self.u, self.v, 2 * self.w), 0.0, "BINARY"
        )

    def to_bqm(self, **options):
        """``(bqm, decoder)``: the objective itself (no constraints, no options)."""
        return unconstrained_to_bqm(self, options)

    def cqm(self):
        import dimod

        return dimod.ConstrainedQuadraticModel.from_bqm(self.bqm())

    def evaluate(self, x) -> float:
        x = as_solution(x, self._n)
        return float(self.w @ (x[self.u] != x[self.v]))

    def local_search(self, x, *, max_rounds: int = 100_000) -> np.ndarray:
        """Steepest 1-flip ascent of the cut."""
        return self.form.descend(as_solution(x, self._n), max_rounds=max_rounds)
