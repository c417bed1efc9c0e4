"""RQAOA: eliminations preserve energies, small MaxCut matches brute force."""

import itertools

import dimod
import networkx as nx
import numpy as np
import pytest

from qopt.problems import MaxCut
from qopt.solvers.rqaoa import _correlations, eliminate, rqaoa


def test_eliminate_pair_and_fix_preserve_energy():
    bqm = dimod.BinaryQuadraticModel({"a": 0.5, "b": -1.0, "c": 0.2}, {("a", "b"): 1.5, ("a", "c"): -0.7,
                                                                      ("b", "c"): 0.3}, 0.1, "SPIN")
    for sign in (1, -1):
        small = bqm.copy()
        eliminate(small, ("pair", "a", "b", sign))
        assert "a" not in small.variables
        for sb, sc in itertools.product((-1, 1), repeat=2):
            assert small.energy({"b": sb, "c": sc}) == pytest.approx(bqm.energy({"a": sign * sb, "b": sb, "c": sc}))
    fixed = bqm.copy()
    eliminate(fixed, ("fix", "c", -1))
    assert fixed.energy({"a": 1, "b": -1}) == pytest.approx(bqm.energy({"a": 1, "b": -1, "c": -1}))


def test_correlations():
    bits = np.array([[0, 0], [1, 1]])
    M, m = _correlations(bits, np.array([0.5, 0.5]))
    assert M[0, 1] == pytest.approx(1.0) and m == pytest.approx([0.0, 0.0])


def _brute_maxcut(graph):
    n = graph.number_of_nodes()
    return max(sum(d.get("weight", 1.0) for u, v, d in graph.edges(data=True) if (k >> u) & 1 != (k >> v) & 1)
               for k in range(1 << n))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rqaoa_small_maxcut_matches_brute_force(seed):
    graph = nx.random_regular_graph(3, 10, seed=seed)
    problem = MaxCut(graph, name=f"rr10-{seed}")
    result = rqaoa(problem, cutoff=4, seed=seed, repair=False, local_search=False)
    assert result.objective == _brute_maxcut(graph)
    assert result.qubits == 10 and result.info["steps"] == 6
    assert len(result.info["eliminations"]) == 6


def test_rqaoa_weighted_and_validation():
    rng = np.random.default_rng(3)
    graph = nx.erdos_renyi_graph(9, 0.5, seed=3)
    for u, v in graph.edges:
        graph[u][v]["weight"] = float(rng.integers(1, 5))
    result = rqaoa(MaxCut(graph), cutoff=5, seed=0, repair=False, local_search=False)
    assert result.objective == _brute_maxcut(graph)
    with pytest.raises(ValueError, match="cutoff"):
        rqaoa(MaxCut(graph), cutoff=0)


@pytest.mark.parametrize("solver", ["qaoa", "vqe", "rqaoa"])
def test_result_api_and_json(solver):
    import json

    import qopt
    from qopt.solvers import solve
    from qopt.testing import assert_result_api

    problem = qopt.load("mknap1-1")
    opts = {"cutoff": 4} if solver == "rqaoa" else {}
    result = solve(problem, solver, maxiter=10, seed=0, **opts)
    assert_result_api(result, problem)
    assert result.qubits == 6 and result.solver == solver
    json.dumps(result.to_dict())  # everything in info is JSON-serialisable
