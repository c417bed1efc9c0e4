"""Export a results store as submissions to the Quantum Optimization Benchmarking Library (QOBLIB).

Format checked against the QOBLIB repository, ``ZIB-AOPT/QOBLIB`` on GitHub at
commit de698d45d874ad72fe23c739b964f9d103e27669: ``CONTRIBUTING.md``,
``misc/submission_template.csv`` and the validator ``misc/check_submission.py``,
plus the existing submissions (e.g.
``07-independentset/submissions/20250715_Gurobi_Schicker/``). Cite T. Koch,
D. E. Bernal Neira et al., *Quantum Optimization Benchmark Library -- The
Intractable Decathlon*, arXiv:2504.03832 (2025).

Layout written under ``DIR`` (mirrors the repository, so it can be copied onto a
clone and opened as a pull request)::

    DIR/<class>/submissions/<YYYYMMDD>_<Method>_<Submitter>/   one per solver label
        <instance>/
            <instance>_summary.csv                 the template's 27 columns, one data row
            <instance>_solution.sol                one run, or
            solutions/<instance>_solution_<N>.sol  N = 0, 1, ... one per successful run
            README.md                              the CSV transposed, as the validator generates it
    DIR/submission_metadata.csv                    all summary rows (the metadata table),
                                                   with the submission folder prepended

``<class>`` is QOBLIB's problem-class directory (``01-marketsplit``,
``02-labs``, ``07-independentset``); families QOBLIB does not have (MDKP, QAP,
MaxCut, QUBO) go to ``other-<family>``. The summary CSV is UTF-8 *without* a byte
order mark: ``misc/submission_template.csv`` starts with one, but the validator
reads with ``encoding="utf-8"`` and compares the header exactly, so a BOM would
fail it. Numbers are plain (runtimes in seconds, means over runs, as
``CONTRIBUTING.md`` asks); unknown values are ``N/A``.

Solution files use the formats of each class's ``solutions/`` folder and checker:
market split one line of space-separated 0/1; LABS ``# Energy: E`` then one bit
per line; everything else the Gurobi ``.sol`` form (``# Solution for model obj``,
``# Objective value = V``, ``x#1 0`` ... 1-based), which the stable-set checker
accepts as its "named variable format".

``# Successful Runs`` follows ``CONTRIBUTING.md``: feasible runs with objective
within ``ε`` of the best *found by the algorithm* (``f <= f_min + ε|f_min|``
minimising, ``f >= f_max − ε|f_max|`` maximising; this equals QOBLIB's
``(1 ± ε) f`` for positive values), ``ε`` = ``success_threshold``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import os
import platform
import re
import statistics
from pathlib import Path

__all__ = ["QOBLIB_COLUMNS", "QOBLIB_CLASSES", "export_qoblib", "solution_text"]

QOBLIB_COLUMNS = (
    "Problem", "Submitter", "Date", "Reference", "Best Objective Value", "Optimality Bound", "Modeling Approach",
    "# Decision Variables", "# Binary Variables", "# Integer Variables", "# Continuous Variables",
    "# Non-Zero Coefficients", "Coefficients Type", "Coefficients Range", "Workflow", "Algorithm Type",
    "# Runs", "# Feasible Runs", "# Successful Runs", "Success Threshold", "Hardware Specifications",
    "Total Runtime", "CPU Runtime", "GPU Runtime", "QPU Runtime", "Other HW Runtime", "Remarks",
)

QOBLIB_CLASSES = {"market_split": "01-marketsplit", "labs": "02-labs", "mis": "07-independentset"}

_DETERMINISTIC = {"exact"}


def _num(value) -> str:
    if value is None:
        return "N/A"
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"


def solution_text(family: str, x, objective: float) -> str:
    """A solution file's text in the QOBLIB format of ``family`` (see the module docstring).

    Examples:
        >>> print(solution_text("market_split", [1, 0, 1], 0.0), end="")
        1 0 1
        >>> print(solution_text("mis", [0, 1], 1.0), end="")
        # Solution for model obj
        # Objective value = 1
        x#1 0
        x#2 1
    """
    bits = [int(v) for v in x]
    if family == "market_split":
        return " ".join(map(str, bits)) + "\n"
    if family == "labs":
        return f"# Energy: {_num(objective)}\n" + "".join(f"{b}\n" for b in bits)
    lines = ["# Solution for model obj", f"# Objective value = {_num(objective)}"]
    lines += [f"x#{i + 1} {b}" for i, b in enumerate(bits)]
    return "\n".join(lines) + "\n"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-") or "x"


def _hardware() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    mem = ""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages * size / 2**30:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}"


def _model_stats(run: dict, cache: dict) -> dict:
    """Variables and coefficients of the model the solver worked on (QUBO, or the MILP for exact)."""
    from qopt.bench.config import InstanceSpec

    options = run.get("options") or {}
    qubo_opts = {k: options[k] for k in ("penalty", "slack") if k in options}
    key = (run.get("instance_key"), run["solver"] == "exact", json.dumps(qubo_opts, sort_keys=True))
    if key in cache:
        return cache[key]
    spec = ((run.get("result") or {}).get("bench") or {}).get("instance")
    stats = {"vars": run.get("n_variables"), "binary": run.get("n_variables"), "integer": 0, "continuous": 0,
             "nnz": None, "type": "N/A", "range": "N/A"}
    try:
        problem = InstanceSpec(**spec).load() if spec else None
    except Exception:  # noqa: BLE001 - the instance may have moved; leave N/A
        problem = None
    if problem is not None:
        coeffs = []
        if run["solver"] == "exact":
            cqm = problem.cqm()
            coeffs += [v for v in cqm.objective.linear.values() if v] + [v for v in cqm.objective.quadratic.values() if v]
            for c in cqm.constraints.values():
                coeffs += [v for v in c.lhs.linear.values() if v] + [v for v in c.lhs.quadratic.values() if v]
            stats["vars"] = stats["binary"] = len(cqm.variables)
        else:
            try:
                bqm, _ = problem.encode(**qubo_opts)
            except Exception:  # noqa: BLE001
                bqm = None
            if bqm is not None:
                coeffs += [v for v in bqm.linear.values() if v] + [v for v in bqm.quadratic.values() if v]
                stats["vars"] = stats["binary"] = bqm.num_variables
        if coeffs:
            stats["nnz"] = len(coeffs)
            stats["type"] = "Integer" if all(float(v).is_integer() for v in coeffs) else "Continuous"
            stats["range"] = f"[{_num(min(coeffs))}, {_num(max(coeffs))}]"
    cache[key] = stats
    return stats


def _workflow(run: dict) -> tuple[str, str]:
    options = dict(run.get("options") or {})
    shrink = options.pop("shrink", None)
    max_q = options.pop("max_qubits", None)
    opts = ", ".join(f"{k}={v}" for k, v in sorted(options.items())) or "defaults"
    if run["solver"] == "exact":
        return ("Binary (quadratic) program; quadratic terms McCormick-linearised",
                f"qopt exact: HiGHS MILP on the constrained model ({opts}).")
    model = "QUBO (qopt penalties and slack bits)"
    steps = ["Build the constrained model and its QUBO with qopt.qubo.to_bqm"]
    if shrink:
        steps.append(f"graph shrinking ({shrink}, max_qubits={max_q})")
        model += f", graph-shrunk to at most {max_q} qubits" if max_q else ", graph-shrunk"
    steps.append(f"solve with qopt solver '{run['solver']}' ({opts})")
    steps.append("decode, repair infeasible samples, one round of local search; keep the best feasible sample")
    return model, "; ".join(steps) + "."


def export_qoblib(runs: list[dict], directory: str | os.PathLike, *, submitter: str = "qopt",
                  reference: str | None = None, success_threshold: float = 0.0,
                  date: _dt.date | None = None) -> list[Path]:
    """Write the stored runs as QOBLIB submissions under ``directory``.

    One submission folder per (problem class, solver label), one instance folder
    per instance with its summary CSV and one solution file per successful run
    (feasible, or the best infeasible one if none is feasible: QOBLIB asks for the
    best solution found); failed runs count in ``# Runs`` only.

    Args:
        runs: rows from :func:`qopt.bench.store.load_runs`.
        directory: output root (created).
        submitter: ``Submitter`` column and the folder name's last part.
        reference: ``Reference`` column (default: qopt version and the run options).
        success_threshold: ε of ``# Successful Runs``.
        date: submission date (default: today, UTC).

    Returns:
        paths of the files written (summary CSVs, solutions, READMEs, the metadata table).

    Raises:
        ValueError: no successful run to export, or a negative threshold.
    """
    from qopt import __version__

    if success_threshold < 0:
        raise ValueError(f"success_threshold must be >= 0, got {success_threshold}")
    ok_runs = [r for r in runs if r.get("status") == "ok" and r.get("result")]
    if not ok_runs:
        raise ValueError("the store has no successful runs to export")
    date = date or _dt.datetime.now(_dt.timezone.utc).date()
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    hardware = _hardware()
    groups: dict[tuple, list[dict]] = {}
    for r in runs:
        if r.get("family") is None:
            continue
        groups.setdefault((r["family"], r.get("solver_label") or r["solver"], r["instance"]), []).append(r)
    written, meta_rows, cache = [], [], {}
    for (family, label, instance), members in sorted(groups.items()):
        good = [r for r in members if r.get("status") == "ok" and r.get("result")]
        if not good:
            continue
        sense = good[0]["sense"]
        sign = 1.0 if sense == "max" else -1.0
        feasible = [r for r in good if r.get("feasible")]
        if feasible:
            best = max(feasible, key=lambda r: sign * r["objective"])
            f_best = best["objective"]
            tol = success_threshold * abs(f_best)
            successful = [r for r in feasible
                          if (r["objective"] >= f_best - tol if sense == "max" else r["objective"] <= f_best + tol)]
            to_write = sorted(feasible, key=lambda r: -sign * r["objective"])
        else:
            best, successful, to_write = None, [], [good[0]]
        method = _slug(label)
        folder = root / QOBLIB_CLASSES.get(family, f"other-{family}") / "submissions" / \
            f"{date:%Y%m%d}_{method}_{_slug(submitter)}" / _slug(instance)
        folder.mkdir(parents=True, exist_ok=True)
        name = folder.name
        if len(to_write) == 1:
            path = folder / f"{name}_solution.sol"
            path.write_text(solution_text(family, to_write[0]["result"]["solution"], to_write[0]["objective"]))
            written.append(path)
        else:
            (folder / "solutions").mkdir(exist_ok=True)
            for k, r in enumerate(to_write):
                path = folder / "solutions" / f"{name}_solution_{k}.sol"
                path.write_text(solution_text(family, r["result"]["solution"], r["objective"]))
                written.append(path)
        first = dict(good[0])
        model, workflow = _workflow(first)
        stats = _model_stats(first, cache)
        bound = None
        for r in good:
            info = r["result"].get("info") or {}
            if info.get("proven_optimal"):
                bound = r["objective"]
            elif info.get("dual_bound") is not None and bound is None:
                bound = info["dual_bound"]
        times = [r["time_s"] for r in good if r.get("time_s") is not None]
        mean_t = statistics.fmean(times) if times else None
        seeds = sorted({r["seed"] for r in members if r.get("seed") is not None})
        device = (first.get("options") or {}).get("device")
        row = {
            "Problem": name, "Submitter": submitter, "Date": f"{date:%Y-%m-%d}",
            "Reference": reference or f"qopt {__version__} benchmark harness (qopt bench); solver '{first['solver']}'",
            "Best Objective Value": _num(best["objective"]) if best else "N/A",
            "Optimality Bound": _num(bound), "Modeling Approach": model,
            "# Decision Variables": _num(stats["vars"]), "# Binary Variables": _num(stats["binary"]),
            "# Integer Variables": "0", "# Continuous Variables": "0",
            "# Non-Zero Coefficients": _num(stats["nnz"]), "Coefficients Type": stats["type"],
            "Coefficients Range": stats["range"], "Workflow": workflow,
            "Algorithm Type": "Deterministic" if first["solver"] in _DETERMINISTIC else "Stochastic",
            "# Runs": str(len(members)), "# Feasible Runs": str(len(feasible)),
            "# Successful Runs": str(len(successful)), "Success Threshold": _num(success_threshold),
            "Hardware Specifications": hardware + (f"; quantum device config '{device}' (simulated unless an IBM "
                                                   "backend)" if device else ""),
            "Total Runtime": _num(mean_t), "CPU Runtime": _num(mean_t), "GPU Runtime": "N/A",
            "QPU Runtime": "N/A", "Other HW Runtime": "N/A",
            "Remarks": (f"Runtimes are mean seconds per run over {len(times)} run(s) (solver time, excluding "
                        f"instance reading); seeds {seeds}; "
                        f"{len(members) - len(good)} run(s) failed. Exported by qopt bench export."),
        }
        csv_path = folder / f"{name}_summary.csv"
        with open(csv_path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=QOBLIB_COLUMNS)
            writer.writeheader()
            writer.writerow(row)
        written.append(csv_path)
        written.append(_readme(folder, name, row))
        meta_rows.append({"Submission": str(folder.parent.relative_to(root)), **row})
    meta = root / "submission_metadata.csv"
    with open(meta, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=("Submission",) + QOBLIB_COLUMNS)
        writer.writeheader()
        writer.writerows(meta_rows)
    written.append(meta)
    return written


def _readme(folder: Path, name: str, row: dict) -> Path:
    lines = [f"# Submission for {name}", "", f"This directory contains the submission for the problem **{name}**.",
             "", "| Field | Value 1 |", "| --- | --- |"]
    for col in QOBLIB_COLUMNS:
        lines.append(f"| {col} | {str(row[col]).replace('|', '&#124;').replace(chr(10), '<br>')} |")
    path = folder / "README.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
