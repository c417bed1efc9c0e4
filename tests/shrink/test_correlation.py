"""Correlation estimates from samples."""

import numpy as np
import pytest

import qopt
from qopt.shrink import ShrunkProblem, correlation_matrix, sample_matrix


def test_correlation_matrix_values_and_reference():
    X = np.array([[1, 0, 1], [1, 1, 0], [1, 0, 0], [1, 1, 1]])
    M = correlation_matrix(X)
    assert M.shape == (4, 4)
    assert np.allclose(np.diag(M), 1.0)
    assert M[0, 3] == 1.0                       # x_0 always 1
    assert M[1, 3] == 0.0                       # x_1 half the time
    assert M[1, 2] == 0.0                       # independent
    w = np.array([0.0, 0.0, 1.0, 1.0])
    assert correlation_matrix(X, w)[1, 2] == 1.0


def test_correlation_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match="non-empty 2-D"):
        correlation_matrix(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="weights"):
        correlation_matrix(np.zeros((2, 3)), np.array([-1.0, 1.0]))


@pytest.mark.parametrize("source", ["sa", "exact"])
def test_samples_of_small_knapsack_reach_the_optimum(source):
    problem = qopt.load("mknap1-1")
    ident = ShrunkProblem.identity(problem, )
    X, w = sample_matrix(ident, source="exact" if source == "exact" else "sa", seed=3, num_reads=64,
                         slack="unbalanced" if source == "exact" else "binary")
    assert X.shape[1] == problem.num_variables and len(w) == len(X)
    assert max(problem.evaluate(x) for x in X) == problem.known_optimum
    assert all(problem.is_feasible(x) for x in X)


def test_sample_matrix_rejects_unknown_source():
    with pytest.raises(ValueError, match="source must be one of"):
        sample_matrix(ShrunkProblem.identity(qopt.load("mknap1-1")), source="sdp")


def test_qaoa_source_samples_small_problems_and_falls_back_on_large_ones():
    from qopt.shrink import shrink
    from qopt.solvers import SOLVERS

    if "qaoa" not in SOLVERS:
        pytest.skip("qaoa solver not registered")
    problem = qopt.load("mknap1-2")                      # 10 items: 10 qubits with unbalanced slack
    X, w = sample_matrix(ShrunkProblem.identity(problem), source="qaoa", seed=1, slack="unbalanced",
                         qaoa_options={"layers": 1, "maxiter": 20})
    assert X.shape[1] == 10 and all(problem.is_feasible(x) for x in X)
    small, merges = shrink(problem, 6, seed=1, slack="unbalanced", source="qaoa",
                           qaoa_options={"layers": 1, "maxiter": 20}, qaoa_max_qubits=8)
    assert small.qubits <= 6 and merges
