"""Bring your own model: turn the objects users already have into a qopt :class:`Problem`.

:func:`as_problem` is the front door of :func:`qopt.solve`; :func:`sample_of` turns a
problem's 0/1 vector back into the user's ``{label: value}`` (``Result.sample``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Hashable

import numpy as np

from qopt.errors import ConfigError, InfeasibleModelError, UnsupportedModelError

if TYPE_CHECKING:  # pragma: no cover
    from qopt.problems.base import Problem

__all__ = ["as_problem", "sample_of", "SUPPORTED"]

SUPPORTED = ("a qopt Problem, a catalogue name or a file path, a dimod BinaryQuadraticModel, "
             "QuadraticModel or ConstrainedQuadraticModel, a square numpy array or scipy sparse matrix, a dict "
             "{(i, j): w}, a networkx Graph with kind='maxcut' or 'mis', a qiskit-optimization "
             "QuadraticProgram or a docplex Model")

_GRAPH_KINDS = ("maxcut", "mis")


def as_problem(model, *, kind: str | None = None, name: str | None = None, **kw) -> Problem:
    """A qopt problem for ``model``, keeping the user's variable labels.

    Accepted models:

    * a :class:`~qopt.problems.Problem` (returned as is), a catalogue name or a file path
      (:func:`qopt.resolve`; ``format=`` and ``index=`` pass through);
    * a :class:`dimod.BinaryQuadraticModel`, BINARY or SPIN, any hashable labels (family
      ``qubo``; a SPIN model's sample values are -1/+1);
    * a :class:`dimod.ConstrainedQuadraticModel` (or an unconstrained
      :class:`dimod.QuadraticModel`) with BINARY, SPIN and bounded INTEGER variables
      (:class:`~qopt.problems.model.ModelProblem`; integers are expanded to bits and decoded
      back; REAL variables are refused);
    * a square :class:`numpy.ndarray` or :mod:`scipy.sparse` matrix ``Q`` of shape (n, n): the
      QUBO ``min x^T Q x`` over ``x in {0,1}^n``. Both triangles count: the coefficient of
      ``x_i x_j`` (i != j) is ``Q[i, j] + Q[j, i]``, so an upper-triangular matrix and its
      symmetric half-and-half version give the same QUBO; ``Q[i, i]`` is linear. Labels are
      ``0 .. n-1``;
    * a dict ``{(i, j): w}`` (as :meth:`dimod.BinaryQuadraticModel.from_qubo`: ``(i, i)`` is
      linear, ``(i, j)`` and ``(j, i)`` add up), any hashable labels;
    * a :class:`networkx.Graph` with ``kind="maxcut"`` (edge attribute ``weight``, default 1)
      or ``kind="mis"`` (maximum weight independent set, node attribute ``weight``,
      default 1), any node labels;
    * a qiskit-optimization ``QuadraticProgram`` or a docplex ``Model`` (needs the
      ``interop`` extra; see :func:`qopt.from_qiskit`).

    Args:
        model: one of the above.
        kind: what a graph means (``"maxcut"`` or ``"mis"``); only for graphs.
        name: instance name used in results (default: from the model).
        **kw: ``known_optimum=`` for any model; ``format=``/``index=`` for names and paths.

    Returns:
        A :class:`~qopt.problems.Problem`; ``sample_of(problem, x)`` gives the user's
        ``{label: value}`` of its 0/1 vector ``x``.

    Raises:
        UnsupportedModelError: an unsupported object type (a ``TypeError``; the message lists
            the supported ones).
        ConfigError: a graph without (or with an unknown) ``kind``, ``kind`` given for a model
            that is not a graph, unknown keywords (a ``ValueError``).
        InfeasibleModelError: a non-square, empty or non-finite matrix or dict entry, an empty
            model, real-valued or unbounded integer variables (a ``ValueError``).
        MissingDependencyError: a QuadraticProgram or docplex Model without the ``interop`` extra.

    Examples:
        >>> import numpy as np, qopt
        >>> p = as_problem(np.array([[-1.0, 2.0], [0.0, -1.0]]))
        >>> qopt.solve(p, "exact").sample
        {0: 0, 1: 1}
    """
    import dimod
    import networkx as nx

    from qopt.problems.base import Problem

    known = kw.pop("known_optimum", None)
    module = type(model).__module__ or ""
    if isinstance(model, (str, os.PathLike)):
        from qopt.problems.catalogue import resolve

        _no_kind(kind, "a name or path")
        fmt, index = kw.pop("format", None), kw.pop("index", None)
        _no_more(kw)
        problem = resolve(model, format=fmt, index=index)
        return _renamed(problem, name, known)
    _no_more(kw)
    if isinstance(model, Problem):
        _no_kind(kind, "a qopt Problem")
        return _renamed(model, name, known)
    if isinstance(model, nx.Graph):
        return _from_graph(model, kind, name, known)
    _no_kind(kind, f"a {type(model).__name__}")
    if isinstance(model, dimod.BinaryQuadraticModel):
        return _from_bqm(model, name or "bqm", known)
    if isinstance(model, dimod.QuadraticModel):  # unconstrained, possibly with integers
        model = dimod.ConstrainedQuadraticModel.from_quadratic_model(model)
    if isinstance(model, dimod.ConstrainedQuadraticModel):
        from qopt.problems.model import ModelProblem

        return ModelProblem(model, name=name or "cqm", known_optimum=known)
    if isinstance(model, np.ndarray) or _is_sparse(model):
        return _from_matrix(model, name or "qubo", known)
    if isinstance(model, dict):
        return _from_dict(model, name or "qubo", known)
    if module.startswith("qiskit_optimization") and type(model).__name__ == "QuadraticProgram":
        from qopt.problems.interop import from_qiskit

        return _renamed(from_qiskit(model), name, known)
    if module.startswith("docplex"):
        from qopt.problems.interop import from_docplex

        return _renamed(from_docplex(model), name, known)
    raise UnsupportedModelError(f"cannot solve a {module}.{type(model).__name__}; qopt takes {SUPPORTED}")


def sample_of(problem, x) -> dict[Hashable, int]:
    """The user's ``{label: value}`` of a problem's 0/1 vector ``x`` (shape (num_variables,)).

    Models given through :func:`as_problem` use their own labels (integers decoded,
    spins as -1/+1); LP files their variable names; qopt's own problems ``0 .. n-1``.
    """
    vmap = getattr(problem, "variable_map", None)
    if vmap is not None:
        return vmap.sample(x)
    names = getattr(problem, "variable_names", None)
    values = [int(v) for v in np.asarray(x)]
    if names is not None and len(names) == len(values):
        return dict(zip(names, values))
    return dict(enumerate(values))


# ---------------------------------------------------------------------------
def _no_kind(kind, what: str) -> None:
    if kind is not None:
        raise ConfigError(f"kind={kind!r} applies to networkx graphs only, not to {what}")


def _no_more(kw: dict) -> None:
    if kw:
        raise ConfigError(f"as_problem got unknown keyword(s) {', '.join(sorted(kw))}")


def _renamed(problem, name, known):
    if name is not None:
        problem.name = name
    if known is not None:
        problem.known_optimum = float(known)
    return problem


def _is_sparse(obj) -> bool:
    import scipy.sparse as sp

    return sp.issparse(obj)


def _labelled(problem, vmap):
    problem.variable_map = vmap
    return problem


def _from_bqm(bqm, name, known):
    from qopt.problems.model import VariableMap
    from qopt.problems.qubo import QUBO

    labels = list(bqm.variables)
    if not labels:
        raise InfeasibleModelError("the BinaryQuadraticModel has no variables")
    spin = bqm.vartype.name == "SPIN"
    relabelled = bqm.relabel_variables({v: i for i, v in enumerate(labels)}, inplace=False)
    try:
        problem = QUBO(relabelled, name=name, known_optimum=known)
    except ValueError as err:
        raise InfeasibleModelError(f"BinaryQuadraticModel: {err}") from None
    return _labelled(problem, (VariableMap.spin if spin else VariableMap.binary)(labels))


def _from_matrix(Q, name, known):
    import dimod
    import scipy.sparse as sp

    from qopt.problems.qubo import QUBO

    shape = Q.shape
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] == 0:
        raise InfeasibleModelError(f"a QUBO matrix must be square and non-empty, got shape {shape}")
    if sp.issparse(Q):
        C = sp.coo_matrix(Q)
        data, rows, cols = np.asarray(C.data, dtype=float), C.row, C.col
        if not np.isfinite(data).all():
            k = int(np.argmax(~np.isfinite(data)))
            raise InfeasibleModelError(f"Q[{rows[k]}, {cols[k]}] is {data[k]}; QUBO entries must be finite")
        n = shape[0]
        bqm = dimod.BinaryQuadraticModel("BINARY")
        bqm.add_variables_from((i, 0.0) for i in range(n))
        diag = rows == cols
        bqm.add_linear_from(zip(rows[diag].tolist(), data[diag].tolist()))
        bqm.add_quadratic_from(zip(rows[~diag].tolist(), cols[~diag].tolist(), data[~diag].tolist()))
        return QUBO(bqm, name=name, known_optimum=known)
    try:
        arr = np.asarray(Q, dtype=float)
    except (TypeError, ValueError):
        raise InfeasibleModelError(f"a QUBO matrix must hold numbers, got dtype {Q.dtype}") from None
    if not np.isfinite(arr).all():
        i, j = np.argwhere(~np.isfinite(arr))[0]
        raise InfeasibleModelError(f"Q[{i}, {j}] is {arr[i, j]}; QUBO entries must be finite")
    return QUBO.from_matrix(arr, name=name, known_optimum=known)


def _from_dict(Q: dict, name, known):
    import dimod

    from qopt.problems.model import VariableMap
    from qopt.problems.qubo import QUBO

    if not Q:
        raise InfeasibleModelError("the QUBO dict is empty")
    for key, w in Q.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise InfeasibleModelError(f"QUBO dict keys must be pairs (i, j), got {key!r}")
        if not isinstance(w, (int, float, np.integer, np.floating)) or not np.isfinite(w):
            raise InfeasibleModelError(f"QUBO dict entry {key!r} is {w!r}; entries must be finite numbers")
    bqm = dimod.BinaryQuadraticModel.from_qubo(Q)
    labels = list(bqm.variables)
    problem = QUBO(bqm.relabel_variables({v: i for i, v in enumerate(labels)}, inplace=False),
                   name=name, known_optimum=known)
    return _labelled(problem, VariableMap.binary(labels))


def _from_graph(graph, kind, name, known):
    import networkx as nx

    from qopt.problems.maxcut import MaxCut
    from qopt.problems.mis import IndependentSet
    from qopt.problems.model import VariableMap

    if kind is None:
        raise ConfigError(f"a networkx graph needs kind= to say what to solve: one of {', '.join(_GRAPH_KINDS)}")
    if kind not in _GRAPH_KINDS:
        raise ConfigError(f"unknown graph kind {kind!r}; choose one of {', '.join(_GRAPH_KINDS)}")
    if graph.is_directed() or graph.is_multigraph():
        raise InfeasibleModelError(f"kind={kind!r} needs a simple undirected nx.Graph, got {type(graph).__name__}; "
                         "convert it with nx.Graph(graph)")
    if graph.number_of_nodes() == 0:
        raise InfeasibleModelError("the graph has no nodes")
    labels = list(graph.nodes)
    relabelled = nx.relabel_nodes(graph, {v: i for i, v in enumerate(labels)}, copy=True)
    default = graph.graph.get("name") or kind
    cls = MaxCut if kind == "maxcut" else IndependentSet
    try:
        problem = cls(relabelled, name=name or default, known_optimum=known)
    except ValueError as err:
        raise InfeasibleModelError(f"kind={kind!r}: {err}") from None
    return _labelled(problem, VariableMap.binary(labels))

