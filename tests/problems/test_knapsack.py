import numpy as np
import pytest

from qopt.errors import InfeasibleModelError
from qopt.problems import Knapsack, load
from qopt.testing import assert_problem_api, brute_force


def test_api_and_toy_values():
    kp = Knapsack([10, 20, 30, 40], [[2, 3, 4, 5], [1, 2, 3, 4]], [8, 5])
    assert_problem_api(kp)
    assert kp.evaluate([1, 0, 0, 1]) == 50 and kp.is_feasible([1, 0, 0, 1])
    assert kp.violations([1, 1, 1, 1]) == {"capacity_0": 6.0, "capacity_1": 5.0}
    assert brute_force(kp)[1] == 50


def test_repair_then_local_search_reaches_optimum_on_mknap1_1():
    kp = load("mknap1-1")
    x = kp.local_search(kp.repair(np.ones(kp.num_variables, dtype=np.int8)))
    assert kp.is_feasible(x)
    assert kp.evaluate(x) <= kp.known_optimum


def test_bundled_instances_obey_contract():
    for name in ("mknap1-2", "mknap1-7"):
        assert_problem_api(load(name), samples=10)


@pytest.mark.parametrize("args, err, match", [
    (([1, 2], [[1]], [1]), ValueError, "shape"),
    (([1, np.nan], [[1, 1]], [1]), ValueError, "finite|NaN|nan"),
    (([1, 2], [[1, -1]], [1]), ValueError, "negative"),
    (([1, 2], [[1, 1]], [-1]), InfeasibleModelError, "capacity"),
])
def test_bad_data(args, err, match):
    with pytest.raises(err, match=match):
        Knapsack(*args)
