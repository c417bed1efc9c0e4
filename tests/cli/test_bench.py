"""``qopt bench report`` / ``export`` / ``run --dry-run`` through the CLI entry point."""

from __future__ import annotations

import csv
import io
import json

from qopt.bench.store import insert_run, open_store
from qopt.cli import main


def _store(tmp_path):
    conn = open_store(tmp_path / "s.sqlite")
    insert_run(conn, {
        "run_key": "k1", "sweep": "t", "instance": "mknap1-1", "instance_key": "catalogue:mknap1-1",
        "family": "mdkp", "sense": "max", "n_variables": 6, "solver": "sa", "solver_label": "sa", "options": {},
        "seed": 0, "status": "ok", "objective": 3800.0, "feasible": True, "gap": 0.0, "known_optimum": 3800.0,
        "time_s": 0.5, "wall_s": 0.6, "qubits": None,
        "result": {"solution": [0, 1, 0, 1, 1, 1], "info": {},
                   "bench": {"instance": {"spec": "mknap1-1", "format": None, "index": None, "name": None,
                                          "key": "catalogue:mknap1-1"}}},
        "samples": {"objective": [3800.0, 3700.0], "num_occurrences": [1, 1], "is_feasible": [True, True]},
    })
    conn.close()
    return str(tmp_path / "s.sqlite")


def test_report_json(tmp_path, capsys):
    store = _store(tmp_path)
    assert main(["bench", "report", "--store", store, "--output", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    run = data["runs"][0]
    assert {k: run[k] for k in ("instance", "solver", "seed", "objective", "feasible", "gap", "time_s", "qubits")} \
        == {"instance": "mknap1-1", "solver": "sa", "seed": 0, "objective": 3800.0, "feasible": True, "gap": 0.0,
            "time_s": 0.5, "qubits": None}
    assert data["summary"][0]["p_opt"] == 0.5


def test_report_csv_and_table_and_plots(tmp_path, capsys):
    store = _store(tmp_path)
    assert main(["bench", "report", "--store", store, "--output", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["instance"] == "mknap1-1" and rows[0]["feasible"] == "True"
    assert main(["bench", "report", "--store", store, "--plot", str(tmp_path / "p")]) == 0
    out = capsys.readouterr()
    assert "mdkp" in out.out and "100%" in out.out and "wrote" in out.err
    assert len(list((tmp_path / "p").glob("*.png"))) == 4


def test_export_cli(tmp_path, capsys):
    store = _store(tmp_path)
    assert main(["bench", "export", "--store", store, "--qoblib", str(tmp_path / "q")]) == 0
    assert "1 (instance, solver) submissions" in capsys.readouterr().out
    assert len(list((tmp_path / "q").glob("other-mdkp/submissions/*_sa_qopt/mknap1-1/*_summary.csv"))) == 1


def test_report_missing_store_is_one_line_error(tmp_path, capsys):
    assert main(["bench", "report", "--store", str(tmp_path / "none.sqlite")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such results store" in err[0]


def test_dry_run_lists_runs(tmp_path, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("instances: [mknap1-1]\nsolvers: [exact, sa]\nseeds: [0, 1]\n")
    assert main(["bench", "run", str(cfg), "--store", str(tmp_path / "d.sqlite"), "--dry-run",
                 "--output", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 4 and len(data["to_run"]) == 4
