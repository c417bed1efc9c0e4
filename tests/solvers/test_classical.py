"""Classical baselines reproduce published optima (exact) and reach them (tabu)."""

import numpy as np
import pytest

from qopt.problems import Knapsack, load
from qopt.result import Status
from qopt.solvers import SOLVERS, get_solver, solve
from qopt.testing import assert_result_api

EXACT = ["mknap1-1", "mknap1-2", "mknap1-3", "mknap1-5", "mknap1-7",
         "mammalia-kangaroo-interactions", "johnson8-2-4", "karate", "football",
         "ms_03_050_002", "ms_03_050_005", "ms_03_100_019"]


@pytest.mark.parametrize("name", EXACT)
def test_exact_reproduces_published_optimum(name):
    problem = load(name)
    result = solve(problem, "exact", time_limit=60)
    assert_result_api(result, problem)
    assert result.feasible
    assert result.objective == pytest.approx(problem.known_optimum)
    assert result.info["proven_optimal"] and result.status is Status.OPTIMAL
    assert result.gap == pytest.approx(0.0)


@pytest.mark.parametrize("name", ["bqp50-1", "bqp50-4", "bqp50-7", "gka1b", "gka2b", "gka6a", "gka1c",
                                  "gka1a", "gka4b"])
def test_tabu_reaches_published_optimum_on_small_qubos(name):
    problem = load(name)
    result = solve(problem, "tabu", seed=1, num_reads=10, timeout_s=0.1)
    assert_result_api(result, problem)
    assert result.objective == problem.known_optimum


@pytest.mark.parametrize("name", ["nug12", "had12"])
def test_tabu_within_two_percent_on_qap12(name):
    problem = load(name)
    result = solve(problem, "tabu", seed=1, num_reads=20, timeout_s=0.15)
    assert result.feasible
    assert result.gap <= 0.02, result


@pytest.mark.parametrize("solver", ["sa", "tabu"])
def test_heuristics_return_feasible_knapsack_solutions(solver):
    problem = load("mknap1-3")
    result = solve(problem, solver, seed=3)
    assert_result_api(result, problem)
    assert result.feasible and result.qubits is None
    assert result.info["feasible_after_repair"] == 1.0
    assert 0 <= result.info["feasible_before_repair"] <= 1
    assert len(result.samples) >= 1 and result.samples.record.is_feasible.all()


def test_sa_is_reproducible_with_a_seed():
    problem = load("karate")
    a, b = solve(problem, "sa", seed=7, num_reads=5), solve(problem, "sa", seed=7, num_reads=5)
    assert np.array_equal(a.solution, b.solution)


def test_unbalanced_slack_option_is_recorded():
    problem = load("mknap1-1")
    result = solve(problem, "sa", seed=0, slack="unbalanced")
    assert result.feasible and result.options["slack"] == "unbalanced"
    assert all(e != "slack" for e in result.info["qubo"]["encodings"].values())


def test_registry_and_option_errors():
    assert {"exact", "sa", "tabu"} <= set(SOLVERS)
    with pytest.raises(ValueError, match="unknown solver 'nope'"):
        get_solver("nope")
    with pytest.raises(ValueError, match="does not take option"):
        solve(Knapsack([1], [[1]], [1]), "sa", layers=3)
    with pytest.raises(ValueError, match="num_reads"):
        solve(Knapsack([1], [[1]], [1]), "sa", num_reads=0)
    with pytest.raises(ValueError, match="time_limit"):
        solve(Knapsack([1], [[1]], [1]), "exact", time_limit=-1)
