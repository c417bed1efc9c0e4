"""Benchmark metrics, per run and per (problem class, solver), as in the comparative study.

Definitions follow M. Sharma, H. C. Lau, *A Comparative Study of Quantum
Optimization Techniques for Solving Combinatorial Optimization Benchmark
Problems*, arXiv:2503.12121 (2025) (feasibility, optimality gap, qubit count)
and the usual sampling metrics (probability of the optimum, time-to-solution),
with ``f`` the objective in the problem's own units and sense, ``f*`` the known
optimum (or best known solution) and ``x̂`` the returned solution:

* **feasibility rate**: fraction of runs whose returned solution satisfies every
  constraint (after the solver's repair); failed runs (exceptions) count as
  infeasible and are also counted separately (``failed``).
* **optimality gap**: ``|f(x̂) − f*| / |f*|`` (a fraction; ×100 for %), absolute
  ``|f(x̂) − f*|`` when ``f* = 0`` (market split). Only feasible runs with a known
  optimum have a gap; an infeasible run's gap is ∞ and it is excluded from the mean
  and median (it counts against the feasibility rate).
* **approximation ratio** ``r``: maximisation ``f(x̂)/f*``; minimisation with
  ``f* > 0``: ``f*/f(x̂)``; minimisation with ``f* < 0`` (QUBO energies):
  ``f(x̂)/f*``. ``r = 1`` at the optimum and ``r < 1`` otherwise. Undefined (None)
  when ``f* = 0`` or unknown, or the run is infeasible.
* **probability of the optimum** ``p_opt``: among the decoded samples a run
  stored (``Result.samples``: after decoding, repair and local search, at most the
  lowest-energy distinct samples that :func:`qopt.decode.finish` post-processes),
  the occurrence-weighted fraction that are feasible with
  ``|f(x) − f*| <= 1e-6·max(1, |f*|)``. A run without samples (exact MILP) counts
  as one sample: its returned solution. Because the samples are post-processed and
  truncated to the best ones, this is an upper estimate of the raw circuit's
  ``p_opt``.
* **success**: the run's returned solution is optimal (same tolerance);
  ``success_rate`` = fraction of runs that succeed.
* **time-to-solution** ``TTS(0.99) = t_run · ln(1 − 0.99) / ln(1 − p_opt)`` with
  ``t_run`` = the mean wall time of one *full run* (the solver's ``time_s``) and
  ``p_opt`` as above (group mean). ``TTS = t_run`` when ``p_opt >= 0.99``, ∞ when
  ``p_opt = 0``. Since one run returns the best of its samples, treating each run as
  one draw with probability ``p_opt`` makes this an upper (conservative) estimate.
  ``tts99_success_s`` uses instead ``p = success_rate`` (the fraction of runs
  whose returned solution is optimal): the expected time of repeating whole runs
  until one finds the optimum with 99 % confidence. :func:`tts99` is the bare
  formula for any ``(t, p)``, e.g. per shot.
* **time**: mean of ``time_s`` (the solver's own total, seconds); **qubits**: mean
  qubits used (None for classical solvers).
* **raw metrics** (issue 14; from the run's ``Result.raw`` block, before any repair or local
  search, on the original problem): ``raw_gap`` (gap of the best raw sample, None if it is
  infeasible), ``raw_feasible_fraction`` (share of shots feasible), ``raw_p_optimum`` (share of
  shots optimal, or the exact probability), ``raw_approx_ratio`` (expectation form, infeasible
  shots count 0; :func:`qopt.decode.raw_metrics`), and ``postprocess`` (the level the run's
  returned solution used: ``none``, ``one-round``, ``full``).
* **lift over random** (:func:`lift_over_random`): for each run, the same quantity of the null
  model ``random`` on the same instance at the same number of shots and post-processing level
  (mean over its seeds) is subtracted: ``lift_ratio = raw_approx_ratio − random's``,
  ``lift_gap = random's gap − gap`` (post-processed gap; positive: better than random). None
  when the store holds no matching ``random`` runs.
"""

from __future__ import annotations

import math
import statistics
from typing import Iterable

__all__ = ["tts99", "approximation_ratio", "is_optimal", "run_metrics", "aggregate", "lift_over_random",
           "TOLERANCE"]

TOLERANCE = 1e-6


def tts99(t_run: float, p: float | None, *, target: float = 0.99) -> float | None:
    """Time-to-solution ``t_run · ln(1 − target) / ln(1 − p)``.

    Args:
        t_run: seconds per attempt (a shot or a whole run; say which).
        p: success probability per attempt, in [0, 1]; None gives None.
        target: confidence (default 0.99).

    Returns:
        seconds; ``t_run`` if ``p >= target``; ``inf`` if ``p == 0``.

    Examples:
        >>> round(tts99(1.0, 0.1), 2), round(tts99(1.0, 0.01), 2), round(tts99(1.0, 0.5), 2)
        (43.71, 458.21, 6.64)
        >>> tts99(2.0, 0.995), tts99(1.0, 0.0)
        (2.0, inf)
    """
    if p is None or t_run is None:
        return None
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be a probability in [0, 1], got {p}")
    if p >= target:
        return float(t_run)
    if p == 0.0:
        return math.inf
    return float(t_run) * math.log(1.0 - target) / math.log(1.0 - p)


