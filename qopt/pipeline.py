"""The solve pipeline: load -> encode -> shrink -> solve -> expand -> finish.

:func:`solve` (``qopt.solve``) is the one path every entry point takes: the Python API, ``qopt
solve``, ``qopt demo`` and the benchmark runner. It

1. **loads** the instance (a :class:`~qopt.problems.Problem`, or a catalogue name / file path);
2. checks every option at the front door (unknown names, bad values: :class:`~qopt.errors.ConfigError`);
3. **encodes** with the encoding options (``penalty``, ``slack``; :data:`qopt.options.ENCODING`);
4. **shrinks** to ``max_qubits`` when asked (:mod:`qopt.shrink`), **solves** with the registered solver
   and its execution options (:data:`qopt.options.EXECUTION`), **expands** back to the original
   variables;
5. **finishes** (decode, post-process, verify; :data:`qopt.options.FINISHING`) inside the solver's
   call to :func:`qopt.decode.finish`.

Seeds follow :mod:`qopt._random`: the run resolves ``seed`` (int, Generator or None) to ONE int,
records it in ``Result.seed``, and passing that int back reproduces the run.
"""

from __future__ import annotations

import copy
import inspect
import math

from qopt.errors import ConfigError

__all__ = ["solve", "check_options", "UnknownOptionError", "SHRINK_MODES"]

#: Graph-shrinking modes of the pipeline (``None`` = no shrinking unless ``max_qubits`` is given).
SHRINK_MODES = ("adaptive", "static", "none")


class UnknownOptionError(ConfigError):
    """Options the chosen solver does not take (``names``, in the given order)."""

    def __init__(self, solver: str, names: list[str], allowed: list[str]):
        self.solver, self.names, self.allowed = solver, list(names), list(allowed)
        super().__init__(f"solver {solver!r} does not take option(s) {', '.join(names)}; "
                         f"it takes {', '.join(allowed)}")


def _solver(name: str):
    from qopt.solvers import SOLVERS, get_solver

    if name not in SOLVERS:
        raise ConfigError(f"unknown solver {name!r}; choose one of {', '.join(sorted(SOLVERS))}")
    return get_solver(name)


def check_options(solver: str, options: dict) -> None:
    """Raise :class:`UnknownOptionError` for options ``solver`` does not take, and
    :class:`~qopt.errors.ConfigError` for bad values of the shared option groups."""
    from qopt.options import POSTPROCESS, READOUTS

    fn = _solver(solver)
    params = inspect.signature(fn).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        unknown = [k for k in options if k not in params]
        if unknown:
            raise UnknownOptionError(solver, unknown, sorted(k for k in params if k not in ("problem", "seed")))
    if "postprocess" in options and options["postprocess"] not in POSTPROCESS:
        raise ConfigError(f"postprocess must be one of {', '.join(POSTPROCESS)}, got {options['postprocess']!r}")
    if "readout" in options and options["readout"] not in READOUTS:
        raise ConfigError(f"readout must be one of {', '.join(READOUTS)}, got {options['readout']!r}")
    shots = options.get("shots")
    if shots is not None and (isinstance(shots, bool) or not isinstance(shots, int) or shots < 1):
        raise ConfigError(f"shots must be a positive integer, got {shots!r}")
    top_k = options.get("top_k")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ConfigError(f"top_k must be a positive integer, got {top_k!r}")
    if "slack" in options and options["slack"] not in (None, "binary", "unbalanced"):
        raise ConfigError(f"slack must be 'binary' or 'unbalanced', got {options['slack']!r}")
    from qopt.limits import check_solver_options

    check_solver_options(options)  # layers, shots, reads... within physical limits, before any work


def _known_optimum(problem, known_optimum):
    """``problem`` with ``known_optimum`` set (a shallow copy; the caller's object is untouched)."""
    if known_optimum is None:
        return problem
    if isinstance(known_optimum, bool) or not isinstance(known_optimum, (int, float)) or \
            not math.isfinite(float(known_optimum)):
        raise ConfigError(f"known_optimum must be a finite number, got {known_optimum!r}")
    problem = copy.copy(problem)
    problem.known_optimum = float(known_optimum)
    return problem


