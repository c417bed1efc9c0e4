"""``native``: the classical reference per family on the original model (issue 18)."""

import itertools
import math
import subprocess
import sys
import time

import numpy as np
import pytest

from qopt.errors import ConfigError, SolverError
from qopt.problems import QuadraticAssignment, load
from qopt.problems.base import Problem
from qopt.result import Status
from qopt.solvers import SOLVERS, solve
from qopt.solvers.native import gilmore_lawler_bound
from qopt.testing import assert_result_api


def _random_qap(n, seed, asymmetric=True):
    rng = np.random.default_rng(seed)
    A = rng.integers(-3, 10, size=(n, n)).astype(float)
    B = rng.integers(0, 10, size=(n, n)).astype(float)
    if not asymmetric:
        A, B = A + A.T, B + B.T
    return QuadraticAssignment(A, B, name=f"random{n}-{seed}")


def _brute_qap(qap):
    return min(qap.cost_of_permutation(p) for p in itertools.permutations(range(qap.n)))


def test_registered():
    assert SOLVERS["native"] == "qopt.solvers.native:native"


# --------------------------------------------------------------------------- QAP
@pytest.mark.parametrize("name", ["nug12", "chr12a", "tai15b"])
def test_qap_returns_a_valid_permutation_and_its_cost(name):
    qap = load(name)
    r = solve(qap, "native", seed=3, time_limit=60, max_iterations=3000)
    assert_result_api(r, qap)
    perm = qap.solution_to_permutation(r.solution)
    assert perm is not None and sorted(perm.tolist()) == list(range(qap.n))
    assert r.feasible and r.objective == qap.cost_of_permutation(perm)
    assert r.objective >= qap.known_optimum  # published optimum: nothing can beat it
    assert "robust tabu" in r.info["method"]


@pytest.mark.parametrize("name", ["nug12", "chr12a", "had12"])
def test_qap_reaches_published_optimum_with_a_fixed_iteration_budget(name):
    qap = load(name)
    r = solve(qap, "native", seed=0, time_limit=120, max_iterations=50_000)
    assert r.objective == qap.known_optimum and r.status is Status.OPTIMAL


@pytest.mark.parametrize("seed", range(6))
def test_gilmore_lawler_bound_is_below_brute_force_optimum(seed):
    qap = _random_qap(6, seed, asymmetric=seed % 2 == 0)
    assert gilmore_lawler_bound(qap.flow, qap.distance) <= _brute_qap(qap) + 1e-9


def test_native_finds_brute_force_optimum_on_random_asymmetric_qap():
    for seed in range(3):
        qap = _random_qap(7, seed)
        r = solve(qap, "native", seed=seed, time_limit=60, max_iterations=2000)
        assert r.objective == pytest.approx(_brute_qap(qap))
        assert r.info["dual_bound"] <= r.objective + 1e-9


def test_swap_deltas_match_recomputed_costs():
    from qopt.problems._qap_search import _apply_swap, delta_matrix, perm_cost

    qap = _random_qap(9, 11)
    A, B = qap.flow, qap.distance
    rng = np.random.default_rng(0)
    p = rng.permutation(9).astype(np.int64)
    D = delta_matrix(A, B, p)
    for _ in range(20):  # O(1) updates stay exact along a walk of swaps
        for r, s in itertools.combinations(range(9), 2):
            q = p.copy()
            q[r], q[s] = q[s], q[r]
            assert D[r, s] == pytest.approx(perm_cost(A, B, q) - perm_cost(A, B, p))
        u, v = sorted(rng.choice(9, size=2, replace=False))
        _apply_swap(A, B, p, D, u, v)


def test_qap_local_search_reaches_a_2opt_local_optimum():
    qap = _random_qap(10, 5)
    rng = np.random.default_rng(1)
    x = qap.repair(rng.integers(0, 2, size=qap.num_variables))
    y = qap.local_search(x)
    p = qap.solution_to_permutation(y)
    cost = qap.cost_of_permutation(p)
    assert cost <= qap.evaluate(x)
    for r, s in itertools.combinations(range(qap.n), 2):
        q = p.copy()
        q[r], q[s] = q[s], q[r]
        assert qap.cost_of_permutation(q) >= cost - 1e-9


# --------------------------------------------------------------------------- bounds
@pytest.mark.parametrize("name", ["nug12", "weish06", "karate", "ms_03_050_002", "mknapcb1-5.100-00"])
def test_objective_never_better_than_dual_bound(name):
    problem = load(name)
    r = solve(problem, "native", seed=0, time_limit=3, max_iterations=500)
    bound = r.info["dual_bound"]
    assert bound is not None
    tol = 1e-6 * max(1.0, abs(bound))
    if problem.sense == "max":
        assert r.objective <= bound + tol
        assert problem.known_optimum <= bound + tol  # the bound is valid for the published optimum too
    else:
        assert r.objective >= bound - tol
        assert problem.known_optimum >= bound - tol
    if r.info["proven_optimal"]:
        assert r.objective == pytest.approx(problem.known_optimum) and r.status is Status.OPTIMAL


