"""Maximum (weight) independent set (MIS).

maximise  sum_v w_v x_v   subject to   x_u + x_v <= 1  for every edge (u, v),

with ``w_v`` the node attribute ``weight`` (default 1: the plain MIS).
"""

from __future__ import annotations

import numpy as np

from qopt.problems.base import Problem, as_solution

__all__ = ["IndependentSet"]


def _check_graph(graph) -> int:
    n = graph.number_of_nodes()
    if n == 0:
        raise ValueError("graph has no vertices")
    if set(graph.nodes) != set(range(n)):
        raise ValueError(
            "graph vertices must be the integers 0..n-1; relabel with "
            "networkx.convert_node_labels_to_integers(graph)"
        )
    return n


class IndependentSet(Problem):
    """Maximum weight independent set on an undirected graph.

    Args:
        graph: networkx graph with vertices ``0 .. n-1``. A self-loop forbids its vertex.
            Node attribute ``weight`` (default 1) is the vertex's value; with all weights 1
            this is the maximum independent set.
        name: instance name.
        known_optimum: best total weight (the independence number when unweighted), if known.

    Attributes:
        weights: shape (n,), the vertex weights.

    Raises:
        ValueError: vertices not ``0 .. n-1``, or a non-finite weight.

    Examples:
        >>> import networkx as nx
        >>> mis = IndependentSet(nx.path_graph(3))
        >>> mis.evaluate([1, 0, 1]), mis.is_feasible([1, 1, 0])
        (2.0, False)
        >>> g = nx.path_graph(4)
        >>> nx.set_node_attributes(g, {0: 1, 1: 5, 2: 1, 3: 1}, "weight")
        >>> IndependentSet(g).evaluate([0, 1, 0, 1])
        6.0
    """

    family = "mis"
    sense = "max"

    def __init__(self, graph, *, name=None, known_optimum=None):
        super().__init__(name=name, known_optimum=known_optimum)
        n = _check_graph(graph)
        self.graph = graph
        edges = np.array([(u, v) for u, v in graph.edges if u != v], dtype=np.int64).reshape(-1, 2)
        self.edges = np.sort(edges, axis=1)
        self.loops = np.array(sorted(u for u, v in graph.edges if u == v), dtype=np.int64)
        self._n = n
        self._degree = np.bincount(self.edges.ravel(), minlength=n)
        try:
            self.weights = np.array([float(graph.nodes[v].get("weight", 1.0)) for v in range(n)])
        except (TypeError, ValueError) as err:
            raise ValueError(f"node weights must be numbers: {err}") from None
        if not np.isfinite(self.weights).all():
            v = int(np.argmax(~np.isfinite(self.weights)))
            raise ValueError(f"node {v} has weight {self.weights[v]}; node weights must be finite")
        self.weighted = bool((self.weights != 1.0).any())
        # greedy order: best weight per blocked neighbour first (degree order when unweighted)
        self._order = np.argsort(-self.weights / (self._degree + 1.0), kind="stable") if self.weighted \
            else np.argsort(self._degree, kind="stable")

    @property
    def num_variables(self) -> int:
        return self._n

    def cqm(self):
        import dimod

        cqm = dimod.ConstrainedQuadraticModel()
        obj = dimod.BinaryQuadraticModel("BINARY")
        obj.add_variables_from((v, -float(self.weights[v])) for v in range(self._n))
        cqm.set_objective(obj)
        for u, v in self.edges:
            cqm.add_constraint_from_iterable([(int(u), 1.0), (int(v), 1.0)], "<=", 1.0, label=f"edge_{u}_{v}")
        for u in self.loops:
            cqm.add_constraint_from_iterable([(int(u), 1.0)], "<=", 0.0, label=f"loop_{u}")
        return cqm

    def evaluate(self, x) -> float:
        x = as_solution(x, self._n)
        return float(x.sum()) if not self.weighted else float(self.weights @ x)

    def violations(self, x) -> dict[str, float]:
        x = as_solution(x, self._n)
        both = (x[self.edges[:, 0]] & x[self.edges[:, 1]]).astype(float)
        out = {f"edge_{u}_{v}": float(b) for (u, v), b in zip(self.edges, both)}
        out.update({f"loop_{u}": float(x[u]) for u in self.loops})
        return out

    def is_feasible(self, x, *, atol: float = 1e-6) -> bool:
        x = as_solution(x, self._n)
        conflicts = (x[self.edges[:, 0]] & x[self.edges[:, 1]]).any() if len(self.edges) else False
        return not conflicts and not (len(self.loops) and x[self.loops].any())

    def _conflicts(self, x) -> np.ndarray:
        both = (x[self.edges[:, 0]] & x[self.edges[:, 1]]).astype(bool)
        c = np.bincount(self.edges[both].ravel(), minlength=self._n)
        c[self.loops] += x[self.loops].astype(np.int64) * self._n
        return c

    def repair(self, x) -> np.ndarray:
        """Drop the vertex with the most conflicts until independent, then add greedily."""
        x = as_solution(x, self._n).copy()
        while True:
            c = self._conflicts(x) * x
            if not c.any():
                break
            if self.weighted:  # drop the most conflicts per unit of weight lost
                score = np.where(c > 0, c / np.maximum(self.weights, 1e-12), -np.inf)
                score[(c > 0) & (self.weights <= 0)] = np.inf
                x[int(np.argmax(score + 1e-3 * self._degree * (c > 0)))] = 0
            else:
                x[int(np.argmax(c + 1e-3 * self._degree * (c > 0)))] = 0
        return self._greedy_add(x)

    def _greedy_add(self, x):
        blocked = np.zeros(self._n, dtype=bool)
        blocked[self.loops] = True
        for u, v in self.edges:
            if x[u]:
                blocked[v] = True
            if x[v]:
                blocked[u] = True
        for v in self._order:
            if not x[v] and not blocked[v] and self.weights[v] > 0:
                x[v] = 1
                blocked[list(self.graph.neighbors(int(v)))] = True
        return x

    def local_search(self, x, *, max_rounds: int = 100) -> np.ndarray:
        """Greedy additions and (1,2)-swaps: drop one vertex, add two free ones; weighted
        graphs also take (1,1)-swaps, and any swap only when it raises the total weight."""
        x = as_solution(x, self._n).copy()
        if not self.is_feasible(x):
            return x
        x = self._greedy_add(x)
        adj = [set(self.graph.neighbors(v)) - {v} for v in range(self._n)]
        loops = set(self.loops.tolist())
        for _ in range(max_rounds):
            improved = False
            for v in np.flatnonzero(x):
                # vertices whose only chosen neighbour is v
                cand = [u for u in adj[v] if not x[u] and u not in loops
                        and all((w == v) or not x[w] for w in adj[u])]
                w = self.weights
                for a_i, a in enumerate(cand):
                    if self.weighted and w[a] > w[v] + 1e-12:
                        x[v], x[a] = 0, 1
                        improved = True
                        break
                    for b in cand[a_i + 1:]:
                        if b not in adj[a] and w[a] + w[b] > w[v] + 1e-12:
                            x[v], x[a], x[b] = 0, 1, 1
                            improved = True
                            break
                    if improved:
                        break
                if improved:
                    x = self._greedy_add(x)
                    break
            if not improved:
                break
        return x
