"""Clifford data regression pieces: the fit, its refusal of uninformative training sets, and the
ideal distribution of a laid-out, partially measured circuit."""

import numpy as np
import pytest

from qopt.errors import MitigationError
from qopt.mitigation.cdr import cdr_fit


def test_fit_inverts_a_linear_noise_map():
    ideal = np.array([-1.0, -0.4, 0.3, 0.9])
    noisy = 0.7 * ideal - 0.05  # depolarising-like shrink plus a bias
    target_ideal = 0.55
    assert cdr_fit(noisy, ideal, 0.7 * target_ideal - 0.05) == pytest.approx(target_ideal)


def test_equal_noisy_training_values_shift_only():
    assert cdr_fit([0.5, 0.5], [1.0, 2.0], 0.7) == pytest.approx(0.7 + 1.5 - 0.5)


@pytest.mark.parametrize("ideal", [[-3.0, -3.0, -3.0], [-3.0]])
def test_uninformative_training_set_is_refused(ideal):
    with pytest.raises(MitigationError, match=r"same ideal value \(-3\).*fraction_non_clifford \(now 0.1\)"):
        cdr_fit([-2.1, -2.3, -2.2][:len(ideal)], ideal, -2.2, fraction_non_clifford=0.1)


def test_ideal_probabilities_of_a_laid_out_partially_measured_circuit():
    pytest.importorskip("qiskit")
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector

    from qopt.mitigation.cdr import ideal_probabilities

    qc = QuantumCircuit(7, 2)  # physical qubits 5 and 2 carry logical clbits 0 and 1
    qc.ry(0.7, 5)
    qc.cx(5, 2)
    qc.rx(0.3, 2)
    qc.measure(5, 0)
    qc.measure(2, 1)
    small = QuantumCircuit(2)
    small.ry(0.7, 0)
    small.cx(0, 1)
    small.rx(0.3, 1)
    expected = Statevector(small).probabilities()  # index bit 0 = small qubit 0 = clbit 0
    np.testing.assert_allclose(ideal_probabilities(qc), expected, atol=1e-12)
