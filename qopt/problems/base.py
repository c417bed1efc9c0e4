"""The :class:`Problem` interface every problem builder implements.

A problem keeps its original data (profits, graphs, matrices) and offers:

* :meth:`Problem.cqm`: the constrained model as a :class:`dimod.ConstrainedQuadraticModel`
  whose variables are the integers ``0 .. num_variables - 1``;
* :meth:`Problem.evaluate`: the objective in the problem's own units and sense;
* :meth:`Problem.violations` / :meth:`Problem.is_feasible`: per-constraint check;
* :meth:`Problem.repair` / :meth:`Problem.local_search`: cheap post-processing that
  never makes a feasible solution infeasible.

Solutions ``x`` are 0/1 arrays of shape ``(num_variables,)``.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np

from qopt.errors import InfeasibleModelError

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["Problem", "as_solution", "check_finite"]

Sense = Literal["min", "max"]


def check_finite(name: str, array: np.ndarray) -> np.ndarray:
    """Return ``array`` as float64, or raise naming the first non-finite entry."""
    arr = np.asarray(array, dtype=float)
    if not np.isfinite(arr).all():
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise InfeasibleModelError(
            f"{name}{list(idx)} is {arr[idx]}; problem data must be finite numbers"
        )
    return arr


def as_solution(x, num_variables: int) -> np.ndarray:
    """Validate a 0/1 assignment and return it as an ``int8`` array of shape ``(num_variables,)``.

    Accepts a sequence, an array, or a mapping ``{index: value}`` (as in a
    :class:`dimod.SampleSet` sample; extra labels such as slack variables are ignored).
    """
    if isinstance(x, dict) or hasattr(x, "keys"):
        try:
            x = [x[i] for i in range(num_variables)]
        except KeyError as err:
            raise ValueError(f"assignment is missing variable {err.args[0]!r}") from None
    arr = np.asarray(x)
    if arr.shape != (num_variables,):
        raise ValueError(
            f"x must have shape ({num_variables},), got shape {arr.shape}"
        )
    if not np.isin(arr, (0, 1)).all():
        bad = arr[~np.isin(arr, (0, 1))][0]
        raise ValueError(f"x must be 0/1, found value {bad!r}")
    return arr.astype(np.int8)


class Problem(abc.ABC):
    """A combinatorial optimisation problem that keeps its original data.

    Subclasses set ``family`` (short name such as ``"mdkp"``) and ``sense``.

    Args:
        name: instance name used in results and reports.
        known_optimum: published optimum (or best-known value) in the problem's
            own units, if known.
    """

    family: ClassVar[str] = "problem"
    sense: ClassVar[Sense] = "min"

    def __init__(self, *, name: str | None = None, known_optimum: float | None = None):
        self.name = name or self.family
        self.known_optimum = None if known_optimum is None else float(known_optimum)

    # -- required ---------------------------------------------------------
    @property
    @abc.abstractmethod
    def num_variables(self) -> int:
        """Number of the problem's binary decision variables (no slack)."""

    @abc.abstractmethod
    def cqm(self) -> dimod.ConstrainedQuadraticModel:
        """The constrained model; variables are ``0 .. num_variables - 1``.

        The CQM objective is always minimised: a maximisation problem stores the
        negated objective, so for feasible ``x`` ``cqm.objective.energy(x) == -evaluate(x)``
        when ``sense == "max"`` and ``== evaluate(x)`` when ``sense == "min"``.
        """

    @abc.abstractmethod
    def evaluate(self, x) -> float:
        """Objective value of ``x`` in the problem's own units and sense."""

    # -- defaults derived from the CQM -----------------------------------
    def violations(self, x) -> dict[str, float]:
        """Amount by which ``x`` violates each constraint (0 where satisfied)."""
        x = as_solution(x, self.num_variables)
        cqm = self.cqm()
        if not cqm.constraints:
            return {}
        sample = {i: int(v) for i, v in enumerate(x)}
        return {str(k): max(0.0, float(v)) for k, v in cqm.violations(sample).items()}

    def is_feasible(self, x, *, atol: float = 1e-6) -> bool:
        """True if every constraint holds within ``atol``."""
        return all(v <= atol for v in self.violations(x).values())

    def repair(self, x) -> np.ndarray:
        """Return a feasible solution near ``x`` where a cheap one exists.

        Default: the generic greedy violation descent of
        :meth:`qopt.problems.feasibility.ConstraintSystem.repair` on :meth:`cqm` (flip the
        variable that removes the most violation per unit of objective lost, until
        feasible or stuck). Problem classes with structure override it.
        """
        x = as_solution(x, self.num_variables)
        system = self.constraint_system()
        return x.copy() if system is None else system.repair(x)

    def local_search(self, x, *, max_rounds: int = 100) -> np.ndarray:
        """Improve a feasible ``x`` by moves that keep it feasible, until none helps.

        Default: best-improvement 1-flips, swaps inside one-hot groups and 1-1 swaps
        (:meth:`qopt.problems.feasibility.ConstraintSystem.local_search`); subclasses
        override with problem-specific moves (2-swaps for QAP). An infeasible input is
        returned unchanged (repair it first).
        """
        x = as_solution(x, self.num_variables).copy()
        system = self.constraint_system()
        if system is not None:
            return system.local_search(x, max_rounds=max_rounds)
        if not self.is_feasible(x):
            return x
        sign = 1.0 if self.sense == "max" else -1.0
        best = sign * self.evaluate(x)
        for _ in range(max_rounds):
            improved = False
            for i in range(self.num_variables):
                x[i] ^= 1
                value = sign * self.evaluate(x)
                if value > best + 1e-12 and self.is_feasible(x):
                    best, improved = value, True
                else:
                    x[i] ^= 1
            if not improved:
                break
        return x

    def constraint_system(self):
        """The :class:`~qopt.problems.feasibility.ConstraintSystem` of :meth:`cqm` (built once),
        or None when the CQM has variables beyond ``0 .. n-1`` (auxiliaries) or non-binary ones."""
        cached = self.__dict__.get("_constraint_system", False)
        if cached is not False:
            return cached
        import dimod

        from qopt.problems.feasibility import ConstraintSystem

        cqm = self.cqm()
        n = self.num_variables
        ok = set(cqm.variables) == set(range(n)) and all(cqm.vartype(v) is dimod.BINARY for v in cqm.variables)
        system = ConstraintSystem(cqm, n, integers=getattr(self, "_integer_bits", ())) if ok else None
        self.__dict__["_constraint_system"] = system
        return system

    def to_bqm(self, **options):
        """The QUBO of this problem: ``(bqm, decoder)`` from :func:`qopt.qubo.to_bqm`.

        ``options`` are passed on (``penalty``, ``slack``, ``weights``, ...). Unconstrained
        problems return their objective BQM and accept no options.
        """
        from qopt.qubo import to_bqm

        return to_bqm(self.cqm(), **options)

    def encode(self, *, penalty="calibrated", slack="binary", weights=None):
        """``(bqm, decoder)`` with the constraint-encoding options of :func:`qopt.qubo.to_bqm`
        (``penalty``, ``slack``, ``weights``). A problem without constraints has nothing to encode:
        it returns its objective BQM and ignores them (:class:`Unconstrained`)."""
        return self.to_bqm(penalty=penalty, slack=slack, weights=weights)

    def milp_model(self):
        """The model the exact MILP solver optimises (default: :meth:`cqm`)."""
        return self.cqm()

    def decode(self, sample) -> np.ndarray:
        """The problem's 0/1 vector from a sample (mapping with labels ``0..n-1``)."""
        return as_solution({i: sample[i] for i in range(self.num_variables)}, self.num_variables)

    # -- helpers ------------------------------------------------------------
    def gap(self, value: float) -> float | None:
        """Relative gap ``|value - known_optimum| / |known_optimum|`` (absolute if optimum is 0)."""
        if self.known_optimum is None:
            return None
        diff = abs(value - self.known_optimum)
        if self.known_optimum == 0:
            return diff
        return diff / abs(self.known_optimum)

    def info(self) -> dict:
        """Size summary: variables, constraints, sense, family."""
        cqm = self.cqm()
        return {
            "problem": self.family,
            "name": self.name,
            "sense": self.sense,
            "n_variables": self.num_variables,
            "n_constraints": len(cqm.constraints),
            "known_optimum": self.known_optimum,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, num_variables={self.num_variables})"


class Unconstrained(Problem):
    """A problem without constraints on its variables (MaxCut, QUBO, LABS).

    Every assignment is feasible; ``violations`` is empty and ``repair`` is the
    identity. ``violations``/``is_feasible`` still validate ``x``.
    """

    def violations(self, x) -> dict[str, float]:
        as_solution(x, self.num_variables)
        return {}

    def is_feasible(self, x, *, atol: float = 1e-6) -> bool:
        as_solution(x, self.num_variables)
        return True

    def repair(self, x) -> np.ndarray:
        """Every assignment is feasible: a copy of ``x``."""
        return as_solution(x, self.num_variables).copy()

    def encode(self, *, penalty="calibrated", slack="binary", weights=None):
        """The objective BQM: no constraints, so the encoding options do not apply."""
        return self.to_bqm()
