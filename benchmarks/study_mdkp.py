"""The comparative study's MDKP set under its own protocol (issue 14), with the null model beside it.

Sharma & Lau (arXiv:2503.12121) scored their quantum methods after ONE round of local flip/swap
moves (``algorithms.md`` 1.6); their MDKP gaps are in ``algorithms.md`` 1.7. This script runs qopt
on the same five instances (HP1, PB1, PB4, PB5 and mknap1 problem 3 = the study's ``pet3``, from
``../shared/benchmarks/mdkp``) with ``postprocess="one-round"``:

* ``qaoa``          QAOA p = 2, adaptive shrinking to 20 qubits (unbalanced slack: item bits only),
                    exact simulator, final readout of 1024 shots;
* ``random(qaoa)``  the null model at the same settings: 1024 uniform bitstrings over the same
                    20 (shrunk) bits, expanded and post-processed the same way;
* ``pce``           PCE (k = 2, the smallest qubit count that fits, binary slack), its decoded
                    sign sample (no PCE-internal flip rounds), one round of moves;
* ``random(pce)``   the null model over PCE's decoded space with as many samples as PCE returned.

For each it prints the raw gap (best raw sample, before any move; ``inf`` when infeasible) and
the one-round gap, next to the study's PCE / VQE / CVaR-VQE gaps and their per-instance best,
whose median over the five instances is 14.04 %. Infeasible counts as ``inf`` in medians, as in
the study's table. Machine, versions and load are printed with the table. Usage::

    .venv/bin/python benchmarks/study_mdkp.py                 # 3 seeds
    .venv/bin/python benchmarks/study_mdkp.py --seeds 1 --json out.json
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_info  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "mdkp"
INSTANCES = {  # study name -> file
    "hp1": "orlib_mknap2/HP1.txt", "pb1": "orlib_mknap2/PB1.txt", "pb4": "orlib_mknap2/PB4.txt",
    "pb5": "orlib_mknap2/PB5.txt", "pet3": "orlib_mknap1/mknap1_3.txt",
}
# algorithms.md 1.7 (authors' repo, simulator): gap % of PCE, VQE, CVaR-VQE; None = infeasible
STUDY = {"hp1": (20.88, 39.76, 20.59), "pb1": (14.04, 19.94, 23.43), "pb4": (32.91, None, 39.38),
         "pb5": (11.87, 4.25, 33.34), "pet3": (15.56, 4.98, 34.74)}
METHODS = ("qaoa", "random(qaoa)", "pce", "random(pce)")


def _gap(value, optimum):
    return abs(value - optimum) / abs(optimum)


def run_one(problem, method: str, seed: int, *, shots: int, layers: int, max_qubits: int, pce_samples: int):
    from qopt.shrink import shrink_and_solve
    from qopt.solvers import get_solver, solve

    t0 = time.perf_counter()
    if method == "qaoa":
        opts = {"layers": layers, "shots": shots, "slack": "unbalanced"}
        if "postprocess" in inspect.signature(get_solver("qaoa")).parameters:
            r = shrink_and_solve(problem, solver="qaoa", mode="adaptive", max_qubits=max_qubits, seed=seed,
                                 postprocess="one-round", **opts)
        else:  # before the pipeline landed: the legacy switches mean "none" inside, one round outside
            r = _shrink_legacy(problem, max_qubits, seed, {**opts, "repair": False, "local_search": False})
    elif method == "random(qaoa)":
        r = shrink_and_solve(problem, solver="random", mode="adaptive", max_qubits=max_qubits, seed=seed,
                             shots=shots, like="qaoa", slack="unbalanced", postprocess="one-round")
    elif method == "pce":
        r = solve(problem, "pce", seed=seed, local_search_rounds=0, postprocess="one-round")
    else:
        r = solve(problem, "random", like="pce", shots=pce_samples, seed=seed, postprocess="one-round")
    wall = time.perf_counter() - t0
    opt = problem.known_optimum
    raw = r.raw or {}
    raw_gap = _gap(raw["best_objective"], opt) if raw.get("best_feasible") else math.inf
    return {"method": method, "seed": seed, "feasible": bool(r.feasible),
            "gap": _gap(r.objective, opt) if r.feasible else math.inf, "raw_gap": raw_gap,
            "raw_shots": raw.get("shots"), "raw_feasible_fraction": raw.get("feasible_fraction"),
            "raw_approx_ratio": raw.get("approx_ratio"), "postprocess": r.postprocess,
            "solution_from": r.solution_from, "qubits": r.qubits, "wall_s": round(wall, 2)}


def _shrink_legacy(problem, max_qubits, seed, opts):
    """qaoa without a ``postprocess`` option: raw samples inside, one round on the original outside."""
    from qopt.shrink.driver import shrink
    from qopt.shrink.expand import expand_result
    from qopt.solvers import solve
    import numpy as np

    rng = np.random.default_rng(seed)
    shrink_seed, solve_seed = (int(g.integers(2**31 - 1)) for g in rng.spawn(2))
    shrunk, merges = shrink(problem, max_qubits, mode="adaptive", seed=shrink_seed, slack="unbalanced")
    inner = solve(shrunk if merges else problem, "qaoa", seed=solve_seed, **opts)
    return expand_result(problem, shrunk, inner, solver="qaoa", seed=seed, postprocess="one-round")


def _fmt(g):
    return "infeas." if g is None or math.isinf(g) else f"{100 * g:.2f}"


def run_study(names=tuple(INSTANCES), methods=METHODS, seeds=3, *, shots=1024, layers=2, max_qubits=20,
              log=None) -> list[dict]:
    """Run every (instance, seed, method); one dict per run (see :func:`run_one`)."""
    from qopt.problems.catalogue import resolve

    runs = []
    for name in names:
        problem = resolve(str(SHARED / INSTANCES[name]))
        for seed in range(seeds):
            pce_samples = 1
            for method in methods:
                row = run_one(problem, method, seed, shots=shots, layers=layers, max_qubits=max_qubits,
                              pce_samples=pce_samples)
                if method == "pce":
                    pce_samples = row["raw_shots"] or 1
                row["instance"] = name
                runs.append(row)
                if log is not None:
                    print(f"# {name} seed {seed} {method}: raw {_fmt(row['raw_gap'])} one-round {_fmt(row['gap'])} "
                          f"({row['wall_s']} s)", file=log, flush=True)
    return runs


def table(runs: list[dict], methods=METHODS) -> str:
    """Markdown table: raw and one-round gap (%) per method, median over seeds, next to the study's."""
    names = [n for n in INSTANCES if any(r["instance"] == n for r in runs)]
    methods = [m for m in methods if any(r["method"] == m for r in runs)]
    head = ["instance"] + [f"{m} {k}" for m in methods for k in ("raw", "1-round")] + \
        ["study PCE", "study VQE", "study CVaR", "study best"]
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    per: dict = {m: {"raw": [], "one": []} for m in methods}
    best_study = []
    for name in names:
        cells = [name]
        for m in methods:
            rows = [r for r in runs if r["instance"] == name and r["method"] == m]
            raw = statistics.median(r["raw_gap"] for r in rows)
            one = statistics.median(r["gap"] for r in rows)
            per[m]["raw"].append(raw)
            per[m]["one"].append(one)
            cells += [_fmt(raw), _fmt(one)]
        study = [None if v is None else v / 100 for v in STUDY[name]]
        best = min(v for v in study if v is not None)
        best_study.append(best)
        cells += [_fmt(v) for v in study] + [_fmt(best)]
        lines.append(" | ".join(cells))
    cells = [f"median ({len(names)})"]
    for m in methods:
        cells += [_fmt(statistics.median(per[m]["raw"])), _fmt(statistics.median(per[m]["one"]))]
    cells += [_fmt(statistics.median(math.inf if s[i] is None else s[i] / 100 for s in (STUDY[n] for n in names)))
              for i in range(3)] + [_fmt(statistics.median(best_study))]
    lines.append(" | ".join(cells))
    lines.append("")
    for m in methods:
        feas = sum(all(r["feasible"] for r in runs if r["instance"] == n and r["method"] == m) for n in names)
        lines.append(f"{m}: feasible (every seed) on {feas}/{len(names)}; median one-round gap "
                     f"{_fmt(statistics.median(per[m]['one']))} % vs the study's per-instance best "
                     f"{_fmt(statistics.median(best_study))} %")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--shots", type=int, default=1024)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--max-qubits", type=int, default=20)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--instances", default=",".join(INSTANCES))
    ap.add_argument("--json", help="write all runs here")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    names = [n.strip() for n in args.instances.split(",") if n.strip()]
    t0 = time.perf_counter()
    runs = run_study(names, methods, args.seeds, shots=args.shots, layers=args.layers, max_qubits=args.max_qubits,
                     log=sys.stderr)
    info = machine_info(("qopt", "numpy", "scipy", "dimod", "dwave-samplers", "pennylane", "torch"))
    print(f"machine: {info['cpu']}, {info['nproc']} cores, load {tuple(round(v, 2) for v in info['loadavg'])}, "
          f"Python {info['python']}; {info['versions']}; wall {time.perf_counter() - t0:.0f} s")
    print(f"protocol: postprocess=one-round, {args.seeds} seeds, shots {args.shots}, qaoa p={args.layers} "
          f"adaptive shrink to {args.max_qubits} qubits; gaps in %, median over seeds (infeasible = inf)\n")
    print(table(runs, methods))
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "args": vars(args), "runs": runs}, indent=1,
                                              default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
