"""Equal-time comparison: each solver's gap next to the classical references at the same
wall time, and time-to-target.

For every (instance, solver label) of a store, with ``t`` the solver's mean ``time_s``:

* **gap**: mean optimality gap of the solver's feasible runs (as in
  :mod:`qopt.bench.metrics`);
* **<ref> gap @ t** for each reference label (default ``native`` and ``sa``): the
  reference's gap at wall time ``t``, averaged over its runs on the same instance. A run
  that left an incumbent trace (``Result.info["incumbent_trace"]``, ``[[seconds,
  objective], ...]``, written by ``native``) contributes the gap of its best incumbent
  found by ``t`` (no incumbent yet: the run counts as not there, shown as ``-`` when no
  run has one); a run without a trace contributes its final gap, and the cell shows the
  reference's own mean time in brackets when that differs from ``t`` by more than 10 %
  (then it is not an equal-time figure);
* **TTT(g)**: time-to-target, the median over runs of the first time the run's gap was
  ``<= g`` (from the trace if there is one, else the run's ``time_s`` if its final gap
  is ``<= g``), with the fraction of runs that reached it (``0.42s (3/4)``; ``- (0/4)``
  when none did).

The references are labels, so a sweep chooses them: ``{name: native, method: sa,
label: sa}`` gives a time-limited SA with a trace. See :mod:`qopt.bench.config` for the
sweep-level ``time_limit`` that gives every solver the same budget.
"""

from __future__ import annotations

import statistics

__all__ = ["gap_at", "time_to_target", "equal_time_rows", "format_equal_time"]


def _gap(value: float, optimum: float) -> float:
    diff = abs(value - optimum)
    return diff if optimum == 0 else diff / abs(optimum)


def _trace(run: dict) -> list | None:
    info = (run.get("result") or {}).get("info") or {}
    trace = info.get("incumbent_trace")
    return trace if isinstance(trace, list) and trace else None


def gap_at(run: dict, t: float) -> float | None:
    """Gap of ``run``'s best incumbent by wall time ``t`` (s); its final gap without a trace.

    Examples:
        >>> run = {"status": "ok", "feasible": True, "gap": 0.0, "known_optimum": 10.0,
        ...        "result": {"info": {"incumbent_trace": [[0.1, 12.0], [2.0, 10.0]]}}}
        >>> gap_at(run, 1.0), gap_at(run, 5.0), gap_at(run, 0.01)
        (0.2, 0.0, None)
    """
    if run.get("status") != "ok" or not run.get("feasible") or run.get("known_optimum") is None:
        return None
    trace = _trace(run)
    if trace is None:
        return run.get("gap")
    seen = [v for s, v in trace if s <= t]
    return _gap(seen[-1], run["known_optimum"]) if seen else None


def time_to_target(run: dict, target: float) -> float | None:
    """First wall time (s) at which ``run``'s gap was ``<= target``; None if never.

    Examples:
        >>> run = {"status": "ok", "feasible": True, "gap": 0.0, "known_optimum": 10.0, "time_s": 3.0,
        ...        "result": {"info": {"incumbent_trace": [[0.1, 12.0], [2.0, 10.0]]}}}
        >>> time_to_target(run, 0.01), time_to_target(run, 0.25)
        (2.0, 0.1)
    """
    if run.get("status") != "ok" or not run.get("feasible") or run.get("known_optimum") is None:
        return None
    trace = _trace(run)
    if trace is not None:
        return next((float(s) for s, v in trace if _gap(v, run["known_optimum"]) <= target + 1e-12), None)
    gap = run.get("gap")
    return run.get("time_s") if gap is not None and gap <= target + 1e-12 else None


def _mean(values):
    vals = [v for v in values if v is not None]
    return statistics.fmean(vals) if vals else None


def equal_time_rows(runs: list[dict], *, target_gap: float | None = None,
                    references: tuple[str, ...] = ("native", "sa")) -> list[dict]:
    """One dict per (instance, solver label): ``family``, ``instance``, ``solver_label``,
    ``runs``, ``time_s``, ``gap``, ``ref_gap`` ({label: gap at time_s}), ``ref_time``
    ({label: the reference's own mean time_s}) and, with ``target_gap``, ``ttt_s`` (median)
    and ``ttt_reached`` (``(reached, runs)``). Sorted by family, instance, then solver."""
    groups: dict[tuple, list[dict]] = {}
    for run in runs:
        groups.setdefault((run.get("family"), run.get("instance"), run.get("solver_label")), []).append(run)
    out = []
    for (family, instance, label) in sorted(groups, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        members = groups[(family, instance, label)]
        ok = [r for r in members if r.get("status") == "ok"]
        t = _mean(r.get("time_s") for r in ok)
        feasible = [r.get("gap") for r in ok if r.get("feasible") and r.get("gap") is not None]
        row = {"family": family, "instance": instance, "solver_label": label, "runs": len(members),
               "time_s": t, "gap": _mean(feasible), "ref_gap": {}, "ref_time": {}}
        for ref in references:
            ref_runs = [r for r in groups.get((family, instance, ref), []) if r.get("status") == "ok"]
            if not ref_runs or t is None or ref == label:
                row["ref_gap"][ref], row["ref_time"][ref] = None, None
                continue
            row["ref_gap"][ref] = _mean(gap_at(r, t) for r in ref_runs)
            traced = all(_trace(r) for r in ref_runs)
            row["ref_time"][ref] = None if traced else _mean(r.get("time_s") for r in ref_runs)
        if target_gap is not None:
            times = [time_to_target(r, target_gap) for r in members]
            reached = [x for x in times if x is not None]
            row["ttt_s"] = statistics.median(reached) if reached else None
            row["ttt_reached"] = (len(reached), len(members))
        out.append(row)
    return out


def format_equal_time(runs: list[dict], *, target_gap: float | None = None,
                      references: tuple[str, ...] = ("native", "sa")) -> str:
    """The equal-time table as aligned text (one line per instance and solver)."""
    rows = equal_time_rows(runs, target_gap=target_gap, references=references)

    def pct(v):
        return "-" if v is None else f"{100 * v:.2f}%"

    header = ["class", "instance", "solver", "runs", "time", "gap"] + [f"{r} gap @ time" for r in references]
    if target_gap is not None:
        header.append(f"TTT({100 * target_gap:g}%)")
    lines = []
    for row in rows:
        cells = [str(row["family"] or "?"), str(row["instance"]), str(row["solver_label"]), str(row["runs"]),
                 "-" if row["time_s"] is None else f"{row['time_s']:.3g}s", pct(row["gap"])]
        for ref in references:
            cell = "(self)" if ref == row["solver_label"] else pct(row["ref_gap"][ref])
            own = row["ref_time"][ref]
            if own is not None and row["time_s"] and abs(own - row["time_s"]) > 0.1 * row["time_s"]:
                cell += f" ({own:.3g}s)"
            cells.append(cell)
        if target_gap is not None:
            got, total = row["ttt_reached"]
            cells.append(("-" if row["ttt_s"] is None else f"{row['ttt_s']:.3g}s") + f" ({got}/{total})")
        lines.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in lines)) if lines else len(h) for i, h in enumerate(header)]
    text = ["  ".join(h.ljust(w) for h, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
    text += ["  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
             for cells in lines]
    note = ("reference gaps at each row's wall time (from the incumbent trace); a time in brackets is the "
            "reference's own time where it has no trace")
    return "\n".join(text) + "\n" + note + "\n"
