"""qopt.from_qiskit / qopt.to_qiskit: names, types, bounds, sense and constraints survive the round
trip, and both sides evaluate to the same objective on the same assignment."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import qopt

qo = pytest.importorskip("qiskit_optimization")


def _program(sense: str):
    qp = qo.QuadraticProgram("round_trip")
    qp.binary_var("x")
    qp.binary_var("y")
    qp.integer_var(-1, 3, "n")
    qp.integer_var(2, 4, "m")
    objective = dict(constant=1.5, linear={"x": 3, "y": -2, "n": 1, "m": -0.5},
                     quadratic={("x", "n"): 1, ("x", "y"): -2, ("n", "m"): 0.25, ("n", "n"): -1})
    (qp.maximize if sense == "max" else qp.minimize)(**objective)
    qp.linear_constraint({"x": 1, "y": 1, "n": 1}, "<=", 3, "budget")
    qp.linear_constraint({"m": 1, "x": -1}, ">=", 2, "floor")
    qp.linear_constraint({"y": 1, "n": 1}, "==", 1, "tie")
    qp.quadratic_constraint({"n": 1}, {("x", "y"): 2, ("x", "m"): 1}, "<=", 6, "pair")
    return qp


def _assignments(qp):
    doms = [range(int(v.lowerbound), int(v.upperbound) + 1) for v in qp.variables]
    return [list(vals) for vals in itertools.product(*doms)]


@pytest.mark.parametrize("sense", ["min", "max"])
def test_round_trip_keeps_everything_and_evaluates_the_same(sense):
    qp = _program(sense)
    problem = qopt.from_qiskit(qp)
    back = qopt.to_qiskit(problem)
    assert [v.name for v in back.variables] == [v.name for v in qp.variables]
    assert [v.vartype for v in back.variables] == [v.vartype for v in qp.variables]
    assert [(v.lowerbound, v.upperbound) for v in back.variables] == [(v.lowerbound, v.upperbound)
                                                                      for v in qp.variables]
    assert back.objective.sense == qp.objective.sense and problem.sense == sense
    assert [c.name for c in back.linear_constraints] == [c.name for c in qp.linear_constraints]
    assert [c.name for c in back.quadratic_constraints] == [c.name for c in qp.quadratic_constraints]
    assert [(c.sense, c.rhs) for c in back.linear_constraints] == [(c.sense, c.rhs) for c in qp.linear_constraints]
    names = [v.name for v in qp.variables]
    for values in _assignments(qp):
        assert np.isclose(back.objective.evaluate(values), qp.objective.evaluate(values))
        assert back.is_feasible(values) == qp.is_feasible(values)
        bits = problem.variable_map.encode(dict(zip(names, values)))
        assert np.isclose(problem.evaluate(bits), qp.objective.evaluate(values))
        assert problem.is_feasible(bits) == qp.is_feasible(values)


def test_solving_a_quadratic_program_matches_brute_force():
    qp = _program("max")
    best = max(qp.objective.evaluate(v) for v in _assignments(qp) if qp.is_feasible(v))
    for solver in ("exact", "sa"):
        r = qopt.solve(qp, solver, seed=2)
        values = [r.sample[v.name] for v in qp.variables]
        assert qp.is_feasible(values) and np.isclose(qp.objective.evaluate(values), best)


def test_builtin_problem_to_qiskit_evaluates_the_same():
    problem = qopt.load("mknap1-2")
    qp = qopt.to_qiskit(problem)
    assert qp.objective.sense.name == "MAXIMIZE" and qp.get_num_binary_vars() == problem.num_variables
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.integers(0, 2, problem.num_variables)
        assert np.isclose(qp.objective.evaluate(x), problem.evaluate(x))
        assert qp.is_feasible(x) == problem.is_feasible(x)


def test_continuous_variables_are_refused():
    qp = qo.QuadraticProgram()
    qp.continuous_var(0, 1, "c")
    qp.minimize(linear={"c": 1})
    with pytest.raises(qopt.errors.InfeasibleModelError, match=r"variable 'c' is continuous"):
        qopt.from_qiskit(qp)


def test_spin_models_cannot_become_quadratic_programs():
    import dimod

    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.Spin("s") + dimod.Binary("b"))
    with pytest.raises(qopt.errors.InfeasibleModelError, match=r"variable 's' is SPIN; .*spin_to_binary"):
        qopt.to_qiskit(cqm)


def test_docplex_model_through_from_qiskit_keeps_names():
    pytest.importorskip("docplex")
    from docplex.mp.model import Model

    from qopt.interop import from_docplex

    m = Model("dp")
    u, v = m.binary_var("u"), m.integer_var(lb=1, ub=5, name="v")
    m.maximize(2 * u + v)
    m.add_constraint(u + v <= 4, "cap")
    p = from_docplex(m)
    assert p.variable_map.labels == ("u", "v") and p.sense == "max"
    assert qopt.solve(p, "exact").sample == {"u": 1, "v": 3}
