"""Pauli Correlation Encoding: capacities, correlators, loss, gradients, end-to-end optima."""

from __future__ import annotations

import json
from functools import reduce
from itertools import product

import dimod
import networkx as nx
import numpy as np
import pytest

from qopt.errors import ConfigError
from qopt.problems import load
from qopt.problems.maxcut import MaxCut
from qopt.solvers import pce as P

PAULI = {"x": np.array([[0, 1], [1, 0]], dtype=complex), "y": np.array([[0, -1j], [1j, 0]]),
         "z": np.diag([1.0, -1.0]).astype(complex), "i": np.eye(2, dtype=complex)}


def _string(n, qubits, basis):
    return reduce(np.kron, [PAULI[basis] if q in qubits else PAULI["i"] for q in range(n)])


def _random_bqm(m, seed):
    rng = np.random.default_rng(seed)
    bqm = dimod.BinaryQuadraticModel("BINARY")
    for i in range(m):
        bqm.add_linear(i, float(rng.integers(-5, 6)))
    for i in range(m):
        for j in range(i + 1, m):
            if rng.random() < 0.6:
                bqm.add_quadratic(i, j, float(rng.integers(-5, 6)))
    bqm.offset = 3.0
    return bqm


@pytest.mark.parametrize("n,k,cap", [(6, 2, 45), (7, 2, 63), (9, 2, 108), (17, 3, 2040), (5, 1, 15)])
def test_capacity_formula(n, k, cap):
    assert P.capacity(n, k) == cap == 3 * len(list(__import__("itertools").combinations(range(n), k)))


@pytest.mark.parametrize("m,k,n", [(45, 2, 6), (60, 2, 7), (67, 2, 8), (116, 2, 10), (100, 2, 9),
                                   (2000, 3, 17), (7000, 3, 26), (7000, 2, 69), (800, 3, 13)])
def test_min_qubits(m, k, n):
    assert P.min_qubits(m, k) == n
    assert P.capacity(n, k) >= m > P.capacity(n - 1, k)


def test_correlator_masks_order_and_errors():
    basis, mask = P.correlator_masks(7, 3, 2)
    # X on (0,1),(0,2),(1,2), then Y, then Z; qubit q = bit n-1-q
    assert basis.tolist() == [0, 0, 0, 1, 1, 1, 2]
    assert mask.tolist() == [0b110, 0b101, 0b011, 0b110, 0b101, 0b011, 0b110]
    assert len(set(zip(*P.correlator_masks(45, 6, 2)))) == 45
    with pytest.raises(ValueError, match="capacity 3\\*C\\(3,2\\) = 9"):
        P.correlator_masks(10, 3, 2)


def test_ising_form_matches_bqm_energies():
    bqm = _random_bqm(6, 1)
    h, r, c, J, off = P.ising_from_bqm(bqm, range(6))
    for x in product((0, 1), repeat=6):
        s = 1 - 2 * np.array(x)
        assert off + h @ s + np.sum(J * s[r] * s[c]) == pytest.approx(bqm.energy(dict(enumerate(x))))


def test_parities_match_dense_pauli_strings():
    from qopt.devices.exact.brickwork import brickwork_state, num_parameters, pauli_parities
    import torch

    n = 4
    rng = np.random.default_rng(2)
    state = brickwork_state(torch.tensor(rng.uniform(0, 6, num_parameters(n, 2))), n, 2)
    par = pauli_parities(state, n)
    psi = state.numpy()
    for basis in "xyz":
        for qubits in [(0,), (1, 3), (0, 2, 3), (0, 1, 2, 3)]:
            mask = sum(1 << (n - 1 - q) for q in qubits)
            ref = np.vdot(psi, _string(n, qubits, basis) @ psi).real
            assert par[basis][mask].item() == pytest.approx(ref, abs=1e-12)


def test_brickwork_matches_pennylane():
    import pennylane as qml
    import torch

    from qopt.devices.exact.brickwork import AXES as _AXES, brickwork_state, num_parameters

    n, layers = 3, 3
    theta = np.random.default_rng(3).uniform(0, 6, num_parameters(n, layers))
    rot = {"x": qml.RX, "y": qml.RY, "z": qml.RZ}

    @qml.qnode(qml.device("default.qubit", wires=n))
    def circuit(p):
        per = 5 * n - 1
        for layer in range(layers):
            a, b = _AXES[layer % 3]
            q0 = layer * per
            for half in (0, 1):
                off = q0 + 2 * n * half
                for q in range(n):
                    rot[a](p[off + q], wires=q)
                    rot[b](p[off + n + q], wires=q)
                for q in range(half, n - 1, 2):
                    qml.IsingXX(p[q0 + 4 * n + q], wires=[q, q + 1])
        return qml.state()

    ours = brickwork_state(torch.tensor(theta), n, layers).numpy()
    assert abs(np.vdot(np.asarray(circuit(theta)), ours)) == pytest.approx(1.0, abs=1e-12)


