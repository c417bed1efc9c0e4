"""shrink_and_solve end to end: expansion, verification, repair, CLI."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import qopt
from qopt.shrink import shrink_and_solve


@pytest.mark.parametrize("name,budget", [("mknap1-3", 12), ("weish06", 20), ("karate", 20), ("football", 20),
                                         ("nug12", 20)], ids=["mknap1-3", "weish06", "karate", "football", "nug12"])
def test_sa_on_shrunk_bundled_instances_is_feasible(name, budget, fast):
    problem = qopt.load(name)
    r = shrink_and_solve(problem, solver="sa", max_qubits=budget, seed=1, shrink_options=fast)
    assert r.feasible and r.qubits <= budget
    assert r.n_variables == problem.num_variables and r.instance == name
    assert r.info["qubits_before"] > r.info["qubits_after"] == r.qubits
    assert r.info["num_merges"] == len(r.info["merges"]) > 0
    assert r.info["feasible_after_repair"] is True
    assert r.objective == problem.evaluate(r.solution)
    if problem.family == "qap":
        assert sorted(problem.solution_to_permutation(r.solution)) == list(range(problem.n))


@pytest.mark.parametrize("name", ["mknap1-5", "karate", "chr12a"], ids=["mdkp", "mis", "qap"])
def test_repair_of_any_expanded_solution_is_feasible(name, shrunk):
    problem = qopt.load(name)
    small, _ = shrunk(name, 20, 11)
    rng = np.random.default_rng(9)
    for y in rng.integers(0, 2, size=(25, small.num_variables)):
        assert problem.is_feasible(problem.repair(small.expand(y)))


@pytest.mark.parametrize("solver", ["exact", "tabu"])
def test_shrinking_is_solver_agnostic(solver, fast):
    r = shrink_and_solve(qopt.load("mknap1-5"), solver=solver, max_qubits=16, seed=2, shrink_options=fast)
    assert r.feasible and r.qubits <= 16 and r.solver == solver


def test_static_mode_and_options_are_recorded():
    r = shrink_and_solve(qopt.load("karate"), solver="sa", mode="static", max_qubits=20, seed=0,
                         shrink_options={"num_reads": 32, "polish": 8}, num_reads=20)
    assert r.feasible and r.options["shrink"] == "static" and r.options["num_reads"] == 20
    assert r.info["correlation_rounds"] == 1
    with pytest.raises(ValueError, match="unknown shrink option"):
        shrink_and_solve(qopt.load("karate"), solver="sa", max_qubits=20, shrink_options={"bogus": 1})


def test_fitting_problem_is_solved_unshrunk():
    r = shrink_and_solve(qopt.load("mknap1-1"), solver="sa", max_qubits=100, seed=0)
    assert r.info["num_merges"] == 0 and r.qubits == 48 and r.feasible


def test_cli_shrink_max_qubits_json():
    exe = os.path.join(os.path.dirname(sys.executable), "qopt")
    out = subprocess.run([exe, "solve", "mknap1-3", "--solver", "sa", "--shrink", "adaptive", "--max-qubits", "12",
                          "--seed", "1", "--output", "json"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["qubits"] <= 12 and data["feasible"] is True
    assert data["info"]["qubits_before"] == 102


def test_cli_impossible_budget_is_one_line_error():
    exe = os.path.join(os.path.dirname(sys.executable), "qopt")
    out = subprocess.run([exe, "solve", "nug12", "--solver", "sa", "--max-qubits", "5"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    assert out.stderr.strip().startswith("qopt: error:") and "one-hot groups" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("level", ["none", "one-round", "full"])
def test_raw_block_is_on_the_expanded_original_samples(level, fast):
    """issue 14: raw metrics are computed on the original problem, before repair / local search."""
    problem = qopt.load("mknap1-3")
    r = shrink_and_solve(problem, solver="random", max_qubits=8, seed=2, shots=200, postprocess=level,
                         shrink_options=fast)
    assert r.info["num_merges"] > 0 and r.postprocess == level
    raw = r.raw_samples
    X = raw.record.sample
    assert X.shape[1] == problem.num_variables and r.raw["shots"] == 200
    assert int(raw.record.num_occurrences.sum()) == 200 and r.raw["distinct"] == len(X)
    feas = np.array([problem.is_feasible(x) for x in X])
    w = raw.record.num_occurrences / 200
    assert r.raw["feasible_fraction"] == pytest.approx(float(w[feas].sum()))
    objectives = np.array([problem.evaluate(x) for x in X])
    assert r.raw["expected_objective"] == pytest.approx(float(w @ objectives))
    if level == "none":
        assert r.objective == r.raw["best_objective"] and r.solution_from == "raw sample"
    elif r.raw["best_feasible"]:
        assert r.objective >= r.raw["best_objective"]
