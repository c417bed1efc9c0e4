import networkx as nx
import numpy as np
import pytest

from qopt.problems import MaxCut, load
from qopt.testing import assert_problem_api, brute_force


def test_cut_value_equals_minus_bqm_energy():
    g = nx.cycle_graph(5)
    nx.set_edge_attributes(g, {e: w for e, w in zip(g.edges, [1, 2, 3, -1, 1])}, "weight")
    mc = MaxCut(g)
    assert_problem_api(mc)
    bqm, _ = mc.to_bqm()
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.integers(0, 2, 5)
        cut = sum(d["weight"] for u, v, d in g.edges(data=True) if x[u] != x[v])
        assert mc.evaluate(x) == pytest.approx(cut)
        assert bqm.energy({i: int(b) for i, b in enumerate(x)}) == pytest.approx(-cut)


def test_ring_optimum():
    assert brute_force(MaxCut(nx.cycle_graph(6)))[1] == 6


def test_gset_g1_loads():
    g1 = load("g1")
    assert g1.num_variables == 800 and g1.known_optimum == 11624
