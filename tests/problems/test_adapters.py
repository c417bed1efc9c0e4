"""Bring your own model: every input kind solved by exact, sa and qaoa (exact device) to the
brute-force optimum, answers in the caller's labels, integer CQMs, errors, weighted MIS."""

from __future__ import annotations

import itertools
import json
import sys

import dimod
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

import qopt
from qopt.errors import (ConfigError, InfeasibleModelError, MissingDependencyError, QoptError,
                         UnsupportedModelError)
from qopt.problems.adapters import as_problem, sample_of

pytestmark = pytest.mark.filterwarnings("ignore::qopt.errors.PenaltyWarning")


# --------------------------------------------------------------------------- models and oracles
# Each case: (model, solve kwargs, value(sample) in the model's own terms or None if infeasible,
#             sense, labels). The oracle enumerates the user's own domain, not qopt's encoding.
def _bqm_binary():
    return dimod.BinaryQuadraticModel({"a": -1.0, "b": -2.0, ("c", 1): 1.5},
                                      {("a", "b"): 3.0, ("b", ("c", 1)): -4.0}, 0.5, "BINARY")


def _bqm_spin():
    return dimod.BinaryQuadraticModel({"s": 0.5, "t": -1.0, "u": 0.25}, {("s", "t"): 1.0, ("t", "u"): -2.0},
                                      0.0, "SPIN")


def _cqm():
    x, y = dimod.Binary("x"), dimod.Binary("y")
    z = dimod.Integer("z", lower_bound=-1, upper_bound=2)
    s = dimod.Spin(("s", 1))
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(-3 * x - 2 * y + z - 2 * x * z + s - 2 * s * y)
    cqm.add_constraint(x + y + z <= 2, label="cap")
    cqm.add_constraint(x - z >= -1, label="link")
    return cqm


_MATRIX = np.array([[-2.0, 3.0, 0.0, 1.0], [0.0, -1.0, -2.0, 0.0], [0.0, 0.0, 1.0, -3.0], [0.0, 0.0, 0.0, -1.0]])


def _graph(kind):
    g = nx.Graph()
    g.add_weighted_edges_from([("p", "q", 2.0), ("q", ("r", 0), 1.0), (("r", 0), "s", 3.0), ("s", "p", 1.0),
                               ("p", ("r", 0), 0.5)])
    if kind == "mis":
        nx.set_node_attributes(g, {"p": 2.0, "q": 1.0, ("r", 0): 2.5, "s": 1.0}, "weight")
    return g


def _domain(labels, kinds_bounds):
    return [dict(zip(labels, vals)) for vals in itertools.product(*kinds_bounds)]


def _cqm_oracle(cqm, sense="min"):
    labels = list(cqm.variables)
    doms = []
    for v in labels:
        vt = cqm.vartype(v)
        if vt is dimod.SPIN:
            doms.append((-1, 1))
        elif vt is dimod.BINARY:
            doms.append((0, 1))
        else:
            doms.append(range(int(cqm.lower_bound(v)), int(cqm.upper_bound(v)) + 1))
    best = None
    for s in _domain(labels, doms):
        if cqm.check_feasible(s):
            e = cqm.objective.energy(s)
            best = e if best is None else min(best, e)
    return best


def _value_bqm(bqm):
    return lambda s: bqm.energy(s)


def _value_cqm(cqm):
    return lambda s: cqm.objective.energy(s) if cqm.check_feasible(s) else None


def _value_maxcut(g):
    return lambda s: sum(d.get("weight", 1.0) for u, v, d in g.edges(data=True) if s[u] != s[v])


def _value_mis(g):
    def f(s):
        if any(s[u] and s[v] for u, v in g.edges):
            return None
        return sum(g.nodes[v].get("weight", 1.0) * s[v] for v in g.nodes)
    return f


def _value_matrix(Q):
    return lambda s: float(np.array([s[i] for i in range(len(Q))]) @ np.asarray(Q) @ np.array(
        [s[i] for i in range(len(Q))]))


def _optimum(value, labels, sense, domain=(0, 1)):
    vals = [value(dict(zip(labels, bits))) for bits in itertools.product(domain, repeat=len(labels))]
    vals = [v for v in vals if v is not None]
    return max(vals) if sense == "max" else min(vals)


