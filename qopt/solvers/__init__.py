"""Solvers. Every solver takes a :class:`~qopt.problems.Problem` and returns a
:class:`~qopt.result.Result`; :func:`solve` dispatches by name (no shrinking, no option groups:
``qopt.solve`` is :func:`qopt.pipeline.solve`, the whole pipeline).

The registry maps names to ``"module:function"`` so that classical runs never
import the quantum stacks.
"""

from __future__ import annotations

import importlib

__all__ = ["SOLVERS", "get_solver", "solve", "unknown_options"]

SOLVERS: dict[str, str] = {
    "exact": "qopt.solvers.classical:exact",
    "sa": "qopt.solvers.classical:simulated_annealing",
    "tabu": "qopt.solvers.classical:tabu",
    "native": "qopt.solvers.native:native",
    "qaoa": "qopt.solvers.qaoa:qaoa",
    "rqaoa": "qopt.solvers.rqaoa:rqaoa",
    "vqe": "qopt.solvers.vqe:vqe",
    "pce": "qopt.solvers.pce:pce",
    "qrao": "qopt.solvers.qrao:qrao",
    "random": "qopt.solvers.null:random_bitstrings",
}


def get_solver(name: str):
    """The solver function registered under ``name``.

    Raises:
        ConfigError: unknown solver name (the message lists the known ones).
    """
    try:
        target = SOLVERS[name]
    except KeyError:
        from qopt.errors import ConfigError

        raise ConfigError(f"unknown solver {name!r}; choose one of {', '.join(sorted(SOLVERS))}") from None
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


def unknown_options(fn, options) -> list[str]:
    """Names in ``options`` that solver function ``fn`` does not take, in the given order
    (none when ``fn`` accepts ``**kwargs``)."""
    import inspect

    params = inspect.signature(fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return []
    return [k for k in options if k not in params]


def solve(problem, solver: str = "sa", **options):
    """Solve ``problem`` with the named solver (``exact``, ``sa``, ``tabu``, ...).

    Options are the solver function's keyword arguments.

    Raises:
        ConfigError: unknown solver name or option.
    """
    from qopt.problems.base import Problem

    if not isinstance(problem, Problem):  # a path or a name: say how to get a Problem
        from qopt.errors import ArgumentTypeError

        raise ArgumentTypeError(f"problem must be a qopt Problem, got {type(problem).__name__} {str(problem)[:40]!r}"
                                + (" (read it first: qopt.read(path) or qopt.load(name))" if isinstance(problem, str) else ""))
    from qopt.limits import check_solver_options

    check_solver_options(options)  # bounds layers, shots, reads... before anything is allocated
    fn = get_solver(solver)
    unknown = sorted(unknown_options(fn, options))
    if unknown:
        import inspect

        allowed = sorted(k for k in inspect.signature(fn).parameters if k != "problem")
        from qopt.errors import ConfigError

        raise ConfigError(f"solver {solver!r} does not take option(s) {', '.join(unknown)}; "
                         f"it takes {', '.join(allowed)}")
    return fn(problem, **options)
