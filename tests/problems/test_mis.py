import networkx as nx
import numpy as np
import pytest

from qopt.problems import IndependentSet, load
from qopt.testing import assert_problem_api, brute_force


def test_api_on_petersen_and_optimum():
    mis = IndependentSet(nx.petersen_graph())
    assert_problem_api(mis)
    assert brute_force(mis)[1] == 4


def test_violations_name_edges():
    mis = IndependentSet(nx.path_graph(3))
    assert mis.violations([1, 1, 0]) == {"edge_0_1": 1.0, "edge_1_2": 0.0}
    assert not mis.is_feasible([1, 1, 0]) and mis.is_feasible([1, 0, 1])


def test_repair_on_bundled_graph():
    mis = load("karate")
    assert_problem_api(mis, samples=10)
    x = mis.repair(np.ones(mis.num_variables, dtype=np.int8))
    assert mis.is_feasible(x) and mis.evaluate(x) >= 1


def test_bad_graph():
    g = nx.Graph([("a", "b")])
    with pytest.raises(ValueError):
        IndependentSet(g)
