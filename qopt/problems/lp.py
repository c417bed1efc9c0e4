"""Generic binary problems read from CPLEX LP files.

An LP file (CPLEX format, as written by CPLEX, Gurobi, SCIP or Zimpl) is parsed
by :func:`dimod.lp.load` into a :class:`dimod.ConstrainedQuadraticModel`;
:class:`LPProblem` keeps it with its variables relabelled ``0 .. n-1`` and the
original names in :attr:`LPProblem.variable_names`.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Literal

import numpy as np

from qopt.errors import InstanceFormatError
from qopt.problems.base import Problem, as_solution

if TYPE_CHECKING:  # pragma: no cover
    import os

    import dimod

__all__ = ["LPProblem", "lp_sense", "read_lp"]

_SENSE_WORDS = {
    "max": "max", "maximize": "max", "maximise": "max", "maximum": "max",
    "min": "min", "minimize": "min", "minimise": "min", "minimum": "min",
}


def lp_sense(text: str) -> Literal["min", "max"] | None:
    """The objective sense declared by CPLEX LP text, or None if it declares none.

    The sense is the first word of the file after ``\\`` comments are removed
    (``Maximize``/``Maximise``/``Max``/``Maximum`` or the ``Min`` forms, any case).
    :func:`dimod.lp.load` drops this information (it negates a maximisation
    objective), so :func:`read_lp` recovers it here.

    Examples:
        >>> lp_sense("\\\\ a comment\\nMaximize\\n obj: x\\nEnd")
        'max'
    """
    for line in text.splitlines():
        words = line.split("\\", 1)[0].split()
        if words:
            return _SENSE_WORDS.get(words[0].lower())  # type: ignore[return-value]
    return None


def _binary_model(qm, mapping: dict, what: str):
    """Copy a dimod (B)QM over 0/1 variables into a BINARY BQM labelled by ``mapping``.

    Self-loops ``a * v * v`` (possible for INTEGER variables) become linear terms,
    since ``v * v == v`` for ``v`` in {0, 1}.
    """
    import dimod

    bqm = dimod.BinaryQuadraticModel("BINARY")
    for v, bias in qm.iter_linear():
        bqm.add_linear(mapping[v], float(bias))
    for u, v, bias in qm.iter_quadratic():
        if u == v:
            bqm.add_linear(mapping[u], float(bias))
        else:
            bqm.add_quadratic(mapping[u], mapping[v], float(bias))
    bqm.offset = float(qm.offset)
    for name, arr in (("linear", bqm.linear.values()), ("quadratic", bqm.quadratic.values())):
        bad = [b for b in arr if not np.isfinite(b)]
        if bad or not np.isfinite(bqm.offset):
            raise InstanceFormatError(f"{what} has a non-finite {name} coefficient")
    return bqm


class LPProblem(Problem):
    """A binary optimisation problem given as a dimod CQM (typically from an LP file).

    Args:
        cqm: constrained model whose variables are BINARY, or INTEGER with bounds
            exactly [0, 1] (Zimpl writes binaries that way: ``General`` plus
            ``0 <= x <= 1``); they become BINARY. Its objective is the one to
            MINIMISE, as :func:`dimod.lp.load` returns it (a maximisation
            objective already negated).
        sense: ``"min"`` or ``"max"``: the sense of the original problem.
            :meth:`evaluate` reports the objective in that sense, so for
            ``"max"`` it returns ``-cqm.objective.energy(x)``.
        name: instance name.
        known_optimum: optimal objective in the original sense, if known.

    Attributes:
        variable_names: list of length ``num_variables``: the original label of
            variable ``i`` (``variable_names[i]``).

    Raises:
        InstanceFormatError: a variable is REAL or SPIN, or INTEGER with bounds
            other than [0, 1]; or the model has no variables.

    Examples:
        >>> import dimod
        >>> cqm = dimod.lp.loads("Maximize\\n obj: 2 a + 3 b\\nSubject To\\n c: a + b <= 1\\n"
        ...                      "Binary\\n a b\\nEnd")
        >>> p = LPProblem(cqm, sense="max")
        >>> p.variable_names, p.evaluate([0, 1]), p.is_feasible([1, 1])
        (['a', 'b'], 3.0, False)
    """

    family = "lp"

    def __init__(
        self,
        cqm: dimod.ConstrainedQuadraticModel,
        *,
        sense: Literal["min", "max"] = "min",
        name: str | None = None,
        known_optimum: float | None = None,
    ):
        import dimod

        super().__init__(name=name, known_optimum=known_optimum)
        if sense not in ("min", "max"):
            raise ValueError(f"sense must be 'min' or 'max', got {sense!r}")
        if not isinstance(cqm, dimod.ConstrainedQuadraticModel):
            raise TypeError(f"cqm must be a dimod.ConstrainedQuadraticModel, got {type(cqm).__name__}")
        self.sense = sense  # type: ignore[misc]  # per-instance: an LP file declares its own sense
        what = f"LP model {self.name!r}"
        names = list(cqm.variables)
        if not names:
            raise InstanceFormatError(f"{what} has no variables")
        for v in names:
            vt = cqm.vartype(v)
            if vt is dimod.BINARY:
                continue
            if vt is dimod.INTEGER:
                lo, hi = cqm.lower_bound(v), cqm.upper_bound(v)
                if lo == 0 and hi == 1:
                    continue
                raise InstanceFormatError(
                    f"{what}: variable {v!r} is INTEGER with bounds [{lo:g}, {hi:g}]; only binary "
                    "variables (or integers bounded to [0, 1]) are supported"
                )
            raise InstanceFormatError(
                f"{what}: variable {v!r} is {vt.name}; only binary variables "
                "(or integers bounded to [0, 1]) are supported"
            )
        mapping = {v: i for i, v in enumerate(names)}
        model = dimod.ConstrainedQuadraticModel()
        model.set_objective(_binary_model(cqm.objective, mapping, what))
        for i in range(len(names)):
            if i not in model.variables:
                model.add_variable("BINARY", i)
        for label, comp in cqm.constraints.items():
            lhs = _binary_model(comp.lhs, mapping, f"{what}, constraint {label!r},")
            model.add_constraint_from_model(lhs, comp.sense, float(comp.rhs), label=label, copy=False)
        self.variable_names: list = names
        self._cqm = model

    @property
    def num_variables(self) -> int:
        return len(self.variable_names)

    def cqm(self) -> dimod.ConstrainedQuadraticModel:
        """The model over variables ``0 .. n-1`` (objective minimised; a copy)."""
        return copy.deepcopy(self._cqm)

    def evaluate(self, x) -> float:
        """Objective of ``x`` (shape (num_variables,)) in the LP's own sense."""
        x = as_solution(x, self.num_variables)
        energy = float(self._cqm.objective.energy({i: int(v) for i, v in enumerate(x)}))
        return -energy if self.sense == "max" else energy

    def violations(self, x) -> dict[str, float]:
        """Amount by which ``x`` violates each constraint (0 where satisfied), by label."""
        x = as_solution(x, self.num_variables)
        if not self._cqm.constraints:
            return {}
        sample = {i: int(v) for i, v in enumerate(x)}
        return {str(k): max(0.0, float(v)) for k, v in self._cqm.violations(sample).items()}


