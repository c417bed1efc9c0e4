"""Python API mistakes raise a QoptError subclass that names the argument (issue 17)."""

from __future__ import annotations

import numpy as np
import pytest

import qopt
import qopt.solvers.classical
from qopt.errors import ArgumentTypeError, QoptError


@pytest.mark.parametrize("call, kind, needle", [
    (lambda: qopt.solve("x", "sa"), LookupError, "'x' is not in the problem catalogue"),
    (lambda: qopt.solve(42, "sa"), TypeError, "cannot solve a builtins.int"),
    (lambda: qopt.solve(None, "tabu"), TypeError, "cannot solve a builtins.NoneType"),
    (lambda: qopt.solvers.solve("x", "sa"), TypeError, "problem must be a qopt Problem.*qopt.read"),
    (lambda: qopt.solvers.classical.tabu(42), TypeError, "problem must be a qopt Problem, got int"),
    (lambda: qopt.read(None), TypeError, "path must be a file path"),
    (lambda: qopt.read(b"3 1\n1 2 1\n"), TypeError, "got bytes"),
    (lambda: qopt.Result.from_dict({}), ValueError, "missing key"),
    (lambda: qopt.Result.from_dict("x"), TypeError, "data must be a dict"),
    (lambda: qopt.to_bqm("x"), TypeError, "cqm must be a dimod.ConstrainedQuadraticModel"),
    (lambda: qopt.solve(qopt.load("mknap1-1"), "sa", num_reads="many"), TypeError, "num_reads"),
    (lambda: qopt.solve(qopt.load("mknap1-1"), "sa", num_reads=10**12), ValueError, "num_reads"),
    (lambda: qopt.solve(qopt.load("mknap1-1"), "qaoa", layers=10**7), ValueError, "layers"),
    (lambda: qopt.solve(qopt.load("mknap1-1"), "qaoa", shots=10**12), ValueError, "shots"),
    (lambda: qopt.solve(qopt.load("mknap1-1"), "exact", time_limit=float("nan")), ValueError, "time_limit"),
    (lambda: qopt.read("x" * 5000), LookupError, "path of 5,000 characters"),
    (lambda: qopt.read("labs:100000"), ValueError, "LABS length"),
])
def test_api_mistakes_are_typed_qopt_errors(call, kind, needle):
    with pytest.raises(QoptError, match=needle) as info:
        call()
    assert isinstance(info.value, kind)


def test_argument_type_error_is_a_type_error():
    assert issubclass(ArgumentTypeError, TypeError) and issubclass(ArgumentTypeError, QoptError)


def test_overflowing_model_is_refused_before_the_native_sampler():
    """1e308 weights overflow to inf in the model (2 w); tabu used to abort the process."""
    import networkx as nx

    from qopt.problems import MaxCut

    g = nx.Graph()
    g.add_weighted_edges_from([(0, 1, 1e308), (1, 2, 1e308), (0, 2, 1e308)])
    with np.errstate(over="ignore"):
        problem = MaxCut(g)
    for solver in ("tabu", "sa", "exact"):
        with pytest.raises(QoptError, match="not finite|exceeds"):
            qopt.solve(problem, solver, seed=0)


def test_satisfiable_market_split_with_huge_coefficients_is_solved():
    """Row sums beyond int64 (3 x 1e19) used to wrap around: "can never be satisfied"."""
    from qopt.problems.market_split import MarketSplit

    problem = MarketSplit(np.array([[1e19, 1e19, 2e19]]), np.array([2e19]))
    for solver in ("exact", "sa"):
        result = qopt.solve(problem, solver, seed=0)
        assert result.feasible and result.objective == 0.0, solver
