"""QOBLIB export: folder layout, summary CSV header and values, solution files that read back."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from qopt.bench.config import load_config
from qopt.bench.export import QOBLIB_COLUMNS, export_qoblib
from qopt.bench.runner import run_sweep
from qopt.bench.store import load_runs
from qopt.problems.readers import read_solution

# QOBLIB misc/submission_template.csv (ZIB-AOPT/QOBLIB de698d4), BOM stripped
TEMPLATE = ("Problem,Submitter,Date,Reference,Best Objective Value,Optimality Bound,Modeling Approach,"
            "# Decision Variables,# Binary Variables,# Integer Variables,# Continuous Variables,"
            "# Non-Zero Coefficients,Coefficients Type,Coefficients Range,Workflow,Algorithm Type,# Runs,"
            "# Feasible Runs,# Successful Runs,Success Threshold,Hardware Specifications,Total Runtime,"
            "CPU Runtime,GPU Runtime,QPU Runtime,Other HW Runtime,Remarks")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export")
    (tmp / "s.yaml").write_text("""
name: exp
instances: [ms_03_050_002, mammalia-kangaroo-interactions]
solvers:
  - exact
  - {name: sa, num_reads: 10, num_sweeps: 100}
seeds: [0, 1]
""")
    store = str(tmp / "s.sqlite")
    run_sweep(load_config(tmp / "s.yaml"), store, progress=False)
    out = tmp / "qoblib"
    paths = export_qoblib(load_runs(store), out, submitter="Test Person", date=dt.date(2026, 11, 26))
    return out, paths, load_runs(store)


def test_columns_match_qoblib_template():
    assert ",".join(QOBLIB_COLUMNS) == TEMPLATE


def test_layout(exported):
    out, paths, _ = exported
    ms = out / "01-marketsplit" / "submissions" / "20261126_exact_Test-Person" / "ms_03_050_002"
    mis = out / "07-independentset" / "submissions" / "20261126_sa_Test-Person" / "mammalia-kangaroo-interactions"
    assert (ms / "ms_03_050_002_summary.csv").is_file() and (ms / "README.md").is_file()
    # two runs -> solutions/ numbered from 0, consecutive
    sols = sorted(p.name for p in (mis / "solutions").iterdir())
    assert sols == ["mammalia-kangaroo-interactions_solution_0.sol", "mammalia-kangaroo-interactions_solution_1.sol"]
    assert (out / "submission_metadata.csv").is_file()
    assert sum(p.name.endswith("_summary.csv") for p in paths) == 4


def test_summary_csv(exported):
    out, _, runs = exported
    path = out / "07-independentset" / "submissions" / "20261126_exact_Test-Person" / \
        "mammalia-kangaroo-interactions" / "mammalia-kangaroo-interactions_summary.csv"
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # QOBLIB's checker reads utf-8 and compares the header exactly
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == 1 and list(rows[0]) == list(QOBLIB_COLUMNS)
    row = rows[0]
    assert row["Problem"] == "mammalia-kangaroo-interactions" and row["Submitter"] == "Test Person"
    assert row["Best Objective Value"] == "4" and row["Optimality Bound"] == "4"  # MIS optimum 4, proven
    assert (row["# Runs"], row["# Feasible Runs"], row["# Successful Runs"]) == ("2", "2", "2")
    assert row["Algorithm Type"] == "Deterministic" and row["# Decision Variables"] == "17"
    times = [r["time_s"] for r in runs if r["solver"] == "exact" and r["family"] == "mis"]
    assert float(row["Total Runtime"]) == pytest.approx(sum(times) / len(times), rel=1e-5)
    meta = list(csv.DictReader((out / "submission_metadata.csv").open(encoding="utf-8")))
    assert len(meta) == 4 and meta[0]["Submission"].count("/") == 2


def test_solutions_read_back(exported):
    out, _, runs = exported
    ms = out / "01-marketsplit" / "submissions" / "20261126_exact_Test-Person" / "ms_03_050_002"
    sol = read_solution(next((ms / "solutions").iterdir()), num_variables=20)
    stored = next(r for r in runs if r["solver"] == "exact" and r["family"] == "market_split")
    assert sol["kind"] == "binary" and list(sol["x"]) == stored["result"]["solution"]
    mis = out / "07-independentset" / "submissions" / "20261126_exact_Test-Person" / \
        "mammalia-kangaroo-interactions" / "solutions" / "mammalia-kangaroo-interactions_solution_0.sol"
    lines = mis.read_text().splitlines()
    assert lines[:2] == ["# Solution for model obj", "# Objective value = 4"]
    assert len(lines) == 2 + 17 and sum(int(ln.split()[1]) for ln in lines[2:]) == 4


def test_nothing_to_export():
    with pytest.raises(ValueError, match="no successful runs"):
        export_qoblib([], "/tmp/never-written-qopt")
