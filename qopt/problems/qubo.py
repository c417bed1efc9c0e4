"""Unconstrained binary quadratic problems: minimise f(x) = x^T Q x + c."""

from __future__ import annotations

import numpy as np

from qopt.problems._quadratic import QuadraticForm, unconstrained_to_bqm
from qopt.problems.base import Unconstrained, as_solution

__all__ = ["QUBO"]


class QUBO(Unconstrained):
    """A QUBO given as a dimod BQM over variables ``0 .. n-1``.

    Args:
        bqm: BINARY (or SPIN, converted) :class:`dimod.BinaryQuadraticModel`.
        name: instance name.
        known_optimum: minimum of f, if known.

    Examples:
        >>> import numpy as np
        >>> q = QUBO.from_matrix(np.array([[-1.0, 2.0], [0.0, -1.0]]))
        >>> q.evaluate([1, 0]), q.evaluate([1, 1])
        (-1.0, 0.0)
    """

    family = "qubo"
    sense = "min"

    def __init__(self, bqm, *, name=None, known_optimum=None):
        super().__init__(name=name, known_optimum=known_optimum)
        import dimod

        if not isinstance(bqm, dimod.BinaryQuadraticModel):
            raise TypeError(f"bqm must be a dimod.BinaryQuadraticModel, got {type(bqm).__name__}")
        bqm = bqm.change_vartype("BINARY", inplace=False)
        n = bqm.num_variables
        if set(bqm.variables) != set(range(n)):
            raise ValueError("bqm variables must be the integers 0..n-1; relabel with bqm.relabel_variables")
        lin, (r, c, v), off = bqm.to_numpy_vectors(variable_order=list(range(n)))
        for label, arr in (("linear", lin), ("quadratic", v)):
            if not np.isfinite(arr).all() or not np.isfinite(off):
                raise ValueError(f"{label} coefficients must be finite")
        self._bqm = bqm
        self.form = QuadraticForm(lin, r, c, v, off)

    @classmethod
    def from_matrix(cls, Q, *, offset: float = 0.0, name=None, known_optimum=None) -> "QUBO":
        """From a square matrix: f(x) = x^T Q x + offset (any triangle; both are summed)."""
        import dimod

        Q = np.asarray(Q, dtype=float)
        if Q.ndim != 2 or Q.shape[0] != Q.shape[1]:
            raise ValueError(f"Q must be a square 2-D array, got shape {Q.shape}")
        if not np.isfinite(Q).all():
            i, j = np.argwhere(~np.isfinite(Q))[0]
            raise ValueError(f"Q[{i}, {j}] is {Q[i, j]}; QUBO entries must be finite")
        bqm = dimod.BinaryQuadraticModel(Q, "BINARY")
        bqm.offset = offset
        bqm.add_variables_from((i, 0.0) for i in range(Q.shape[0]))
        return cls(bqm, name=name, known_optimum=known_optimum)

    @property
    def num_variables(self) -> int:
        return self._bqm.num_variables

    def bqm(self):
        """The QUBO itself (a copy)."""
        return self._bqm.copy()

    def to_bqm(self, **options):
        """``(bqm, decoder)``: the objective itself (no constraints, no options)."""
        return unconstrained_to_bqm(self, options)

    def cqm(self):
        import dimod

        return dimod.ConstrainedQuadraticModel.from_bqm(self._bqm)

    def evaluate(self, x) -> float:
        return self.form.energy(as_solution(x, self.num_variables))

    def local_search(self, x, *, max_rounds: int = 100_000) -> np.ndarray:
        """Steepest 1-flip descent."""
        return self.form.descend(as_solution(x, self.num_variables), max_rounds=max_rounds)
