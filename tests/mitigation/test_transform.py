"""Mitiq transformations on ISA circuits: parameters, layout and unitary kept; on ECR devices every
folded, decoupled, training or PEC circuit keeps exactly the device's two-qubit gates, on the
device's qubit pairs (Mitiq's Cirq round trip alone expands ECR gates)."""

import numpy as np
import pytest

pytest.importorskip("mitiq")
pytest.importorskip("qiskit_ibm_runtime")
from qiskit import QuantumCircuit  # noqa: E402
from qiskit.circuit import Parameter  # noqa: E402
from qiskit.quantum_info import Operator  # noqa: E402

from qopt.mitigation.cdr import ideal_probabilities  # noqa: E402
from qopt.mitigation.transform import mitiq_round_trip, to_isa  # noqa: E402
from qopt.mitigation.zne import fold  # noqa: E402


@pytest.fixture(scope="module")
def ecr_isa():
    """A bound, measured 4-qubit circuit transpiled to the 27-qubit ECR device FakePeekskill."""
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_ibm_runtime.fake_provider import FakePeekskill

    backend = FakePeekskill()
    qc = QuantumCircuit(4)
    qc.h(range(4))
    for a, b in ((0, 1), (1, 2), (2, 3), (3, 0)):
        qc.rzz(0.7, a, b)
    qc.rx(0.45, range(4))
    qc.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=5).run(qc)
    assert isa.count_ops().get("ecr", 0) >= 8
    return backend, isa


def _pairs_supported(circuit, target) -> bool:
    return all(target.instruction_supported(i.operation.name, tuple(circuit.find_bit(q).index for q in i.qubits))
               for i in circuit.data if i.operation.num_qubits == 2)


@pytest.mark.parametrize("method, scale", [("global", 3.0), ("global", 5.0), ("all", 3.0), ("local", 3.0)])
def test_folding_on_an_ecr_device_scales_its_gates_exactly(ecr_isa, method, scale):
    backend, isa = ecr_isa
    folded = to_isa(mitiq_round_trip(isa, lambda c: fold(c, scale, method=method, seed=2)), backend)
    ecr = isa.count_ops()["ecr"]
    if method == "local":
        assert ecr < folded.count_ops()["ecr"] <= int(scale) * ecr  # random gates folded, ECRs among them
    else:
        assert folded.count_ops()["ecr"] == int(scale) * ecr  # each ECR 3x / 5x, none expanded
    assert _pairs_supported(folded, backend.target)
    np.testing.assert_allclose(ideal_probabilities(folded), ideal_probabilities(isa), atol=1e-9)


def test_ddd_cdr_and_pec_circuits_keep_the_device_gates(ecr_isa):
    from qopt.mitigation.cdr import training_circuits
    from qopt.mitigation.config import CDROptions
    from qopt.mitigation.pec import sample_circuits
    from qopt.mitigation.transform import insert_ddd

    backend, isa = ecr_isa
    ecr = isa.count_ops()["ecr"]
    ddd = to_isa(mitiq_round_trip(isa, lambda c: insert_ddd(c, "xx")), backend)
    assert ddd.count_ops()["ecr"] == ecr and _pairs_supported(ddd, backend.target)
    np.testing.assert_allclose(ideal_probabilities(ddd), ideal_probabilities(isa), atol=1e-9)
    for c in training_circuits(isa, CDROptions(num_training_circuits=3, fraction_non_clifford=0.5), backend):
        assert c.count_ops()["ecr"] == ecr and _pairs_supported(c, backend.target)
    circuits, signs, gamma = sample_circuits(isa, backend, num_samples=8, rng=np.random.RandomState(1))
    for c in circuits:
        assert c.count_ops()["ecr"] == ecr and _pairs_supported(c, backend.target)


def test_to_isa_turns_a_reversed_two_qubit_gate_around(ecr_isa):
    backend, _ = ecr_isa
    target = backend.target
    a, b = next(q for q in target["ecr"] if q is not None)
    qc = QuantumCircuit(backend.num_qubits, 2)
    qc.sx(a)
    qc.rz(0.4, b)
    qc.ecr(b, a)  # the direction the device does not have
    qc.measure(a, 0)
    qc.measure(b, 1)
    out = to_isa(qc, backend)
    assert _pairs_supported(out, target) and set(out.count_ops()) <= set(target.operation_names) | {"measure"}
    np.testing.assert_allclose(ideal_probabilities(out), ideal_probabilities(qc), atol=1e-9)