def _qp():
    qo = pytest.importorskip("qiskit_optimization")
    qp = qo.QuadraticProgram("toy_qp")
    qp.binary_var("x")
    qp.binary_var("y")
    qp.integer_var(0, 3, "n")
    qp.maximize(linear={"x": 3, "y": 2, "n": 1}, quadratic={("x", "n"): 1, ("x", "y"): -2})
    qp.linear_constraint({"x": 1, "y": 1, "n": 1}, "<=", 3, "budget")
    qp.quadratic_constraint({"n": 1}, {("x", "y"): 2}, "<=", 2, "pair")
    return qp


def _qp_value(qp):
    names = [v.name for v in qp.variables]

    def f(s):
        vec = [s[n] for n in names]
        return qp.objective.evaluate(vec) if qp.is_feasible(vec) else None
    return f


def _qp_optimum(qp):
    doms = [range(int(v.lowerbound), int(v.upperbound) + 1) for v in qp.variables]
    names = [v.name for v in qp.variables]
    f = _qp_value(qp)
    vals = [f(dict(zip(names, vals))) for vals in itertools.product(*doms)]
    pick = max if qp.objective.sense.name == "MAXIMIZE" else min
    return pick(v for v in vals if v is not None)


def _docplex():
    pytest.importorskip("docplex")
    from docplex.mp.model import Model

    m = Model("toy_docplex")
    a, b, c = m.binary_var("a"), m.binary_var("b"), m.binary_var("c")
    k = m.integer_var(lb=0, ub=2, name="k")
    m.minimize(-2 * a - 3 * b - c + k - a * c)
    m.add_constraint(a + b + k <= 2, "room")
    m.add_constraint(b + c >= 1, "cover")
    return m


def _cases():
    bqm, spin, cqm = _bqm_binary(), _bqm_spin(), _cqm()
    yield "bqm-binary", lambda: (bqm, {}, _value_bqm(bqm), "min", list(bqm.variables),
                                 _optimum(_value_bqm(bqm), list(bqm.variables), "min"))
    yield "bqm-spin", lambda: (spin, {}, _value_bqm(spin), "min", list(spin.variables),
                               _optimum(_value_bqm(spin), list(spin.variables), "min", (-1, 1)))
    yield "cqm-integer", lambda: (cqm, {}, _value_cqm(cqm), "min", list(cqm.variables), _cqm_oracle(cqm))
    yield "numpy", lambda: (_MATRIX, {}, _value_matrix(_MATRIX), "min", [0, 1, 2, 3],
                            _optimum(_value_matrix(_MATRIX), [0, 1, 2, 3], "min"))
    yield "scipy-sparse", lambda: (sp.csr_matrix(_MATRIX), {}, _value_matrix(_MATRIX), "min", [0, 1, 2, 3],
                                   _optimum(_value_matrix(_MATRIX), [0, 1, 2, 3], "min"))
    Qd = {("u", "u"): -1.0, ("u", "w"): 2.0, ("w", "w"): -1.0, ("w", 7): -1.5, (7, 7): 0.5}
    dvalue = lambda s: sum(w * s[i] * s[j] for (i, j), w in Qd.items())  # noqa: E731
    yield "dict", lambda: (Qd, {}, dvalue, "min", ["u", "w", 7], _optimum(dvalue, ["u", "w", 7], "min"))
    for kind, value in (("maxcut", _value_maxcut), ("mis", _value_mis)):
        g = _graph(kind)
        yield f"graph-{kind}", lambda g=g, kind=kind, value=value: (
            g, {"kind": kind}, value(g), "max", list(g.nodes), _optimum(value(g), list(g.nodes), "max"))
    yield "quadratic-program", lambda: (lambda qp: (qp, {}, _qp_value(qp), "max", [v.name for v in qp.variables],
                                                    _qp_optimum(qp)))(_qp())

    def docplex_case():
        from qiskit_optimization.translators import from_docplex_mp

        m = _docplex()
        qp = from_docplex_mp(m)
        return m, {}, _qp_value(qp), "min", [v.name for v in qp.variables], _qp_optimum(qp)
    yield "docplex", docplex_case


CASES = dict(_cases())
SOLVERS = [("exact", {}), ("sa", {"seed": 3, "num_reads": 50, "num_sweeps": 200}),
           ("qaoa", {"seed": 5, "layers": 1, "maxiter": 30})]