def solve(problem, solver: str = "sa", *, seed=None, shrink: str | None = None, max_qubits: int | None = None,
          shrink_options: dict | None = None, postprocess: str | None = None, known_optimum: float | None = None,
          format: str | None = None, index: int | None = None, kind: str | None = None,  # noqa: A002 - CLI name
          **options):
    """Solve ``problem`` with the named solver through the whole pipeline.

    Args:
        problem: a :class:`~qopt.problems.Problem`, or a catalogue name / file path / ``labs:N``
            (read with ``format`` and ``index``), or a model of the user's own that
            :func:`qopt.as_problem` reads: a dimod BQM / QM / CQM, a square numpy or scipy sparse
            QUBO matrix, a dict ``{(i, j): w}``, a networkx graph (with ``kind``), a
            qiskit-optimization ``QuadraticProgram`` or a docplex ``Model``. ``Result.sample`` then
            holds the answer in that model's own variable labels.
        solver: a name from :data:`qopt.solvers.SOLVERS` (``exact``, ``sa``, ``tabu``, ``qaoa``, ...).
        seed: int, numpy Generator or None; resolved once to the int recorded in ``Result.seed``.
        shrink: ``"adaptive"``, ``"static"`` or ``"none"``; default none, adaptive when ``max_qubits``
            is given (:func:`qopt.shrink.shrink_and_solve`).
        max_qubits: qubit budget for shrinking (slack bits included).
        shrink_options: options of :func:`qopt.shrink.shrink`.
        postprocess: ``"full"`` (default: repair + local search), ``"one-round"`` or ``"none"``;
            passed to the solver's :func:`qopt.decode.finish`.
        known_optimum: the instance's optimum in problem units (overrides the catalogue's) for gap,
            status and optimum metrics.
        kind: what a networkx graph means: ``"maxcut"`` or ``"mis"`` (graphs only).
        **options: the solver's keyword options, including the encoding (``penalty``, ``slack``),
            execution (``device``, ``shots``, ``mitigation``, ``journal``, ``yes``) and finishing
            (``repair``, ``local_search``, ``readout``, ``top_k``) groups of :mod:`qopt.options`.

    Returns:
        The :class:`~qopt.result.Result` in the original problem's terms.

    Raises:
        ConfigError: unknown solver or option, bad option value (before any work).
        UnknownInstanceError, InstanceFormatError: the instance cannot be loaded.
        UnsupportedModelError, InfeasibleModelError, MissingDependencyError: a user model of an
            unknown type, with bad data, or needing the ``interop`` extra (:func:`qopt.as_problem`).

    Examples:
        >>> import qopt
        >>> r = qopt.solve(qopt.load("mknap1-1"), "exact")
        >>> r.objective == r.known_optimum, r.seed is not None
        (True, True)
    """
    from qopt._random import resolve_seed

    if isinstance(problem, (str, bytes)) or hasattr(problem, "__fspath__"):
        from qopt.problems.catalogue import resolve

        problem = resolve(str(problem), format=format, index=index)
    elif format is not None or index is not None:
        raise ConfigError("format and index apply to instance names and paths, not to a Problem object")
    from qopt.problems.adapters import as_problem

    problem = as_problem(problem, kind=kind)  # user models (dimod, numpy, networkx, qiskit) -> Problem
    if postprocess is not None:
        options["postprocess"] = postprocess
    from qopt.options import ENCODING, EXECUTION, FINISHING

    shared = {**ENCODING, **EXECUTION, **FINISHING}
    # None for a shared option means its declared default: not passed (a solver without it is fine)
    options = {k: v for k, v in options.items() if v is not None or k not in shared}
    fn = _solver(solver)
    params = inspect.signature(fn).parameters
    if options.get("postprocess") == "full" and "postprocess" not in params:
        options.pop("postprocess")  # the default level: nothing to pass to a solver without the switch
    check_options(solver, options)
    if shrink is not None and shrink not in SHRINK_MODES:
        raise ConfigError(f"shrink must be one of {', '.join(SHRINK_MODES)}, got {shrink!r}")
    if max_qubits is not None and (isinstance(max_qubits, bool) or not isinstance(max_qubits, int) or max_qubits < 1):
        raise ConfigError(f"max_qubits must be a positive integer, got {max_qubits!r}")
    problem = _known_optimum(problem, known_optimum)
    seed = resolve_seed(seed)
    if shrink in (None, "none") and max_qubits is None and not shrink_options:
        return fn(problem, seed=seed, **options)
    from qopt.shrink import shrink_and_solve

    return shrink_and_solve(problem, solver=solver, mode=shrink or "adaptive", max_qubits=max_qubits, seed=seed,
                            shrink_options=shrink_options, **options)
