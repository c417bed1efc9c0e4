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
    from mitiq.cdr import generate_training_circuits
    from qopt.mitigation.transform import mitiq_round_trip, to_isa

    circuits = mitiq_round_trip(circuit, lambda c: generate_training_circuits(
        c, options.num_training_circuits, options.fraction_non_clifford, random_state=options.seed))
    return [to_isa(c, target) for c in circuits]


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


def cdr_fit(noisy_training, ideal_training, noisy_target, *, fraction_non_clifford: float | None = None) -> float:
    """``a * noisy_target + b`` with (a, b) the least-squares fit of ideal on noisy training values.

    Raises:
        MitigationError: every training circuit has the same ideal value. The fit would then return
            that value whatever the target measured (on a 6-qubit QAOA ring with Mitiq's default
            fraction 0.1, every training circuit has ``<ZZ> = 0`` and CDR returned the constant
            offset). ``fraction_non_clifford`` is only used in the message.
    """
    from qopt.errors import MitigationError

    x = np.asarray(noisy_training, dtype=np.float64)
    y = np.asarray(ideal_training, dtype=np.float64)
    if y.size < 2 or np.ptp(y) <= 1e-9 * max(1.0, float(np.abs(y).max(initial=0.0))):
        frac = "" if fraction_non_clifford is None else f" (now {fraction_non_clifford:g})"
        value = f"{y[0]:.6g}" if y.size else "none"
        raise MitigationError(
            f"cdr: all {y.size} training circuits have the same ideal value ({value}), so the regression "
            f"carries no information about the target; raise mitigation.cdr.fraction_non_clifford{frac} "
            "or num_training_circuits")
    if np.ptp(x) < 1e-12:  # noisy training values all equal: shift only
        return float(noisy_target + (y.mean() - x.mean()))
    a, b = np.polyfit(x, y, 1)
    return float(a * noisy_target + b)
