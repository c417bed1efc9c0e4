import numpy as np
import pytest

from qopt.problems import QUBO, load
from qopt.testing import assert_problem_api, brute_force


def test_from_matrix_energy():
    Q = np.array([[-1.0, 2.0], [0.0, -1.0]])
    q = QUBO.from_matrix(Q)
    assert_problem_api(q)
    for x in ([0, 0], [1, 0], [0, 1], [1, 1]):
        x = np.array(x)
        assert q.evaluate(x) == pytest.approx(x @ Q @ x)
    assert brute_force(q)[1] == -1


def test_bundled_gka1b_is_the_20_variable_instance():
    q = load("gka1b")  # its brute-force optimum is checked in test_readers.py
    assert q.num_variables == 20 and q.known_optimum == -133 and q.sense == "min"
