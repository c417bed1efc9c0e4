import itertools

import numpy as np
import pytest

from qopt.problems import QuadraticAssignment, load
from qopt.testing import assert_problem_api


def _small(seed=0, n=4):
    rng = np.random.default_rng(seed)
    flow = rng.integers(0, 9, (n, n)); np.fill_diagonal(flow, 0)
    dist = rng.integers(1, 9, (n, n)); np.fill_diagonal(dist, 0)
    return QuadraticAssignment(flow, dist)


def test_api_and_permutation_cost():
    qap = _small()
    assert_problem_api(qap)
    for perm in itertools.permutations(range(4)):
        x = qap.permutation_to_solution(perm)
        assert qap.is_feasible(x)
        assert qap.evaluate(x) == pytest.approx(qap.cost_of_permutation(perm))
        assert list(qap.solution_to_permutation(x)) == list(perm)


def test_published_solution_of_chr12a():
    qap = load("chr12a")
    assert qap.known_optimum == 9552
    rng = np.random.default_rng(1)
    x = qap.local_search(qap.repair(rng.integers(0, 2, qap.num_variables)))
    assert qap.is_feasible(x) and qap.evaluate(x) >= 9552


def test_non_square_matrices():
    with pytest.raises(ValueError):
        QuadraticAssignment(np.ones((3, 3)), np.ones((4, 4)))
