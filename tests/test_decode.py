import dimod
import numpy as np
import pytest

from qopt.decode import finish, make_result, status_of
from qopt.problems import IndependentSet, Knapsack
from qopt.result import Status


def _kp():
    return Knapsack([10, 20, 30, 40], [[2, 3, 4, 5], [1, 2, 3, 4]], [8, 5], known_optimum=50)


def test_finish_repairs_and_prefers_feasible():
    kp = _kp()
    bqm, dec = kp.to_bqm()
    slack = {s: 0 for terms in dec.slack.values() for s, _ in terms}
    rows = [{**{i: 1 for i in range(4)}, **slack}, {**{0: 1, 1: 0, 2: 0, 3: 1}, **slack}]
    raw = dimod.SampleSet.from_samples_bqm(rows, bqm)
    result = finish(kp, raw, dec, solver="test", local_search=False)
    assert result.feasible and result.objective == 50 and result.status is Status.OPTIMAL
    assert result.info["feasible_before_repair"] == 0.5 and result.info["feasible_after_repair"] == 1.0


def test_finish_without_repair_reports_infeasible():
    mis = IndependentSet(__import__("networkx").path_graph(3))
    raw = dimod.SampleSet.from_samples(([[1, 1, 1]], [0, 1, 2]), "BINARY", energy=[0.0])
    result = finish(mis, raw, None, solver="test", repair=False, local_search=False)
    assert not result.feasible and result.gap is None and result.status is Status.INFEASIBLE
    assert set(result.violations) == {"edge_0_1", "edge_1_2"}


def test_missing_variables_is_a_clear_error():
    raw = dimod.SampleSet.from_samples(([[1]], [0]), "BINARY", energy=[0.0])
    with pytest.raises(ValueError, match="lack problem variable"):
        finish(_kp(), raw, None, solver="t")


def test_status_and_gap():
    kp = _kp()
    assert status_of(kp, 50, True) is Status.OPTIMAL
    assert status_of(kp, 40, True) is Status.FEASIBLE
    r = make_result(kp, np.array([0, 0, 0, 1]), solver="t")
    assert r.gap == pytest.approx(0.2)


# -- raw block, post-processing levels, known optimum (issue 14) -----------------------------
import math  # noqa: E402

import networkx as nx  # noqa: E402

from qopt.decode import POSTPROCESS, raw_metrics, with_known_optimum  # noqa: E402
from qopt.errors import ConfigError, QoptError  # noqa: E402
from qopt.problems import MaxCut, QuadraticAssignment, load  # noqa: E402
from qopt.solvers import solve  # noqa: E402
from qopt.testing import assert_result_api  # noqa: E402


def _shots(problem, rows, counts):
    return dimod.SampleSet.from_samples((np.array(rows), list(range(problem.num_variables))), "BINARY",
                                        energy=np.zeros(len(rows)), num_occurrences=counts)


def test_raw_block_by_hand():
    kp = _kp()  # optimum 50 at {1, 4} and {2, 3}
    rows = [[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 1, 1], [0, 0, 0, 0]]
    raw = _shots(kp, rows, [3, 1, 4, 2])
    r = finish(kp, raw, solver="t", postprocess="none", readout={"readout": "shots", "shots": 10, "exact": None})
    assert r.raw["shots"] == 10 and r.raw["distinct"] == 4 and r.raw["readout"] == "shots"
    assert r.raw["best_objective"] == 50 and r.raw["best_feasible"]
    assert r.raw["feasible_fraction"] == pytest.approx(0.6)
    assert r.raw["p_optimum"] == pytest.approx(0.4)
    assert r.raw["expected_objective"] == pytest.approx((3 * 50 + 50 + 4 * 100 + 0) / 10)
    # infeasible shots are worth nothing in the ratio: (3*50 + 1*50 + 2*0) / 10 / 50
    assert r.raw["approx_ratio"] == pytest.approx(0.4)
    assert r.objective == r.raw["best_objective"] and r.solution_from == "raw sample" and r.postprocess == "none"
    assert r.raw_samples.record.num_occurrences.sum() == 10
    assert_result_api(r, kp)


def test_without_known_optimum_ratio_and_p_optimum_are_null():
    kp = Knapsack([10, 20, 30, 40], [[2, 3, 4, 5], [1, 2, 3, 4]], [8, 5])
    r = finish(kp, _shots(kp, [[1, 0, 0, 1]], [5]), solver="t")
    assert r.raw["p_optimum"] is None and r.raw["approx_ratio"] is None and r.gap is None
    d = r.to_dict()
    assert d["raw"]["p_optimum"] is None and d["postprocess"] == "full"


