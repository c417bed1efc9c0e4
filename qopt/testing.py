"""Conformance checks shared by qopt's tests and by anyone adding a problem or solver.

Like dimod's ``dimod.testing``: call :func:`assert_problem_api` on a new
:class:`~qopt.problems.Problem` subclass, :func:`assert_result_api` on what a new
solver returns. :func:`knapsack_as_user_cqm` writes a bundled knapsack the way a user would
(the bring-your-own-model reference of the tests and ``benchmarks/byom_mdkp.py``).
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["assert_problem_api", "assert_result_api", "brute_force", "knapsack_as_user_cqm", "run_task_aborting_on_seed"]


def knapsack_as_user_cqm(kp):
    """A multi-dimensional knapsack as a user writes it in dimod: binaries ``item0..``, constraints
    ``capacity0..``, objective ``-profit`` (minimised).

    Args:
        kp: a :class:`~qopt.problems.MultiDimKnapsack` (``profits`` (n,), ``weights`` (m, n),
            ``capacities`` (m,)).

    Returns:
        a ``dimod.ConstrainedQuadraticModel``.
    """
    import dimod

    x = [dimod.Binary(f"item{j}") for j in range(kp.num_variables)]
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(-dimod.quicksum(float(p) * xj for p, xj in zip(kp.profits, x)))
    for i in range(kp.num_constraints):
        cqm.add_constraint(dimod.quicksum(float(w) * xj for w, xj in zip(kp.weights[i], x) if w)
                           <= float(kp.capacities[i]), label=f"capacity{i}")
    return cqm


def brute_force(problem, *, max_variables: int = 16) -> tuple[np.ndarray, float]:
    """The optimal feasible solution by enumeration: ``(x, objective)``.

    Raises:
        ValueError: more than ``max_variables`` variables, or no feasible assignment.
    """
    n = problem.num_variables
    if n > max_variables:
        raise ValueError(f"brute_force enumerates 2^n states; n = {n} > max_variables = {max_variables}")
    sign = 1.0 if problem.sense == "max" else -1.0
    best, best_x = -np.inf, None
    for bits in itertools.product((0, 1), repeat=n):
        x = np.array(bits, dtype=np.int8)
        if problem.is_feasible(x):
            value = sign * problem.evaluate(x)
            if value > best:
                best, best_x = value, x
    if best_x is None:
        raise ValueError(f"{problem.name}: no feasible assignment among 2^{n}")
    return best_x, sign * best


def assert_problem_api(problem, *, samples: int = 20, seed: int = 0, repairable: bool = True) -> None:
    """Check a problem's contract on random assignments.

    * the CQM has the problem's variables (plus auxiliaries only for higher-order models);
    * its objective equals ``evaluate`` (negated for ``sense == "max"``) at feasible
      assignments, where the CQM has no auxiliary variables;
    * ``violations`` are >= 0 and all zero exactly when ``is_feasible``;
    * ``repair`` (if ``repairable``) returns a feasible solution; ``local_search``
      keeps a feasible solution feasible and never makes it worse.
    """
    rng = np.random.default_rng(seed)
    n = problem.num_variables
    cqm = problem.cqm()
    assert set(range(n)) <= set(cqm.variables), "CQM must contain the variables 0..n-1"
    plain = len(cqm.variables) == n
    sign = -1.0 if problem.sense == "max" else 1.0
    for _ in range(samples):
        x = rng.integers(0, 2, n).astype(np.int8)
        value = problem.evaluate(x)
        assert np.isfinite(value)
        if plain and problem.is_feasible(x):
            energy = cqm.objective.energy({i: int(v) for i, v in enumerate(x)})
            assert np.isclose(energy, sign * value), (energy, value)
        viol = problem.violations(x)
        assert all(v >= 0 for v in viol.values())
        assert problem.is_feasible(x) == all(v <= 1e-6 for v in viol.values())
        if repairable:
            y = problem.repair(x)
            assert problem.is_feasible(y), f"repair left {problem.violations(y)}"
            if plain:
                energy = cqm.objective.energy({i: int(v) for i, v in enumerate(y)})
                assert np.isclose(energy, sign * problem.evaluate(y)), (energy, problem.evaluate(y))
            z = problem.local_search(y)
            assert problem.is_feasible(z)
            assert -sign * problem.evaluate(z) >= -sign * problem.evaluate(y) - 1e-9


def assert_result_api(result, problem) -> None:
    """Check a solver's :class:`~qopt.result.Result` against the problem it solved."""
    assert result.solution.shape == (problem.num_variables,)
    assert set(np.unique(result.solution)) <= {0, 1}
    assert np.isclose(result.objective, problem.evaluate(result.solution))
    assert result.feasible == problem.is_feasible(result.solution)
    assert result.sense == problem.sense and result.problem == problem.family
    if result.feasible and problem.known_optimum is not None:
        assert result.gap is not None and np.isclose(result.gap, problem.gap(result.objective))
    d = result.to_dict()
    for key in ("instance", "problem", "n_variables", "sense", "objective", "feasible", "solution", "solver",
                "seed", "time_s", "qubits", "known_optimum", "gap"):
        assert key in d, key
    if result.raw is not None:
        raw = result.raw
        for key in ("shots", "distinct", "readout", "best_objective", "best_feasible", "feasible_fraction",
                    "expected_objective", "approx_ratio", "p_optimum"):
            assert key in raw, key
        assert 1 <= raw["distinct"] and 0.0 <= raw["feasible_fraction"] <= 1.0
        assert (raw["p_optimum"] is None) == (result.known_optimum is None)
        assert (raw["approx_ratio"] is None) == (result.known_optimum is None)
        if result.postprocess == "none":
            assert np.isclose(result.objective, raw["best_objective"])
        assert d["raw"] == raw and d["postprocess"] == result.postprocess


def run_task_aborting_on_seed(task: dict, abort_seed: int = 1) -> dict:
    """:func:`qopt.bench.runner.run_task`, except that the task whose seed is ``abort_seed`` aborts
    its process with ``os.abort()`` (what glibc does on "double free or corruption").

    A stand-in for a native crash inside a solver, defined here (not in a test module) so that Dask
    workers, which import functions by name, can run it.
    """
    import os

    from qopt.bench.runner import _real_run_task  # not run_task: tests patch that with this function

    if task["seed"] == abort_seed:
        os.abort()
    return _real_run_task(task)
