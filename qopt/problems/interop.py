"""qiskit-optimization and docplex interoperability (the ``interop`` extra).

* :func:`from_qiskit`: a ``QuadraticProgram`` -> :class:`~qopt.problems.model.ModelProblem`
  (variable names, binary/integer types, bounds, sense, linear and quadratic constraints kept);
* :func:`to_qiskit`: a qopt problem -> ``QuadraticProgram``, so results can go back to
  qiskit-optimization code;
* :func:`from_docplex`: a docplex ``Model`` (through qiskit-optimization's translator).

qiskit-optimization and docplex are imported only here, on first use.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from qopt.errors import InfeasibleModelError, MissingDependencyError, UnsupportedModelError

__all__ = ["from_qiskit", "to_qiskit", "from_docplex", "require"]

_SENSES = {"LE": "<=", "GE": ">=", "EQ": "=="}


def require(module: str, extra: str = "interop") -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingDependencyError(f"{module} is needed here: pip install 'qopt[{extra}]'") from err


def from_qiskit(qp, *, name: str | None = None, known_optimum: float | None = None):
    """A qopt problem equal to a qiskit-optimization ``QuadraticProgram``.

    Binary and integer variables keep their names and bounds; the objective's sense is
    kept (:meth:`evaluate` reports it in that sense); linear and quadratic constraints keep
    their names. ``result.sample`` then reads ``{variable name: value}``.

    Args:
        qp: ``qiskit_optimization.QuadraticProgram``.
        name: instance name (default: ``qp.name`` or ``"quadratic_program"``).
        known_optimum: optimum in the program's own sense, if known.

    Returns:
        :class:`~qopt.problems.model.ModelProblem` with family ``"qp"``.

    Raises:
        MissingDependencyError: qiskit-optimization is not installed (``pip install 'qopt[interop]'``).
        InfeasibleModelError: a continuous variable, or an integer without finite bounds.
        UnsupportedModelError: ``qp`` is not a QuadraticProgram.

    Examples:
        >>> from qiskit_optimization import QuadraticProgram
        >>> qp = QuadraticProgram("toy")
        >>> _ = qp.binary_var("x"); _ = qp.integer_var(0, 3, "y")
        >>> qp.maximize(linear={"x": 1, "y": 2})
        >>> _ = qp.linear_constraint({"x": 1, "y": 1}, "<=", 3, "cap")
        >>> import qopt
        >>> qopt.solve(from_qiskit(qp), "exact").sample
        {'x': 0, 'y': 3}
    """
    import dimod

    qo = require("qiskit_optimization")
    if not isinstance(qp, qo.QuadraticProgram):
        raise UnsupportedModelError(f"from_qiskit needs a qiskit_optimization.QuadraticProgram, got {type(qp).__name__}")
    from qopt.problems.model import ModelProblem

    label = name or qp.name or "quadratic_program"
    cqm = dimod.ConstrainedQuadraticModel()
    for var in qp.variables:
        vt = var.vartype.name
        if vt == "BINARY":
            cqm.add_variable("BINARY", var.name)
        elif vt == "INTEGER":
            lo, hi = float(var.lowerbound), float(var.upperbound)
            if not (abs(lo) < 1e20 and abs(hi) < 1e20):
                raise InfeasibleModelError(
                    f"QuadraticProgram {label!r}: integer variable {var.name!r} has bounds [{lo:g}, {hi:g}]; "
                    "qopt expands integers to bits, so give it finite bounds")
            cqm.add_variable("INTEGER", var.name, lower_bound=lo, upper_bound=hi)
        else:
            raise InfeasibleModelError(
                f"QuadraticProgram {label!r}: variable {var.name!r} is {vt.lower()}; qopt solves binary "
                "and bounded integer variables only")
    sign = -1.0 if qp.objective.sense.name == "MAXIMIZE" else 1.0
    cqm.set_objective(_qm(cqm, qp.objective.linear.to_dict(use_name=True),
                          qp.objective.quadratic.to_dict(use_name=True), qp.objective.constant, sign))
    for con in qp.linear_constraints:
        lhs = _qm(cqm, con.linear.to_dict(use_name=True), {}, 0.0, 1.0)
        cqm.add_constraint_from_model(lhs, _SENSES[con.sense.name], float(con.rhs), label=con.name, copy=False)
    for con in qp.quadratic_constraints:
        lhs = _qm(cqm, con.linear.to_dict(use_name=True), con.quadratic.to_dict(use_name=True), 0.0, 1.0)
        cqm.add_constraint_from_model(lhs, _SENSES[con.sense.name], float(con.rhs), label=con.name, copy=False)
    return ModelProblem(cqm, sense="max" if sign < 0 else "min", name=label, known_optimum=known_optimum,
                        family="qp")


def _qm(cqm, linear: dict, quadratic: dict, constant: float, sign: float):
    import dimod

    qm = dimod.QuadraticModel()
    for v in {*linear, *(u for pair in quadratic for u in pair)}:
        if cqm.vartype(v) is dimod.BINARY:
            qm.add_variable("BINARY", v)
        else:
            qm.add_variable("INTEGER", v, lower_bound=cqm.lower_bound(v), upper_bound=cqm.upper_bound(v))
    for v, b in linear.items():
        qm.add_linear(v, sign * float(b))
    for (u, v), q in quadratic.items():
        qm.add_quadratic(u, v, sign * float(q))
    qm.offset = sign * float(constant)
    return qm


def from_docplex(model, **kwargs):
    """A qopt problem from a docplex ``Model``, via ``qiskit_optimization.translators.from_docplex_mp``.

    Keyword arguments go to :func:`from_qiskit`.

    Raises:
        MissingDependencyError: qiskit-optimization or docplex is missing (``pip install 'qopt[interop]'``).
    """
    require("docplex")
    translators = require("qiskit_optimization.translators")
    return from_qiskit(translators.from_docplex_mp(model), **kwargs)


def to_qiskit(problem):
    """A qiskit-optimization ``QuadraticProgram`` equal to a qopt problem.

    A problem from :func:`from_qiskit` (or any :class:`~qopt.problems.model.ModelProblem`)
    gives back its own variables (names, binary/integer types, bounds), sense and
    constraints; qopt's built-in problems give binaries named ``x0 .. x{n-1}`` (LP
    problems: their LP names) with constraints under their qopt labels.

    Args:
        problem: a :class:`~qopt.problems.Problem` (or anything :func:`qopt.as_problem` takes).

    Raises:
        MissingDependencyError: qiskit-optimization is not installed.
        InfeasibleModelError: the model has SPIN variables (QuadraticProgram has no spin type).

    Examples:
        >>> import qopt
        >>> qp = to_qiskit(qopt.load("mknap1-1"))
        >>> qp.get_num_binary_vars(), qp.get_num_linear_constraints(), qp.objective.sense.name
        (6, 10, 'MAXIMIZE')
    """
    import dimod

    qo = require("qiskit_optimization")
    from qopt.problems.adapters import as_problem

    problem = as_problem(problem)
    source = getattr(problem, "source", None)
    if source is not None:
        cqm, names = source, {v: str(v) for v in source.variables}
    else:
        cqm = problem.cqm()
        given = getattr(problem, "variable_names", None)
        names = {i: str(given[i]) if given is not None else f"x{i}" for i in range(problem.num_variables)}
        extra = [v for v in cqm.variables if v not in names]
        names.update({v: f"aux_{k}" for k, v in enumerate(extra)})
    if len(set(names.values())) != len(names):
        raise InfeasibleModelError(f"{problem.name}: variable labels are not distinct as strings")
    qp = qo.QuadraticProgram(problem.name)
    for v in cqm.variables:
        vt = cqm.vartype(v)
        if vt is dimod.BINARY:
            qp.binary_var(names[v])
        elif vt is dimod.INTEGER:
            qp.integer_var(int(cqm.lower_bound(v)), int(cqm.upper_bound(v)), names[v])
        else:
            raise InfeasibleModelError(f"{problem.name}: variable {v!r} is {vt.name}; a QuadraticProgram "
                                       "has binary, integer and continuous variables only (convert spins "
                                       "with cqm.spin_to_binary())")
    sign = -1.0 if problem.sense == "max" else 1.0
    linear, quadratic, constant = _terms(cqm.objective, names, sign)
    if problem.sense == "max":
        qp.maximize(constant=constant, linear=linear, quadratic=quadratic)
    else:
        qp.minimize(constant=constant, linear=linear, quadratic=quadratic)
    for label, comp in cqm.constraints.items():
        linear, quadratic, constant = _terms(comp.lhs, names, 1.0)
        rhs = float(comp.rhs) - constant
        if quadratic:
            qp.quadratic_constraint(linear, quadratic, comp.sense.value, rhs, str(label))
        else:
            qp.linear_constraint(linear, comp.sense.value, rhs, str(label))
    return qp


def _terms(qm, names: dict, sign: float):
    linear = {names[v]: sign * float(b) for v, b in qm.iter_linear() if b}
    quadratic: dict = {}
    for u, v, q in qm.iter_quadratic():
        key = (names[u], names[v])
        quadratic[key] = quadratic.get(key, 0.0) + sign * float(q)
    return linear, quadratic, sign * float(qm.offset)