def test_paper_ring_loss_value():
    """Check value of the spec: C8, alpha = 4.5, <Pi> = (+1, -1, ...): -5.1239."""
    g = nx.cycle_graph(8)
    rows, cols = np.array([u for u, v in g.edges]), np.array([v for u, v in g.edges])
    nu = P.poljak_turzik_nu(rows, cols, np.ones(8), 8)
    assert nu == pytest.approx(5.75)
    e = np.array([1.0, -1.0] * 4)
    loss, energy = P.pce_loss_numpy(e, np.zeros(8), rows, cols, np.ones(8), alpha=4.5, beta=0.5, nu=nu)
    assert loss == pytest.approx(-5.1239, abs=1e-4)
    assert energy == pytest.approx(-8 * np.tanh(4.5) ** 2)


def test_loss_at_sign_correct_expectations_is_the_objective():
    bqm = _random_bqm(6, 4)
    model = P.PCEModel(bqm, range(6), n=3, k=2, layers=1, alpha=25.0)
    for x in product((0, 1), repeat=6):
        e = 1.0 - 2 * np.array(x, dtype=float)  # sign-correct, saturated correlators
        loss, energy = P.pce_loss_numpy(0.9 * e, model.h, model.rows, model.cols, model.J,
                                        alpha=model.alpha, beta=model.beta, nu=model.nu)
        assert energy + model.offset == pytest.approx(bqm.energy(dict(enumerate(x))), abs=1e-6)
        assert loss - energy == pytest.approx(model.beta * model.nu, rel=1e-9)
        assert model.decode(0.9 * e).tolist() == list(x)


def test_torch_loss_matches_numpy_and_gradient_matches_finite_differences():
    bqm = _random_bqm(7, 5)
    model = P.PCEModel(bqm, range(7), n=3, k=2, layers=2)
    rng = np.random.default_rng(6)
    theta = rng.uniform(0, 2 * np.pi, model.num_parameters)
    value, grad = model.value_and_grad(theta)
    ref, _ = P.pce_loss_numpy(model.expectations(theta), model.h, model.rows, model.cols, model.J,
                              alpha=model.alpha, beta=model.beta, nu=model.nu)
    assert value == pytest.approx(ref, rel=1e-12)
    eps = 1e-6
    fd = np.array([(model.value(theta + eps * d) - model.value(theta - eps * d)) / (2 * eps)
                   for d in np.eye(len(theta))])
    np.testing.assert_allclose(grad, fd, atol=1e-6 * max(1.0, np.abs(fd).max()))


@pytest.mark.parametrize("name,qubits,seed,restarts", [
    ("mammalia-kangaroo-interactions", 4, 0, 1),
    ("gka1b", 5, 1, 2),
    ("mknap1-1", 7, 1, 2),
])
def test_end_to_end_finds_known_optimum(name, qubits, seed, restarts):
    problem = load(name)
    result = P.pce(problem, qubits=qubits, k=2, layers=2, maxiter=150, seed=seed, restarts=restarts)
    assert result.feasible and result.qubits == qubits
    assert result.objective == pytest.approx(problem.known_optimum)
    assert result.info["num_parameters"] == 2 * (5 * qubits - 1)


def test_end_to_end_maxcut_petersen_without_repair_help():
    problem = MaxCut(nx.petersen_graph(), known_optimum=12)
    result = P.pce(problem, k=1, layers=3, maxiter=200, seed=2, restarts=2, local_search=False,
                   local_search_rounds=1)
    assert result.qubits == 4  # 3 * C(4, 1) = 12 >= 10
    assert result.objective == 12


def test_shots_on_exact_simulator_and_errors():
    problem = MaxCut(nx.cycle_graph(6), known_optimum=6)
    r = P.pce(problem, qubits=3, k=2, shots=200, maxiter=40, seed=1)
    assert r.options["optimizer"] == "cobyla" and r.options["shots"] == 200 and r.feasible
    with pytest.raises(ConfigError, match="needs exact gradients"):
        P.pce(problem, qubits=3, shots=100, optimizer="lbfgs", seed=1)
    with pytest.raises(ConfigError, match="unknown PCE optimizer"):
        P.pce(problem, qubits=3, optimizer="newton", seed=1)
    with pytest.raises(ValueError, match="use --qubits >= 3"):
        P.pce(problem, qubits=2, k=2)


