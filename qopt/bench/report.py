"""Reports from a results store: the comparative table, JSON, CSV and plots.

``qopt bench report --store F`` prints :func:`format_table` of
:func:`qopt.bench.metrics.aggregate`; ``--output json`` prints
:func:`runs_json` (``{"runs": [...], "summary": [...]}``); ``--output csv``
writes one line per run (:data:`RUN_FIELDS`); ``--plot DIR`` writes the PNGs of
:func:`plot_all`.
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

from qopt.bench.metrics import aggregate, lift_over_random, run_metrics

__all__ = ["RUN_FIELDS", "run_records", "runs_json", "runs_csv", "format_table", "plot_all", "convergence_trace"]

RUN_FIELDS = ("instance", "family", "solver", "solver_label", "seed", "status", "objective", "feasible", "gap",
              "known_optimum", "approx_ratio", "p_opt", "time_s", "wall_s", "qubits", "n_variables", "sense",
              "options", "error", "run_key", "sweep", "finished_at", "postprocess", "raw_gap",
              "raw_feasible_fraction", "raw_p_optimum", "raw_approx_ratio", "raw_shots", "lift_ratio", "lift_gap")
"""Per-run CSV columns; the ``raw`` block itself travels in :func:`run_records` (JSON)."""

# keys under Result.info that solvers use for optimisation traces (first match wins)
TRACE_KEYS = ("energy_trace", "trace", "energies", "history", "convergence", "cost_history", "objective_trace",
              "loss_history")


def run_records(runs: list[dict]) -> list[dict]:
    """One flat dict per stored run with :data:`RUN_FIELDS` (metrics filled in)."""
    out = []
    for run, lift in zip(runs, lift_over_random(runs)):
        m = run_metrics(run)
        rec = {k: run.get(k) for k in RUN_FIELDS}
        rec["approx_ratio"], rec["p_opt"] = m["approx_ratio"], m["p_opt"]
        rec["feasible"] = None if run.get("status") != "ok" else bool(run.get("feasible"))
        for k in ("postprocess", "raw_gap", "raw_feasible_fraction", "raw_p_optimum", "raw_approx_ratio", "raw_shots"):
            rec[k] = m[k]
        rec["lift_ratio"], rec["lift_gap"] = (lift or {}).get("lift_ratio"), (lift or {}).get("lift_gap")
        result = run.get("result")
        rec["raw"] = result.get("raw") if isinstance(result, dict) else None
        out.append(rec)
    return out


def runs_json(runs: list[dict]) -> dict:
    """``{"runs": [...], "summary": [...]}``: every run (see :func:`run_records`) and the per-class aggregates."""
    return {"runs": run_records(runs), "summary": aggregate(runs)}


def runs_csv(runs: list[dict]) -> str:
    """CSV text, header :data:`RUN_FIELDS`, one line per run (options as JSON)."""
    import json

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=RUN_FIELDS, lineterminator="\n")
    writer.writeheader()
    for rec in run_records(runs):
        rec = dict(rec)
        rec["options"] = json.dumps(rec["options"], sort_keys=True) if rec["options"] is not None else ""
        writer.writerow({k: "" if v is None else v for k, v in rec.items() if k in RUN_FIELDS})
    return buf.getvalue()


def _fmt(value, kind: str = "g", abs_gap: bool = False) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if kind == "pct":
        return f"{value:.3g} abs" if abs_gap else f"{100 * value:.2f}%"
    if kind == "s":
        return f"{value:.3g}s"
    if kind == "ratio":
        return f"{value:.3f}"
    if kind == "signed":
        return f"{value:+.3f}"
    if kind == "pts":
        return f"{100 * value:+.2f}"
    if kind == "int":
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


TABLE_COLUMNS = (("family", "class", "g"), ("solver_label", "solver", "g"), ("runs", "runs", "g"),
                 ("failed", "failed", "g"), ("feasibility_rate", "feasible", "pct0"),
                 ("mean_gap", "mean gap", "pct"), ("median_gap", "median gap", "pct"),
                 ("approx_ratio", "approx. ratio", "ratio"), ("p_opt", "p_opt", "ratio"),
                 ("time_s", "time", "s"), ("tts99_s", "TTS99", "s"), ("qubits", "qubits", "int"))


RAW_COLUMNS = (("postprocess", "post", "g"), ("raw_median_gap", "raw gap", "pct"),
               ("raw_feasible_fraction", "raw feas.", "ratio"), ("raw_p_optimum", "raw p_opt", "ratio"),
               ("raw_approx_ratio", "raw ratio", "ratio"), ("lift_ratio", "lift ratio", "signed"),
               ("lift_gap", "lift gap pts", "pts"))
"""Columns added when the runs carry raw blocks: the level, raw gap (median, of the best raw sample)
beside the post-processed gap, raw feasible fraction / p_opt / approximation ratio (means) and
the lift over ``random`` (raw ratio difference; post-processed gap difference in % points)."""


def table_rows(summary: list[dict]) -> tuple[list[str], list[list[str]]]:
    """Header and formatted cells of the comparative table (with :data:`RAW_COLUMNS` when any group
    has raw blocks)."""
    columns = TABLE_COLUMNS
    if any(g.get("postprocess") or g.get("raw_feasible_fraction") is not None for g in summary):
        columns = TABLE_COLUMNS[:7] + RAW_COLUMNS + TABLE_COLUMNS[7:]
    header = [title for _, title, _ in columns]
    rows = []
    for g in summary:
        cells = []
        for key, _, kind in columns:
            v = g.get(key)
            if kind == "pct0":
                cells.append(f"{100 * v:.0f}%")
            else:
                cells.append(_fmt(v, kind, abs_gap=g.get("abs_gap", False)))
        rows.append(cells)
    return header, rows


def format_table(runs: list[dict], *, rich: bool | None = None) -> str:
    """The per-class, per-solver comparative table as text (rich box table if available)."""
    summary = aggregate(runs)
    header, rows = table_rows(summary)
    if rich is not False:
        try:
            from rich.console import Console
            from rich.table import Table
        except ImportError:
            rich = False
    if rich is False:
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
                  for r in rows]
        return "\n".join(lines) + "\n"
    table = Table(title=f"{len(runs)} runs", show_lines=False)
    for i, h in enumerate(header):
        table.add_column(h, justify="left" if i < 2 else "right", no_wrap=True)
    for r in rows:
        table.add_row(*r)
    buf = io.StringIO()
    width = sum(max([len(h)] + [len(r[i]) for r in rows]) + 3 for i, h in enumerate(header)) + 4
    Console(file=buf, width=max(80, width), force_terminal=False,
            color_system=None).print(table)
    return buf.getvalue()


def convergence_trace(run: dict) -> list[float] | None:
    """The optimisation trace a solver left in ``Result.info`` (first of :data:`TRACE_KEYS`), or None."""
    info = (run.get("result") or {}).get("info") or {}
    for key in TRACE_KEYS:
        trace = info.get(key)
        if isinstance(trace, list) and len(trace) > 1 and all(isinstance(v, (int, float)) and v is not None
                                                               for v in trace):
            return [float(v) for v in trace]
    return None


def plot_all(runs: list[dict], directory: str | os.PathLike) -> list[Path]:
    """Write the report's plots as PNG files into ``directory`` (created if missing).

    * ``gap_vs_qubits.png``: optimality gap (%) of each feasible run against qubits used
      (classical solvers at the problem's variable count), one colour per solver;
    * ``feasibility.png``: feasibility rate per solver and problem class (bars);
    * ``convergence.png``: optimisation traces found in ``Result.info`` (one line per run);
    * ``time_vs_size.png``: solver time against the number of problem variables (log y).

    Returns:
        the paths written.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    recs = run_records(runs)
    solvers = sorted({r["solver_label"] for r in recs if r["solver_label"]})
    colours = {s: plt.cm.tab10(i % 10) for i, s in enumerate(solvers)}
    written = []

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for s in solvers:
        pts = [(r["qubits"] if r["qubits"] is not None else r["n_variables"], 100 * r["gap"])
               for r in recs if r["solver_label"] == s and r["gap"] is not None and r["feasible"]]
        if pts:
            ax.scatter(*zip(*pts), label=s, color=colours[s], alpha=0.75)
    ax.set_xlabel("qubits (classical: problem variables)")
    ax.set_ylabel("optimality gap (%)")
    ax.set_title("Gap vs qubits")
    if ax.has_data():
        ax.legend(fontsize="small")
    written.append(_save(fig, out_dir / "gap_vs_qubits.png"))

    summary = aggregate(runs)
    families = sorted({g["family"] or "?" for g in summary})
    fig, ax = plt.subplots(figsize=(max(6.4, 1.2 * len(families) * max(1, len(solvers)) / 2), 4.2))
    width = 0.8 / max(1, len(solvers))
    for j, s in enumerate(solvers):
        vals = []
        for f in families:
            g = next((g for g in summary if (g["family"] or "?") == f and g["solver_label"] == s), None)
            vals.append(100 * g["feasibility_rate"] if g else 0.0)
        ax.bar([i + j * width for i in range(len(families))], vals, width=width, label=s, color=colours[s])
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(families))], families)
    ax.set_ylabel("feasible runs (%)")
    ax.set_ylim(0, 105)
    ax.set_title("Feasibility per solver")
    if solvers:
        ax.legend(fontsize="small")
    written.append(_save(fig, out_dir / "feasibility.png"))

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    n_traces = 0
    for run in runs:
        trace = convergence_trace(run)
        if trace:
            ax.plot(range(len(trace)), trace, color=colours.get(run["solver_label"], "grey"), alpha=0.6,
                    label=run["solver_label"] if run["solver_label"] not in ax.get_legend_handles_labels()[1] else None)
            n_traces += 1
    ax.set_xlabel("iteration")
    ax.set_ylabel("energy / cost")
    ax.set_title("Convergence traces" if n_traces else "Convergence traces (no run recorded a trace)")
    if n_traces:
        ax.legend(fontsize="small")
    written.append(_save(fig, out_dir / "convergence.png"))

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for s in solvers:
        pts = [(r["n_variables"], r["time_s"]) for r in recs
               if r["solver_label"] == s and r["time_s"] and r["n_variables"] is not None]
        if pts:
            ax.scatter(*zip(*pts), label=s, color=colours[s], alpha=0.75)
    ax.set_yscale("log")
    ax.set_xlabel("problem variables")
    ax.set_ylabel("time (s)")
    ax.set_title("Time vs size")
    if ax.has_data():
        ax.legend(fontsize="small")
    written.append(_save(fig, out_dir / "time_vs_size.png"))
    return written


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
