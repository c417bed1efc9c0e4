"""Mitiq circuit transformations (folding, DDD) on *parametrised* ISA Qiskit circuits.

Mitiq transforms bound circuits (it round-trips them through OpenQASM 2 and Cirq). To transform a
transpiled circuit once and bind parameters afterwards, :func:`parametric_transform` binds every
parameter to a distinct *marker* angle, applies the transformation, and maps each rotation
whose angle equals ``+-(marker value) mod 2 pi`` back to its parameter expression (with the sign:
folding inserts inverses). Fixed gates are untouched, qubits keep their physical indices (the
layout), measurements stay. :func:`to_isa` then translates gates the transformation introduced
(``sxdg``) to the backend's basis without routing or optimisation (which would cancel the folds).

Mitiq converts Qiskit circuits through OpenQASM 2 and Cirq, which keeps ``cx`` and ``cz`` as single
gates but expands others: an ``ecr`` (the two-qubit gate of IBM's Eagle devices) came back as
several ``cx``-based gates, which translated to more ``ecr`` gates than the circuit had, some on
qubit pairs the device does not support. :func:`mitiq_round_trip` therefore swaps each
parameterless, self-inverse two-qubit gate Cirq would expand for a stand-in it keeps (``cz`` or
``cx``, whichever the circuit does not use), runs the Mitiq transformation, restores the layout
and swaps the original gate back, so folds, DDD, CDR training circuits and PEC samples keep exactly
the device's gates, on the device's qubit pairs.

The parameter-shift rule is applied per gate occurrence (a folded gate occurs 3, 5, ... times) by the
runner (:mod:`qopt.devices.occurrences`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np

from qopt.errors import SolverError

__all__ = ["parametric_transform", "mitiq_round_trip", "active_qubits", "restore_layout", "to_isa", "insert_ddd"]

_TOL = 1e-6


def _wrap(d: float) -> float:
    """``d`` reduced to (-pi, pi]."""
    return d - 2 * math.pi * round(d / (2 * math.pi))


def _fixed_angles(circuit) -> list[float]:
    out = []
    for inst in circuit.data:
        for p in inst.operation.params:
            if isinstance(p, (int, float)):
                out.append(float(p))
    return out


def parametric_transform(circuit, fn: Callable, *, seed: int = 0, attempts: int = 6):
    """``fn`` applied to a parametrised circuit, parameters restored afterwards.

    Args:
        circuit: ``QuantumCircuit`` whose parameters appear only in single-angle rotations.
        fn: bound circuit -> transformed bound circuit (e.g. ``lambda c: fold(c, 3.0)``).
        seed: seed of the marker angles.

    Returns:
        The transformed circuit with the original parameters (expressions ``+-expr + 2 pi k``).

    Raises:
        SolverError: a rotation of the result could not be matched to a parameter (the
            transformation changed an angle), after ``attempts`` marker draws.
    """
    params = list(circuit.parameters)
    if not params:
        return fn(circuit)
    rng = np.random.default_rng(seed)
    fixed = _fixed_angles(circuit)
    table, seen = [], set()
    for inst in circuit.data:
        op = inst.operation
        if op.params and not isinstance(op.params[0], (int, float)):
            key = (op.name, str(op.params[0]))
            if key not in seen:
                seen.add(key)
                table.append((op.name, op.params[0]))
    for _ in range(attempts):
        marks = dict(zip(params, rng.uniform(0.2, 2.9, len(params))))
        values = [float(expr.bind({p: marks[p] for p in expr.parameters})) for _, expr in table]
        # markers must be distinguishable from each other, their negatives and every fixed angle
        cands = values + [-v for v in values]
        distinct = all(abs(_wrap(a - b)) > 1e-4 for i, a in enumerate(cands) for b in cands[i + 1:])
        clash = any(abs(_wrap(v - f)) < 1e-4 or abs(_wrap(v + f)) < 1e-4 for v in values for f in fixed)
        if distinct and not clash:
            break
    else:  # pragma: no cover - vanishingly unlikely
        raise SolverError("could not choose distinct marker angles for the circuit parameters")
    out = mitiq_round_trip(circuit.assign_parameters(marks), fn)
    result = out.copy_empty_like()
    for inst in out.data:
        op = inst.operation
        if op.params and isinstance(op.params[0], (int, float)) and len(op.params) == 1:
            phi = float(op.params[0])
            match = None
            for (name, expr), v in zip(table, values):
                if name != op.name:
                    continue
                for sign in (1.0, -1.0):
                    if abs(_wrap(phi - sign * v)) < _TOL:
                        match = (expr, sign, round((phi - sign * v) / (2 * math.pi)))
                        break
                if match:
                    break
            if match:
                expr, sign, k = match
                op = op.copy()
                op.params = [sign * expr + 2 * math.pi * k if k else sign * expr]
        result.append(op, inst.qubits, inst.clbits)
    missing = set(params) - set(result.parameters)
    if missing:
        raise SolverError(f"the transformation lost parameter(s) {sorted(p.name for p in missing)}")
    return result


#: Two-qubit gates Cirq's OpenQASM 2 import keeps as one gate (the stand-ins of :func:`mitiq_round_trip`).
_CIRQ_KEEPS = ("cx", "cz")


def _self_inverse_2q(op) -> bool:
    if op.num_qubits != 2 or op.params or op.name in _CIRQ_KEEPS or op.name in ("measure", "barrier"):
        return False
    try:
        from qiskit.quantum_info import Operator

        u = Operator(op).data
    except Exception:  # no matrix (opaque instruction): leave it to Mitiq
        return False
    return bool(np.allclose(u @ u, np.eye(4), atol=1e-9))


def active_qubits(circuit) -> list[int]:
    """Sorted indices of the qubits ``circuit`` acts on (barriers aside): what Mitiq is shown, in order."""
    return sorted({circuit.find_bit(q).index for inst in circuit.data if inst.operation.name != "barrier"
                   for q in inst.qubits})


def mitiq_round_trip(circuit, fn: Callable):
    """``fn`` (a Mitiq transformation: bound circuit -> circuit or list of circuits) applied to a bound
    ISA ``circuit``, with the device's two-qubit gates and layout kept (module docstring). ``fn``
    receives the circuit on its active qubits only: qubit k is physical qubit
    ``active_qubits(circuit)[k]``.

    Returns:
        The transformed circuit(s) on ``circuit``'s physical qubits, measured as ``circuit``; gates
        the transformation adds (``sxdg``, Paulis) may still need :func:`to_isa`.
    """
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import CXGate, CZGate

    ops = {inst.operation.name: inst.operation for inst in circuit.data}  # one per gate name
    free = [g for g in _CIRQ_KEEPS if g not in ops]
    swaps: dict = {}  # stand-in name -> original operation
    for op in ops.values():
        if free and _self_inverse_2q(op):
            swaps[free.pop(0)] = op
    gate = {"cx": CXGate(), "cz": CZGate()}
    back = {op.name: name for name, op in swaps.items()}
    # Mitiq sees only the active qubits (a device has 27-133): no DDD pulses on unused qubits, smaller
    # conversions; restore_layout maps them back.
    active = active_qubits(circuit)
    pos = {q: k for k, q in enumerate(active)}
    shielded = QuantumCircuit(len(active), circuit.num_clbits)
    for inst in circuit.data:
        if inst.operation.name == "barrier":
            continue
        name = back.get(inst.operation.name)
        shielded.append(gate[name] if name else inst.operation,
                        [pos[circuit.find_bit(q).index] for q in inst.qubits],
                        [circuit.find_bit(c).index for c in inst.clbits])
    with warnings.catch_warnings():  # Mitiq's Qiskit round trip warns about registers on laid-out circuits
        warnings.simplefilter("ignore", UserWarning)
        out = fn(shielded)

    def finish(c):
        c = restore_layout(circuit, c)
        if not swaps:
            return c
        res = c.copy_empty_like()
        for inst in c.data:
            res.append(swaps.get(inst.operation.name, inst.operation), inst.qubits, inst.clbits)
        return res

    return [finish(c) for c in out] if isinstance(out, (list, tuple)) else finish(out)


def restore_layout(original, out):
    """``out`` (a Mitiq output of ``original``) on ``original``'s physical qubits, measured as ``original``.

    Mitiq's Cirq round trip may drop idle qubits (renumbering the active ones in increasing order)
    and rename classical registers; this maps qubits back and re-measures into one ``meas``
    register with the original qubit -> clbit map. Returns ``out`` itself when nothing changed.
    """
    from qiskit import ClassicalRegister, QuantumCircuit

    meas = [(original.find_bit(i.qubits[0]).index, original.find_bit(i.clbits[0]).index)
            for i in original.data if i.operation.name == "measure"]
    same_regs = [(r.name, r.size) for r in out.cregs] == [(r.name, r.size) for r in original.cregs]
    if out.num_qubits == original.num_qubits and same_regs:
        return out
    if out.num_qubits == original.num_qubits:
        mapping = list(range(out.num_qubits))
    else:
        active = active_qubits(original)
        if out.num_qubits != len(active):
            raise SolverError(f"Mitiq returned a circuit on {out.num_qubits} qubits for one on {len(active)} "
                              "active qubits; cannot restore the layout")
        mapping = active
    qc = QuantumCircuit(original.num_qubits)
    for inst in out.data:
        if inst.operation.name in ("measure", "barrier"):
            continue
        qc.append(inst.operation, [mapping[out.find_bit(q).index] for q in inst.qubits])
    if meas:
        creg = ClassicalRegister(max(b for _, b in meas) + 1, "meas")
        qc.add_register(creg)
        for q, b in meas:
            qc.measure(q, creg[b])
    return qc


def to_isa(circuit, backend):
    """Translate gates outside ``backend``'s instruction set (e.g. ``sxdg`` from folding) to its basis,
    without layout, routing or optimisation (so folds are not cancelled)."""
    from qiskit.circuit.equivalence_library import SessionEquivalenceLibrary
    from qiskit.transpiler import PassManager
    from qiskit.transpiler.passes import BasisTranslator

    target = backend.target
    names = set(target.operation_names)
    out = circuit
    if not all(inst.operation.name in names | {"barrier", "measure"} for inst in circuit.data):
        out = PassManager([BasisTranslator(SessionEquivalenceLibrary, sorted(names), target=target)]).run(circuit)
    if not all(_supported(target, inst, out) for inst in out.data):  # a two-qubit gate the wrong way round
        from qiskit.transpiler.passes import GateDirection

        out = PassManager([GateDirection(None, target=target),
                           BasisTranslator(SessionEquivalenceLibrary, sorted(names), target=target)]).run(out)
    return out


def _supported(target, inst, circuit) -> bool:
    op = inst.operation
    if op.name in ("barrier", "measure") or op.num_qubits != 2:
        return True
    return target.instruction_supported(op.name, tuple(circuit.find_bit(q).index for q in inst.qubits))


def insert_ddd(circuit, rule: str):
    """``circuit`` with Mitiq's digital dynamical decoupling sequences ``rule`` (xx, yy, xyxy) in its idle
    windows."""
    from mitiq import ddd

    return ddd.insert_ddd_sequences(circuit, getattr(ddd.rules, rule))