def approximation_ratio(objective: float | None, optimum: float | None, sense: str) -> float | None:
    """Approximation ratio of one feasible solution (see the module docstring).

    Examples:
        >>> approximation_ratio(90.0, 100.0, "max"), approximation_ratio(125.0, 100.0, "min")
        (0.9, 0.8)
        >>> approximation_ratio(-120.0, -133.0, "min") == -120.0 / -133.0
        True
        >>> approximation_ratio(3.0, 0.0, "min") is None
        True
    """
    if objective is None or optimum is None or optimum == 0:
        return None
    if sense == "max":
        return objective / optimum
    if optimum > 0:
        return optimum / objective if objective > 0 else None
    return objective / optimum


def is_optimal(objective: float | None, optimum: float | None, sense: str) -> bool | None:
    """Whether ``objective`` reaches ``optimum`` (or beats it) within :data:`TOLERANCE`."""
    if objective is None or optimum is None:
        return None
    tol = TOLERANCE * max(1.0, abs(optimum))
    return objective >= optimum - tol if sense == "max" else objective <= optimum + tol


def run_metrics(run: dict) -> dict:
    """Per-run metrics of one stored run (a :func:`qopt.bench.store.load_runs` row).

    Returns:
        dict with ``ok`` (not failed), ``feasible``, ``gap``, ``approx_ratio``,
        ``success`` (bool or None if no known optimum), ``p_opt`` (None if no known
        optimum or failed), ``time_s``, ``qubits``.
    """
    ok = run.get("status") == "ok"
    feasible = bool(run.get("feasible")) if ok else False
    optimum, sense, objective = run.get("known_optimum"), run.get("sense"), run.get("objective")
    out = {"ok": ok, "feasible": feasible, "gap": run.get("gap") if feasible else None,
           "approx_ratio": approximation_ratio(objective, optimum, sense) if feasible else None,
           "success": None, "p_opt": None, "time_s": run.get("time_s") if ok else None,
           "qubits": run.get("qubits") if ok else None}
    out.update(_raw_metrics(run, ok, optimum))
    if optimum is None:
        return out
    out["success"] = bool(feasible and is_optimal(objective, optimum, sense))
    if not ok:
        out["success"] = False
        return out
    samples = run.get("samples")
    if samples and samples.get("objective"):
        counts = samples.get("num_occurrences") or [1] * len(samples["objective"])
        feas = samples.get("is_feasible") or [True] * len(samples["objective"])
        hit = sum(c for f, c, ok_ in zip(samples["objective"], counts, feas) if ok_ and is_optimal(f, optimum, sense))
        total = sum(counts)
        out["p_opt"] = hit / total if total else None
    else:
        out["p_opt"] = 1.0 if out["success"] else 0.0
    return out


def _raw_metrics(run: dict, ok: bool, optimum) -> dict:
    result = run.get("result") if ok else None
    raw = (result or {}).get("raw") if isinstance(result, dict) else None
    out = {"postprocess": (result or {}).get("postprocess") if isinstance(result, dict) else None,
           "raw_shots": None, "raw_gap": None, "raw_feasible_fraction": None, "raw_p_optimum": None,
           "raw_approx_ratio": None}
    if not raw:
        return out
    best = raw.get("best_objective")
    gap = None
    if raw.get("best_feasible") and optimum is not None and best is not None:
        gap = abs(best - optimum) if optimum == 0 else abs(best - optimum) / abs(optimum)
    out.update(raw_shots=raw.get("shots"), raw_gap=gap, raw_feasible_fraction=raw.get("feasible_fraction"),
               raw_p_optimum=raw.get("p_optimum"), raw_approx_ratio=raw.get("approx_ratio"))
    return out


def lift_over_random(runs: list[dict], *, null: str = "random") -> list[dict | None]:
    """Per run, its lift over the null model on the same instance, shots and post-processing level.

    Returns:
        one entry per run (same order): None for failed runs, runs of the null model itself and
        runs without a matching null run; else ``{"lift_ratio", "lift_gap"}`` (either may be None
        when a side lacks the quantity). See the module docstring.

    Examples:
        >>> def run(solver, ratio, gap):
        ...     return {"instance": "a", "solver": solver, "status": "ok", "feasible": True, "gap": gap,
        ...             "objective": 1.0, "known_optimum": 1.0, "sense": "max",
        ...             "result": {"postprocess": "none", "raw": {"shots": 8, "approx_ratio": ratio}}}
        >>> lift_over_random([run("qaoa", 0.9, 0.1), run("random", 0.5, 0.3)])[0]
        {'lift_ratio': 0.4, 'lift_gap': 0.19999999999999998}
    """
    per = [run_metrics(r) for r in runs]

    def key(run, m):
        return (run.get("instance"), m["postprocess"], m["raw_shots"])

    pool: dict = {}
    for run, m in zip(runs, per):
        if run.get("solver") == null and m["ok"]:
            pool.setdefault(key(run, m), []).append(m)
    out: list[dict | None] = []
    for run, m in zip(runs, per):
        base = pool.get(key(run, m)) if run.get("solver") != null and m["ok"] else None
        if not base:
            out.append(None)
            continue
        ratio0, gap0 = _mean(b["raw_approx_ratio"] for b in base), _mean(b["gap"] for b in base)
        out.append({
            "lift_ratio": None if m["raw_approx_ratio"] is None or ratio0 is None else m["raw_approx_ratio"] - ratio0,
            "lift_gap": None if m["gap"] is None or gap0 is None else gap0 - m["gap"],
        })
    return out


