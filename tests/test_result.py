import json

import numpy as np

from qopt.problems import load
from qopt.result import Result, Status, package_versions
from qopt.solvers import solve


def test_round_trip_with_samples():
    problem = load("mknap1-1")
    result = solve(problem, "sa", seed=1, num_reads=5)
    data = json.loads(json.dumps(result.to_dict(include_samples=True)))
    back = Result.from_dict(data)
    assert back.objective == result.objective and back.status is result.status
    assert np.array_equal(back.solution, result.solution)
    assert len(back.samples) == len(result.samples)
    assert list(data)[:13] == ["instance", "problem", "n_variables", "sense", "objective", "feasible",
                               "solution", "solver", "seed", "time_s", "qubits", "known_optimum", "gap"]


def test_versions_and_status_values():
    assert "dimod" in package_versions() and "numpy" in package_versions()
    assert {s.value for s in Status} == {"optimal", "feasible", "infeasible", "failed"}
