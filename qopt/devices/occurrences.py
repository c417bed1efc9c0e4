"""Per-occurrence parameter templates: the parameter-shift plumbing of the Qiskit runner.

:func:`occurrence_template` gives every parametrised gate of a circuit its own parameter and the
affine map ``phi = A theta + c`` from circuit parameters to gate angles, so the two-term
parameter-shift rule is applied per gate occurrence (a circuit transformed by folding holds a gate
3, 5, ... times) and chained back to the circuit parameters: ``d<E>/d theta = A^T d<E>/d phi``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qopt.errors import SolverError

__all__ = ["OccurrenceTemplate", "occurrence_template", "SHIFTABLE"]

#: Gates ``exp(-i phi P / 2)`` with a Pauli-string generator: two-term parameter shift applies.
SHIFTABLE = ("rz", "rx", "ry", "rzz", "rxx", "ryy", "p", "u1")


@dataclass
class OccurrenceTemplate:
    """A circuit whose parametrised gates each have their own parameter.

    Attributes:
        circuit: the circuit with occurrence parameters ``o_0..o_{m-1}`` (in ``circuit.parameters``
            order = :attr:`order`).
        A: shape (m, k): ``d phi_j / d theta_s``.
        c: shape (m,): ``phi_j`` at ``theta = 0``.
        order: index j of each of ``circuit.parameters`` (their sorted order).
    """

    circuit: object
    A: np.ndarray
    c: np.ndarray
    order: np.ndarray

    @property
    def num_occurrences(self) -> int:
        return int(self.c.size)

    def angles(self, theta: np.ndarray) -> np.ndarray:
        """Gate angles ``phi = A theta + c``, shape (m,) (or (..., m) for theta of shape (..., k))."""
        return np.asarray(theta) @ self.A.T + self.c

    def bindings(self, phi: np.ndarray) -> np.ndarray:
        """Parameter values in ``circuit.parameters`` order for gate angles ``phi`` (..., m)."""
        return np.asarray(phi)[..., self.order]


def occurrence_template(circuit, params) -> OccurrenceTemplate:
    """Give each parametrised gate of ``circuit`` its own parameter; ``params`` (length k) are the
    circuit parameters ``theta`` in the order used by ``A``.

    Raises:
        SolverError: a parametrised gate is not a Pauli rotation (no two-term shift rule), or its
            angle is not affine in the parameters.
    """
    from qiskit.circuit import Parameter

    index = {p: s for s, p in enumerate(params)}
    out = circuit.copy_empty_like()
    rows, consts = [], []
    occ = []
    for inst in circuit.data:
        op = inst.operation
        if op.params and not all(isinstance(p, (int, float)) for p in op.params):
            if op.name not in SHIFTABLE or len(op.params) != 1:
                raise SolverError(f"gate {op.name!r} carries a parameter but has no two-term shift rule")
            expr = op.params[0]
            row = np.zeros(len(params))
            for p in expr.parameters:
                g = expr.gradient(p)
                if not isinstance(g, (int, float, complex)):
                    raise SolverError(f"gate angle {expr} is not affine in its parameters")
                row[index[p]] = float(np.real(g))
            c0 = float(np.real(complex(expr.bind({p: 0.0 for p in expr.parameters}))))
            j = len(rows)
            rows.append(row)
            consts.append(c0)
            par = Parameter(f"o{j:06d}")
            occ.append(par)
            op = op.copy()
            op.params = [par]
        out.append(op, inst.qubits, inst.clbits)
    names = [p.name for p in out.parameters]  # sorted by name = by j (zero-padded)
    order = np.array([int(nm[1:]) for nm in names], dtype=np.int64)
    A = np.array(rows).reshape(len(rows), len(params))
    return OccurrenceTemplate(circuit=out, A=A, c=np.array(consts), order=order)
