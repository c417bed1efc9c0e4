"""Hardware-like final readout of the quantum solvers (issue 14, "Readout like hardware")."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import qopt
from qopt.devices import exact
from qopt.devices.exact_runner import ExactRunner
from qopt.problems import MaxCut
from qopt.solvers.qaoa import qaoa
from qopt.solvers.rqaoa import rqaoa
from qopt.solvers.vqe import vqe


def _graph():
    return MaxCut(nx.random_regular_graph(3, 8, seed=4))


@pytest.mark.parametrize("solver", [qaoa, vqe])
def test_default_readout_is_1024_shots_on_the_exact_device(solver):
    r = solver(qopt.load("mknap1-1"), maxiter=5, seed=1)
    readout = r.info["readout"]
    assert readout["readout"] == "shots" and readout["shots"] == 1024 and r.options["shots"] == 1024
    assert int(r.samples.record.num_occurrences.sum()) <= 1024  # decoded from the shots, nothing else


def test_shots_option_sets_the_readout_and_top_k_is_explicit():
    problem = qopt.load("mknap1-1")
    r = qaoa(problem, maxiter=5, seed=1, shots=200)
    assert r.info["readout"]["shots"] == 200
    t = qaoa(problem, maxiter=5, seed=1, readout="top-k", top_k=5)
    assert t.info["readout"] == {**t.info["readout"], "readout": "top-k", "top_k": 5}
    assert t.info["num_samples"] == 5 and t.options["readout"] == "top-k"


def test_exact_block_matches_the_final_state():
    problem = _graph()  # unweighted MaxCut: objective = cut = -E (BQM energy)
    r = qaoa(problem, layers=2, maxiter=20, seed=3)
    block = r.info["readout"]["exact"]
    assert block is not None
    # the BQM energy is -cut, so the exact expected cut is minus the final expectation of E
    assert block["expected_objective"] == pytest.approx(-r.info["final_expectation"], rel=1e-9)
    assert block["feasible_fraction"] == pytest.approx(1.0)
    opt = problem.known_optimum
    assert opt is None or 0.0 <= block["p_optimum"] <= 1.0


def test_exact_block_probability_of_optimum_with_a_known_optimum():
    problem = qopt.load("mknap1-1")
    r = qaoa(problem, layers=1, maxiter=10, seed=2)
    block = r.info["readout"]["exact"]
    assert 0.0 <= block["feasible_fraction"] <= 1.0 and 0.0 <= block["p_optimum"] <= block["feasible_fraction"]
    # the shots' feasible share estimates the exact feasible fraction (5 standard errors)
    sigma = np.sqrt(block["feasible_fraction"] * (1 - block["feasible_fraction"]) / 1024)
    assert r.info["feasible_mass"] == pytest.approx(block["feasible_fraction"], abs=5 * sigma + 1e-3)


def test_rqaoa_never_reads_the_full_distribution(monkeypatch):
    """On a 20-variable problem RQAOA reads ``shots`` bitstrings per step and brute-forces only the
    residual <= cutoff spins: the exact distribution over 2**n states is never read."""

    def refuse(self, x):
        raise AssertionError(f"read all {2 ** self.n} probabilities")

    monkeypatch.setattr(ExactRunner, "probabilities", refuse)
    problem = MaxCut(nx.random_regular_graph(3, 20, seed=1))
    r = rqaoa(problem, cutoff=8, maxiter=10, restarts=1, seed=1)
    assert r.info["readout"]["shots"] == 1024 and r.info["readout"]["residual_brute_force"] <= 8
    assert r.info["steps"] == 20 - r.info["readout"]["residual_brute_force"]
    assert r.feasible
