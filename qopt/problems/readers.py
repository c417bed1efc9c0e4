"""Readers for benchmark instance and solution files.

One reader per format; the format names are a stable contract (the CLI's
``--format``). :func:`read` picks the reader from the file name, sniffing the
content where the extension is shared (``.dat``, ``.txt``):

==============  ===========================================  =====================================
format          files                                        problem
==============  ===========================================  =====================================
``mknap1``      OR-Library mknap1 / Chu-Beasley mknapcb      :class:`~qopt.problems.knapsack.Knapsack`
``mknap2``      OR-Library mknap2 problems                   :class:`~qopt.problems.knapsack.Knapsack`
``qaplib``      QAPLIB ``.dat`` (+ sibling ``.sln``)         :class:`~qopt.problems.qap.QuadraticAssignment`
``dimacs``      DIMACS edge format ``.gph``/``.col``/``.clq``  :class:`~qopt.problems.mis.IndependentSet`
``rudy``        Gset / Biq Mac weighted edge lists           :class:`~qopt.problems.maxcut.MaxCut`
``biqmac``      Biq Mac ``.sparse`` QUBO                     :class:`~qopt.problems.qubo.QUBO`
``orlib-bqp``   OR-Library ``bqpN.txt`` (many problems)      :class:`~qopt.problems.qubo.QUBO`
``market-split``  QOBLIB market split ``.dat``               :class:`~qopt.problems.market_split.MarketSplit`
``qs``          QOBLIB QUBO ``.qs``                          :class:`~qopt.problems.qubo.QUBO`
``lp``          CPLEX LP (binary variables)                  :class:`~qopt.problems.lp.LPProblem`
``labs``        LABS length: ``labs:N`` or a ``.opt.sol``    :class:`~qopt.problems.labs.LABS`
==============  ===========================================  =====================================

Files ending in ``.gz`` or ``.xz`` are decompressed. Every malformed input
raises :class:`~qopt.errors.InstanceFormatError` whose message names the file,
the format, what is wrong and (where it can) the line; a missing file raises
:class:`~qopt.errors.UnknownInstanceError`. The writers of
:mod:`qopt.problems.writers` (re-exported here) produce the same layouts.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qopt.errors import ArgumentTypeError, InstanceFormatError, ResourceLimitError, UnknownInstanceError
from qopt.problems._textio import (
    COMPRESSED,
    MAX_VARIABLES,
    check_path,
    Tokens,
    blank_comments,
    build,
    instance_name,
    load_text,
    pairs,
    pick_index,
    tokenize,
)
from qopt.problems.writers import (
    write_biqmac,
    write_dimacs,
    write_market_split,
    write_mknap1,
    write_qaplib,
    write_rudy,
)

if TYPE_CHECKING:  # pragma: no cover
    from qopt.problems.base import Problem
    from qopt.problems.knapsack import Knapsack
    from qopt.problems.labs import LABS
    from qopt.problems.market_split import MarketSplit
    from qopt.problems.maxcut import MaxCut
    from qopt.problems.mis import IndependentSet
    from qopt.problems.qap import QuadraticAssignment
    from qopt.problems.qubo import QUBO

__all__ = [
    "FORMATS",
    "MULTI_PROBLEM_FORMATS",
    "detect_format",
    "read",
    "read_biqmac",
    "read_dimacs",
    "read_labs",
    "read_market_split",
    "read_mknap1",
    "read_mknap2",
    "read_orlib_bqp",
    "read_qaplib",
    "read_qs",
    "read_rudy",
    "read_solution",
    "write_biqmac",
    "write_dimacs",
    "write_market_split",
    "write_mknap1",
    "write_qaplib",
    "write_rudy",
]

#: Every format name :func:`read` accepts (the CLI's ``--format`` choices).
FORMATS: tuple[str, ...] = (
    "mknap1", "mknap2", "qaplib", "dimacs", "rudy", "biqmac", "orlib-bqp",
    "market-split", "qs", "lp", "labs",
)
#: Formats that hold several problems per file; ``index`` (0-based) selects one.
MULTI_PROBLEM_FORMATS: tuple[str, ...] = ("mknap1", "orlib-bqp")

_BY_EXTENSION = {".gph": "dimacs", ".col": "dimacs", ".clq": "dimacs", ".rud": "rudy",
                 ".sparse": "biqmac", ".lp": "lp", ".qs": "qs"}
_LABS_SPEC = re.compile(r"^labs:(\d+)$", re.IGNORECASE)


# --------------------------------------------------------------------------- knapsack
def read_mknap1(path: str | os.PathLike, *, index: int | None = None) -> Knapsack:
    """OR-Library ``mknap1`` layout (also Chu-Beasley ``mknapcb*``), K problems per file.

    Layout (free line wrapping)::

        K
        n m opt            (per problem; opt = 0 means "not given")
        p_1 .. p_n
        r_11 .. r_mn       (m rows of n)
        b_1 .. b_m

    Args:
        path: the file.
        index: which problem (0-based); may be omitted when K = 1.

    Returns:
        The Knapsack (profits shape (n,), weights (m, n), capacities (m,));
        ``known_optimum`` is the stated opt, or None for 0.

    Raises:
        UnknownInstanceError: the file does not exist.
        InstanceFormatError: wrong token count, non-numeric or non-finite value,
            sizes < 1, ``index`` missing or out of range, invalid data (negative weight).
    """
    from qopt.problems.knapsack import Knapsack

    tok = tokenize(path, "mknap1")
    count = tok.size(0, "the problem count K")
    chosen = None
    pos = 1
    for k in range(count):
        n = tok.size(pos, f"problem {k}: the number of variables n")
        m = tok.size(pos + 1, f"problem {k}: the number of constraints m")
        stop = pos + 3 + n + m * n + m
        data = tok.floats(pos + 2, stop, f"problem {k} (n = {n}, m = {m})")
        if chosen is None and k == (index if index is not None else 0):
            chosen = (n, m, data)
        pos = stop
    tok.expect_end(pos, f"{count} problem(s)")
    k = pick_index(tok, index, count)
    n, m, data = chosen
    opt, profits = data[0], data[1 : 1 + n]
    weights = data[1 + n : 1 + n + m * n].reshape(m, n)
    capacities = data[1 + n + m * n :]
    name = instance_name(path) + (f"[{k}]" if count > 1 else "")
    return build(tok, Knapsack, profits, weights, capacities, name=name,
                  known_optimum=None if opt == 0 else float(opt))


def read_mknap2(path: str | os.PathLike) -> Knapsack:
    """One problem in the OR-Library ``mknap2`` layout (note the order)::

        m n                (knapsacks first, then objects)
        p_1 .. p_n
        b_1 .. b_m         (capacities BEFORE the constraint rows)
        r_11 .. r_mn
        opt                (known optimum, the last number)

    Args:
        path: the file (one problem).

    Returns:
        The Knapsack with ``known_optimum = opt``.

    Raises:
        UnknownInstanceError: the file does not exist.
        InstanceFormatError: wrong token count (e.g. the optimum missing), non-numeric
            or non-finite value, sizes < 1, invalid data.
    """
    from qopt.problems.knapsack import Knapsack

    tok = tokenize(path, "mknap2")
    m = tok.size(0, "the number of knapsacks m")
    n = tok.size(1, "the number of objects n")
    stop = 2 + n + m + m * n + 1
    if len(tok) == stop - 1:
        raise tok.error(f"the known optimum (last number) is missing: expected {stop} numbers "
                        f"for m = {m}, n = {n}, found {len(tok)}", line=tok.line_of(len(tok)))
    data = tok.floats(2, stop, f"m = {m}, n = {n}")
    tok.expect_end(stop, f"m = {m}, n = {n}")
    profits, capacities = data[:n], data[n : n + m]
    weights = data[n + m : n + m + m * n].reshape(m, n)
    return build(tok, Knapsack, profits, weights, capacities, name=instance_name(path),
                  known_optimum=float(data[-1]))


# --------------------------------------------------------------------------- QAP
def read_qaplib(path: str | os.PathLike) -> QuadraticAssignment:
    """QAPLIB ``.dat``: ``n``, then matrix A (n x n), then B (n x n), free wrapping.

    The cost of a permutation p is ``sum_{i,k} A[i, k] * B[p(i), p(k)]`` (A is
    passed as ``flow``, B as ``distance``). If ``NAME.sln`` sits next to the
    file, its value becomes ``known_optimum`` (its size must match).

    Args:
        path: the ``.dat`` file.

    Returns:
        The QuadraticAssignment (flow, distance shape (n, n); n^2 binaries).

    Raises:
        UnknownInstanceError: the file does not exist.
        InstanceFormatError: wrong token count, non-numeric or non-finite value, n < 1,
            a malformed or mismatched sibling ``.sln``.
    """
    from qopt.problems.qap import QuadraticAssignment

    tok = tokenize(path, "qaplib")
    n = tok.size(0, "the size n")
    stop = 1 + 2 * n * n
    data = tok.floats(1, stop, f"the two {n}x{n} matrices")
    tok.expect_end(stop, f"n = {n} (1 + 2 n^2)")
    known = None
    name = instance_name(path)
    sln = Path(path).with_name(name + ".sln")
    if sln.is_file():
        sol = read_solution(sln)
        if sol["kind"] != "permutation" or sol["n"] != n:
            raise tok.error(f"the sibling solution {sln} is for n = {sol.get('n')}, not n = {n}")
        known = sol["value"]
    flow, distance = data[: n * n].reshape(n, n), data[n * n :].reshape(n, n)
    return build(tok, QuadraticAssignment, flow, distance, name=name, known_optimum=known)


# --------------------------------------------------------------------------- graphs
def read_dimacs(path: str | os.PathLike) -> IndependentSet:
    """DIMACS edge format (``c`` comments, ``p edge n m``, ``e u v``; 1-based) as a MIS.

    Vertices become ``0 .. n-1`` (all n, isolated ones included); an edge listed
    twice is one edge. If ``../solutions/NAME.opt.sol`` exists (the QOBLIB
    layout), its ``# Objective value`` is the known optimum. Self-loops are kept
    (the MIS builder forbids their vertex).

    Args:
        path: the ``.gph``/``.col``/``.clq`` file.

    Returns:
        The IndependentSet on ``n`` vertices.

    Raises:
        UnknownInstanceError: the file does not exist.
        InstanceFormatError: missing/duplicate ``p`` line, unknown line type, edge count
            different from the ``p`` line, a vertex outside 1..n, a malformed sibling solution.
    """
    import networkx as nx

    from qopt.problems.mis import IndependentSet

    text = load_text(path, "dimacs")
    tok = Tokens(path, "dimacs", "")  # for error messages only
    lines = text.split("\n")
    n = m = None
    e_lines: list[int] = []
    for i, line in enumerate(lines):
        s = line.lstrip()
        if not s or s[0] == "c":
            continue
        if s[0] == "e":
            if n is None:
                raise tok.error("an 'e' line comes before the 'p edge n m' line", line=i + 1)
            e_lines.append(i)
        elif s[0] == "p":
            words = s.split()
            if n is not None:
                raise tok.error("a second 'p' line", line=i + 1)
            if len(words) != 4 or words[1] not in ("edge", "edges", "col"):
                raise tok.error(f"expected 'p edge n m', got {s.strip()!r}", line=i + 1)
            sizes = Tokens(path, "dimacs", "\n" * i + " ".join(words[2:]))
            n = sizes.size(0, "the vertex count n", maximum=MAX_VARIABLES)
            m = sizes.size(1, "the edge count m", minimum=0)
        else:
            raise tok.error(f"unknown line type {s.split()[0]!r}; expected 'c', 'p' or 'e'", line=i + 1)
    if n is None:
        raise tok.error("no 'p edge n m' line")
    if len(e_lines) != m:
        raise tok.error(f"the 'p' line announces {m} edges, the file has {len(e_lines)} 'e' lines")
    words = " ".join(lines[i] for i in e_lines).split()
    if len(words) != 3 * m or any(w != "e" for w in words[0::3]):
        for i in e_lines:
            if len(lines[i].split()) != 3 or lines[i].split()[0] != "e":
                raise tok.error(f"expected 'e u v', got {lines[i].strip()!r}", line=i + 1)
    body = [""] * len(lines)
    for i in e_lines:
        body[i] = lines[i].lstrip()[1:]
    ends = Tokens(path, "dimacs", "\n".join(body))
    uv = ends.ints(0, 2 * m, f"vertex id (n = {n})", low=1, high=n).reshape(m, 2) - 1 if m else np.zeros((0, 2), int)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(uv.tolist())
    known = None
    name = instance_name(path)
    sol = Path(path).resolve().parent.parent / "solutions" / f"{name}.opt.sol"
    if sol.is_file():
        known = read_solution(sol, num_variables=n)["value"]
    return build(tok, IndependentSet, graph, name=name, known_optimum=known)


def _edge_list(path, fmt: str):
    tok = tokenize(path, fmt, comments=("#",))
    n = tok.size(0, "the vertex count n" if fmt == "rudy" else "the variable count n", maximum=MAX_VARIABLES)
    m = tok.size(1, "the edge count m" if fmt == "rudy" else "the coefficient count m", minimum=0)
    tok.rows(2, 3, m, "edge" if fmt == "rudy" else "coefficient")
    return tok, n, m


def read_rudy(path: str | os.PathLike) -> MaxCut:
    """Rudy edge list (Gset, Biq Mac MaxCut): ``n m``, then m lines ``i j w`` (1-based).

    CRLF line ends, ``j i`` with ``j > i`` and ``#`` comment lines are fine. An
    edge listed twice or a self-loop is an error (the cut value would be ambiguous).

    Args:
        path: the edge list (``.rud`` or extensionless Biq Mac files).

    Returns:
        The MaxCut problem on vertices ``0 .. n-1`` (edge attribute ``weight``;
        integral weights are stored as ``int``).

    Raises:
        UnknownInstanceError: the file does not exist.
        InstanceFormatError: header, line layout (3 numbers per edge line), edge count,
            non-numeric/non-finite value, vertex outside 1..n, duplicate edge, self-loop.
    """
    import networkx as nx

    from qopt.problems.maxcut import MaxCut

    tok, n, m = _edge_list(path, "rudy")
    i, j, w = pairs(tok, 2, m, n, "edge")
    loops = np.flatnonzero(i == j)
    if loops.size:
        k = int(loops[0])
        raise tok.error(f"self-loop on vertex {i[k] + 1}: a rudy edge joins two vertices", token=2 + 3 * k)
    integral = np.all(w == np.floor(w)) and np.all(np.abs(w) < 2.0**53)
    weights = w.astype(np.int64).tolist() if integral else w.tolist()
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from(zip(i.tolist(), j.tolist(), weights, strict=True))
    return build(tok, MaxCut, graph, name=instance_name(path))


# --------------------------------------------------------------------------- QUBO
def _qubo_from_pairs(tok, n, i, j, q, *, sign: float = 1.0, offset: float = 0.0, name: str,
                     known=None) -> QUBO:
    """f(x) = sign * (sum_i q_ii x_i + 2 sum_{i<j} q_ij x_i x_j) + offset as a QUBO over 0..n-1."""
    import dimod

    from qopt.problems.qubo import QUBO

    diag = i == j
    linear = np.zeros(n)
    np.add.at(linear, i[diag], sign * q[diag])
    off = ~diag
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear, (i[off], j[off], 2.0 * sign * q[off]), float(offset), "BINARY"
    )
    return build(tok, QUBO, bqm, name=name, known_optimum=known)


def read_biqmac(path: str | os.PathLike) -> QUBO:
    """Biq Mac ``.sparse`` QUBO: ``n m``, then m lines ``i j q`` (1-based, i <= j).

    Minimise ``f(x) = sum_i q_ii x_i + 2 sum_{i<j} q_ij x_i x_j`` (= x^T Q x with Q
    symmetric): the BQM has ``linear[i] = q_ii`` and ``quadratic[i, j] = 2 q_ij``.
    A line ``j i`` with j > i means the same entry; a pair given twice is an error.

    Args:
        path: the ``.sparse`` file.

    Returns:
        The QUBO over ``0 .. n-1`` (indices never mentioned get zero coefficients).

    Raises:
        UnknownInstanceError: the file does not exist.
        InstanceFormatError: header, line layout, line count, non-numeric/non-finite value,
            index outside 1..n, duplicate pair.
    """
    tok, n, m = _edge_list(path, "biqmac")
    i, j, q = pairs(tok, 2, m, n, "coefficient")
    return _qubo_from_pairs(tok, n, i, j, q, name=instance_name(path))


def read_qs(path: str | os.PathLike) -> QUBO:
    """QOBLIB ``.qs`` QUBO file (Zimpl ``-t q`` output), e.g. ``ms_03_050_002.qs``.

    Layout::

        # comment lines; one may read "# ObjectiveOffset c" (default c = 0)
        n nnz                 (variables, coefficient lines)
        i j q                 (nnz lines, 1-based, upper triangle i <= j)

    Meaning: MINIMISE ``f(x) = c + sum_i q_ii x_i + 2 sum_{i<j} q_ij x_i x_j``, i.e.
    ``x^T Q x + c`` with Q symmetric (Zimpl negates a ``maximize`` model). So the
    BQM has ``linear[i] = q_ii``, ``quadratic[i, j] = 2 q_ij``, ``offset = c``.

    Sources (ZIB-AOPT/QOBLIB, commit de698d45d874ad72fe23c739b964f9d103e27669;
    no prose specification exists there): ``misc/convert_lp2qubo.py``
    (``write_qubo`` writes ``# ObjectiveOffset c``, ``n nnz`` and the upper
    triangle of the symmetrised Q of ``x^T Q x + c``), ``misc/get_metrics.py``
    (``parse_qs``: ``#`` comments, 2-number header, 3-number lines, off-diagonal
    entries counted twice), and the files themselves, e.g.
    ``01-marketsplit/models/binary_unconstrained/qs_files/*.qs.xz`` generated by
    ``gen_archive.sh`` with ``zimpl -t q``. Checked numerically: the market-split
    ``.qs`` gives f = 0 at the published feasible solution and equals
    ``||Ax - b||^2`` everywhere; ``karate.qs`` (MIS) gives f = -20 = -(MIS size)
    at the optimal set.

    Args:
        path: the file (``.qs`` or ``.qs.xz``/``.qs.gz`` as QOBLIB ships it).

    Returns:
        The QUBO (``known_optimum`` None).

    Raises:
        UnknownInstanceError: missing file.
        InstanceFormatError: malformed header, offset, rows or indices; a pair twice.
    """
    text = load_text(path, "qs")
    offset = 0.0
    match = re.search(r"^\s*#\s*ObjectiveOffset\s+(\S+)\s*$", text, flags=re.MULTILINE)
    tok = Tokens(path, "qs", blank_comments(text, ("#",)))
    if match:
        try:
            offset = float(match.group(1))
        except ValueError:
            offset = float("nan")
        if not np.isfinite(offset):
            raise tok.error(f"ObjectiveOffset {match.group(1)!r} is not a finite number",
                            line=text[: match.start(1)].count("\n") + 1)
    if not len(tok):
        raise tok.error("the file holds no data (only comments)")
    n = tok.size(0, "the variable count n", maximum=MAX_VARIABLES)
    m = tok.size(1, "the non-zero count", minimum=0)
    tok.rows(2, 3, m, "coefficient")
    i, j, q = pairs(tok, 2, m, n, "coefficient")
    return _qubo_from_pairs(tok, n, i, j, q, offset=offset, name=instance_name(path))


def read_orlib_bqp(path: str | os.PathLike, *, index: int | None = None) -> QUBO:
    """OR-Library ``bqpN.txt`` (Beasley 1998): K problems, each ``n nnz`` + nnz lines ``i j q``.

    Convention: OR-Library MAXIMISES ``g(x) = sum_i q_ii x_i + 2 sum_{i<j} q_ij x_i x_j``
    (x^T Q x, Q symmetric, only i <= j listed). qopt's QUBO minimises, so the
    returned QUBO is ``f(x) = -g(x)``: ``linear[i] = -q_ii``,
    ``quadratic[i, j] = -2 q_ij``, and an OR-Library best value V becomes
    ``known_optimum = -V`` (the catalogue stores bqp250 optima that way).

    Args:
        path: the file.
        index: which problem (0-based); may be omitted when K = 1.

    Returns:
        The QUBO (minimisation, ``f = -g``) named ``NAME[index]`` when K > 1.

    Raises:
        UnknownInstanceError: the file does not exist.
        InstanceFormatError: wrong token count, non-numeric/non-finite value, index
            outside 1..n, duplicate pair, ``index`` missing or out of range.
    """
    tok = tokenize(path, "orlib-bqp")
    count = tok.size(0, "the problem count K")
    pos, blocks = 1, []
    for k in range(count):
        n = tok.size(pos, f"problem {k}: the variable count n", maximum=MAX_VARIABLES)
        nnz = tok.size(pos + 1, f"problem {k}: the non-zero count", minimum=0)
        blocks.append((pos + 2, n, nnz))
        tok.need(pos + 2 + 3 * nnz, f"problem {k} (n = {n}, {nnz} non-zeros)")
        pos += 2 + 3 * nnz
    tok.expect_end(pos, f"{count} problem(s)")
    k = pick_index(tok, index, count)
    start, n, nnz = blocks[k]
    i, j, q = pairs(tok, start, nnz, n, f"problem {k} coefficient")
    name = instance_name(path) + (f"[{k}]" if count > 1 else "")
    return _qubo_from_pairs(tok, n, i, j, q, sign=-1.0, name=name)


# --------------------------------------------------------------------------- market split, LABS
def read_market_split(path: str | os.PathLike) -> MarketSplit:
    """QOBLIB market split ``.dat``: ``#`` comments, ``m n``, then m lines ``a_i1 .. a_in b_i``.

    Commas count as whitespace (as in QOBLIB's own checker, per
    ``ZIB-AOPT/qoblib-python`` ``FORMATS.md``).

    Args:
        path: the ``.dat`` file.

    Returns:
        The MarketSplit with A shape (m, n), b shape (m,).

    Raises:
        UnknownInstanceError: the file does not exist.
        InstanceFormatError: header, line layout (n + 1 numbers per row), row count,
            non-numeric or non-finite value.
    """
    from qopt.problems.market_split import MarketSplit

    tok = tokenize(path, "market-split", comments=("#",), commas=True)
    m = tok.size(0, "the row count m")
    n = tok.size(1, "the variable count n")
    tok.rows(2, n + 1, m, "row")
    data = tok.floats(2, 2 + m * (n + 1), "row").reshape(m, n + 1)
    return build(tok, MarketSplit, data[:, :n], data[:, n], name=instance_name(path))


def _labs_length(spec, n: int) -> int:
    from qopt.limits import MAX_LABS_N

    if n > MAX_LABS_N:
        raise ResourceLimitError(f"{spec}: LABS length N = {n:,} is beyond the limit {MAX_LABS_N}: its model has "
                                 f"about N^3/3 = {n**3 // 3:.2e} quartic terms")
    return n


def read_labs(spec: str | int | os.PathLike) -> LABS:
    """A LABS instance: the instance IS the length N.

    Args:
        spec: an integer N, the string ``"labs:N"`` or ``"N"``, or a QOBLIB
            ``labsNNN.opt.sol`` file: N is its number of entries and its
            ``# Energy: E`` line is the known optimum.

    Returns:
        The LABS problem named ``labsN``.

    Raises:
        UnknownInstanceError: ``spec`` is neither a length nor an existing file.
        InstanceFormatError: N < 2, or the file is not a LABS solution file
            (no ``# Energy:`` line, values other than 0/1).

    Examples:
        >>> read_labs("labs:13").num_variables
        13
    """
    from qopt.problems.labs import LABS

    text = str(spec).strip() if not isinstance(spec, os.PathLike) else None
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        n = _labs_length(spec, int(spec))
        return build(Tokens(spec, "labs", ""), LABS, n, name=f"labs{n}")
    if text is not None and (_LABS_SPEC.match(text) or text.isdigit()) and not Path(text).is_file():
        n = _labs_length(spec, int(text.split(":")[-1]))
        return build(Tokens(spec, "labs", ""), LABS, n, name=f"labs{n}")
    if not Path(spec).is_file():
        raise UnknownInstanceError(f"{spec}: no such file (labs format: give N, 'labs:N' or a .opt.sol file)")
    sol = read_solution(spec)
    if sol["kind"] != "labs":
        raise InstanceFormatError(f"{spec}: labs file: no '# Energy:' line; not a LABS solution file")
    n = int(sol["x"].shape[0])
    return build(Tokens(spec, "labs", ""), LABS, n, name=f"labs{n}", known_optimum=sol["value"])


# --------------------------------------------------------------------------- solutions
def read_solution(path: str | os.PathLike, *, num_variables: int | None = None) -> dict:
    """Read a solution file.

    * ``.sln`` (QAPLIB): ``n value`` then a 1-based permutation p(1..n).
      Returns ``kind="permutation"``, ``n``, ``value``, ``permutation`` (int64,
      shape (n,), 1-based as in the file) and ``x`` (one-hot, shape (n*n,),
      ``x[i*n + p(i)-1] = 1``).
    * ``.opt.sol`` / ``.sol`` (QOBLIB), by content:

      - ``# Energy: E`` then one 0/1 per line (LABS): ``kind="labs"``, ``value=E``, ``x``.
      - ``# Objective value = k`` then 1-based vertex ids (MIS): ``kind="vertex_set"``,
        ``value=k``, ``vertices`` (int64, 1-based), ``x`` (shape (num_variables,))
        if ``num_variables`` is given, else None.
      - one line of 0/1 values, or a compact ``0110..`` string (market split):
        ``kind="binary"``, ``value=None``, ``x``.

    Every dict also has ``path``. ``x`` arrays are int8.

    Raises:
        UnknownInstanceError: the file does not exist.
        InstanceFormatError: malformed content (non-permutation, wrong count,
            value not 0/1, vertex out of range, stated value != set size).
    """
    p = Path(path)
    if p.name.lower().endswith((".sln", ".sln.gz", ".sln.xz")):
        tok = tokenize(path, "qaplib-sln", commas=True)
        n = tok.size(0, "the size n")
        value = float(tok.floats(1, 2, "the value")[0])
        perm = tok.ints(2, 2 + n, "the permutation", low=1, high=n)
        tok.expect_end(2 + n, f"n = {n}")
        counts = np.bincount(perm, minlength=n + 1)
        if (counts[1:] != 1).any():
            twice = int(np.argmax(counts > 1))
            raise tok.error(f"not a permutation of 1..{n}: {twice} appears {counts[twice]} times",
                            line=tok.line_of(2))
        x = np.zeros((n, n), dtype=np.int8)
        x[np.arange(n), perm - 1] = 1
        return {"path": str(path), "kind": "permutation", "n": n, "value": value,
                "permutation": perm, "x": x.ravel()}

    text = load_text(path, "solution")
    energy = re.search(r"^\s*#\s*Energy:\s*(\S+)", text, flags=re.MULTILINE)
    objective = re.search(r"^\s*#\s*Objective value\s*=\s*(\S+)", text, flags=re.MULTILINE)
    tok = Tokens(path, "solution", blank_comments(text, ("#",)))

    def stated(match) -> float:
        try:
            value = float(match.group(1))
        except ValueError:
            value = float("nan")
        if not np.isfinite(value):
            raise tok.error(f"stated value {match.group(1)!r} is not a finite number",
                            line=text[: match.start(1)].count("\n") + 1)
        return value

    words = tok.words
    if len(words) == 1 and len(words[0]) > 1 and set(words[0]) <= {"0", "1"}:
        tok = Tokens(path, "solution", " ".join(words[0]))  # compact "0110..." string
        words = tok.words
    if energy is not None or (objective is None and _all_binary(words) and
                              (len(words) > 1 or num_variables == 1)):
        if not words:
            raise tok.error("no 0/1 values after the comment lines")
        x = tok.ints(0, len(words), "solution value", low=0, high=1).astype(np.int8)
        if num_variables is not None and x.shape[0] != num_variables:
            raise tok.error(f"{x.shape[0]} values, but the problem has {num_variables} variables")
        kind = "labs" if energy is not None else "binary"
        return {"path": str(path), "kind": kind, "value": stated(energy) if energy else None, "x": x}
    vertices = tok.ints(0, len(words), "vertex", low=1, high=num_variables) if words else np.zeros(0, np.int64)
    if np.unique(vertices).size != vertices.size:
        raise tok.error("a vertex is listed twice")
    value = stated(objective) if objective is not None else float(vertices.size)
    if value != vertices.size:
        raise tok.error(f"'# Objective value = {objective.group(1)}' but {vertices.size} vertices are listed")
    x = None
    if num_variables is not None:
        x = np.zeros(num_variables, dtype=np.int8)
        x[vertices - 1] = 1
    return {"path": str(path), "kind": "vertex_set", "value": value, "vertices": vertices, "x": x}


def _all_binary(words: list[str]) -> bool:
    return bool(words) and all(w in ("0", "1") for w in words)


# --------------------------------------------------------------------------- dispatch
_READERS = {
    "mknap1": read_mknap1, "mknap2": read_mknap2, "qaplib": read_qaplib, "dimacs": read_dimacs,
    "rudy": read_rudy, "biqmac": read_biqmac, "orlib-bqp": read_orlib_bqp,
    "market-split": read_market_split, "qs": read_qs, "labs": read_labs,
}


def _first_lines(path, fmt_hint: str, count: int = 3) -> list[list[str]]:
    """Token lists of the first ``count`` non-empty, non-``#`` lines."""
    text = load_text(path, fmt_hint)
    out = []
    for line in text.split("\n"):
        words = line.split()
        if words and not words[0].startswith("#"):
            out.append(words)
            if len(out) == count:
                break
    return out


def _ambiguous(path, candidates: tuple[str, ...], why: str) -> InstanceFormatError:
    return InstanceFormatError(
        f"{path}: cannot tell the format ({why}); candidates: {', '.join(candidates)}. "
        "give one with --format (format= in Python)"
    )


def detect_format(path: str | os.PathLike | int) -> str:
    """The format name :func:`read` would use for ``path`` (see :data:`FORMATS`).

    Decided by extension (``.gph``/``.col``/``.clq`` dimacs, ``.sparse`` biqmac,
    ``.rud`` rudy, ``.lp`` lp, ``.qs`` qs), by content for ``.dat`` (a QOBLIB
    market split file starts with ``#`` lines or ``m n``; QAPLIB with ``n``)
    and ``.txt`` (mknap2 starts ``m n``; mknap1 ``K`` then ``n m opt``;
    orlib-bqp ``K`` then ``n nnz``). ``labs:N`` and LABS ``.opt.sol`` files are
    ``labs``.

    Raises:
        UnknownInstanceError: ``path`` does not exist.
        InstanceFormatError: the format cannot be decided (the message lists the
            candidates), or the file is a solution file.
    """
    if isinstance(path, (int, np.integer)) and not isinstance(path, bool):
        return "labs"
    if isinstance(path, str) and _LABS_SPEC.match(path.strip()) and not Path(path).is_file():
        return "labs"
    p = Path(path)
    if not p.is_file():
        raise UnknownInstanceError(f"{path}: no such file")
    name = p.name.lower()
    for ext in COMPRESSED:
        name = name.removesuffix(ext)
    if name.endswith((".opt.sol", ".sol")):
        if re.search(r"^\s*#\s*Energy:", load_text(path, "solution"), flags=re.MULTILINE):
            return "labs"
        raise InstanceFormatError(f"{path}: this is a solution file, not an instance; give the matching "
                                  "instance file (solution files are read by qopt.problems.read_solution)")
    if name.endswith(".sln"):
        raise InstanceFormatError(f"{path}: this is a QAPLIB solution file; read it with "
                                  "read_solution(), or read the matching .dat file")
    ext = os.path.splitext(name)[1]
    if ext in _BY_EXTENSION:
        return _BY_EXTENSION[ext]
    if ext == ".dat":
        text = load_text(path, "qaplib or market-split")
        if text.lstrip().startswith("#"):
            return "market-split"
        head = _first_lines(path, "qaplib or market-split", 1)
        if head and len(head[0]) == 1:
            return "qaplib"
        if head and len(head[0]) == 2:
            return "market-split"
        raise _ambiguous(path, ("qaplib", "market-split"), "a .dat file whose first line is neither "
                         "'n' (QAPLIB) nor 'm n' (market split)")
    if ext == ".txt":
        head = _first_lines(path, "mknap1, mknap2 or orlib-bqp", 2)
        sizes = [len(w) for w in head]
        if sizes[:1] == [2]:
            return "mknap2"
        if sizes == [1, 3]:
            return "mknap1"
        if sizes == [1, 2]:
            return "orlib-bqp"
        raise _ambiguous(path, ("mknap1", "mknap2", "orlib-bqp"),
                         f"a .txt file whose first lines hold {sizes} numbers")
    head = _first_lines(path, "unknown", 2)
    if [len(w) for w in head] == [2, 3]:
        raise _ambiguous(path, ("rudy", "biqmac"), f"the extension {ext or '(none)'!r} is not "
                         "known and the content is an 'n m' + 'i j w' list")
    raise _ambiguous(path, FORMATS, f"the extension {ext or '(none)'!r} is not known")


def _check_path_argument(path):
    """``path`` if it is a str, os.PathLike or int (LABS length); else an ArgumentTypeError."""
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike, int, np.integer)):
        raise ArgumentTypeError(f"path must be a file path (str or os.PathLike), 'labs:N' or an "
                                   f"integer N, got {type(path).__name__} {str(path)[:40]!r}")
    if isinstance(path, (str, os.PathLike)):
        check_path(path)
    return path


def read(path: str | os.PathLike | int, *, format: str | None = None,  # noqa: A002
         index: int | None = None) -> Problem:
    """Read an instance file into a problem object.

    Args:
        path: the instance file (``.gz``/``.xz`` are decompressed); for LABS
            also ``"labs:N"`` or an integer N.
        format: one of :data:`FORMATS`; None detects it (:func:`detect_format`).
        index: 0-based problem number for the multi-problem formats
            (:data:`MULTI_PROBLEM_FORMATS`); None picks the only one.

    Returns:
        The problem (Knapsack, QuadraticAssignment, IndependentSet, MaxCut,
        QUBO, MarketSplit, LPProblem or LABS) with ``name`` from the file name
        and ``known_optimum`` when the file (or a sibling solution file)
        states it.

    Raises:
        UnknownInstanceError: the file does not exist.
        InstanceFormatError: unknown/undecidable format, malformed content,
            ``index`` out of range or given for a single-problem format.

    Examples:
        >>> p = read("labs:7")
        >>> p.name, p.num_variables
        ('labs7', 7)
    """
    path = _check_path_argument(path)
    if format is None:
        fmt = detect_format(path)
    else:
        fmt = str(format).strip().lower()
        if fmt not in FORMATS:
            raise InstanceFormatError(f"unknown format {format!r}; valid formats: {', '.join(FORMATS)}")
    if fmt == "lp":
        if index not in (None, 0):
            raise InstanceFormatError(f"{path}: lp files hold one problem; index={index!r} is not allowed")
        from qopt.problems.lp import read_lp

        return read_lp(path)
    if fmt in MULTI_PROBLEM_FORMATS:
        return _READERS[fmt](path, index=index)
    if index not in (None, 0):
        raise InstanceFormatError(
            f"{path}: {fmt} files hold one problem; index={index!r} is only for "
            f"{', '.join(MULTI_PROBLEM_FORMATS)}"
        )
    return _READERS[fmt](path)
