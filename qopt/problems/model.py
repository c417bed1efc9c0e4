"""A user's constrained model (dimod CQM) with any labels and binary, spin and integer variables.

:class:`ModelProblem` expands the model to 0/1 bits ``0 .. n-1`` (the form every qopt
solver works on) and keeps a :class:`VariableMap` that turns a bit vector back into the
user's own ``{label: value}`` sample:

* BINARY ``v``: one bit, ``v = x``;
* SPIN ``s``: one bit, ``s = 2 x - 1``;
* INTEGER ``z`` in ``[lo, hi]``: ``z = lo + sum_k c_k x_k`` with the bounded-coefficient
  encoding ``c = 1, 2, .., 2^(K-1), R - 2^K + 1`` (``R = hi - lo``, ``K = floor(log2 R)``;
  Karimi & Rosenberg 2019), so every bit pattern decodes to an integer within the bounds
  and each value in the range is reachable;
* REAL variables are refused (:class:`~qopt.errors.InfeasibleModelError`).

Repair and local search are the generic ones of :mod:`qopt.problems.feasibility`, with
integer +-1 steps. Quadratic constraints are kept in :meth:`ModelProblem.cqm` (the exact
MILP solver linearises them); :meth:`ModelProblem.to_bqm` rewrites each product
``x_u x_v`` in a constraint as an auxiliary bit ``y == x_u x_v`` (a product constraint,
penalised with Rosenberg's term), which the decoder drops like slack.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Hashable, Literal

import numpy as np

from qopt.errors import InfeasibleModelError
from qopt.problems.base import Problem, as_solution

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["ModelProblem", "VariableMap", "MAX_INTEGER_RANGE"]

MAX_INTEGER_RANGE = 2**20  # widest integer range expanded to bits (21 bits)


@dataclass(frozen=True)
class VariableMap:
    """How a problem's 0/1 vector ``x`` (shape (n,)) reads as the user's variables.

    Attributes:
        labels: the user's variable labels, in model order.
        kinds: per label ``"binary"``, ``"spin"`` or ``"integer"``.
        bits: per label, the indices of its bits in ``x``.
        coeffs: per label, the integer weight of each bit.
        lower: per label, the value when every bit is 0 (``-1`` for spins).
    """

    labels: tuple
    kinds: tuple
    bits: tuple
    coeffs: tuple
    lower: tuple

    @classmethod
    def binary(cls, labels) -> "VariableMap":
        """One bit per label, ``labels[i]`` read from ``x[i]``."""
        labels = tuple(labels)
        return cls(labels, ("binary",) * len(labels), tuple((i,) for i in range(len(labels))),
                   ((1,),) * len(labels), (0,) * len(labels))

    @classmethod
    def spin(cls, labels) -> "VariableMap":
        """One bit per label read as the spin ``2 x_i - 1``."""
        labels = tuple(labels)
        return cls(labels, ("spin",) * len(labels), tuple((i,) for i in range(len(labels))),
                   ((2,),) * len(labels), (-1,) * len(labels))

    @property
    def num_bits(self) -> int:
        return sum(len(b) for b in self.bits)

    def sample(self, x) -> dict:
        """``{label: value}`` (Python ints) of the bit vector ``x``."""
        x = np.asarray(x)
        return {label: int(lo + sum(c * int(x[b]) for b, c in zip(bits, coeffs)))
                for label, bits, coeffs, lo in zip(self.labels, self.bits, self.coeffs, self.lower)}

    def encode(self, sample: dict) -> np.ndarray:
        """The bit vector (shape (num_bits,), int8) of a ``{label: value}`` sample.

        Raises:
            ValueError: a label is missing or a value is out of its variable's domain.
        """
        from qopt.problems.feasibility import IntegerBits

        x = np.zeros(self.num_bits, dtype=np.int8)
        for label, kind, bits, coeffs, lo in zip(self.labels, self.kinds, self.bits, self.coeffs, self.lower):
            if label not in sample:
                raise ValueError(f"sample is missing variable {label!r}")
            value = sample[label]
            if kind == "spin":
                if value not in (-1, 1):
                    raise ValueError(f"spin variable {label!r} must be -1 or +1, got {value!r}")
                x[bits[0]] = (int(value) + 1) // 2
            elif bits:
                try:
                    x[list(bits)] = IntegerBits(range(len(bits)), coeffs, lo).encode(int(value))
                except ValueError:
                    raise ValueError(f"{kind} variable {label!r}: value {value!r} outside "
                                     f"[{lo}, {lo + sum(coeffs)}]") from None
            elif value != lo:
                raise ValueError(f"variable {label!r} is fixed to {lo}, got {value!r}")
        return x

    def to_dict(self) -> dict:
        return {"labels": [str(v) for v in self.labels], "kinds": list(self.kinds),
                "bits": [list(b) for b in self.bits], "coeffs": [list(c) for c in self.coeffs],
                "lower": list(self.lower)}


def _bounded_coefficients(R: int) -> list[int]:
    from qopt.qubo.penalties import _bounded_coefficients as coeffs

    return coeffs(R) if R >= 1 else []


def _integer_bounds(cqm, v, what: str, max_range: int) -> tuple[int, int]:
    lo, hi = float(cqm.lower_bound(v)), float(cqm.upper_bound(v))
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > max_range:
        raise InfeasibleModelError(
            f"{what}: integer variable {v!r} has bounds [{lo:g}, {hi:g}], a range wider than "
            f"{max_range}; qopt expands integers to bits, so give it tighter lower/upper bounds"
        )
    if lo != int(lo) or hi != int(hi):
        raise InfeasibleModelError(f"{what}: integer variable {v!r} has non-integral bounds [{lo:g}, {hi:g}]")
    return int(lo), int(hi)


def variable_map_of(cqm, what: str = "model", *, max_range: int = MAX_INTEGER_RANGE) -> VariableMap:
    """The :class:`VariableMap` expanding a CQM's variables to bits.

    Raises:
        InfeasibleModelError: a REAL variable, or an integer without tight finite bounds.
    """
    import dimod

    labels, kinds, bits, coeffs, lower = [], [], [], [], []
    nxt = 0
    for v in cqm.variables:
        vt = cqm.vartype(v)
        if vt is dimod.BINARY or vt is dimod.SPIN:
            kind, cs, lo = ("binary", [1], 0) if vt is dimod.BINARY else ("spin", [2], -1)
        elif vt is dimod.INTEGER:
            lo, hi = _integer_bounds(cqm, v, what, max_range)
            kind, cs = "integer", _bounded_coefficients(hi - lo)
        else:
            raise InfeasibleModelError(
                f"{what}: variable {v!r} is real-valued ({vt.name}); qopt solves binary, spin and "
                "bounded integer variables only"
            )
        labels.append(v), kinds.append(kind), coeffs.append(tuple(cs)), lower.append(lo)
        bits.append(tuple(range(nxt, nxt + len(cs))))
        nxt += len(cs)
    return VariableMap(tuple(labels), tuple(kinds), tuple(bits), tuple(coeffs), tuple(lower))


def _substitute(qm, subs: dict, what: str):
    """A BINARY BQM over bit indices equal to ``qm`` with each variable replaced by its bits."""
    import dimod

    bqm = dimod.BinaryQuadraticModel("BINARY")
    offset = float(qm.offset)
    for v, b in qm.iter_linear():
        c0, terms = subs[v]
        offset += b * c0
        bqm.add_linear_from((bit, b * c) for bit, c in terms)
    for u, v, q in qm.iter_quadratic():
        cu, tu = subs[u]
        cv, tv = subs[v]
        offset += q * cu * cv
        bqm.add_linear_from((bit, q * cu * c) for bit, c in tv)
        bqm.add_linear_from((bit, q * cv * c) for bit, c in tu)
        for bu, a in tu:
            for bv, b in tv:
                if bu == bv:
                    bqm.add_linear(bu, q * a * b)
                else:
                    bqm.add_quadratic(bu, bv, q * a * b)
    bqm.offset = offset
    values = np.array([*bqm.linear.values(), *bqm.quadratic.values(), offset], dtype=float)
    if not np.isfinite(values).all():
        raise InfeasibleModelError(f"{what} has a non-finite coefficient")
    return bqm


class ModelProblem(Problem):
    """A constrained model in the user's own labels, solved over its expansion to bits.

    Args:
        cqm: :class:`dimod.ConstrainedQuadraticModel` with BINARY, SPIN and bounded INTEGER
            variables (any hashable labels). Its objective is the one to MINIMISE (for a
            maximisation problem pass the negated objective and ``sense="max"``).
        sense: the sense of the original problem; :meth:`evaluate` reports the objective in it.
        name: instance name.
        known_optimum: optimal objective in the original sense, if known.
        family: family name in results (default ``"cqm"``).
        max_integer_range: widest ``upper - lower`` an integer variable may have.

    Attributes:
        variable_map: the :class:`VariableMap` from bits to the user's variables.
        source: a copy of ``cqm`` (the user's model, for :func:`qopt.to_qiskit`).

    Raises:
        InfeasibleModelError: real-valued or unbounded integer variables, non-finite data.

    Examples:
        >>> import dimod
        >>> z, b = dimod.Integer("z", upper_bound=5), dimod.Binary("b")
        >>> cqm = dimod.ConstrainedQuadraticModel()
        >>> cqm.set_objective(-2 * z - 3 * b)
        >>> _ = cqm.add_constraint(z + 2 * b <= 4, label="cap")
        >>> p = ModelProblem(cqm)
        >>> p.num_variables, p.variable_map.sample([1, 1, 0, 1])
        (4, {'z': 3, 'b': 1})
        >>> p.evaluate(p.variable_map.encode({"z": 2, "b": 1})), p.is_feasible([1, 1, 0, 1])
        (-7.0, False)
    """

    family = "cqm"

    def __init__(self, cqm: dimod.ConstrainedQuadraticModel, *, sense: Literal["min", "max"] = "min",
                 name: str | None = None, known_optimum: float | None = None, family: str | None = None,
                 max_integer_range: int = MAX_INTEGER_RANGE):
        import dimod

        from qopt.problems.feasibility import IntegerBits

        if not isinstance(cqm, dimod.ConstrainedQuadraticModel):
            raise TypeError(f"cqm must be a dimod.ConstrainedQuadraticModel, got {type(cqm).__name__}")
        if sense not in ("min", "max"):
            raise ValueError(f"sense must be 'min' or 'max', got {sense!r}")
        if family is not None:
            self.family = family  # type: ignore[misc]
        super().__init__(name=name, known_optimum=known_optimum)
        self.sense = sense  # type: ignore[misc]
        what = f"model {self.name!r}"
        if not len(cqm.variables):
            raise InfeasibleModelError(f"{what} has no variables")
        self.variable_map = variable_map_of(cqm, what, max_range=max_integer_range)
        vm = self.variable_map
        subs = {label: (lo, list(zip(bits, coeffs)))
                for label, bits, coeffs, lo in zip(vm.labels, vm.bits, vm.coeffs, vm.lower)}
        n = vm.num_bits
        model = dimod.ConstrainedQuadraticModel()
        objective = _substitute(cqm.objective, subs, f"{what}: the objective")
        objective.add_variables_from((i, 0.0) for i in range(n))
        model.set_objective(objective)
        for label, comp in cqm.constraints.items():
            lhs = _substitute(comp.lhs, subs, f"{what}, constraint {label!r},")
            rhs = float(comp.rhs)
            if not math.isfinite(rhs):
                raise InfeasibleModelError(f"{what}, constraint {label!r}: right-hand side is {rhs}")
            model.add_constraint_from_model(lhs, comp.sense, rhs, label=label, copy=False)
        self._n = n
        self._cqm = model
        self.source = copy.deepcopy(cqm)
        self._integer_bits = tuple(IntegerBits(b, c, lo) for k, b, c, lo in
                                   zip(vm.kinds, vm.bits, vm.coeffs, vm.lower) if k == "integer" and b)

    @property
    def num_variables(self) -> int:
        return self._n

    def cqm(self) -> dimod.ConstrainedQuadraticModel:
        """The expanded model over bits ``0 .. n-1`` (objective minimised; a copy)."""
        return copy.deepcopy(self._cqm)

    def evaluate(self, x) -> float:
        """Objective of the bit vector ``x`` (shape (num_variables,)) in the model's own sense."""
        x = as_solution(x, self._n)
        energy = self.constraint_system().objective.energy(x)
        return -energy if self.sense == "max" else energy

    def violations(self, x) -> dict[str, float]:
        """Amount by which ``x`` violates each constraint (0 where satisfied), by label."""
        x = as_solution(x, self._n)
        system = self.constraint_system()
        return {str(k): float(v) for k, v in zip(system.labels, system.violations(x))}

    def is_feasible(self, x, *, atol: float = 1e-6) -> bool:
        x = as_solution(x, self._n)
        return bool((self.constraint_system().violations(x) <= atol).all())

    def to_bqm(self, **options):
        """``(bqm, decoder)`` of :func:`qopt.qubo.to_bqm`; quadratic constraints are first
        rewritten with auxiliary product bits ``("and", u, v) == x_u x_v`` (kept out of the
        problem's variables, like slack)."""
        from qopt.qubo import to_bqm

        return to_bqm(reduce_quadratic_constraints(self._cqm), **options)

    def sample(self, x) -> dict[Hashable, int]:
        """The user's ``{label: value}`` of the bit vector ``x``."""
        return self.variable_map.sample(as_solution(x, self._n))


def reduce_quadratic_constraints(cqm):
    """A copy of a binary CQM whose quadratic constraints are made linear with product bits.

    Each ``x_u x_v`` in a constraint becomes a BINARY ``("and", u, v)`` plus the product
    constraint ``x_u x_v - y == 0`` (label ``("and", u, v)``), which
    :func:`qopt.qubo.to_bqm` penalises exactly (Rosenberg). Returns ``cqm`` itself when
    every constraint is linear.
    """
    import dimod

    if not any(comp.lhs.num_interactions for comp in cqm.constraints.values()):
        return cqm
    out = dimod.ConstrainedQuadraticModel()
    objective = dimod.BinaryQuadraticModel("BINARY")
    objective.add_linear_from(cqm.objective.iter_linear())
    objective.add_quadratic_from(cqm.objective.iter_quadratic())
    objective.offset = cqm.objective.offset
    out.set_objective(objective)
    for v in cqm.variables:
        if v not in out.variables:
            out.add_variable(cqm.vartype(v), v)
    products: dict = {}
    for label, comp in cqm.constraints.items():
        lhs = comp.lhs
        new = dimod.BinaryQuadraticModel("BINARY")
        new.add_linear_from(lhs.iter_linear())
        new.offset = lhs.offset
        for u, v, q in lhs.iter_quadratic():
            if u == v:
                new.add_linear(u, q)
                continue
            key = ("and",) + tuple(sorted((u, v), key=repr))
            if key not in products:
                products[key] = (u, v)
            new.add_linear(key, q)
        out.add_constraint_from_model(new, comp.sense, comp.rhs, label=label)
    for key, (u, v) in products.items():
        prod = dimod.BinaryQuadraticModel("BINARY")
        prod.add_quadratic(u, v, 1.0)
        prod.add_linear(key, -1.0)
        out.add_constraint_from_model(prod, "==", 0.0, label=key)
    return out
