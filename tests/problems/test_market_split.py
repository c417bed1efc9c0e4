import numpy as np

from qopt.problems import MarketSplit, load
from qopt.testing import assert_problem_api, brute_force


def test_objective_is_residual_and_feasible_iff_zero():
    ms = MarketSplit([[1, 2, 3], [2, 1, 1]], [4, 3])
    assert_problem_api(ms, repairable=False)
    assert ms.evaluate([1, 0, 1]) == 0 and ms.is_feasible([1, 0, 1])
    assert ms.evaluate([1, 1, 1]) == abs(6 - 4) + abs(4 - 3)
    assert brute_force(ms)[1] == 0


def test_bundled_instance_local_search_never_worse():
    ms = load("ms_03_050_002")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, ms.num_variables)
    assert ms.evaluate(ms.local_search(x)) <= ms.evaluate(x)