def test_pennylane_device_path_agrees_with_exact():
    problem = MaxCut(nx.cycle_graph(5), known_optimum=4)
    bqm, _ = problem.to_bqm()
    model = P.PCEModel(bqm, range(5), n=3, k=2, layers=1)
    on_lightning = P.PCEModel(bqm, range(5), n=3, k=2, layers=1, device="lightning", seed=1)
    assert type(model.runner).__name__ == "ExactCorrelators"
    assert type(on_lightning.runner).__name__ == "PennyLaneCorrelators"
    theta = np.random.default_rng(8).uniform(0, 6, model.num_parameters)
    np.testing.assert_allclose(on_lightning.expectations(theta), model.expectations(theta), atol=1e-10)
    loss, grad = model.value_and_grad(theta)
    loss_l, grad_l = on_lightning.value_and_grad(theta)  # adjoint through the QNode vs torch autograd
    assert loss_l == pytest.approx(loss, abs=1e-6)
    np.testing.assert_allclose(grad_l, grad, atol=1e-6)


def test_cli_solve_json():
    from click.testing import CliRunner

    from qopt.cli import cli

    out = CliRunner().invoke(cli, ["solve", "mammalia-kangaroo-interactions", "--solver", "pce", "--qubits", "5",
                                   "--k", "2", "--device", "hardware_configs/exact.yaml", "--layers", "1",
                                   "--maxiter", "30", "--seed", "3", "--output", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["solver"] == "pce" and data["qubits"] == 5 and data["feasible"]
    assert data["info"]["k"] == 2 and data["info"]["capacity"] == 30


def test_adam_optimizer_and_restarts_are_recorded():
    problem = MaxCut(nx.cycle_graph(6), known_optimum=6)
    r = P.pce(problem, qubits=3, k=2, optimizer="adam", maxiter=40, lr=0.1, restarts=2, seed=5)
    assert r.options["optimizer"] == "adam" and r.options["restarts"] == 2 and r.info["iterations"] == 80
    assert r.objective == 6 and r.info["objective_after_flips"] >= r.info["objective_decoded"]


# --------------------------------------------------------------------------- issue 17: first runs
def test_choose_encoding_fits_k_to_the_qubits_given():
    from qopt.errors import ConfigError
    from qopt.solvers.pce import capacity, choose_encoding

    assert choose_encoding(800, 17) == (17, 3)  # G1 with --qubits 17: k = 2 holds only 408
    assert choose_encoding(800) == (13, 3)  # k = 2 would need 24 qubits
    assert choose_encoding(17) == (4, 2) and choose_encoding(17, None, 3) == (5, 3)
    n, k = choose_encoding(5000, 20)
    assert capacity(n, k) >= 5000 and k == 4  # 3 C(20, 3) = 3420 is too small
    with pytest.raises(ConfigError, match="use --qubits >= 24 or leave --k out"):
        choose_encoding(800, 17, 2)
    with pytest.raises(ConfigError, match="do not fit on 3 qubits with any correlator order"):
        choose_encoding(800, 3)


def test_pce_stops_early_once_the_signs_are_stable_and_still_finds_the_optimum():
    import qopt

    problem = qopt.load("mammalia-kangaroo-interactions")  # MIS, optimum 4
    result = qopt.solve(problem, "pce", qubits=4, seed=0, maxiter=500)
    assert result.info["k"] == 2 and result.info["converged"] is True
    assert result.info["iterations"] < 500 and result.objective == problem.known_optimum
    full = qopt.solve(problem, "pce", qubits=4, seed=0, maxiter=60, patience=0)
    assert full.info["converged"] is False and full.info["iterations"] == 60


def test_ctrl_c_returns_the_best_solution_so_far_marked_interrupted(monkeypatch):
    import qopt
    from qopt.solvers.pce import PCEModel

    real = PCEModel.value_and_grad
    calls = {"n": 0}

    def interrupted_at_call_8(self, params, rng=None):
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt
        return real(self, params, rng)

    monkeypatch.setattr(PCEModel, "value_and_grad", interrupted_at_call_8)
    problem = qopt.load("mammalia-kangaroo-interactions")
    result = qopt.solve(problem, "pce", qubits=4, seed=0, restarts=3)
    assert result.info["interrupted"] is True and calls["n"] == 8  # later restarts are skipped
    assert result.feasible and result.objective == problem.evaluate(result.solution)


def test_pce_runs_on_a_pennylane_device_through_the_factory():
    # the solver never reads the device kind: the correlator runner comes from qopt.devices.factory
    problem = MaxCut(nx.cycle_graph(6), known_optimum=6)
    exact = P.pce(problem, qubits=3, k=2, layers=1, maxiter=25, seed=2, local_search_rounds=0, patience=0)
    light = P.pce(problem, qubits=3, k=2, layers=1, maxiter=25, seed=2, local_search_rounds=0, patience=0,
                  device="lightning")
    assert light.info["device"] == "lightning" and exact.info["device"] == "exact"
    # same start, same optimiser, same analytic loss: the same decoded cut
    assert light.info["objective_decoded"] == exact.info["objective_decoded"]
    sampled = P.pce(problem, qubits=3, k=2, layers=1, maxiter=15, seed=2, shots=256, device="lightning")
    assert sampled.options["optimizer"] == "cobyla" and problem.evaluate(sampled.solution) == sampled.objective