@pytest.mark.parametrize("solver,opts", SOLVERS, ids=[s for s, _ in SOLVERS])
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_every_input_kind_reaches_the_brute_force_optimum_in_the_callers_labels(case, solver, opts):
    model, kw, value, sense, labels, optimum = CASES[case]()
    result = qopt.solve(model, solver, **kw, **opts)
    assert result.feasible
    assert list(result.sample) == labels
    assert all(type(v) is int for v in result.sample.values())
    got = value(result.sample)
    assert got is not None and np.isclose(got, optimum), (result.sample, got, optimum)
    assert np.isclose(result.objective, optimum)
    assert result.sense == sense
    d = json.loads(result.to_json())
    assert d["sample"] == {str(k): v for k, v in result.sample.items()}


def test_integer_cqm_values_are_integers_within_bounds_feasible_and_optimal():
    rng = np.random.default_rng(11)
    z = [dimod.Integer(f"z{i}", lower_bound=int(lo), upper_bound=int(lo) + int(r))
         for i, (lo, r) in enumerate(zip(rng.integers(-3, 3, 3), rng.integers(1, 6, 3)))]
    b = dimod.Binary("b")
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(-2 * z[0] + 3 * z[1] - z[2] + 4 * b - z[0] * b)
    cqm.add_constraint(z[0] + z[1] + z[2] <= 4, label="sum")
    cqm.add_constraint(z[0] - 2 * z[2] + 3 * b >= -2, label="mix")
    cqm.add_constraint(z[1] + b == 1 + int(cqm.lower_bound("z1")), label="eq")
    optimum = _cqm_oracle(cqm)
    for solver in ("exact", "sa"):
        r = qopt.solve(cqm, solver, seed=0)
        assert r.feasible and cqm.check_feasible(r.sample)
        for v in cqm.variables:
            assert type(r.sample[v]) is int
            assert cqm.lower_bound(v) <= r.sample[v] <= cqm.upper_bound(v)
        assert np.isclose(cqm.objective.energy(r.sample), optimum)


def test_every_bit_pattern_decodes_within_bounds_and_every_value_is_reachable():
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.Integer("k", lower_bound=-2, upper_bound=10))
    p = as_problem(cqm)
    values = {p.variable_map.sample(bits)["k"] for bits in itertools.product((0, 1), repeat=p.num_variables)}
    assert values == set(range(-2, 11))
    for v in range(-2, 11):
        assert p.variable_map.sample(p.variable_map.encode({"k": v}))["k"] == v


# --------------------------------------------------------------------------- generic repair
def _random_cqm(rng):
    n, m = int(rng.integers(3, 8)), int(rng.integers(1, 4))
    x = [dimod.Binary(f"v{i}") for i in range(n)]
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.quicksum(float(rng.integers(-5, 6)) * xi for xi in x)
                      + float(rng.integers(-3, 4)) * x[0] * x[1])
    for c in range(m):
        k = rng.choice(n, size=int(rng.integers(2, n + 1)), replace=False)
        expr = dimod.quicksum(float(rng.integers(-4, 5) or 1) * x[i] for i in k)
        rhs = float(rng.integers(-2, 5))
        sense = rng.choice(["<=", ">=", "=="])
        cqm.add_constraint_from_model(expr, str(sense), rhs, label=f"c{c}")
    return cqm


def test_generic_repair_is_feasible_whenever_one_flip_per_violated_constraint_suffices():
    checked = 0
    for seed in range(300):
        rng = np.random.default_rng(seed)
        p = as_problem(_random_cqm(rng))
        X = np.array(list(itertools.product((0, 1), repeat=p.num_variables)), dtype=np.int8)
        feasible = np.array([p.is_feasible(z) for z in X])
        for _ in range(4):
            x = rng.integers(0, 2, p.num_variables).astype(np.int8)
            if p.is_feasible(x):
                continue
            k = sum(v > 1e-6 for v in p.violations(x).values())
            if not (feasible & ((X != x).sum(axis=1) <= k)).any():
                continue
            checked += 1
            y = p.repair(x)
            assert p.is_feasible(y), (seed, x, p.violations(x))
            z = p.local_search(y)
            assert p.is_feasible(z) and p.evaluate(z) <= p.evaluate(y) + 1e-9
    assert checked > 200


