"""Probabilistic error cancellation: noise levels from the backend's calibration, the sampled
circuits, the estimator, and recovery of the ideal value on an exactly depolarising noise model."""

import networkx as nx
import numpy as np
import pytest

pytest.importorskip("qiskit_ibm_runtime")
pytest.importorskip("mitiq")

from qopt.devices import load_device  # noqa: E402
from qopt.devices.qiskit_runner import QiskitRunner  # noqa: E402
from qopt.mitigation.runner import mitigate  # noqa: E402
from qopt.mitigation.pec import gate_noise_levels, pec_estimate, sample_circuits, sampling_overhead  # noqa: E402
from qopt.problems import MaxCut  # noqa: E402
from qopt.qubo.ising import ising_terms  # noqa: E402
from qopt.solvers._variational import prepare  # noqa: E402
from qopt.devices.circuits import qaoa_gates  # noqa: E402

X = np.array([0.6, -0.39])  # near-optimal p = 1 angles of the 4-ring


def _runner(device, mitigation=None, shots=None, seed=1):
    ring = MaxCut(nx.cycle_graph(4), name="ring4")
    prep = prepare(ring, device)
    h, J, _ = ising_terms(prep.bqm, prep.variables)
    h, J = h / prep.scale, {k: v / prep.scale for k, v in J.items()}
    return mitigate(QiskitRunner(prep, lambda x: qaoa_gates(h, J, x[:1], x[1:]), shots=shots, seed=seed),
                    mitigation)


def _depolarising(runner) -> None:
    """Replace the runner's exact simulator by one whose noise is exactly depolarising, at the
    backend's reported gate errors (the model PEC's representations assume), without readout error."""
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel, depolarizing_error

    target = runner.target.target
    model = NoiseModel()
    for name in target.operation_names:
        if name in ("measure", "rz", "delay", "reset"):
            continue
        for qargs, props in target[name].items():
            if props is not None and props.error:
                d = 2 ** len(qargs)  # average gate error r = lambda (d - 1) / d
                model.add_quantum_error(depolarizing_error(props.error * d / (d - 1), len(qargs)), name,
                                        list(qargs))
    getattr(runner, "runner", runner)._exact_sim = AerSimulator(method="density_matrix", noise_model=model)


def _ideal(runner) -> float:
    from qiskit.quantum_info import Statevector

    from qopt.devices.circuits import to_qiskit

    n = runner.n
    idx = np.arange(1 << n)
    z = 1.0 - 2.0 * ((idx[:, None] >> np.arange(n)[None, :]) & 1)
    p = Statevector(to_qiskit(runner.build(X), n)).probabilities()
    return runner.energy_of_probabilities(p)


def test_noise_levels_are_pauli_error_probabilities_of_the_reported_gate_errors():
    target = load_device("ibm_fake").fake_backend().target
    two, one = gate_noise_levels(target)
    r = target["cx"][(0, 1)].error
    assert two[frozenset((0, 1))] == pytest.approx(max(r, target["cx"][(1, 0)].error) * 5 / 4)
    assert one[2] == pytest.approx(max(target["sx"][(2,)].error, target["x"][(2,)].error) * 3 / 2)
    assert all(len(k) == 2 for k in two) and set(one) == set(range(target.num_qubits))


def test_sampled_circuits_add_only_paulis_and_gamma_is_the_product_of_gate_norms():
    runner = _runner("ibm_fake", shots=100)
    bound = runner.bound_circuit(X)
    circuits, signs, gamma = sample_circuits(bound, runner.target, num_samples=60, rng=np.random.RandomState(3))
    assert len(circuits) == signs.size == 60 and set(np.unique(signs)) == {-1.0, 1.0}
    two, one = gate_noise_levels(runner.target.target)
    expected = 1.0
    for inst in bound.data:
        qubits = [bound.find_bit(q).index for q in inst.qubits]
        if inst.operation.name in ("cx", "ecr", "cz"):
            p, k = two[frozenset(qubits)], 16
        elif inst.operation.name in ("sx", "x"):
            p, k = one[qubits[0]], 4
        else:
            continue
        eps = k / (k - 1) * p  # Mitiq's depolarising parameter; norm 1 + 2 (k-1)/k eps / (1 - eps)
        expected *= 1 + 2 * (k - 1) / k * eps / (1 - eps)
    assert gamma == pytest.approx(expected, rel=1e-9)
    base = bound.count_ops()
    for c, s in zip(circuits, signs):
        ops = c.count_ops()
        for name in ("cx", "sx", "measure"):
            assert ops.get(name, 0) == base.get(name, 0)  # gates and measurements kept, on the same qubits
        added = sum(ops.values()) - sum(v for k, v in base.items() if k != "barrier")
        if s < 0:
            assert added > 0  # a negative sign comes from (an odd number of) inserted Paulis
        assert set(ops) <= {"rz", "sx", "x", "cx", "measure"}  # ISA only


def test_estimator_keeps_the_offset_out_of_the_sampling():
    assert pec_estimate([-2.9, -2.8], [1, 1], 1.0, offset=-2.0) == pytest.approx(-2.85)
    assert pec_estimate([-2.9, -2.7], [1, -1], 1.5, offset=-2.0) == pytest.approx(-2.0 + 1.5 * (-0.9 + 0.7) / 2)
    assert sampling_overhead(1.5) == pytest.approx(2.25)
    with pytest.raises(ValueError, match="same non-empty shape"):
        pec_estimate([1.0], [1, 1], 1.0)


def test_pec_recovers_the_ideal_value_under_exactly_depolarising_noise():
    noisy = _runner("aer_noisy")
    _depolarising(noisy)
    ideal = _ideal(noisy)
    noisy_error = abs(noisy.value(X) - ideal)  # 0.109
    pec = _runner("aer_noisy", mitigation={"pec": {"num_samples": 500, "seed": 0}})
    _depolarising(pec)
    assert abs(pec.value(X) - ideal) < 0.35 * noisy_error  # measured 0.016-0.024 over seeds 0-2
    info = pec.info()
    assert info["executions_by_purpose"]["pec"] == 500 and info["jobs"] == 1
    assert info["pec_gamma"] > 1.0 and info["mitigation"]["pec"]["num_samples"] == 500


def test_pec_with_readout_on_the_fake_backend_and_no_gradient():
    from qopt.errors import ConfigError

    noisy = _runner("ibm_fake", shots=2000)
    ideal = _ideal(noisy)
    pec = _runner("ibm_fake", mitigation={"pec": {"num_samples": 200, "seed": 0}, "readout": True}, shots=2000)
    assert abs(pec.value(X) - ideal) < 0.5 * abs(noisy.value(X) - ideal)  # measured 0.02-0.06 vs 0.23
    assert pec.info()["executions_by_purpose"]["calibration"] == 2
    with pytest.raises(ConfigError, match="gradient-free"):
        pec.value_and_grad(X)
