"""Metrics from stored runs equal hand-computed values (module docstring definitions)."""

from __future__ import annotations

import math

import pytest

from qopt.bench.metrics import aggregate, approximation_ratio, run_metrics, tts99
from qopt.bench.store import load_runs

from ._store_fixture import SA, make_store


@pytest.mark.parametrize("p, expected", [(0.1, 43.71), (0.01, 458.21), (0.5, 6.64)])
def test_tts99_reference_values(p, expected):
    # algorithms.md section 11 check values, in units of t_run
    assert tts99(1.0, p) == pytest.approx(expected, abs=5e-3)


def test_tts99_edges():
    assert tts99(3.0, 1.0) == 3.0 and tts99(3.0, 0.99) == 3.0
    assert math.isinf(tts99(3.0, 0.0))
    assert tts99(3.0, None) is None
    with pytest.raises(ValueError, match="probability"):
        tts99(1.0, 1.5)


def test_approximation_ratio_conventions():
    assert approximation_ratio(90, 100, "max") == 0.9
    assert approximation_ratio(125, 100, "min") == 0.8
    assert approximation_ratio(-120, -133, "min") == pytest.approx(120 / 133)
    assert approximation_ratio(2, 0, "min") is None


def test_aggregate_matches_hand_computed(tmp_path):
    runs = load_runs(make_store(tmp_path / "s.sqlite"))
    groups = {(g["family"], g["solver_label"]): g for g in aggregate(runs)}
    assert set(groups) == {("mdkp", "sa"), ("mis", "exact")}
    sa = groups[("mdkp", "sa")]
    for key, value in SA.items():
        assert sa[key] == pytest.approx(value), key
    exact = groups[("mis", "exact")]
    assert exact["feasibility_rate"] == 1.0 and exact["p_opt"] == 1.0
    assert exact["tts99_s"] == 0.5 and exact["mean_gap"] == 0.0 and exact["qubits"] is None


def test_infeasible_run_has_no_gap_but_counts(tmp_path):
    runs = load_runs(make_store(tmp_path / "s.sqlite"))
    m = run_metrics(runs[2])
    assert m["feasible"] is False and m["gap"] is None and m["approx_ratio"] is None and m["p_opt"] == 0.0
    failed = run_metrics(runs[3])
    assert failed["ok"] is False and failed["success"] is False and failed["p_opt"] is None