def test_known_optimum_override():
    kp = Knapsack([10, 20, 30, 40], [[2, 3, 4, 5], [1, 2, 3, 4]], [8, 5])
    r = finish(kp, _shots(kp, [[1, 0, 0, 0]], [5]), solver="t", postprocess="none", known_optimum=50)
    assert r.known_optimum == 50 and r.gap == pytest.approx(0.8) and r.raw["approx_ratio"] == pytest.approx(0.2)
    assert r.raw["p_optimum"] == 0.0
    assert with_known_optimum(kp, 50).known_optimum == 50.0 and kp.known_optimum is None
    assert solve(with_known_optimum(kp, 50), "exact").status is Status.OPTIMAL


@pytest.mark.parametrize("bad, match", [
    ({"postprocess": "some"}, "postprocess must be one of none, one-round, full; got 'some'"),
    ({"readout": {"readout": "best", "shots": 4}}, "readout must be one of shots, top-k; got 'best'"),
    ({"readout": {"readout": "shots", "shots": 0}}, "shots must be a positive integer; got 0"),
    ({"known_optimum": float("nan")}, "known_optimum must be a finite number"),
    ({"known_optimum": "50"}, "known_optimum must be a finite number"),
], ids=["postprocess", "readout", "shots0", "nan", "string"])
def test_bad_values_are_clear_errors(bad, match):
    kp = _kp()
    with pytest.raises(ConfigError, match=match):
        finish(kp, _shots(kp, [[1, 0, 0, 1]], [1]), solver="t", **bad)
    assert issubclass(ConfigError, QoptError) and issubclass(ConfigError, ValueError)


def test_with_known_optimum_rejects_nan():
    with pytest.raises(ConfigError, match="finite"):
        with_known_optimum(_kp(), math.inf)


@pytest.mark.parametrize("level", POSTPROCESS)
def test_levels_on_sa(level):
    problem = load("mknap1-3")
    r = solve(problem, "sa", num_reads=20, num_sweeps=50, seed=3, postprocess=level)
    assert_result_api(r, problem)
    assert r.postprocess == level and r.raw["shots"] == 20 and r.raw["readout"] == "samples"
    assert r.solution_from in ("raw sample", "repair", "local search")
    better = r.objective >= r.raw["best_objective"] if r.raw["best_feasible"] else True
    assert better  # post-processing never loses the best raw sample
    if level == "none":
        assert r.objective == r.raw["best_objective"] and r.solution_from == "raw sample"
    if level == "one-round":
        assert r.solution_from != "repair"


def test_exact_block_is_used_and_shots_estimate_agrees():
    """Uniform bits on a small graph: the exact mean is |E|/2; the shot estimate lies within 4 s.e."""
    g = nx.petersen_graph()
    p = MaxCut(g, known_optimum=12)
    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2, size=(2000, 10))
    uniq, counts = np.unique(bits, axis=0, return_counts=True)
    exact = {"expected_objective": 7.5, "p_optimum": None, "feasible_fraction": 1.0}
    r = finish(p, _shots(p, uniq, counts), solver="t", postprocess="none",
               readout={"readout": "shots", "shots": 2000, "exact": exact})
    assert r.raw["expected_objective"] == 7.5 and r.raw["expected_from"] == "exact"
    assert abs(r.raw["expected_objective_shots"] - 7.5) < 4 * r.raw["expected_objective_stderr"]
    assert r.raw["approx_ratio"] == pytest.approx(7.5 / 12)
    est = raw_metrics(p, uniq, counts)
    assert est["expected_from"] == "shots" and est["shots"] == 2000


def test_approx_ratio_forms_stay_in_unit_interval():
    qap = QuadraticAssignment(np.array([[0, 2], [2, 0]]), np.array([[0, 3], [3, 0]]), known_optimum=12)
    rows = [[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0]]
    m = raw_metrics(qap, np.array(rows), np.array([1, 1, 2]))
    assert m["approx_ratio_form"] == "optimum/expected" and m["approx_ratio"] == pytest.approx(0.5)
    labs = load("labs5")
    x = np.array([[0, 0, 0, 1, 0], [1, 1, 1, 1, 1]])
    m = raw_metrics(with_known_optimum(labs, 2), x, np.array([1, 1]))
    assert 0.0 <= m["approx_ratio"] <= 1.0


def test_one_round_is_feasibility_aware_and_no_repair():
    from qopt.problems.moves import one_round

    kp = _kp()
    assert kp.is_feasible(one_round(kp, [0, 0, 0, 0]))
    y = one_round(kp, [1, 1, 1, 1])  # no single move makes it feasible: unchanged, not repaired
    assert list(y) == [1, 1, 1, 1]
    z = one_round(kp, [1, 0, 0, 0])
    assert kp.is_feasible(z) and kp.evaluate(z) >= 10
    qap = load("chr12a")
    x = qap.permutation_to_solution(np.arange(12))
    w = one_round(qap, x)
    assert qap.is_feasible(w) and qap.evaluate(w) <= qap.evaluate(x)
