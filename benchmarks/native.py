"""Classical references (issue 18): ``native`` against the published optima, and against
qopt's QUBO heuristics ``sa``/``tabu`` on the bundled instances.

Sections (``--section``, default all):

* ``qaplib``  QAPLIB instances with 14-20 facilities (chr, esc, had, nug, scr, tai, els),
  read from ``../shared/benchmarks/qap`` (or ``--qaplib DIR``; kept out of the code
  base's tests), ``native --time-limit T`` (default 10 s). Target: median gap 0 %, worst
  <= 2 %.
* ``mdkp``    the 100-item, 5-constraint Chu-Beasley MDKP (OR-Library mknapcb1), read
  from ``../shared/benchmarks/mdkp/chu_beasley_mknapcb1`` (optima: the ``best feasible``
  column of that folder's README, proven optimal there by an exact MILP). Target: within
  0.5 % of the optimum.
* ``bundled`` ``native`` (``--bundled-time-limit``, default 5 s) vs ``sa`` and ``tabu``
  (their defaults) on bundled QAP, MDKP and MIS instances (catalogue names): gap and time.
* ``speed``   the numba inner loops: microseconds per robust-tabu iteration, and the QAP
  local search (2-opt descent) against the full-cost-per-swap version it replaced.

Prints machine, versions and load (before and after) next to the tables; the machine
may be shared, so read the times with the load. Usage::

    .venv/bin/python benchmarks/native.py                       # everything, 1 seed
    .venv/bin/python benchmarks/native.py --section qaplib --time-limit 10 --seeds 1
    .venv/bin/python benchmarks/native.py --section bundled --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_info  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"
BUNDLED = {"qap": ["nug12", "chr12a", "had12", "tai12a", "chr15a", "esc16a"],
           "mdkp": ["pb5", "weish06", "mknap1-7", "weish30", "weing8", "mknapcb1-5.100-00"],
           "mis": ["karate", "johnson8-4-4", "c125-9", "keller4", "brock200-2"]}


def _pct(v):
    return "-" if v is None else f"{100 * v:.2f}%"


def _table(header, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    out = ["| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    return "\n".join(out)


def _solve(problem, solver, seed, **options):
    from qopt.solvers import solve

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        r = solve(problem, solver, seed=seed, **options)
        wall = time.perf_counter() - t
    return r, wall


def qaplib(args) -> dict:
    from qopt.problems import resolve

    folder = Path(args.qaplib) if args.qaplib else SHARED / "qap"
    if not folder.is_dir():
        print(f"qaplib: {folder} not found: the QAPLIB instances are read from the shared benchmark folder "
              "(../shared/benchmarks/qap next to the repository) or --qaplib DIR; section skipped")
        return {"skipped": str(folder)}
    problems = []
    for dat in sorted(folder.glob("*.dat")):
        p = resolve(str(dat))
        if 14 <= p.n <= 20 and p.known_optimum is not None:
            problems.append(p)
    rows, gaps = [], []
    for p in problems:
        for seed in range(args.seeds):
            r, wall = _solve(p, "native", seed, time_limit=args.time_limit)
            gaps.append(r.gap)
            first_opt = next((t for t, v in r.info["incumbent_trace"] if v <= p.known_optimum + 1e-9), None)
            rows.append([p.name, p.n, f"{p.known_optimum:g}", f"{r.objective:g}", _pct(r.gap),
                         "-" if first_opt is None else f"{first_opt:.2f}", f"{wall:.1f}",
                         f"{r.info['dual_bound']:g}", r.info.get("best_found_by", "-"), seed])
            print(f"  {p.name}: gap {_pct(r.gap)} in {wall:.1f} s", file=sys.stderr)
    med, worst = statistics.median(gaps), max(gaps)
    print(f"\n### QAPLIB, 14-20 facilities: `native --time-limit {args.time_limit:g}`, {args.seeds} seed(s) each\n")
    print(_table(["instance", "n", "optimum", "native", "gap", "t to optimum (s)", "wall (s)",
                  "GL bound", "found by", "seed"], rows))
    print(f"\n{len(problems)} instances, {len(gaps)} runs: median gap {_pct(med)}, worst {_pct(worst)}; "
          f"target median 0 % and worst <= 2 %: {'MET' if med == 0 and worst <= 0.02 else 'NOT MET'}")
    return {"rows": rows, "median_gap": med, "worst_gap": worst}


def _mknapcb_optima(folder: Path) -> dict:
    readme = folder.parent / "README.md"
    optima = {}
    for line in readme.read_text().splitlines():
        m = re.match(r"\|\s*chu_beasley_mknapcb1/(\S+\.txt)\s*\|[^|]*\|[^|]*\|[^|]*\|\s*(\d+)\s*\|", line)
        if m:
            optima[m.group(1)] = float(m.group(2))
    return optima


def mdkp(args) -> dict:
    from qopt.problems import resolve

    folder = Path(args.mknapcb) if args.mknapcb else SHARED / "mdkp" / "chu_beasley_mknapcb1"
    if not folder.is_dir():
        print(f"mdkp: {folder} not found (read from ../shared/benchmarks/mdkp or --mknapcb DIR); section skipped")
        return {"skipped": str(folder)}
    optima = _mknapcb_optima(folder)
    rows, gaps = [], []
    files = sorted(folder.glob("*.txt"))[: args.mdkp_count]
    for f in files:
        p = resolve(str(f))
        p.known_optimum = optima.get(f.name)
        for seed in range(args.seeds):
            r, wall = _solve(p, "native", seed, time_limit=args.time_limit)
            gaps.append(r.gap)
            rows.append([p.name, f"{p.known_optimum:g}", f"{r.objective:g}", _pct(r.gap), f"{wall:.1f}",
                         f"{r.info['dual_bound']:g}", r.info["milp_status"], f"{r.info['warm_start_objective']:g}",
                         seed])
            print(f"  {p.name}: gap {_pct(r.gap)} in {wall:.1f} s", file=sys.stderr)
    worst = max(gaps)
    print(f"\n### MDKP mknapcb1 (100 items, 5 constraints): `native --time-limit {args.time_limit:g}`\n")
    print(_table(["instance", "optimum", "native", "gap", "wall (s)", "HiGHS dual bound", "HiGHS status",
                  "warm start", "seed"], rows))
    print(f"\n{len(files)} instances, {len(gaps)} runs: worst gap {_pct(worst)}; target <= 0.5 %: "
          f"{'MET' if worst <= 0.005 else 'NOT MET'}")
    return {"rows": rows, "worst_gap": worst}


def bundled(args) -> dict:
    from qopt.problems import load

    rows = []
    for family, names in BUNDLED.items():
        for name in names:
            p = load(name)
            row = [family, name, p.num_variables, f"{p.known_optimum:g}"]
            walls = {}
            for solver, opts in (("native", {"time_limit": args.bundled_time_limit}), ("sa", {}), ("tabu", {})):
                r, wall = _solve(p, solver, 0, **opts)
                row += [_pct(r.gap) if r.feasible else "infeasible", f"{wall:.1f}"]
                walls[solver] = wall
                if solver == "native":
                    trace = r.info["incumbent_trace"]
            for other in ("sa", "tabu"):  # native's best incumbent by the other solver's wall time
                seen = [v for t, v in trace if t <= walls[other]]
                row.append(_pct(p.gap(seen[-1])) if seen else "none yet")
            rows.append(row)
            print(f"  {name}: {row[4:]}", file=sys.stderr)
    print(f"\n### Bundled instances: native (`--time-limit {args.bundled_time_limit:g}`) vs sa and tabu "
          "(defaults), seed 0; gap to the known optimum and wall time; the last two columns are native's "
          "gap at sa's and at tabu's wall time (its incumbent trace)\n")
    print(_table(["family", "instance", "binaries", "optimum", "native gap", "native s", "sa gap", "sa s",
                  "tabu gap", "tabu s", "native @ sa s", "native @ tabu s"], rows))
    return {"rows": rows}


def _old_local_search(qap, perm, max_rounds=1000):
    """qopt's QAP local search before issue 18: best-improvement 2-swap, full cost per swap."""
    A, B, n = qap.flow, qap.distance, qap.n
    cost = qap.cost_of_permutation(perm)
    iu, ju = np.triu_indices(n, k=1)
    for _ in range(max_rounds):
        best_delta, best = -1e-9, None
        for r, s in zip(iu, ju):
            p = perm.copy()
            p[r], p[s] = p[s], p[r]
            delta = np.sum(A * B[np.ix_(p, p)]) - cost
            if delta < best_delta:
                best_delta, best = delta, p
        if best is None:
            break
        perm, cost = best, cost + best_delta
    return perm, cost