def _mean(values: Iterable) -> float | None:
    vals = [v for v in values if v is not None]
    return float(statistics.fmean(vals)) if vals else None


def _median(values: Iterable) -> float | None:
    vals = [v for v in values if v is not None]
    return float(statistics.median(vals)) if vals else None


def aggregate(runs: list[dict], by: tuple[str, ...] = ("family", "solver_label")) -> list[dict]:
    """Aggregate stored runs per group (default: problem class and solver label).

    Returns:
        one dict per group, sorted by the group key, with the ``by`` fields and
        ``runs``, ``failed``, ``feasibility_rate``, ``mean_gap``, ``median_gap``,
        ``approx_ratio`` (mean), ``success_rate``, ``p_opt`` (mean over runs with a
        known optimum), ``time_s`` (mean), ``tts99_s``, ``tts99_success_s``, ``qubits`` (mean or None),
        ``instances`` (distinct), ``abs_gap`` (True when every optimum is 0, so the
        gaps are absolute); from the raw blocks: ``postprocess`` (levels used), ``raw_mean_gap``,
        ``raw_median_gap``, ``raw_feasible_fraction``, ``raw_p_optimum``, ``raw_approx_ratio``
        (means), and ``lift_ratio`` / ``lift_gap`` (mean lift over ``random``, None without
        matching null runs). See the module docstring for each definition.

    Examples:
        >>> rows = [{"family": "mis", "solver_label": "sa", "status": "ok", "feasible": 1, "gap": 0.0,
        ...          "objective": 4.0, "known_optimum": 4.0, "sense": "max", "time_s": 1.0, "qubits": None,
        ...          "instance": "a", "samples": None}]
        >>> g = aggregate(rows)[0]
        >>> g["feasibility_rate"], g["success_rate"], g["tts99_s"]
        (1.0, 1.0, 1.0)
    """
    groups: dict[tuple, list[dict]] = {}
    lifts = {id(r): lift for r, lift in zip(runs, lift_over_random(runs))}
    for run in runs:
        groups.setdefault(tuple(run.get(k) for k in by), []).append(run)
    out = []
    for key in sorted(groups, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        members = groups[key]
        per = [run_metrics(r) for r in members]
        n = len(per)
        gaps = [m["gap"] for m in per if m["gap"] is not None]
        successes = [m["success"] for m in per if m["success"] is not None]
        success_rate = (sum(successes) / len(successes)) if successes else None
        time_s = _mean(m["time_s"] for m in per)
        p_opt = _mean(m["p_opt"] for m in per)
        optima = [r.get("known_optimum") for r in members if r.get("known_optimum") is not None]
        row = dict(zip(by, key))
        row.update(
            runs=n, failed=sum(not m["ok"] for m in per),
            instances=len({r.get("instance") for r in members}),
            feasibility_rate=sum(m["feasible"] for m in per) / n,
            mean_gap=_mean(gaps), median_gap=_median(gaps),
            approx_ratio=_mean(m["approx_ratio"] for m in per),
            success_rate=success_rate,
            p_opt=p_opt,
            time_s=time_s,
            tts99_s=tts99(time_s, p_opt) if time_s is not None else None,
            tts99_success_s=tts99(time_s, success_rate) if time_s is not None else None,
            qubits=_mean(m["qubits"] for m in per),
            abs_gap=bool(optima) and all(o == 0 for o in optima),
            postprocess="/".join(sorted({m["postprocess"] for m in per if m["postprocess"]})) or None,
            raw_mean_gap=_mean(m["raw_gap"] for m in per), raw_median_gap=_median(m["raw_gap"] for m in per),
            raw_feasible_fraction=_mean(m["raw_feasible_fraction"] for m in per),
            raw_p_optimum=_mean(m["raw_p_optimum"] for m in per),
            raw_approx_ratio=_mean(m["raw_approx_ratio"] for m in per),
            lift_ratio=_mean((lifts[id(r)] or {}).get("lift_ratio") for r in members),
            lift_gap=_mean((lifts[id(r)] or {}).get("lift_gap") for r in members),
        )
        out.append(row)
    return out
