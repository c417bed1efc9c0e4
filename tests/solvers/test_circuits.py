"""Gate lists, Qiskit rendering and the reference OpenQASM 3 circuits in circuits/."""

import numpy as np
import pytest

import qopt
from qopt.devices import exact
from qopt.qubo.ising import ising_terms
from qopt.solvers._variational import prepare
from qopt.devices.circuits import hea_gates, qaoa_gates, to_qiskit
from qopt.solvers.qasm import circuits_dir, export_qaoa_qasm, qaoa_qasm
from qopt.solvers.qaoa import ramp_angles

pytest.importorskip("qiskit")

REFERENCE = [("mknap1-1", 1), ("mknap1-1", 2), ("mammalia-kangaroo-interactions", 1), ("g05_60.0", 1)]


@pytest.mark.parametrize("name,layers", REFERENCE, ids=[f"{n}-p{p}" for n, p in REFERENCE])
def test_regenerating_reference_circuits_gives_same_text(name, layers):
    path = circuits_dir() / f"qaoa_{name}_p{layers}.qasm"
    assert path.is_file(), f"missing reference circuit {path}; run: qopt export-circuit {name} --layers {layers}"
    assert qaoa_qasm(name, layers=layers) == path.read_text()


def _expectation_from_qiskit(qc, prep):
    from qiskit.quantum_info import Statevector

    qc = qc.copy()
    qc.remove_final_measurements()
    probs = Statevector.from_instruction(qc).probabilities()  # index bit q = qubit q (little endian)
    n = prep.num_qubits
    idx = np.arange(1 << n)
    bits = ((idx[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int8)  # column q = qubit q
    return float(probs @ prep.bqm.energies((bits, prep.variables)))


def test_reloaded_qasm_simulates_to_exact_expectation():
    pytest.importorskip("qiskit_qasm3_import")
    from qiskit import qasm3

    text = (circuits_dir() / "qaoa_mknap1-1_p2.qasm").read_text()
    qc = qasm3.loads(text)
    prep = prepare(qopt.load("mknap1-1"), None)
    g, b = ramp_angles(2)
    E = prep.energies() / prep.scale
    want = exact.qaoa_value(E, g, b) * prep.scale
    assert _expectation_from_qiskit(qc, prep) == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("mixer", ["x", "warm", "xy"])
def test_qiskit_rendering_matches_exact_simulator(mixer):
    problem = qopt.load("mknap1-1")
    prep = prepare(problem, None)
    h, J, _ = ising_terms(prep.bqm, prep.variables)
    h, J = h / prep.scale, {k: v / prep.scale for k, v in J.items()}
    g, b = np.array([0.4, 0.9]), np.array([-0.3, 0.5])
    E = prep.energies() / prep.scale
    kw, gkw = {}, {}
    if mixer == "warm":
        c = np.array([0.3, 0.7, 0.5, 0.25, 0.6, 0.4])
        kw = {"initial": c}
        gkw = {"warm_thetas": exact.warm_start_angles(c)}
    elif mixer == "xy":
        groups, bits = [[0, 1, 2], [3, 4]], np.array([0, 1, 0, 1, 0, 0])
        from qopt.devices.circuits import xy_initial_state

        kw = {"initial": xy_initial_state(bits, groups), "groups": groups}
        gkw = {"groups": groups, "initial_bits": bits}
    want = exact.qaoa_value(E, g, b, mixer=mixer, **kw) * prep.scale
    qc = to_qiskit(qaoa_gates(h, J, g, b, mixer=mixer, **gkw), 6)
    assert _expectation_from_qiskit(qc, prep) == pytest.approx(want, rel=1e-10, abs=1e-8)


def test_hea_gates_match_exact():
    prep = prepare(qopt.load("mknap1-1"), None)
    t = np.random.default_rng(0).uniform(0, 6, (3, 6))
    qc = to_qiskit(hea_gates(t, 6), 6)
    want = float(exact.probabilities(exact.hea_state(t, 6)) @ prep.energies())
    assert _expectation_from_qiskit(qc, prep) == pytest.approx(want, rel=1e-10)


def test_export_to_path(tmp_path):
    out = export_qaoa_qasm("mknap1-1", layers=1, path=tmp_path / "c.qasm")
    assert out.read_text().startswith("OPENQASM 3.0;")
