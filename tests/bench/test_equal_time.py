"""Equal-time budgets in sweeps and the equal-time / time-to-target report (issue 18)."""

from __future__ import annotations

import json
import logging

import pytest

from qopt.bench.config import parse_config
from qopt.bench.equal_time import equal_time_rows, format_equal_time, gap_at, time_to_target
from qopt.bench.store import insert_run, open_store
from qopt.cli import main
from qopt.errors import ConfigError


def test_sweep_time_limit_goes_to_solvers_that_take_one(caplog):
    with caplog.at_level(logging.WARNING):
        cfg = parse_config({"instances": ["nug12"], "seeds": 1, "time_limit": 2.5,
                            "solvers": ["native", {"name": "native", "method": "sa", "label": "sa@t"},
                                        {"name": "exact", "time_limit": 7}, "tabu", "sa"]})
    opts = {s.label: s.options for s in cfg.solvers}
    assert cfg.time_limit == 2.5
    assert opts["native"] == {"time_limit": 2.5} and opts["sa@t"] == {"method": "sa", "time_limit": 2.5}
    assert opts["sa"] == {} and opts["tabu"] == {"time_limit": 2.5}
    assert opts["exact"] == {"time_limit": 7}  # an entry's own budget wins
    assert "solver 'sa' takes no time_limit" in caplog.text


@pytest.mark.parametrize("bad", [-1, 0, float("nan"), float("inf"), "10", True])
def test_bad_sweep_time_limit_is_a_config_error(bad):
    with pytest.raises(ConfigError, match="time_limit: the equal-time budget must be a finite number"):
        parse_config({"instances": ["nug12"], "solvers": ["native"], "time_limit": bad})


def _run(label, instance, objective, time_s, trace=None, optimum=100.0, seed=0, feasible=True):
    gap = abs(objective - optimum) / abs(optimum)
    info = {"incumbent_trace": trace} if trace is not None else {}
    return {"run_key": f"{label}-{instance}-{seed}", "sweep": "t", "instance": instance,
            "instance_key": f"catalogue:{instance}", "family": "qap", "sense": "min", "n_variables": 4,
            "solver": label.split("@")[0], "solver_label": label, "options": {}, "seed": seed, "status": "ok",
            "objective": objective, "feasible": feasible, "gap": gap, "known_optimum": optimum, "time_s": time_s,
            "wall_s": time_s, "qubits": None, "result": {"info": info}, "samples": None}


RUNS = [
    _run("native", "a", 100.0, 10.0, trace=[[0.1, 130.0], [1.0, 110.0], [4.0, 100.0]]),
    _run("native", "a", 100.0, 10.0, trace=[[0.2, 120.0], [2.0, 100.0]], seed=1),
    _run("sa", "a", 105.0, 3.0),
    _run("qaoa", "a", 120.0, 1.5),
    _run("qaoa", "a", 101.0, 2.5, seed=1),
]


def test_gap_at_and_time_to_target_follow_the_trace():
    native = RUNS[0]
    assert gap_at(native, 0.05) is None and gap_at(native, 0.5) == pytest.approx(0.3)
    assert gap_at(native, 1.0) == pytest.approx(0.1) and gap_at(native, 99) == 0.0
    assert time_to_target(native, 0.0) == 4.0 and time_to_target(native, 0.15) == 1.0
    assert time_to_target(RUNS[2], 0.05) == 3.0 and time_to_target(RUNS[2], 0.01) is None
    assert gap_at(RUNS[2], 0.1) == pytest.approx(0.05)  # no trace: the final gap


def test_equal_time_rows_compare_at_the_solvers_mean_time():
    rows = {r["solver_label"]: r for r in equal_time_rows(RUNS, target_gap=0.01)}
    q = rows["qaoa"]
    assert q["time_s"] == pytest.approx(2.0) and q["gap"] == pytest.approx((0.2 + 0.01) / 2)
    # native at t = 2 s: run 0 has 110 (gap 0.1), run 1 has 100 (gap 0)
    assert q["ref_gap"]["native"] == pytest.approx(0.05) and q["ref_time"]["native"] is None
    assert q["ref_gap"]["sa"] == pytest.approx(0.05) and q["ref_time"]["sa"] == pytest.approx(3.0)
    assert q["ttt_s"] == pytest.approx(2.5) and q["ttt_reached"] == (1, 2)
    assert rows["native"]["ttt_s"] == pytest.approx(3.0) and rows["native"]["ttt_reached"] == (2, 2)
    assert rows["native"]["ref_gap"]["native"] is None  # no comparison with itself
    text = format_equal_time(RUNS, target_gap=0.01)
    assert "native gap @ time" in text and "TTT(1%)" in text and "(self)" in text and "(3s)" in text


def test_report_cli_prints_and_exports_equal_time(tmp_path, capsys):
    conn = open_store(tmp_path / "s.sqlite")
    for run in RUNS:
        insert_run(conn, run)
    conn.close()
    store = str(tmp_path / "s.sqlite")
    assert main(["bench", "report", "--store", store, "--target-gap", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "Equal wall time, time to 1% gap" in out and "native gap @ time" in out
    assert main(["bench", "report", "--store", store, "--output", "json", "--equal-time"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {r["solver_label"] for r in data["equal_time"]} == {"native", "sa", "qaoa"}
