"""Report outputs: JSON and CSV parse and carry the contract fields; plots are written."""

from __future__ import annotations

import csv
import io
import json

import pytest

from qopt.bench.report import convergence_trace, format_table, plot_all, runs_csv, runs_json
from qopt.bench.store import load_runs

from ._store_fixture import SA, make_store

CONTRACT = ("instance", "solver", "seed", "objective", "feasible", "gap", "time_s", "qubits")


@pytest.fixture
def runs(tmp_path):
    return load_runs(make_store(tmp_path / "s.sqlite"))


def test_json_has_every_run_and_contract_fields(runs):
    data = json.loads(json.dumps(runs_json(runs)))
    assert len(data["runs"]) == 6
    for rec in data["runs"]:
        assert all(k in rec for k in CONTRACT)
    first = data["runs"][0]
    assert (first["instance"], first["solver"], first["seed"], first["objective"], first["feasible"]) == \
        ("toy", "sa", 0, 100.0, True)
    assert first["p_opt"] == 0.75
    sa = next(g for g in data["summary"] if g["solver_label"] == "sa")
    assert sa["p_opt"] == pytest.approx(SA["p_opt"])


def test_csv_parses(runs):
    rows = list(csv.DictReader(io.StringIO(runs_csv(runs))))
    assert len(rows) == 6 and all(k in rows[0] for k in CONTRACT)
    assert rows[1]["gap"] == "0.1" and rows[3]["status"] == "failed" and rows[3]["objective"] == ""


@pytest.mark.parametrize("rich", [True, False], ids=["rich", "plain"])
def test_table_lists_each_class_and_solver(runs, rich):
    text = format_table(runs, rich=rich)
    assert "mdkp" in text and "mis" in text and "60%" in text  # sa feasibility 3/5
    assert f"{100 * SA['mean_gap']:.2f}%" in text and "10.00%" in text  # mean and median gap


def test_plots_are_written(runs, tmp_path):
    paths = plot_all(runs, tmp_path / "plots")
    assert sorted(p.name for p in paths) == ["convergence.png", "feasibility.png", "gap_vs_qubits.png",
                                             "time_vs_size.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 1000


def test_convergence_trace_found(runs):
    assert convergence_trace(runs[5]) == [3.0, 2.0, 1.0]
    assert convergence_trace(runs[0]) is None


RAW_SWEEP = """
name: rawlift
instances: [mknap1-3]
solvers:
  - {name: sa, num_reads: 64, num_sweeps: 200, postprocess: none, label: sa-none}
  - {name: random, shots: 64, postprocess: none}
seeds: [0, 1]
"""


def test_rows_carry_raw_block_and_lift_over_random(tmp_path):
    """issue 14: rows carry the raw block; the table shows raw and post-processed gap and the lift."""
    from qopt.bench.config import load_config
    from qopt.bench.metrics import aggregate
    from qopt.bench.report import format_table, run_records
    from qopt.bench.runner import run_sweep
    from qopt.bench.store import load_runs

    cfg = tmp_path / "raw.yaml"
    cfg.write_text(RAW_SWEEP)
    store = str(tmp_path / "raw.sqlite")
    run_sweep(load_config(cfg), store, workers=1, progress=False)
    runs = load_runs(store)
    recs = run_records(runs)
    assert all(r["raw"]["shots"] == 64 and r["postprocess"] == "none" for r in recs)
    sa = [r for r in recs if r["solver"] == "sa"]
    rnd = [r for r in recs if r["solver"] == "random"]
    base = sum(r["raw_approx_ratio"] for r in rnd) / len(rnd)
    assert all(r["lift_ratio"] == pytest.approx(r["raw_approx_ratio"] - base) for r in sa)
    assert all(r["lift_ratio"] is None for r in rnd)
    groups = {g["solver_label"]: g for g in aggregate(runs)}
    assert groups["sa-none"]["lift_ratio"] == pytest.approx(sum(r["lift_ratio"] for r in sa) / len(sa))
    text = format_table(runs, rich=False)
    for title in ("raw gap", "raw feas.", "raw p_opt", "raw ratio", "lift ratio", "median gap"):
        assert title in text
