"""qopt: hybrid quantum-classical combinatorial optimisation.

The data flow, one sub-package per stage::

    qopt.problems   instance readers, catalogue and constrained models (dimod CQM)
    qopt.qubo       CQM -> BQM: penalties, slack, calibration
    qopt.shrink     graph shrinking to a qubit budget (expand + verify on the way back)
    qopt.devices    where circuits run (YAML configs; exact simulator, Aer, IBM)
    qopt.solvers    classical baselines and variational quantum solvers
    qopt.decode     samples -> decoded, verified, repaired solutions
    qopt.result     the one Result type every solver returns
    qopt.pipeline   load -> encode -> shrink -> solve -> expand -> finish (qopt.solve)

``import qopt`` is light: sub-packages and heavy stacks (PennyLane, Qiskit,
torch, Mitiq) are imported only when first used.

Examples:
    >>> import qopt
    >>> problem = qopt.load("mknap1-1")
    >>> result = qopt.solve(problem, "exact")
    >>> result.objective == problem.known_optimum
    True
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> "module:attribute"; resolved on first access (PEP 562)
_LAZY = {
    "Result": "qopt.result:Result",
    "Status": "qopt.result:Status",
    "Problem": "qopt.problems.base:Problem",
    "read": "qopt.problems.readers:read",
    "load": "qopt.problems.catalogue:load",
    "resolve": "qopt.problems.catalogue:resolve",
    "catalogue": "qopt.problems.catalogue:catalogue",
    "to_bqm": "qopt.qubo.penalties:to_bqm",
    "solve": "qopt.pipeline:solve",
    "as_problem": "qopt.problems.adapters:as_problem",
    "from_qiskit": "qopt.problems.interop:from_qiskit",
    "to_qiskit": "qopt.problems.interop:to_qiskit",
}
_SUBPACKAGES = ("problems", "qubo", "shrink", "devices", "solvers", "decode", "result", "errors", "bench",
                "qcae", "mitigation", "cli", "testing", "pipeline", "options", "interop")

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name].split(":")
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f"qopt.{name}")
    raise AttributeError(f"module 'qopt' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBPACKAGES))
