"""Clifford data regression (Czarnik, Arrasmith, Coles, Cincio, Quantum 5, 592 (2021)).

Training circuits are the ISA circuit with all but a fraction of its non-Clifford ``rz`` angles
replaced by Clifford angles (Mitiq's ``generate_training_circuits``); their noisy values (run in the
same job as the target) and ideal values (exact state vector, they are near-Clifford and small) fit
``ideal = a * noisy + b``, applied to the target's noisy value. Cost per evaluation:
``1 + num_training_circuits`` device executions + ``num_training_circuits`` classical simulations.
"""

from __future__ import annotations

import numpy as np

__all__ = ["training_circuits", "ideal_probabilities", "cdr_fit"]


def training_circuits(circuit, options, target) -> list:
    """Near-Clifford training circuits of a bound measured ISA circuit (translated back to ISA, measured
    into a ``meas`` register exactly as ``circuit``)."""
    import warnings

    from mitiq.cdr import generate_training_circuits
    from qopt.mitigation.transform import restore_layout, to_isa

    with warnings.catch_warnings():  # Mitiq's Qiskit round trip warns about registers on laid-out circuits
        warnings.simplefilter("ignore", UserWarning)
        circuits = generate_training_circuits(circuit, options.num_training_circuits, options.fraction_non_clifford,
                                              random_state=options.seed)
    return [to_isa(restore_layout(circuit, c), target) for c in circuits]


def ideal_probabilities(circuit) -> np.ndarray:
    """Noiseless distribution over the measured clbits of a bound circuit, shape (2**m,), bit q of
    the index = clbit q. Simulates only the qubits the circuit touches."""
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector

    meas = {}
    active: list[int] = []
    for inst in circuit.data:
        for q in inst.qubits:
            i = circuit.find_bit(q).index
            if i not in active:
                active.append(i)
        if inst.operation.name == "measure":
            meas[circuit.find_bit(inst.clbits[0]).index] = circuit.find_bit(inst.qubits[0]).index
    pos = {q: k for k, q in enumerate(active)}
    small = QuantumCircuit(len(active))
    for inst in circuit.data:
        if inst.operation.name in ("measure", "barrier"):
            continue
        small.append(inst.operation, [pos[circuit.find_bit(q).index] for q in inst.qubits])
    probs = Statevector(small).probabilities_dict()
    m = len(meas)
    out = np.zeros(1 << m)
    for key, p in probs.items():  # key: bit string, qubit 0 rightmost
        index = 0
        for c in range(m):
            if key[-1 - pos[meas[c]]] == "1":
                index |= 1 << c
        out[index] += p
    return out


def cdr_fit(noisy_training, ideal_training, noisy_target) -> float:
    """``a * noisy_target + b`` with (a, b) the least-squares fit of ideal on noisy training values."""
    x = np.asarray(noisy_training, dtype=np.float64)
    y = np.asarray(ideal_training, dtype=np.float64)
    if np.ptp(x) < 1e-12:  # degenerate training set: shift only
        return float(noisy_target + (y.mean() - x.mean()))
    a, b = np.polyfit(x, y, 1)
    return float(a * noisy_target + b)