def test_parametric_transform_keeps_parameters_layout_and_unitary():
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    from qopt.devices.occurrences import occurrence_template
    from qopt.mitigation.transform import parametric_transform, to_isa

    backend = FakeManilaV2()
    p = [Parameter(f"s{i}") for i in range(4)]
    qc = QuantumCircuit(3)
    qc.h(range(3))
    qc.rzz(p[0], 0, 1)
    qc.rzz(p[1], 1, 2)
    qc.rz(p[2], 2)
    for q in range(3):
        qc.rx(p[3], q)
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=3).run(qc)
    folded = to_isa(parametric_transform(isa, lambda c: fold(c, 3.0), seed=1), backend)
    assert set(folded.parameters) == set(p)
    assert set(folded.count_ops()) <= set(backend.target.operation_names) | {"barrier", "measure"}
    assert folded.num_qubits == isa.num_qubits == backend.num_qubits  # physical qubits kept
    # every ISA two-qubit gate is folded 3x; no gate is lost
    assert folded.count_ops()["cx"] == 3 * isa.count_ops()["cx"]
    vals = dict(zip(p, np.random.default_rng(0).uniform(-2, 2, 4)))
    assert Operator(folded.assign_parameters(vals)).equiv(Operator(isa.assign_parameters(vals)))
    T = occurrence_template(folded, p)
    base = occurrence_template(isa, p)
    assert T.num_occurrences == 3 * base.num_occurrences
    theta = np.array(list(vals.values()))
    bound = T.circuit.assign_parameters(dict(zip(T.circuit.parameters, T.bindings(T.angles(theta)))))
    assert Operator(bound).equiv(Operator(isa.assign_parameters(vals)))


def test_restore_layout_maps_compressed_qubits_back():
    from qopt.mitigation.transform import restore_layout

    original = QuantumCircuit(5, 2)
    original.h(1)
    original.cx(1, 4)
    original.measure(4, 0)
    original.measure(1, 1)
    compressed = QuantumCircuit(2, 2)  # what a Cirq round trip returns: active qubits 1, 4 -> 0, 1
    compressed.h(0)
    compressed.cx(0, 1)
    out = restore_layout(original, compressed)
    assert out.num_qubits == 5
    assert [(out.find_bit(i.qubits[0]).index, out.find_bit(i.clbits[0]).index) for i in out.data
            if i.operation.name == "measure"] == [(4, 0), (1, 1)]
    assert [tuple(out.find_bit(q).index for q in i.qubits) for i in out.data[:2]] == [(1,), (1, 4)]


def test_zne_runs_on_an_ecr_device_through_the_runner():
    """FakeSherbrooke-class devices (ECR) rejected the folded circuits before the stand-in fix:
    'The instruction ecr on qubits (122, 123) is not supported by the target system'."""
    import networkx as nx

    from qopt.devices import load_device
    from qopt.devices.qiskit_runner import QiskitRunner
    from qopt.mitigation.runner import mitigate
    from qopt.problems import MaxCut
    from qopt.qubo.ising import ising_terms
    from qopt.solvers._variational import prepare
    from qopt.devices.circuits import qaoa_gates

    device = load_device({"name": "peekskill", "kind": "ibm", "backend": "FakePeekskill", "shots": 500, "seed": 7,
                          "options": {"confirm_above_shots": 1e12}})
    prep = prepare(MaxCut(nx.cycle_graph(4), name="ring4"), device)
    h, J, _ = ising_terms(prep.bqm, prep.variables)
    h, J = h / prep.scale, {k: v / prep.scale for k, v in J.items()}
    runner = mitigate(QiskitRunner(prep, lambda x: qaoa_gates(h, J, x[:1], x[1:]), shots=500, seed=1),
                      {"zne": {"scale_factors": [1, 3, 5]}, "ddd": {"rule": "xx"}})
    value = runner.value(np.array([0.6, -0.39]))
    assert -4.0 <= value * prep.scale <= 0.0
    templates = runner.templates(np.array([0.6, -0.39]), runner.variants)
    counts = [t.circuit.count_ops()["ecr"] for t in templates]
    assert counts == [counts[0], 3 * counts[0], 5 * counts[0]]
    for t in templates:
        assert _pairs_supported(t.circuit, runner.target.target)