@pytest.mark.parametrize("name", ["weish06", "pb5", "karate", "johnson8-2-4"])
def test_milp_families_prove_published_optimum(name):
    problem = load(name)
    r = solve(problem, "native", seed=0, time_limit=60, max_iterations=3)
    assert r.info["proven_optimal"] and r.objective == problem.known_optimum
    assert r.info["dual_bound"] == pytest.approx(problem.known_optimum)
    assert r.info["warm_start"] and "HiGHS" in r.info["method"]
    assert r.info["best_incumbent"] == r.objective


def test_market_split_uses_the_elastic_form():
    problem = load("ms_03_050_002")
    r = solve(problem, "native", seed=0, time_limit=60)
    assert "elastic" in r.info["method"] and r.objective == 0 and r.feasible


# --------------------------------------------------------------------------- reproducibility
@pytest.mark.parametrize("name, cap", [("nug12", 4000), ("g05_60.0", 2), ("karate", 2), ("gka1b", 2)])
def test_reproducible_with_seed_and_iteration_cap(name, cap):
    problem = load(name)
    a = solve(problem, "native", seed=7, time_limit=120, max_iterations=cap)
    b = solve(problem, "native", seed=7, time_limit=120, max_iterations=cap)
    assert np.array_equal(a.solution, b.solution) and a.objective == b.objective


def test_maxcut_runs_sa_and_tabu_and_says_which_won():
    problem = load("g05_60.0")
    r = solve(problem, "native", seed=1, time_limit=60, max_iterations=2)
    assert r.info["best_method"] in ("sa", "tabu") and r.info["batches"] == {"sa": 2, "tabu": 2}
    assert r.info["dual_bound"] is None
    assert r.objective <= problem.known_optimum


def test_method_sa_runs_on_the_penalised_qubo():
    problem = load("pb5")
    r = solve(problem, "native", seed=1, time_limit=60, max_iterations=2, method="sa")
    assert "simulated annealing" in r.info["method"] and "penalised" in r.info["method"]
    assert r.info["batches"] == {"sa": 2}


def test_user_lp_model_goes_to_highs():
    import dimod

    from qopt.problems.lp import LPProblem

    cqm = dimod.lp.loads("Maximize\n obj: 3 a + 2 b + 4 c\nSubject To\n c1: a + b + c <= 2\n"
                         " c2: a + c <= 1\nBinary\n a b c\nEnd")
    p = LPProblem(cqm, sense="max", name="tiny")
    r = solve(p, "native", seed=0, time_limit=30)
    assert r.objective == 6 and r.feasible and "HiGHS" in r.info["method"] and r.info["proven_optimal"]


def test_stops_within_time_limit_plus_overhead():
    # the one timed check the issue asks for; the overhead allowed is generous (loaded CI machines)
    for name in ("nug20", "mknapcb1-5.100-00"):
        problem = load(name)
        t = time.perf_counter()
        r = solve(problem, "native", seed=0, time_limit=0.5)
        assert time.perf_counter() - t < 0.5 + 10.0
        assert r.feasible


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", [-1.0, 0.0, math.nan, math.inf, "10", True])
def test_bad_time_limit_is_one_clear_error(bad):
    with pytest.raises((SolverError, ConfigError), match="time_limit must be a finite number of seconds > 0"):
        solve(load("nug12"), "native", time_limit=bad)


class _SpinProblem(Problem):
    family = "spin-toy"

    @property
    def num_variables(self):
        return 2

    def cqm(self):
        import dimod

        cqm = dimod.ConstrainedQuadraticModel()
        cqm.set_objective(dimod.BinaryQuadraticModel({"s": 1.0}, {}, 0.0, "SPIN"))
        return cqm

    def evaluate(self, x):
        return 0.0


def test_family_without_a_method_is_one_clear_error():
    with pytest.raises(SolverError, match="no classical method for family 'spin-toy'"):
        solve(_SpinProblem(), "native", time_limit=1)


@pytest.mark.parametrize("value", ["nan", "-1"])
def test_cli_bad_time_limit_exits_2_with_one_line(value):
    proc = subprocess.run([sys.executable, "-m", "qopt", "solve", "nug12", "--solver", "native",
                           "--time-limit", value], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("qopt: error:") and "time" in lines[0].lower()


@pytest.mark.parametrize("name", ["g05_60.0", "nug12", "pb5", "karate"])
def test_a_spent_budget_still_returns_a_feasible_solution(name):
    problem = load(name)
    r = solve(problem, "native", seed=0, time_limit=1e-6)
    assert r.feasible and r.info["best_incumbent"] == r.objective
