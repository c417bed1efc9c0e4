"""Solvers. Every solver takes a :class:`~qopt.problems.Problem` and returns a
:class:`~qopt.result.Result`; :func:`solve` dispatches by name."""

from __future__ import annotations

from qopt.solvers.classical import exact, simulated_annealing, tabu

__all__ = ["SOLVERS", "solve", "exact", "simulated_annealing", "tabu"]

SOLVERS = {
    "exact": exact,
    "sa": simulated_annealing,
    "tabu": tabu,
}


def solve(problem, solver: str = "sa", **options):
    """Solve ``problem`` with the named solver (``exact``, ``sa``, ``tabu``, ...).

    Raises:
        ValueError: unknown solver name (the message lists the known ones).
    """
    try:
        fn = SOLVERS[solver]
    except KeyError:
        raise ValueError(f"unknown solver {solver!r}; choose one of {sorted(SOLVERS)}") from None
    return fn(problem, **options)
