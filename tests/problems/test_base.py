"""Problem.encode: one rule for the constraint-encoding options, whatever the problem."""

import networkx as nx

import qopt
from qopt.problems import MaxCut


def test_unconstrained_problems_encode_to_their_objective_whatever_the_options():
    ring = MaxCut(nx.cycle_graph(5), name="ring5")
    bqm, decoder = ring.encode(penalty=123.0, slack="unbalanced", weights={"c0": 2.0})
    ref, _ = ring.to_bqm()
    assert bqm == ref and bqm.num_variables == 5


def test_constrained_problems_pass_the_options_on():
    problem = qopt.load("mknap1-1")
    a, dec_a = problem.encode(penalty=10.0, slack="binary")
    b, _ = problem.encode(penalty=20.0, slack="binary")
    ref, _ = problem.to_bqm(penalty=10.0, slack="binary")
    assert a == ref and a != b  # the penalty reaches the QUBO
    u, _ = problem.encode(penalty=10.0, slack="unbalanced")
    assert u.num_variables == problem.num_variables < a.num_variables  # unbalanced: no slack bits
