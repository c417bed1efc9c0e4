"""Gate lists of the variational circuits, rendered to PennyLane or Qiskit, and OpenQASM 3 export.

A circuit is a list of ``(gate, wires, angle)`` tuples over qubits ``0..n-1`` (qubit q = wire q =
the BQM variable ``variables[q]``), with gates

=========  ===========================================  ============================
gate       unitary                                      PennyLane / Qiskit
=========  ===========================================  ============================
``h``      Hadamard                                     Hadamard / h
``x``      Pauli X                                      PauliX / x
``ry``     ``exp(-i a Y / 2)``                          RY / ry
``rz``     ``exp(-i a Z / 2)``                          RZ / rz
``rx``     ``exp(-i a X / 2)``                          RX / rx
``rzz``    ``exp(-i a Z Z / 2)``                        IsingZZ / rzz
``xy``     ``exp(-i a (X X + Y Y) / 4)``                IsingXY(-a) / XXPlusYYGate(a)
``cnot``   CNOT                                         CNOT / cx
=========  ===========================================  ============================

so that the QAOA layer ``exp(-i gamma C)`` (``C = sum h Z + sum J ZZ``) is ``rz(2 gamma h)`` and
``rzz(2 gamma J)``, the X mixer ``exp(-i beta X)`` is ``rx(2 beta)``, and the XY ring gate
``exp(-i beta (XX + YY) / 2)`` is ``xy(2 beta)``: the conventions of :mod:`qopt.devices.exact`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["qaoa_gates", "hea_gates", "to_pennylane", "to_qiskit", "qaoa_qasm", "export_qaoa_qasm",
           "circuits_dir"]


def qaoa_gates(h, J: dict, gammas, betas, *, mixer: str = "x", groups: Sequence[Sequence[int]] | None = None,
               initial_bits: Sequence[int] | None = None, warm_thetas=None) -> list[tuple]:
    """The QAOA circuit as a gate list.

    Args:
        h: shape (n,), Z coefficients of the cost (already divided by the energy scale).
        J: {(q, r): coefficient} ZZ couplings.
        gammas: shape (p,). betas: shape (p,) or (p, n) (multi-angle).
        mixer: "x", "warm" (needs ``warm_thetas``, shape (n,)) or "xy" (needs ``groups`` and
            ``initial_bits``, a feasible one-hot basis state of shape (n,)).

    Angles may be autograd/PennyLane arrays (the list is built inside a QNode).
    """
    n = len(h)
    gates: list[tuple] = []
    in_group = np.zeros(n, dtype=bool)
    pairs: list[tuple[int, int]] = []
    if mixer == "xy":
        for grp in groups or ():
            grp = [int(q) for q in grp]
            in_group[grp] = True
            m = len(grp)
            pairs.extend((grp[i], grp[(i + 1) % m]) for i in range(m if m > 2 else 1))
        for q in range(n):
            if in_group[q]:
                if initial_bits is not None and initial_bits[q]:
                    gates.append(("x", (q,), None))
            else:
                gates.append(("h", (q,), None))
    elif mixer == "warm":
        for q in range(n):
            gates.append(("ry", (q,), warm_thetas[q]))
    else:
        for q in range(n):
            gates.append(("h", (q,), None))
    multi = np.ndim(betas) == 2
    for layer in range(len(gammas)):
        g = gammas[layer]
        for q in range(n):
            if h[q] != 0:
                gates.append(("rz", (q,), 2 * g * h[q]))
        for (q, r), coef in J.items():
            if coef != 0:
                gates.append(("rzz", (q, r), 2 * g * coef))
        for (j, k) in pairs:
            gates.append(("xy", (j, k), 2 * betas[layer]))
        for q in range(n):
            if in_group[q]:
                continue
            b = betas[layer][q] if multi else betas[layer]
            if mixer == "warm":
                gates.append(("ry", (q,), -warm_thetas[q]))
                gates.append(("rz", (q,), 2 * b))
                gates.append(("ry", (q,), warm_thetas[q]))
            else:
                gates.append(("rx", (q,), 2 * b))
    return gates


def hea_gates(thetas, n: int) -> list[tuple]:
    """Hardware-efficient ansatz: RY layer, then ``depth`` x (CNOT ladder 0->1->...->n-1, RY layer).

    Args:
        thetas: shape (depth + 1, n), radians.
    """
    gates: list[tuple] = []
    for d in range(len(thetas)):
        if d > 0:
            gates.extend(("cnot", (q, q + 1), None) for q in range(n - 1))
        gates.extend(("ry", (q,), thetas[d][q]) for q in range(n))
    return gates


def to_pennylane(gates: list[tuple]) -> None:
    """Queue the gates (call inside a QNode)."""
    import pennylane as qml

    for name, wires, a in gates:
        if name == "h":
            qml.Hadamard(wires[0])
        elif name == "x":
            qml.PauliX(wires[0])
        elif name == "ry":
            qml.RY(a, wires=wires[0])
        elif name == "rz":
            qml.RZ(a, wires=wires[0])
        elif name == "rx":
            qml.RX(a, wires=wires[0])
        elif name == "rzz":
            qml.IsingZZ(a, wires=list(wires))
        elif name == "xy":
            qml.IsingXY(-a, wires=list(wires))
        elif name == "cnot":
            qml.CNOT(wires=list(wires))
        else:  # pragma: no cover - gate lists come from this module
            raise ValueError(f"unknown gate {name!r}")


def to_qiskit(gates: list[tuple], n: int, *, measure: bool = False):
    """A ``qiskit.QuantumCircuit`` on ``n`` qubits (qubit q = wire q; Qiskit prints bitstrings with
    qubit 0 rightmost)."""
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import XXPlusYYGate

    qc = QuantumCircuit(n)
    for name, wires, a in gates:
        if name == "xy":
            qc.append(XXPlusYYGate(float(a)), list(wires))
        elif name == "cnot":
            qc.cx(*wires)
        elif name in ("h", "x"):
            getattr(qc, name)(wires[0])
        else:
            getattr(qc, name)(float(a), *wires)
    if measure:
        qc.measure_all()
    return qc


def circuits_dir() -> Path:
    """The repository's ``circuits/`` folder (reference OpenQASM 3 files)."""
    return Path(__file__).resolve().parents[2] / "circuits"