def test_generic_local_search_swaps_inside_one_hot_groups():
    # one-hot choice: only a swap (one off, one on) keeps sum == 1 and improves
    x = [dimod.Binary(c) for c in "abcd"]
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(4 * x[0] + 3 * x[1] + 1 * x[2] + 2 * x[3])
    cqm.add_constraint(dimod.quicksum(x) == 1, label="pick_one")
    p = as_problem(cqm)
    start = p.variable_map.encode({"a": 1, "b": 0, "c": 0, "d": 0})
    assert p.variable_map.sample(p.local_search(start)) == {"a": 0, "b": 0, "c": 1, "d": 0}


def test_lp_problem_gets_generic_repair_and_names():
    from qopt.problems.lp import LPProblem

    cqm = dimod.lp.loads("Maximize\n obj: 2 alpha + 3 beta + 2 gamma\nSubject To\n c1: alpha + beta <= 1\n"
                         " c2: beta + gamma <= 1\nBinary\n alpha beta gamma\nEnd")
    p = LPProblem(cqm, sense="max")
    y = p.repair([1, 1, 1])
    assert p.is_feasible(y)
    r = qopt.solve(p, "sa", seed=1)
    assert r.sample == {"alpha": 1, "beta": 0, "gamma": 1} and r.objective == 4.0


def test_plain_cqm_mdkp_matches_the_knapsack_class():
    """pb7 (OR-Library mknap2, 37 items, 30 constraints) as a user's dimod CQM: sa is feasible and
    within 2 % of the published optimum 1035 (benchmarks/byom_mdkp.py has the per-seed table)."""
    from qopt.testing import knapsack_as_user_cqm

    kp = qopt.load("pb7")
    cqm = knapsack_as_user_cqm(kp)
    r = qopt.solve(cqm, "sa", seed=0, num_reads=50, num_sweeps=500)
    assert r.feasible and cqm.check_feasible(r.sample)
    assert -r.objective >= 0.98 * kp.known_optimum


# --------------------------------------------------------------------------- MIS weights
def test_weighted_mis_path_uses_node_weights():
    g = nx.path_graph(4)
    nx.set_node_attributes(g, {0: 1, 1: 5, 2: 1, 3: 1}, "weight")
    for solver in ("exact", "sa"):
        r = qopt.solve(g, solver, kind="mis", seed=0)
        assert r.objective == 6.0 and r.sample == {0: 0, 1: 1, 2: 0, 3: 1}
    p = qopt.problems.IndependentSet(g)
    assert p.cqm().objective.energy({0: 0, 1: 1, 2: 0, 3: 1}) == -6.0
    assert p.evaluate(p.local_search([1, 0, 0, 1])) == 6.0  # (1,1)-swap 0 -> 1


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("model,kw,err,match", [
    (object(), {}, UnsupportedModelError, r"cannot solve a builtins.object; qopt takes"),
    (np.zeros((2, 3)), {}, InfeasibleModelError, r"square and non-empty, got shape \(2, 3\)"),
    (np.array([[1.0, np.nan], [0.0, 1.0]]), {}, InfeasibleModelError, r"Q\[0, 1\] is nan"),
    (sp.csr_matrix(np.array([[1.0, np.inf], [0.0, 1.0]])), {}, InfeasibleModelError, r"Q\[0, 1\] is inf"),
    (nx.path_graph(3), {}, ConfigError, r"networkx graph needs kind= .* maxcut, mis"),
    (nx.path_graph(3), {"kind": "tsp"}, ConfigError, r"unknown graph kind 'tsp'"),
    (np.eye(2), {"kind": "maxcut"}, ConfigError, r"kind='maxcut' applies to networkx graphs only"),
    ({(0, 1): "x"}, {}, InfeasibleModelError, r"entries must be finite numbers"),
    (dimod.BinaryQuadraticModel({"a": np.nan}, {}, 0.0, "BINARY"), {}, InfeasibleModelError,
     r"BinaryQuadraticModel: linear coefficients must be finite"),
], ids=["object", "non-square", "nan", "sparse-inf", "graph-no-kind", "graph-bad-kind", "kind-not-graph",
        "dict-value", "bqm-nan"])