def speed(args) -> dict:
    """Inner-loop speed: robust tabu iterations and the 2-opt local search (numba kernels)."""
    from qopt.problems import load
    from qopt.problems._qap_search import delta_matrix, perm_cost, robust_tabu

    rows = []
    for name in ("nug12", "nug16a", "nug20"):
        qap = load(name)
        A, B, n = np.ascontiguousarray(qap.flow), np.ascontiguousarray(qap.distance), qap.n
        rng = np.random.default_rng(0)
        p = rng.permutation(n).astype(np.int64)
        D = delta_matrix(A, B, p)
        tabu = -(np.arange(n * n, dtype=np.int64).reshape(n, n) + 1)
        iters = 200_000
        t = time.perf_counter()
        robust_tabu(A, B, p, D, tabu, perm_cost(A, B, p), 0, iters, p.copy(), perm_cost(A, B, p), 1,
                    int(0.9 * n), int(np.ceil(1.1 * n)), 5 * n * n)
        us_iter = 1e6 * (time.perf_counter() - t) / iters
        starts = [rng.permutation(n) for _ in range(5)]
        t = time.perf_counter()
        new = [qap.cost_of_permutation(qap.solution_to_permutation(qap.local_search(qap.permutation_to_solution(s))))
               for s in starts]
        t_new = (time.perf_counter() - t) / len(starts)
        t = time.perf_counter()
        old = [_old_local_search(qap, s.copy())[1] for s in starts]
        t_old = (time.perf_counter() - t) / len(starts)
        same = all(abs(a - b) < 1e-9 for a, b in zip(new, old))
        rows.append([name, n, f"{us_iter:.2f}", f"{1e3 * t_new:.2f}", f"{1e3 * t_old:.1f}",
                     f"{t_old / t_new:.0f}x", "yes" if same else "no"])
    print("\n### Inner loop: robust tabu (200,000 iterations from a random start) and QAP local search "
          "(2-opt descent from 5 random permutations)\n")
    print(_table(["instance", "n", "tabu us/iteration", "local search ms (numba deltas)",
                  "local search ms (before: full cost per swap)", "speed-up", "same local optimum"], rows))
    return {"rows": rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--section", choices=["all", "qaplib", "mdkp", "bundled", "speed"], default="all")
    ap.add_argument("--time-limit", type=float, default=10.0, help="native budget (s) for qaplib and mdkp")
    ap.add_argument("--bundled-time-limit", type=float, default=5.0, help="native budget (s) for bundled")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--mdkp-count", type=int, default=10, help="mknapcb1 instances (first N files)")
    ap.add_argument("--qaplib", default=None, help="QAPLIB folder (default ../shared/benchmarks/qap)")
    ap.add_argument("--mknapcb", default=None, help="mknapcb1 folder (default ../shared/benchmarks/mdkp/...)")
    ap.add_argument("--json", default=None, help="also write the results as JSON here")
    args = ap.parse_args(argv)
    info = machine_info(("qopt", "numpy", "scipy", "numba", "dimod", "dwave-samplers"))
    print(f"machine: {info['cpu']}, {info['nproc']} cores, {info['mem_gib']} GiB, Python {info['python']}, "
          f"{info['platform']}\nversions: {info['versions']}\nload average before: {info['loadavg']}")
    print(f"command: {' '.join([os.path.relpath(sys.executable, ROOT), 'benchmarks/native.py'] + sys.argv[1:])}")
    out = {"machine": info}
    from qopt.problems import QuadraticAssignment

    t = time.perf_counter()  # numba import + kernel load, once per process: not part of any row
    _solve(QuadraticAssignment([[0, 1], [1, 0]], [[0, 2], [2, 0]]), "native", 0, time_limit=1, max_iterations=1)
    print(f"warm-up (numba import and QAP kernel load, once per process, not in the tables): "
          f"{time.perf_counter() - t:.2f} s")
    for name, fn in (("speed", speed), ("qaplib", qaplib), ("mdkp", mdkp), ("bundled", bundled)):
        if args.section in ("all", name):
            out[name] = fn(args)
    out["loadavg_after"] = os.getloadavg()
    print(f"\nload average after: {out['loadavg_after']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
