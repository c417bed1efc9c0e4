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
