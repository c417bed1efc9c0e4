"""Tests of qopt.problems.readers / writers / lp: real files, conventions, round trips, malformed input."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qopt.errors import InstanceFormatError, UnknownInstanceError
from qopt.problems import readers
from qopt.problems.knapsack import Knapsack
from qopt.problems.labs import LABS
from qopt.problems.lp import LPProblem, lp_sense, read_lp
from qopt.problems.market_split import MarketSplit
from qopt.problems.maxcut import MaxCut
from qopt.problems.mis import IndependentSet
from qopt.problems.qap import QuadraticAssignment
from qopt.problems.qubo import QUBO
from qopt.problems.readers import FORMATS, detect_format, read, read_solution

REPO = Path(__file__).resolve().parents[2]
PROBLEMS = REPO / "problems"
DATA = REPO / "tests" / "data"
MALFORMED = DATA / "malformed"
QOBLIB = DATA / "qoblib"


def all_x(n: int) -> np.ndarray:
    """Every 0/1 vector of length n, shape (2**n, n)."""
    return np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.int8)


# --------------------------------------------------------------------------- real files
def test_rudy_gset_g1_reads_fast_path_with_crlf():
    p = read(PROBLEMS / "maxcut/gset/g1.rud")
    assert isinstance(p, MaxCut)
    assert (p.name, p.num_variables, p.graph.number_of_edges()) == ("g1", 800, 19176)
    assert set(p.graph.nodes) == set(range(800))
    assert {d["weight"] for _, _, d in p.graph.edges(data=True)} == {1}


def test_rudy_tolerates_reversed_pairs():
    # t3g5 files list some edges as "j i" with j > i
    p = read(PROBLEMS / "maxcut/biqmac_ising/t3g5_5555", format="rudy")
    assert p.graph.number_of_edges() == 375
    assert p.graph[4][0]["weight"] == 114644  # the line "5 1 114644"


def test_rudy_cut_value_by_hand(tmp_path):
    f = tmp_path / "tri.rud"
    f.write_text("3 3\r\n1 2 2\r\n3 2 -1\r\n1 3 5\r\n")
    p = read(f)
    # S = {vertex 1}: edges (1,2)=2 and (1,3)=5 are cut
    assert p.evaluate([1, 0, 0]) == 7.0
    assert p.evaluate([0, 1, 0]) == 1.0  # (1,2)=2 and (2,3)=-1


def test_biqmac_convention_by_hand(tmp_path):
    # f(x) = 3 x1 - 2 x2 + 2 * 4 x1 x2 (+ variable 3 never mentioned)
    f = tmp_path / "tiny.sparse"
    f.write_text("3 3\n1 1 3\n2 2 -2\n1 2 4\n")
    p = read(f)
    assert isinstance(p, QUBO) and p.num_variables == 3
    for x in all_x(3):
        assert p.evaluate(x) == 3 * x[0] - 2 * x[1] + 8 * x[0] * x[1]


def test_biqmac_gka1b_brute_force_optimum():
    p = read(PROBLEMS / "qubo_bqp/gka/gka1b.sparse")
    assert p.num_variables == 20
    lin, (r, c, v), off = p.bqm().to_numpy_vectors(variable_order=list(range(20)))
    Q = np.diag(lin)
    np.add.at(Q, (r, c), v)
    low = all_x(10).astype(float)  # x = (low bits, high bits), 1024 x 1024 blocks
    best = np.inf
    for high in all_x(10).astype(float):
        X = np.hstack([low, np.broadcast_to(high, low.shape)])
        best = min(best, float(np.min(np.einsum("ki,ij,kj->k", X, Q, X)) + off))
    assert best == -133  # the Biq Mac value in the README


def test_orlib_bqp_sign_convention_by_hand(tmp_path):
    # problem 0: g = 3 x1 + 5 x2 + 2*(-2) x1 x2 ; problem 1: g = -x1 + 2*4 x1 x3 + 2*1 x2 x3
    f = tmp_path / "bqp_tiny.txt"
    f.write_text("2\n2 3\n1 1 3\n1 2 -2\n2 2 5\n3 3\n1 1 -1\n1 3 4\n2 3 1\n")
    assert detect_format(f) == "orlib-bqp"
    p0, p1 = read(f, index=0), read(f, index=1)
    g0 = {(0, 0): 0, (1, 0): 3, (0, 1): 5, (1, 1): 4}
    for x, g in g0.items():
        assert p0.evaluate(x) == -g  # OR-Library maximises g; qopt minimises f = -g
    for x in all_x(3):
        g = -x[0] + 8 * x[0] * x[2] + 2 * x[1] * x[2]
        assert p1.evaluate(x) == -g
    assert min(p1.evaluate(x) for x in all_x(3)) == -9  # = -(OR-Library maximum 9)
    with pytest.raises(InstanceFormatError, match=r"holds 2 problems; choose one with --index 0\.\.1 \(index= in Python\)"):
        read(f)


def test_orlib_bqp250_problems_are_minimisation():
    p = read(PROBLEMS / "qubo_bqp/orlib/bqp250.txt", index=9)
    assert p.num_variables == 250 and p.name == "bqp250[9]"
    # first coefficient line of problem 1 is "1 4 -70": OR-Lib term -70*2 x1 x4, so f gets +140
    p0 = read(PROBLEMS / "qubo_bqp/orlib/bqp250.txt", index=0)
    assert p0.bqm().quadratic[0, 3] == 140


def test_mknap1_values_and_decimals():
    p = read(PROBLEMS / "mdkp/orlib_mknap1/mknap1_2.txt")
    assert isinstance(p, Knapsack)
    assert p.known_optimum == 8706.1
    assert p.profits[0] == 600.1 and p.weights.shape == (10, 10)


def test_mknap1_zero_optimum_means_unknown():
    p = read(PROBLEMS / "mdkp/chu_beasley_mknapcb1/mknapcb1_5.100-00.txt")
    assert p.known_optimum is None and p.weights.shape == (5, 100)


def test_mknap1_index_selects_problem():
    f = MALFORMED / "mknap1_two_problems.txt"
    assert read(f, index=0).profits.tolist() == [5, 6]
    assert read(f, index=1).profits.tolist() == [1, 1]
    assert read(f, index=1).name == "mknap1_two_problems[1]"


def test_mknap2_layout_order():
    p = read(PROBLEMS / "mdkp/orlib_mknap2/PB5.txt")
    assert p.weights.shape == (10, 20) and p.known_optimum == 2139
    assert p.profits[-3:].tolist() == [211, 97, 282]  # profits: first 20 numbers after "10 20"
    assert p.capacities[:3].tolist() == [463, 451, 623]  # then the 10 capacities
    assert p.weights[0, :3].tolist() == [77, 12, 57]  # then the 10 x 20 weights


def test_qaplib_reads_sibling_solution():
    p = read(PROBLEMS / "qap/chr12a.dat")
    assert isinstance(p, QuadraticAssignment)
    assert p.known_optimum == 9552 and p.num_variables == 144
    sol = read_solution(PROBLEMS / "qap/chr12a.sln")
    assert sol["permutation"].tolist() == [7, 5, 12, 2, 1, 3, 9, 11, 10, 6, 8, 4]
    assert sol["x"].sum() == 12 and sol["x"][0 * 12 + 6] == 1
    assert p.evaluate(sol["x"]) == 9552


def test_dimacs_reads_sibling_solution_and_isolated_vertices(tmp_path):
    p = read(PROBLEMS / "mis/instances/karate.gph")
    assert isinstance(p, IndependentSet) and p.known_optimum == 20
    f = tmp_path / "iso.col"
    f.write_text("c comment\np edge 5 2\ne 1 2\ne 2 1\n")
    q = read(f)
    assert q.num_variables == 5 and q.graph.number_of_edges() == 1 and q.known_optimum is None


def test_market_split_detection_and_values(tmp_path):
    p = read(PROBLEMS / "market_split/instances/ms_03_050_002.dat")
    assert isinstance(p, MarketSplit) and p.A.shape == (3, 20)
    assert p.b.tolist() == [299, 217, 257]
    f = tmp_path / "no_comment.dat"  # no '#' header: 'm n' first line still means market split
    f.write_text("1 2\n1,2,3\n")
    assert detect_format(f) == "market-split" and read(f).b.tolist() == [3]


def test_labs_specs():
    p = read(PROBLEMS / "labs/solutions/labs017.opt.sol")
    assert isinstance(p, LABS) and (p.num_variables, p.known_optimum, p.name) == (17, 32.0, "labs17")
    assert read("labs:9").num_variables == 9 and read("labs:9").known_optimum is None
    assert read(11, format="labs").num_variables == 11
    assert read("12", format="labs").num_variables == 12


def test_read_solution_kinds():
    ms = read_solution(PROBLEMS / "market_split/solutions/ms_03_050_002.opt.sol")
    assert ms["kind"] == "binary" and ms["x"].shape == (20,) and ms["value"] is None
    mis = read_solution(PROBLEMS / "mis/solutions/karate.opt.sol", num_variables=34)
    assert mis["kind"] == "vertex_set" and mis["value"] == 20 and mis["x"].sum() == 20
    assert read_solution(PROBLEMS / "mis/solutions/karate.opt.sol")["x"] is None
    labs = read_solution(PROBLEMS / "labs/solutions/labs007.opt.sol")
    assert labs["kind"] == "labs" and labs["value"] == 3 and labs["x"].tolist() == [1, 0, 1, 1, 0, 0, 0]


def test_read_solution_compact_string(tmp_path):
    f = tmp_path / "x.sol"
    f.write_text("0110\n")
    assert read_solution(f)["x"].tolist() == [0, 1, 1, 0]


def test_compressed_files(tmp_path):
    import gzip

    f = tmp_path / "tri.rud.gz"
    f.write_bytes(gzip.compress(b"3 1\n1 3 4\n"))
    p = read(f)
    assert p.name == "tri" and p.evaluate([1, 0, 0]) == 4


# --------------------------------------------------------------------------- qs
def test_qs_market_split_is_squared_residual():
    qs = read(QOBLIB / "ms_03_050_002.qs.xz")
    assert isinstance(qs, QUBO) and qs.num_variables == 20
    ms = read(PROBLEMS / "market_split/instances/ms_03_050_002.dat")
    x_opt = read_solution(PROBLEMS / "market_split/solutions/ms_03_050_002.opt.sol")["x"]
    assert qs.evaluate(x_opt) == 0.0
    rng = np.random.default_rng(0)
    for x in rng.integers(0, 2, size=(50, 20)):
        assert qs.evaluate(x) == pytest.approx(float(np.sum((ms.A @ x - ms.b) ** 2)), abs=1e-6)


def test_qs_karate_is_negated_mis_objective():
    qs = read(QOBLIB / "karate.qs.xz")
    mis = read(PROBLEMS / "mis/instances/karate.gph")
    x_opt = read_solution(PROBLEMS / "mis/solutions/karate.opt.sol", num_variables=34)["x"]
    assert qs.evaluate(x_opt) == -20.0
    rng = np.random.default_rng(1)
    e = mis.edges
    for x in rng.integers(0, 2, size=(50, 34)):
        g = x.sum() - 2 * np.sum(x[e[:, 0]] * x[e[:, 1]])  # the QOBLIB model, maximised
        assert qs.evaluate(x) == -g


# --------------------------------------------------------------------------- lp
def _karate_lp_solution(problem: LPProblem) -> np.ndarray:
    sol = read_solution(PROBLEMS / "mis/solutions/karate.opt.sol")
    chosen = {f"x#{v}" for v in sol["vertices"]}
    return np.array([1 if name in chosen else 0 for name in problem.variable_names], dtype=np.int8)


def test_lp_qoblib_constrained_mis():
    p = read(QOBLIB / "karate_linear.lp.xz")
    assert isinstance(p, LPProblem) and p.sense == "max" and p.num_variables == 34
    assert sorted(p.variable_names, key=lambda s: int(s[2:])) == [f"x#{i}" for i in range(1, 35)]
    x = _karate_lp_solution(p)
    assert p.evaluate(x) == 20.0 and p.is_feasible(x)
    assert p.cqm().objective.energy({i: int(v) for i, v in enumerate(x)}) == -20.0
    assert not p.is_feasible(np.ones(34, dtype=np.int8))
    assert len(p.cqm().constraints) == 78


def test_lp_qoblib_unconstrained_integer_01_variables():
    # Zimpl declares the binaries as General with bounds 0..1
    p = read(QOBLIB / "karate_unconstrained.lp.xz")
    x = _karate_lp_solution(p)
    assert p.evaluate(x) == 20.0 and p.evaluate(np.ones(34)) == 34 - 4 * 78 / 2


def test_lp_hand_written(tmp_path):
    f = tmp_path / "small.lp"
    f.write_text("\\ comment\nMinimize\n obj: 2 a - b + [ 4 a * b ] / 2\nSubject To\n c: a + b >= 1\n"
                 "Binary\n a b\nEnd\n")
    p = read_lp(f)
    assert p.sense == "min" and p.variable_names == ["a", "b"]
    assert [p.evaluate(x) for x in ([0, 1], [1, 0], [1, 1])] == [-1.0, 2.0, 3.0]
    assert not p.is_feasible([0, 0]) and p.violations([0, 0]) == {"c": 1.0}
    assert lp_sense("MAXIMIZE\n obj: x\nEnd") == "max" and lp_sense("x") is None


# --------------------------------------------------------------------------- round trips
weights = st.integers(-20, 20)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def graphs(draw, *, weighted: bool):
    n = draw(st.integers(1, 9))
    pairs = [(u, v) for u in range(n) for v in range(u + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True) if pairs else st.just([]))
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for u, v in chosen:
        if draw(st.booleans()):
            u, v = v, u
        g.add_edge(u, v, **({"weight": draw(weights)} if weighted else {}))
    return g


def _roundtrip(writer, obj, suffix: str, **read_kwargs):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"inst{suffix}"
        writer(path, obj)
        return read(path, **read_kwargs)


@SETTINGS
@given(graphs(weighted=True), st.data())
def test_roundtrip_rudy(graph, data):
    p = _roundtrip(readers.write_rudy, graph, ".rud")
    assert {frozenset(e) for e in p.graph.edges} == {frozenset(e) for e in graph.edges}
    for u, v, d in graph.edges(data=True):
        assert p.graph[u][v]["weight"] == d["weight"]
    original = MaxCut(graph)
    x = data.draw(st.lists(st.integers(0, 1), min_size=graph.number_of_nodes(),
                           max_size=graph.number_of_nodes()))
    assert p.evaluate(x) == original.evaluate(x)


@SETTINGS
@given(graphs(weighted=False))
def test_roundtrip_dimacs(graph):
    p = _roundtrip(readers.write_dimacs, IndependentSet(graph), ".gph")
    assert p.num_variables == graph.number_of_nodes()
    assert {frozenset(e) for e in p.graph.edges} == {frozenset(e) for e in graph.edges}


@SETTINGS
@given(st.integers(1, 8).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.integers(-40, 40).map(lambda k: k / 4), min_size=n, max_size=n),
    st.dictionaries(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda t: t[0] < t[1]),
                    st.integers(-40, 40).map(lambda k: k / 4)),
)))
def test_roundtrip_biqmac(args):
    import dimod

    n, linear, quadratic = args
    bqm = dimod.BinaryQuadraticModel(dict(enumerate(linear)), quadratic, 0.0, "BINARY")
    p = _roundtrip(readers.write_biqmac, QUBO(bqm), ".sparse")
    assert p.num_variables == n
    for x in all_x(n):
        assert p.evaluate(x) == bqm.energy(dict(enumerate(x.tolist())))


@st.composite
def knapsacks(draw):
    n, m = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    profit = st.integers(-10**6, 10**6).map(lambda k: k / 10)
    profits = draw(st.lists(profit, min_size=n, max_size=n))
    w = draw(st.lists(st.lists(st.integers(0, 100), min_size=n, max_size=n), min_size=m, max_size=m))
    caps = draw(st.lists(st.integers(0, 300).map(float), min_size=m, max_size=m))
    opt = draw(st.none() | st.integers(1, 1000).map(float))
    return Knapsack(profits, w, caps, known_optimum=opt)


@SETTINGS
@given(st.lists(knapsacks(), min_size=1, max_size=3), st.data())
def test_roundtrip_mknap1(problems, data):
    k = data.draw(st.integers(0, len(problems) - 1))
    p = _roundtrip(readers.write_mknap1, problems, ".txt", index=k)
    q = problems[k]
    np.testing.assert_array_equal(p.profits, q.profits)
    np.testing.assert_array_equal(p.weights, q.weights)
    np.testing.assert_array_equal(p.capacities, q.capacities)
    assert p.known_optimum == q.known_optimum


@SETTINGS
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    *(st.lists(st.lists(st.integers(-10**9, 10**9), min_size=n, max_size=n), min_size=n, max_size=n)
      for _ in range(2)))))
def test_roundtrip_qaplib(mats):
    q = QuadraticAssignment(*mats)
    p = _roundtrip(readers.write_qaplib, q, ".dat")
    np.testing.assert_array_equal(p.flow, q.flow)
    np.testing.assert_array_equal(p.distance, q.distance)
    perm = np.arange(q.n)[::-1]
    assert p.cost_of_permutation(perm) == q.cost_of_permutation(perm)


@SETTINGS
@given(st.integers(1, 4).flatmap(lambda m: st.integers(1, 8).flatmap(lambda n: st.tuples(
    st.lists(st.lists(st.integers(0, 200), min_size=n, max_size=n), min_size=m, max_size=m),
    st.lists(st.integers(0, 2000), min_size=m, max_size=m)))))
def test_roundtrip_market_split(args):
    q = MarketSplit(*args)
    p = _roundtrip(readers.write_market_split, q, ".dat")
    np.testing.assert_array_equal(p.A, q.A)
    np.testing.assert_array_equal(p.b, q.b)


def test_writers_reject_unrepresentable(tmp_path):
    import dimod

    with pytest.raises(ValueError, match="offset"):
        readers.write_biqmac(tmp_path / "x.sparse", dimod.BinaryQuadraticModel({0: 1.0}, {}, 2.0, "BINARY"))
    g = nx.Graph([(0, 0)])
    with pytest.raises(ValueError, match="self-loops"):
        readers.write_rudy(tmp_path / "x.rud", g)


# --------------------------------------------------------------------------- malformed corpus
# file -> (format or None for auto-detection, read() kwargs, regex the message must match)
CORPUS = {
    "empty.rud": (None, {}, r"empty\.rud: rudy file: the file is empty"),
    "whitespace_only.sparse": (None, {}, r"biqmac file: the file is empty"),
    "rudy_nonnumeric.rud": (None, {}, r"line 2: rudy file: edge: 'x' is not a number"),
    "rudy_vertex_too_big.rud": (None, {}, r"line 3: rudy file: edge: index 4 is outside 1\.\.3"),
    "rudy_vertex_zero.rud": (None, {}, r"line 2: rudy file: edge: index 0 is outside 1\.\.3"),
    "rudy_short_row.rud": (None, {}, r"line 2: rudy file: edge lines hold 3 numbers; this one holds 2"),
    "rudy_edge_count.rud": (None, {}, r"header announces 3 edge lines, the file has 2"),
    "rudy_negative_n.rud": (None, {}, r"line 1: rudy file: the vertex count n must be >= 1, got -3"),
    "rudy_duplicate_edge.rud": (None, {}, r"line 3: .*pair \(1, 2\) appears twice \(first on line 2\)"),
    "rudy_self_loop.rud": (None, {}, r"line 3: rudy file: self-loop on vertex 3"),
    "rudy_nan_weight.rud": (None, {}, r"line 2: rudy file: edge: 'nan' is not a finite number"),
    "rudy_not_text.rud": (None, {}, r"rudy file: not UTF-8/ASCII text"),
    "rudy_broken.rud.gz": (None, {}, r"rudy file: cannot read or decompress"),
    "biqmac_inf.sparse": (None, {}, r"line 3: biqmac file: coefficient: 'inf' is not a finite number"),
    "biqmac_float_index.sparse": (None, {}, r"line 2: biqmac file: coefficient: index 1\.5 is not an integer"),
    "biqmac_duplicate.sparse": (None, {}, r"pair \(1, 2\) appears twice"),
    "mknap1_truncated.txt": (None, {}, r"mknap1 file: file ends early: problem 0 \(n = 3, m = 2\) needs 15"),
    "mknap1_extra_numbers.txt": (None, {}, r"line 7: mknap1 file: expected 15 numbers for 1 problem\(s\), "
                                           r"the file has 16 \(first extra: '99'\)"),
    "mknap1_zero_items.txt": (None, {}, r"line 2: mknap1 file: problem 0: the number of variables n must be >= 1"),
    "mknap1_negative_weight.txt": (None, {}, r"mknap1 file: invalid problem data: .*negative"),
    "mknap1_two_problems.txt": ("mknap1", {"index": 5}, r"index 5 is out of range: the file holds 2 problem"),
    "mknap2_no_optimum.txt": (None, {}, r"mknap2 file: the known optimum \(last number\) is missing"),
    "qaplib_short.dat": (None, {}, r"qaplib file: file ends early: the two 3x3 matrices needs 19 numbers"),
    "qaplib_fractional_n.dat": (None, {}, r"line 1: qaplib file: the size n must be an integer, got '2\.5'"),
    "qaplib_extra_numbers.dat": (None, {}, r"line 6: qaplib file: expected 9 numbers for n = 2 .*\(first extra: '7'\)"),
    "dimacs_edge_before_p.gph": (None, {}, r"line 1: dimacs file: an 'e' line comes before the 'p edge n m' line"),
    "dimacs_vertex_too_big.gph": (None, {}, r"line 2: dimacs file: vertex id \(n = 3\): 5 is above the maximum 3"),
    "dimacs_edge_count.gph": (None, {}, r"'p' line announces 2 edges, the file has 1 'e' lines"),
    "dimacs_unknown_line.gph": (None, {}, r"line 2: dimacs file: unknown line type 'x'"),
    "dimacs_no_p_line.gph": (None, {}, r"dimacs file: no 'p edge n m' line"),
    "dimacs_short_edge.gph": (None, {}, r"line 2: dimacs file: expected 'e u v', got 'e 1'"),
    "market_split_short_row.dat": (None, {}, r"line 4: market-split file: row lines hold 4 numbers; this one holds 3"),
    "market_split_nonnumeric.dat": (None, {}, r"line 3: market-split file: row: 'two' is not a number"),
    "qs_bad_offset.qs": (None, {}, r"line 1: qs file: ObjectiveOffset 'abc' is not a finite number"),
    "qs_comments_only.qs": (None, {}, r"qs file: the file holds no data \(only comments\)"),
    "orlib_bqp_missing_problem.txt": (None, {"index": 0}, r"orlib-bqp file: file ends early: problem 1"),
    "labs_not_binary.opt.sol": (None, {}, r"line 3: solution file: solution value: 2 is above the maximum 1"),
    "not_an_lp.lp": (None, {}, r"lp file: expected the objective sense .* found 'hello world'"),
    "lp_integer_variable.lp": (None, {}, r"lp file: variable 'y' is INTEGER with bounds \[0, 5\]"),
    "lp_real_variable.lp": (None, {}, r"lp file: variable 'x' is REAL; only binary"),
    "lp_nul_byte.lp": (None, {}, r"line 4: lp file: control character '\\x00' in the text"),
    "dimacs_huge_n.gph": (None, {}, r"line 1: dimacs file: the vertex count n = 99999999999999999999 is "
                                    r"implausibly large"),
}
SOLUTION_CORPUS = {
    "qap_not_permutation.sln": r"qaplib-sln file: not a permutation of 1\.\.3: 1 appears 2 times",
    "qap_out_of_range.sln": r"line 2: qaplib-sln file: the permutation: 4 is above the maximum 3",
    "mis_value_mismatch.opt.sol": r"'# Objective value = 3' but 2 vertices are listed",
    "labs_not_binary.opt.sol": r"line 3: solution file: solution value: 2 is above the maximum 1",
}


def test_corpus_is_complete():
    assert {p.name for p in MALFORMED.iterdir()} == set(CORPUS) | set(SOLUTION_CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS), ids=str)
def test_malformed_file(name):
    fmt, kwargs, pattern = CORPUS[name]
    with pytest.raises(InstanceFormatError, match=pattern) as info:
        read(MALFORMED / name, format=fmt, **kwargs)
    assert name in str(info.value)  # the message names the file
    assert "\n" not in str(info.value)  # one line


@pytest.mark.parametrize("name", sorted(SOLUTION_CORPUS), ids=str)
def test_malformed_solution(name):
    with pytest.raises(InstanceFormatError, match=SOLUTION_CORPUS[name]):
        read_solution(MALFORMED / name)


INLINE = [
    ("neg_m.rud", "rudy", "3 -1\n", r"edge count m must be >= 0, got -1"),
    ("few_edges.rud", "rudy", "3 2\n1 2 1\n", r"header announces 2 edge lines, the file has 1"),
    ("hex.sparse", "biqmac", "2 1\n1 2 0x10\n", r"'0x10' is not a number"),
    ("m_zero.txt", "mknap1", "1\n2 0 0\n1 2\n\n", r"number of constraints m must be >= 1, got 0"),
    ("k_float.txt", "mknap1", "1.5\n", r"problem count K must be an integer, got '1\.5'"),
    ("nan.dat", "qaplib", "1\nnan\n0\n", r"'nan' is not a finite number"),
    ("big_vertex.sparse", "biqmac", "2 1\n1 3 1\n", r"index 3 is outside 1\.\.2"),
    ("p_line.gph", "dimacs", "p clique 3 1\ne 1 2\n", r"expected 'p edge n m', got 'p clique 3 1'"),
    ("p_neg.gph", "dimacs", "p edge -2 0\n", r"vertex count n must be >= 1, got -2"),
    ("ms_header.dat", "market-split", "# c\n2\n1 2 3\n", r"the first line must hold 2 numbers, it holds 1"),
    ("qs_rows.qs", "qs", "# ObjectiveOffset 1\n2 2\n1 1 1\n", r"announces 2 coefficient lines, the file has 1"),
    ("bqp_index.txt", "orlib-bqp", "1\n1 1\n1 1 2\n", None),
    ("labs_n.opt.sol", "labs", "# Energy: 0\n1\n", r"invalid problem data: n must be an integer >= 2"),
    ("labs_none.opt.sol", "labs", "# Objective value = 1\n3\n", r"no '# Energy:' line"),
    ("huge_weight.rud", "rudy", "2 1\n1 2 1e400\n", r"'1e400' is not a finite number"),
    ("huge_index.sparse", "biqmac", "2 1\n1 1e30 1\n", r"index 1e30 is outside 1\.\.2"),
]


@pytest.mark.parametrize("fname, fmt, text, pattern", INLINE, ids=[t[0] for t in INLINE])
def test_malformed_inline(tmp_path, fname, fmt, text, pattern):
    f = tmp_path / fname
    f.write_text(text)
    if pattern is None:  # valid file: index out of range is the defect
        with pytest.raises(InstanceFormatError, match=r"index 1 is out of range: the file holds 1 problem"):
            read(f, format=fmt, index=1)
        return
    with pytest.raises(InstanceFormatError, match=pattern) as info:
        read(f, format=fmt)
    assert fname in str(info.value) and fmt in str(info.value)


def test_missing_file_is_unknown_instance(tmp_path):
    with pytest.raises(UnknownInstanceError, match=r"nope\.rud: no such file"):
        read(tmp_path / "nope.rud")
    with pytest.raises(UnknownInstanceError, match=r"no such file \(qaplib format\)"):
        read(tmp_path / "nope.dat", format="qaplib")


def test_index_rules(tmp_path):
    with pytest.raises(InstanceFormatError,
                       match=r"rudy files hold one problem; index=2 is only for mknap1, orlib-bqp"):
        read(PROBLEMS / "maxcut/gset/g1.rud", index=2)
    with pytest.raises(InstanceFormatError, match=r"index must be an integer, got 'a'"):
        read(PROBLEMS / "qubo_bqp/orlib/bqp250.txt", index="a")
    with pytest.raises(InstanceFormatError, match=r"index -1 is out of range"):
        read(PROBLEMS / "qubo_bqp/orlib/bqp250.txt", index=-1)
    assert read(PROBLEMS / "maxcut/gset/g1.rud", index=0).num_variables == 800


# --------------------------------------------------------------------------- format detection
def test_unknown_format_name_lists_all():
    with pytest.raises(InstanceFormatError, match="unknown format 'gset'; valid formats: " + ", ".join(FORMATS)):
        read(PROBLEMS / "maxcut/gset/g1.rud", format="gset")


def test_extensionless_edge_list_is_ambiguous():
    with pytest.raises(InstanceFormatError, match=r"candidates: rudy, biqmac\. give one with --format \(format= in Python\)"):
        read(PROBLEMS / "maxcut/biqmac_rudy/g05_60.0")


@pytest.mark.parametrize("fname, text, candidates", [
    ("odd.txt", "1 2 3 4\n", "mknap1, mknap2, orlib-bqp"),
    ("odd.dat", "1 2 3\n4 5 6\n", "qaplib, market-split"),
    ("odd.xyz", "hello\n", ", ".join(FORMATS)),
], ids=["txt", "dat", "unknown-extension"])
def test_ambiguous_lists_candidates(tmp_path, fname, text, candidates):
    f = tmp_path / fname
    f.write_text(text)
    with pytest.raises(InstanceFormatError, match=f"candidates: {candidates}"):
        detect_format(f)


def test_solution_files_are_not_instances():
    with pytest.raises(InstanceFormatError, match="solution file, not an instance"):
        read(PROBLEMS / "mis/solutions/karate.opt.sol")
    with pytest.raises(InstanceFormatError, match="QAPLIB solution file"):
        read(PROBLEMS / "qap/chr12a.sln")


def test_detection_of_every_bundled_instance():
    from qopt.problems.catalogue import catalogue

    for entry in catalogue():
        path = PROBLEMS / entry["path"]
        if "biqmac_" in entry["path"]:  # extensionless Biq Mac graphs: rudy or biqmac
            continue
        assert detect_format(path) == entry["format"], entry["name"]


# --------------------------------------------------------------------------- fuzzing
FUZZ_SEEDS = {
    "f.rud": "4 3\n1 2 1\n2 3 -2\n4 1 5\n",
    "f.sparse": "3 3\n1 1 2\n1 2 -1\n3 3 4\n",
    "f.qs": "# ObjectiveOffset 5\n3 2\n1 1 2\n2 3 1\n",
    "f1.txt": "2\n2 1 3\n1 2\n1 1\n2\n3 2 0\n1 2 3\n1 1 1\n2 2 2\n3 4\n",
    "f2.txt": "2 3\n1 2 3\n4 5\n1 1 1\n2 2 2\n6\n",
    "f3.txt": "2\n2 2\n1 1 3\n1 2 -2\n3 1\n1 3 4\n",
    "f.dat": "2\n0 1\n1 0\n0 2\n2 0\n",
    "g.dat": "# c\n2 3\n1 2 3 3\n3 2 1 3\n",
    "f.gph": "c x\np edge 4 2\ne 1 2\ne 3 4\n",
    "f.lp": "Maximize\n obj: a + 2 b\nSubject To\n c: a + b <= 1\nBinary\n a b\nEnd\n",
    "f.opt.sol": "# Energy: 3\n1\n0\n1\n1\n0\n0\n0\n",
}
JUNK = ["", "x", "-1", "0", "1e309", "nan", "2.5", "99999999999999999999", "1,2", "#", "e", "p", "\x00", "\u00e9",
        "1e3", "3", "\r", "[", "Minimize", "Binary", "*", ":"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(FUZZ_SEEDS)), st.data())
def test_fuzzed_files_fail_only_with_instance_format_error(name, data):
    """Mutated valid files either parse or raise InstanceFormatError (never a raw numpy/dimod error)."""
    tokens = FUZZ_SEEDS[name].split(" ") if data.draw(st.booleans()) else list(FUZZ_SEEDS[name])
    for _ in range(data.draw(st.integers(1, 3))):
        if not tokens:
            break
        k = data.draw(st.integers(0, len(tokens) - 1))
        op = data.draw(st.sampled_from(["delete", "replace", "insert", "truncate"]))
        if op == "delete":
            del tokens[k]
        elif op == "replace":
            tokens[k] = data.draw(st.sampled_from(JUNK))
        elif op == "insert":
            tokens.insert(k, data.draw(st.sampled_from(JUNK)))
        else:
            tokens = tokens[:k]
    text = (" " if " " in FUZZ_SEEDS[name] and all(len(t) != 1 for t in tokens[:1]) else "").join(tokens)
    index = data.draw(st.sampled_from([None, 0, 1]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        try:
            read(path, index=index if name.endswith(".txt") else None)
        except InstanceFormatError as err:
            assert "\n" not in str(err) and name in str(err)
