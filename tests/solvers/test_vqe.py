"""CVaR-VQE: exact vs PennyLane values and gradients, CVaR limits, optimum found among samples."""

import networkx as nx
import numpy as np
import pytest

import qopt
from qopt.problems import IndependentSet
from qopt.solvers import vqe as V
from qopt.devices.circuits import HEACircuit
from qopt.devices.factory import make_runner, resolve_run_options
from qopt.solvers._variational import prepare

pytest.importorskip("pennylane")


class _HEA:
    """The HEA runner of ``prep``'s device with the objective at CVaR fraction ``alpha``."""

    def __init__(self, prep, n, depth, alpha, run=None, seed=0):
        self.alpha = alpha
        self.runner = make_runner(prep.device, prep, HEACircuit(n, depth), run=run, seed=seed)

    def value(self, x):
        return self.runner.objective(x, self.alpha)

    def value_and_grad(self, x):
        return self.runner.objective_and_grad(x, self.alpha)

    def expectation(self, x):
        return self.runner.value(x)


def _pair(problem, depth, diff_method=None, alpha=1.0):
    prep = prepare(problem, None)
    ref = _HEA(prep, prep.num_qubits, depth, alpha)
    prep_l = prepare(problem, "lightning")
    run = resolve_run_options(prep_l.device, shots=None, optimizer="cobyla", diff_method=diff_method, maxiter=1,
                              default_optimizer="cobyla", default_maxiter=1)
    return prep, ref, _HEA(prep_l, prep.num_qubits, depth, alpha, run, seed=0)


@pytest.mark.parametrize("diff_method", ["parameter-shift", "adjoint", "finite-diff"])
def test_hea_exact_matches_lightning_value_and_gradient(diff_method):
    problem = qopt.load("mknap1-1")
    prep, ref, pl = _pair(problem, 1, diff_method)
    x = np.random.default_rng(2).uniform(0, 2 * np.pi, 2 * prep.num_qubits)
    v1, g1 = ref.value_and_grad(x)
    v2, g2 = pl.value_and_grad(x)
    assert v2 == pytest.approx(v1, abs=1e-10)
    np.testing.assert_allclose(g2, g1, atol=1e-6 if diff_method == "finite-diff" else 1e-9)


def test_cvar_limits_and_exact_cvar_gradient():
    problem = qopt.load("mknap1-1")
    prep = prepare(problem, None)
    x = np.random.default_rng(4).uniform(0, 2 * np.pi, 3 * 6)
    plain = _HEA(prep, 6, 2, 1.0)
    assert _HEA(prep, 6, 2, 1.0).value(x) == pytest.approx(plain.expectation(x), rel=1e-12)
    values = [_HEA(prep, 6, 2, a).value(x) for a in (0.05, 0.25, 0.5, 1.0)]
    assert all(a <= b + 1e-12 for a, b in zip(values, values[1:]))  # CVaR non-decreasing in alpha
    ev = _HEA(prep, 6, 2, 0.3)
    v, g = ev.value_and_grad(x)
    h = 1e-6
    for k in (0, 7, 15):
        e = np.zeros_like(x)
        e[k] = h
        assert g[k] == pytest.approx((ev.value(x + e) - ev.value(x - e)) / (2 * h), abs=1e-5)


def test_pennylane_cvar_from_probabilities_matches_exact():
    problem = qopt.load("mknap1-1")
    prep, ref, pl = _pair(problem, 1, alpha=0.25)
    x = np.random.default_rng(1).uniform(0, 2 * np.pi, 12)
    assert pl.value(x) == pytest.approx(ref.value(x), abs=1e-10)


def test_cvar_vqe_finds_optimum_among_raw_samples():
    problem = qopt.load("mknap1-1")
    result = V.vqe(problem, layers=2, cvar_alpha=0.25, maxiter=150, seed=1, repair=False, local_search=False)
    assert result.feasible and result.objective == problem.known_optimum
    assert result.info["optimal_mass"] > 0 and result.qubits == 6
    assert result.info["final_cvar"] <= result.info["final_expectation"] + 1e-9
    assert result.info["optimizer"] == "cobyla" and result.info["circuit_executions"] > 0


def test_cvar_vqe_mis_seeds():
    g = nx.Graph([(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 5), (2, 6), (4, 7), (5, 6), (6, 7)])
    mis = IndependentSet(g, name="mis8", known_optimum=4)
    found = [V.vqe(mis, layers=2, cvar_alpha=0.25, maxiter=150, seed=s, repair=False, local_search=False).objective
             for s in range(3)]
    assert max(found) == 4


def test_vqe_lightning_and_shots_run():
    problem = qopt.load("mknap1-1")
    r = V.vqe(problem, device="lightning", layers=1, cvar_alpha=0.5, shots=300, maxiter=10, seed=0)
    assert r.info["shots"] == 300 and r.info["num_samples"] <= 300 and r.feasible
    a = V.vqe(problem, layers=1, maxiter=20, shots=100, seed=5)
    b = V.vqe(problem, layers=1, maxiter=20, shots=100, seed=5)
    assert a.info["energy_trace"] == b.info["energy_trace"] and np.array_equal(a.solution, b.solution)
    with pytest.raises(ValueError, match="cvar_alpha"):
        V.vqe(problem, cvar_alpha=0.0)


def test_ctrl_c_reads_out_the_best_parameters_marked_interrupted(monkeypatch):
    import networkx as nx

    from qopt.devices.exact_runner import ExactRunner
    from qopt.problems import MaxCut

    calls = {"n": 0}
    value = ExactRunner.objective

    def ctrl_c_at_call_15(self, x, alpha=1.0):
        calls["n"] += 1
        if calls["n"] == 15:
            raise KeyboardInterrupt
        return value(self, x, alpha)

    monkeypatch.setattr(ExactRunner, "objective", ctrl_c_at_call_15)
    r = qopt.solve(MaxCut(nx.cycle_graph(4), name="ring4"), "vqe", optimizer="cobyla", maxiter=100, seed=0)
    assert r.info["interrupted"] is True and r.info["objective_evaluations"] == 14
    assert r.raw["shots"] == 1024
