"""Correlator runners (PCE): the exact torch state vector and PennyLane QNodes read the same
correlators of the brickwork ansatz, exactly when analytic and within shot noise when sampled."""

from __future__ import annotations

import numpy as np
import pytest

from qopt.devices import load_device
from qopt.devices.circuits import brickwork_gates
from qopt.devices.factory import make_correlator_runner, require_exact
from qopt.errors import ConfigError

torch = pytest.importorskip("torch")

N, LAYERS = 3, 2
# X on qubit 0; Y on qubits 1, 2; Z on 0, 2; XX on 0, 1; ZZZ on all three (mask bit n-1-q = qubit q)
BASIS = np.array([0, 1, 2, 0, 2])
MASK = np.array([0b100, 0b011, 0b101, 0b110, 0b111])


def _params(seed=4):
    from qopt.devices.exact.brickwork import num_parameters

    return torch.tensor(np.random.default_rng(seed).uniform(0, 2 * np.pi, num_parameters(N, LAYERS)))


def _dense_expectations(params) -> np.ndarray:
    """Reference: Qiskit's Statevector of the gate list, Pauli strings by Qiskit."""
    from qiskit.quantum_info import Pauli, Statevector

    from qopt.devices.circuits import to_qiskit

    state = Statevector(to_qiskit(brickwork_gates(params.numpy(), N, LAYERS), N))
    out = []
    for b, m in zip(BASIS, MASK):
        label = ["I"] * N  # Qiskit labels put qubit 0 rightmost
        for q in range(N):
            if (int(m) >> (N - 1 - q)) & 1:
                label[N - 1 - q] = "XYZ"[int(b)]
        out.append(state.expectation_value(Pauli("".join(label))).real)
    return np.array(out)


def test_factory_picks_the_runner_from_the_device_kind():
    exact = make_correlator_runner(load_device("exact"), n=N, layers=LAYERS, basis=BASIS, mask=MASK)
    light = make_correlator_runner(load_device("lightning"), n=N, layers=LAYERS, basis=BASIS, mask=MASK)
    assert type(exact).__name__ == "ExactCorrelators" and exact.differentiable
    assert type(light).__name__ == "PennyLaneCorrelators" and light.differentiable
    sampled = make_correlator_runner(load_device("exact"), n=N, layers=LAYERS, basis=BASIS, mask=MASK, shots=100)
    assert not sampled.differentiable


def test_exact_and_pennylane_match_qiskit_statevector():
    pytest.importorskip("qiskit")
    params = _params()
    ref = _dense_expectations(params)
    for device in ("exact", "lightning"):
        runner = make_correlator_runner(load_device(device), n=N, layers=LAYERS, basis=BASIS, mask=MASK)
        got = runner.expectations(params).detach().numpy()
        np.testing.assert_allclose(got, ref, atol=1e-10, err_msg=device)
    assert np.ptp(ref) > 0.3  # a probe that distinguishes the correlators


def test_gradients_agree_between_autograd_and_the_device_and_finite_differences():
    params = _params(7)
    weights = torch.tensor([1.0, -0.5, 2.0, 0.7, -1.3], dtype=torch.float64)
    grads = []
    for device in ("exact", "lightning"):
        runner = make_correlator_runner(load_device(device), n=N, layers=LAYERS, basis=BASIS, mask=MASK)
        p = params.clone().requires_grad_(True)
        (weights @ runner.expectations(p)).backward()
        grads.append(p.grad.numpy())
    exact = make_correlator_runner(load_device("exact"), n=N, layers=LAYERS, basis=BASIS, mask=MASK)
    eps, fd = 1e-6, np.zeros(len(params))
    for i in range(len(params)):
        up, down = params.clone(), params.clone()
        up[i] += eps
        down[i] -= eps
        fd[i] = float(weights @ exact.expectations(up) - weights @ exact.expectations(down)) / (2 * eps)
    np.testing.assert_allclose(grads[0], fd, atol=1e-6)
    np.testing.assert_allclose(grads[1], grads[0], atol=1e-6)


@pytest.mark.parametrize("device", ["exact", "lightning"])
def test_shots_read_the_correlators_within_shot_noise(device):
    params = _params(9)
    exact = make_correlator_runner(load_device("exact"), n=N, layers=LAYERS, basis=BASIS, mask=MASK)
    ref = exact.expectations(params).numpy()
    shots = 4000
    runner = make_correlator_runner(load_device(device), n=N, layers=LAYERS, basis=BASIS, mask=MASK,
                                    shots=shots, seed=11)
    got = runner.expectations(params, np.random.default_rng(11)).detach().numpy()
    sigma = np.sqrt(np.clip(1 - ref**2, 1e-4, None) / shots)
    assert np.all(np.abs(got - ref) <= 5 * sigma + 1e-9), (got, ref)
    assert not np.allclose(got, ref, atol=1e-12)  # sampled, not exact


def test_exact_shots_need_an_rng():
    runner = make_correlator_runner(load_device("exact"), n=N, layers=LAYERS, basis=BASIS, mask=MASK, shots=10)
    with pytest.raises(ConfigError, match="rng"):
        runner.expectations(_params())


def test_brickwork_gates_checks_the_parameter_count():
    with pytest.raises(ValueError, match="needs 28 parameters"):
        brickwork_gates(np.zeros(5), N, LAYERS)


def test_require_exact_names_the_solver_and_the_device():
    require_exact(load_device("exact"), "QRAO")
    with pytest.raises(ConfigError, match="QRAO runs on qopt's exact simulation only; device 'lightning'"):
        require_exact(load_device("lightning"), "QRAO")