def qaoa_qasm(instance, *, layers: int = 1, gammas=None, betas=None, slack: str = "unbalanced",
              penalty="calibrated", measure: bool = True) -> str:
    """OpenQASM 3 text of a QAOA circuit (X mixer) for a problem or catalogue instance.

    Angles default to the linear ramp of :func:`qopt.solvers.qaoa.ramp_angles` (deterministic, so
    regenerating a reference file gives the same text). The cost is ``E / scale`` as in the solver.
    """
    from qiskit import qasm3

    from qopt.solvers._variational import ising_terms, prepare
    from qopt.solvers.qaoa import ramp_angles

    from qopt.devices import DeviceConfig

    problem = _problem(instance)
    # a width-unlimited config: exporting text needs no simulator
    prep = prepare(problem, DeviceConfig(name="qasm-export", kind="default"), penalty=penalty, slack=slack)
    h, J, _ = ising_terms(prep.bqm, prep.variables)
    if gammas is None or betas is None:
        gammas, betas = ramp_angles(layers)
    gates = qaoa_gates(h / prep.scale, {k: v / prep.scale for k, v in J.items()},
                       np.asarray(gammas, float), np.asarray(betas, float))
    qc = to_qiskit(gates, prep.num_qubits, measure=measure)
    qc.name = f"qaoa_{getattr(problem, 'name', 'bqm')}_p{len(gammas)}"
    return qasm3.dumps(qc)


def _problem(instance):
    if isinstance(instance, str):
        from qopt.problems.catalogue import resolve

        return resolve(instance)
    return instance


def export_qaoa_qasm(instance, *, layers: int = 1, path: str | Path | None = None, **options) -> Path:
    """Write :func:`qaoa_qasm` to ``path`` (default ``circuits/qaoa_<name>_p<layers>.qasm``)."""
    problem = _problem(instance)
    text = qaoa_qasm(problem, layers=layers, **options)
    if path is None:
        path = circuits_dir() / f"qaoa_{problem.name}_p{layers}.qasm"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
