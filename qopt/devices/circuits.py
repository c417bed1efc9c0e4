"""Circuits as gate lists, rendered to PennyLane or Qiskit, and the cost they are measured against.

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
``rxx``    ``exp(-i a X X / 2)``                        IsingXX / rxx
``xy``     ``exp(-i a (X X + Y Y) / 4)``                IsingXY(-a) / XXPlusYYGate(a)
``cnot``   CNOT                                         CNOT / cx
=========  ===========================================  ============================

so that the QAOA layer ``exp(-i gamma C)`` (``C = sum h Z + sum J ZZ``) is ``rz(2 gamma h)`` and
``rzz(2 gamma J)``, the X mixer ``exp(-i beta X)`` is ``rx(2 beta)``, and the XY ring gate
``exp(-i beta (XX + YY) / 2)`` is ``xy(2 beta)``: the conventions of :mod:`qopt.devices.exact`.

Solvers describe their ansatz with :class:`QAOACircuit` or :class:`HEACircuit` (callables
``x -> gate list`` of a flat parameter vector ``x``) and the cost with :class:`Cost`; a runner
(:mod:`qopt.devices.runner`) executes them. PCE's brickwork ansatz (:func:`brickwork_gates`) is read
as many Pauli correlators instead of one cost (:mod:`qopt.devices.correlators`). The exact runner uses the structure of the two
ansatz classes for its fused kernels; the PennyLane and Qiskit runners use the gate lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Cost", "QAOACircuit", "HEACircuit", "qaoa_gates", "hea_gates", "brickwork_gates", "to_pennylane",
           "to_qiskit", "xy_initial_state"]


@dataclass
class Cost:
    """The diagonal cost ``C = E / scale`` a circuit is measured against.

    Attributes:
        bqm: a BINARY dimod BQM (``E`` in its units).
        variables: BQM variable of each qubit, wire order.
        scale: positive energy scale; runners report ``<C> = <E> / scale``.
    """

    bqm: object
    variables: list
    scale: float = 1.0
    _energies: np.ndarray | None = field(default=None, repr=False, compare=False)
    _ising: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def num_qubits(self) -> int:
        return len(self.variables)

    def energies(self) -> np.ndarray:
        """Cost diagonal ``E`` in BQM units, shape (2**n,), built once."""
        if self._energies is None:
            from qopt.devices import exact

            self._energies = exact.energies(self.bqm, self.variables)
        return self._energies

    def ising(self) -> tuple[np.ndarray, dict, float]:
        """``(h, J, const)`` of ``E`` in BQM units (:func:`qopt.qubo.ising.ising_terms`), built once."""
        if self._ising is None:
            from qopt.qubo.ising import ising_terms

            self._ising = ising_terms(self.bqm, self.variables)
        return self._ising

    def sample_energies(self, bits) -> np.ndarray:
        """``E / scale`` of bitstrings of shape (m, n) (qubit order), shape (m,)."""
        return self.bqm.energies((np.asarray(bits, dtype=np.int8), self.variables)) / self.scale


@dataclass(frozen=True)
class QAOACircuit:
    """QAOA ``prod_l U_B(beta_l) exp(-i gamma_l C) |psi_0>`` on ``C = E / scale``.

    Parameters ``x`` = ``(gammas (p,), betas (p,) or (p, n) when multi_angle)``, flattened.

    Attributes:
        h, J: scaled Ising cost (``C = sum h Z + sum J ZZ + const``).
        layers: p. multi_angle: one mixer angle per qubit and layer.
        mixer: "x", "warm" (``warm_c``: probabilities c_q in (0, 1)) or "xy" (``groups``,
            ``initial_bits``: a feasible one-hot basis state).
    """

    h: np.ndarray
    J: dict
    layers: int
    mixer: str = "x"
    multi_angle: bool = False
    groups: tuple | None = None
    initial_bits: np.ndarray | None = None
    warm_c: np.ndarray | None = None

    @classmethod
    def of(cls, cost: Cost, layers: int, **kw) -> "QAOACircuit":
        h, J, _ = cost.ising()
        s = cost.scale
        return cls(h=h / s, J={k: v / s for k, v in J.items()}, layers=int(layers), **kw)

    @property
    def num_qubits(self) -> int:
        return len(self.h)

    def angles(self, x):
        """``(gammas (p,), betas (p,) or (p, n))`` of the flat parameters ``x``."""
        p = self.layers
        g = x[:p]
        b = x[p:].reshape(p, self.num_qubits) if self.multi_angle else x[p:]
        return g, b

    def warm_thetas(self):
        from qopt.devices import exact

        return exact.warm_start_angles(self.warm_c) if self.warm_c is not None else None

    def __call__(self, x) -> list[tuple]:
        g, b = self.angles(x)
        return qaoa_gates(self.h, self.J, g, b, mixer=self.mixer, groups=self.groups,
                          initial_bits=self.initial_bits, warm_thetas=self.warm_thetas())


@dataclass(frozen=True)
class HEACircuit:
    """Hardware-efficient ansatz (:func:`hea_gates`); ``x`` has ``(depth + 1) n`` angles."""

    n: int
    depth: int

    @property
    def num_qubits(self) -> int:
        return self.n

    def __call__(self, x) -> list[tuple]:
        return hea_gates(x.reshape(self.depth + 1, self.n), self.n)


def xy_initial_state(bits, groups) -> np.ndarray:
    """The XY-mixer start: qubits of the one-hot groups in the basis state ``bits``, others in |+>.

    Returns:
        shape (2**n,), complex128 (wire 0 most significant), as the PennyLane/Qiskit circuits
        prepare it (X on the set group qubits, H on qubits outside every group).
    """
    n = len(bits)
    grouped = np.zeros(n, dtype=bool)
    for g in groups:
        grouped[list(g)] = True
    psi = np.ones(1)
    for q in range(n):
        v = (np.array([0.0, 1.0]) if bits[q] else np.array([1.0, 0.0])) if grouped[q] else np.full(2, 2 ** -0.5)
        psi = np.kron(psi, v)
    return psi.astype(np.complex128)


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


def brickwork_gates(params, n: int, layers: int) -> list[tuple]:
    """PCE's brickwork ansatz (:mod:`qopt.devices.exact.brickwork`) as a gate list.

    Per layer ``l`` with axes ``(a, b) = AXES[l % 3]``: ``r_a, r_b`` on every qubit, ``rxx`` on
    pairs (0,1), (2,3), ..., a second ``r_a, r_b`` block, ``rxx`` on pairs (1,2), (3,4), ....

    Args:
        params: shape ``(layers * (5n - 1),)``, radians (numpy or torch: angles pass through).
    """
    from qopt.devices.exact.brickwork import AXES, num_parameters

    if len(params) != num_parameters(n, layers):
        raise ValueError(f"brickwork(n={n}, layers={layers}) needs {num_parameters(n, layers)} parameters, "
                         f"got {len(params)}")
    per = 5 * n - 1
    gates: list[tuple] = []
    for layer in range(layers):
        p = params[layer * per:(layer + 1) * per]
        a, b = AXES[layer % 3]
        for half in (0, 1):
            off = 2 * n * half
            for q in range(n):
                gates.append((f"r{a}", (q,), p[off + q]))
                gates.append((f"r{b}", (q,), p[off + n + q]))
            gates.extend(("rxx", (q, q + 1), p[4 * n + q]) for q in range(half, n - 1, 2))
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
        elif name == "rxx":
            qml.IsingXX(a, wires=list(wires))
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