def test_bad_input_gets_a_clear_error(model, kw, err, match):
    with pytest.raises(err, match=match) as info:
        qopt.solve(model, "sa", **kw)
    assert isinstance(info.value, QoptError) and "\n" not in str(info.value)


def test_real_and_unbounded_integer_variables_are_refused():
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.Real("r", upper_bound=3.0) + dimod.Binary("b"))
    with pytest.raises(InfeasibleModelError, match=r"variable 'r' is real-valued"):
        qopt.solve(cqm, "sa")
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.Integer("big"))
    with pytest.raises(InfeasibleModelError, match=r"integer variable 'big' has bounds \[0, .*tighter"):
        qopt.solve(cqm, "exact")
    assert issubclass(InfeasibleModelError, QoptError)


def test_quadratic_program_without_the_interop_extra(monkeypatch):
    qp = _qp()
    monkeypatch.setitem(sys.modules, "qiskit_optimization", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'qopt\[interop\]'"):
        qopt.solve(qp, "sa")


def test_lp_file_keeps_its_variable_names(tmp_path):
    path = tmp_path / "names.lp"
    path.write_text("Maximize\n obj: 2 alpha + 3 beta + 2 gamma\nSubject To\n c1: alpha + beta <= 1\n"
                    " c2: beta + gamma <= 1\nBinary\n alpha beta gamma\nEnd\n")
    for solver in ("exact", "sa"):
        r = qopt.solve(str(path), solver, seed=0)
        assert r.sample == {"alpha": 1, "beta": 0, "gamma": 1}
        assert json.loads(r.to_json())["sample"] == {"alpha": 1, "beta": 0, "gamma": 1}


def test_unconstrained_quadratic_model_with_an_integer():
    qm = dimod.QuadraticModel()
    qm.add_variable("INTEGER", "k", lower_bound=-3, upper_bound=4)
    qm.add_variable("BINARY", "b")
    qm.add_linear("k", 1.0)
    qm.add_quadratic("k", "k", -0.5)   # -k^2/2 + k - 3b + 2bk: integer self-interaction
    qm.add_linear("b", -3.0)
    qm.add_quadratic("k", "b", 2.0)
    best = min((qm.energy({"k": k, "b": b}), k, b) for k in range(-3, 5) for b in (0, 1))
    r = qopt.solve(qm, "exact")
    assert (r.objective, r.sample["k"], r.sample["b"]) == best


def test_sample_of_builtin_problem_uses_indices():
    p = qopt.load("mknap1-1")
    r = qopt.solve(p, "exact")
    assert r.sample == {i: int(v) for i, v in enumerate(r.solution)} == sample_of(p, r.solution)
    back = qopt.Result.from_dict(json.loads(r.to_json()))
    assert back.sample == {str(k): v for k, v in r.sample.items()}


@pytest.mark.parametrize("module", ["qopt.problems.adapters", "qopt.problems.model", "qopt.problems.interop",
                                    "qopt.problems.mis"])
def test_docstring_examples(module):
    import doctest
    import importlib

    failures, tests = doctest.testmod(importlib.import_module(module))
    assert tests > 0 and failures == 0


def test_cli_json_carries_the_sample_in_lp_names(capsys, tmp_path):
    from qopt.cli import main

    path = tmp_path / "names.lp"
    path.write_text("Minimize\n obj: - 2 alpha - 3 beta - 2 gamma\nSubject To\n c1: alpha + beta <= 1\n"
                    " c2: beta + gamma <= 1\nBinary\n alpha beta gamma\nEnd\n")
    assert main(["solve", str(path), "--solver", "sa", "--seed", "1", "--output", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sample"] == {"alpha": 1, "beta": 0, "gamma": 1} and data["objective"] == -4.0


@pytest.mark.parametrize("solver", sorted(qopt.solvers.SOLVERS))
def test_every_registered_solver_answers_in_the_callers_labels(solver):
    cqm = _cqm()
    opts = {"timeout_s": 0.01} if solver == "tabu" else {}
    r = qopt.solve(cqm, solver, seed=1, **opts)
    assert list(r.sample) == list(cqm.variables) and r.feasible and cqm.check_feasible(r.sample)
    assert r.sample[("s", 1)] in (-1, 1) and -1 <= r.sample["z"] <= 2
    assert np.isclose(cqm.objective.energy(r.sample), r.objective)
