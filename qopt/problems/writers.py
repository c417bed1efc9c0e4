"""Writers for the instance formats of :mod:`qopt.problems.readers` (round trips, exports).

Each writer takes the problem object (or its raw data: a graph, a BQM) and
writes the layout its reader expects, with integral numbers written without a
decimal point and others in shortest round-trip form, so that reading the
file back gives identical data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import os

__all__ = [
    "write_biqmac",
    "write_dimacs",
    "write_market_split",
    "write_mknap1",
    "write_qaplib",
    "write_rudy",
]


def _num(value) -> str:
    """Integral values without a decimal point, others as the shortest exact repr."""
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"cannot write the non-finite value {v!r}")
    return str(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)


def _row(values) -> str:
    return " ".join(_num(v) for v in np.ravel(values))


def _graph_of(obj):
    import networkx as nx

    graph = obj if isinstance(obj, nx.Graph) else getattr(obj, "graph", None)
    if not isinstance(graph, nx.Graph):
        raise TypeError(f"expected a networkx graph or a problem with .graph, got {type(obj).__name__}")
    n = graph.number_of_nodes()
    if set(graph.nodes) != set(range(n)):
        raise ValueError("graph vertices must be the integers 0..n-1")
    return graph, n


def _write(path: str | os.PathLike, lines: list[str]) -> None:
    with open(path, "w", encoding="ascii", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")


def write_rudy(path: str | os.PathLike, problem) -> None:
    """Write a weighted graph (or :class:`~qopt.problems.maxcut.MaxCut`) as a rudy edge list.

    Args:
        path: output file.
        problem: a MaxCut problem or a networkx graph on ``0 .. n-1`` with edge
            attribute ``weight`` (default 1); self-loops are not allowed.
    """
    graph, n = _graph_of(problem)
    edges = [(u, v, d.get("weight", 1)) for u, v, d in graph.edges(data=True)]
    if any(u == v for u, v, _ in edges):
        raise ValueError("rudy files cannot hold self-loops")
    _write(path, [f"{n} {len(edges)}"] + [f"{u + 1} {v + 1} {_num(w)}" for u, v, w in edges])


def write_dimacs(path: str | os.PathLike, problem) -> None:
    """Write a graph (or :class:`~qopt.problems.mis.IndependentSet`) in DIMACS edge format."""
    graph, n = _graph_of(problem)
    edges = list(graph.edges())
    _write(path, [f"p edge {n} {len(edges)}"] + [f"e {u + 1} {v + 1}" for u, v in edges])


def write_biqmac(path: str | os.PathLike, problem) -> None:
    """Write a QUBO (or a BINARY :class:`dimod.BinaryQuadraticModel` on ``0 .. n-1``) as ``.sparse``.

    Writes ``q_ii = linear[i]`` and ``q_ij = quadratic[i, j] / 2`` (i < j), the
    Biq Mac convention ``f(x) = sum q_ii x_i + 2 sum_{i<j} q_ij x_i x_j``.

    Raises:
        ValueError: the model has a non-zero offset (``.sparse`` cannot store one)
            or its variables are not ``0 .. n-1``.
    """
    bqm = problem.bqm() if hasattr(problem, "bqm") and callable(problem.bqm) else problem
    bqm = bqm.change_vartype("BINARY", inplace=False)
    n = bqm.num_variables
    if set(bqm.variables) != set(range(n)):
        raise ValueError("BQM variables must be the integers 0..n-1")
    if bqm.offset != 0:
        raise ValueError(f"a .sparse file cannot store the constant offset {bqm.offset}")
    lines = [f"{i + 1} {i + 1} {_num(b)}" for i, b in sorted(bqm.linear.items()) if b != 0]
    for (u, v), b in bqm.quadratic.items():
        if b != 0:
            i, j = min(u, v), max(u, v)
            lines.append(f"{i + 1} {j + 1} {_num(b / 2)}")
    _write(path, [f"{n} {len(lines)}", *lines])


def write_mknap1(path: str | os.PathLike, problems) -> None:
    """Write one or more :class:`~qopt.problems.knapsack.Knapsack` problems in mknap1 layout.

    ``known_optimum`` is written as opt (0 when None, meaning "not given").
    """
    if not isinstance(problems, Sequence):
        problems = [problems]
    lines = [str(len(problems))]
    for kp in problems:
        m, n = kp.weights.shape
        opt = 0 if kp.known_optimum is None else kp.known_optimum
        lines += [f"{n} {m} {_num(opt)}", _row(kp.profits)]
        lines += [_row(row) for row in kp.weights]
        lines.append(_row(kp.capacities))
    _write(path, lines)


def write_qaplib(path: str | os.PathLike, problem) -> None:
    """Write a :class:`~qopt.problems.qap.QuadraticAssignment` as a QAPLIB ``.dat``."""
    n = problem.flow.shape[0]
    lines = [str(n), ""] + [_row(r) for r in problem.flow] + [""] + [_row(r) for r in problem.distance]
    _write(path, lines)


def write_market_split(path: str | os.PathLike, problem) -> None:
    """Write a :class:`~qopt.problems.market_split.MarketSplit` in the QOBLIB ``.dat`` layout."""
    A, b = np.atleast_2d(problem.A), np.atleast_1d(problem.b)
    m, n = A.shape
    lines = ["# market split instance written by qopt", f"{m} {n}"]
    lines += [f"{_row(A[i])} {_num(b[i])}" for i in range(m)]
    _write(path, lines)