def read_lp(path: str | os.PathLike, *, name: str | None = None) -> LPProblem:
    """Read a CPLEX LP file with binary variables into an :class:`LPProblem`.

    The file is parsed by :func:`dimod.lp.load`; the objective sense is taken
    from the file's ``Minimize``/``Maximize`` keyword (see :func:`lp_sense`).
    Variables are numbered ``0 .. n-1`` in the order dimod meets them; their
    LP names are kept in ``variable_names``. ``.gz``/``.xz`` files are
    decompressed.

    Args:
        path: the ``.lp`` file.
        name: instance name (default: the file name without extensions).

    Returns:
        The problem; ``known_optimum`` is None (LP files state none).

    Raises:
        UnknownInstanceError: the file does not exist.
        InstanceFormatError: the file is empty, is not LP text (no objective
            sense), has no variables, or has non-binary variables.
    """
    import dimod

    from qopt.problems._textio import instance_name, load_text

    text = load_text(path, "lp")
    sense = lp_sense(text)
    if sense is None:
        first = next((ln.strip() for ln in text.splitlines() if ln.split("\\", 1)[0].strip()), "")
        raise InstanceFormatError(
            f"{path}: lp file: expected the objective sense (Minimize or Maximize) as the first "
            f"keyword, found {first[:40]!r}"
        )
    try:
        cqm = dimod.lp.loads(text)
    except (ValueError, TypeError, KeyError, IndexError, RuntimeError) as err:
        raise InstanceFormatError(f"{path}: lp file: dimod could not parse it: {err}") from err
    problem_name = name or instance_name(path)
    try:
        return LPProblem(cqm, sense=sense, name=problem_name)
    except InstanceFormatError as err:
        raise InstanceFormatError(f"{path}: lp file: {_strip_model_prefix(str(err))}") from None


def _strip_model_prefix(message: str) -> str:
    return re.sub(r"^LP model '[^']*'(: | )", "", message)
