"""Graph-shrinking benchmark (issue 6): feasibility after repair and gap to the known optimum.

Instances (bundled catalogue): MDKP with 20-50 items, MIS graphs with 28-35 vertices, QAP
n = 12 (144 binaries). Each is solved by

* ``sa``               no shrinking, simulated annealing on the full penalised BQM;
* ``static+sa``        static shrinking (correlations estimated once) to the budget, then SA;
* ``adaptive+sa``      adaptive shrinking (correlations re-estimated) to the budget, then SA;
* ``adaptive+qaoa``    adaptive shrinking, then QAOA (p = 2, exact device) when the ``qaoa``
                       solver is registered (``qopt list --solvers``); otherwise reported as n/a;
* ``adaptive+random``  the null model at QAOA's settings (issue 14): adaptive shrinking with the
                       same unbalanced slack, then 1024 uniform random bitstrings over the shrunk
                       bits, expanded, repaired and local-searched exactly like QAOA's shots.

Budget: ``--max-qubits`` (default 20) qubits of the shrunk problem's BQM, slack bits
included (``qopt.qubo.count_qubits``). Prints machine info, versions and load next to the
table. Usage::

    .venv/bin/python benchmarks/shrinking.py --seeds 3
    .venv/bin/python benchmarks/shrinking.py --quick          # 1 seed, fewer instances
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings

MDKP = ["pb5", "pb1", "hp1", "mknap1-5", "weing2", "weish01", "pb7", "weish06", "weish10", "mknap1-7"]
MIS = ["johnson8-2-4", "karate", "football"]
QAP = ["nug12", "chr12a", "had12"]
QUICK = {"mdkp": ["pb5", "mknap1-5", "weish06"], "mis": ["karate", "football"], "qap": ["nug12"]}


def machine_info() -> dict:
    """CPU, cores, load and package versions."""
    from importlib import metadata

    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = {}
    for name in ("qopt", "numpy", "scipy", "dimod", "dwave-samplers", "pennylane", "numba"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "versions": versions,
            "loadavg": [round(v, 2) for v in os.getloadavg()]}


def run_one(problem, method: str, seed: int, budget: int, layers: int) -> dict:
    from qopt.shrink import shrink_and_solve
    from qopt.solvers import SOLVERS, solve

    t0 = time.perf_counter()
    if method == "sa":
        r = solve(problem, "sa", seed=seed)
    elif method in ("static+sa", "adaptive+sa"):
        r = shrink_and_solve(problem, solver="sa", mode=method.split("+")[0], max_qubits=budget, seed=seed)
    elif method == "adaptive+qaoa":
        if "qaoa" not in SOLVERS:
            return {"status": "n/a"}
        r = shrink_and_solve(problem, solver="qaoa", mode="adaptive", max_qubits=budget, seed=seed,
                             device="exact", layers=layers)
    elif method == "adaptive+random":
        r = shrink_and_solve(problem, solver="random", mode="adaptive", max_qubits=budget, seed=seed,
                             like="qaoa", slack="unbalanced", shots=1024)
    else:
        raise ValueError(f"unknown method {method!r}")
    wall = time.perf_counter() - t0
    info = r.info
    # feasible_raw: the returned solution before the original-space repair (after the solver's own
    # decode, which already repairs in the shrunk space); sample_rate: the solver's raw samples
    if method == "sa":
        sample_rate = info.get("feasible_before_repair")
        feasible_raw = sample_rate > 0 if sample_rate is not None else None
    else:
        feasible_raw = info.get("feasible_before_repair")
        sample_rate = info.get("solver_info", info).get("feasible_before_repair")
    valid_perm = None
    if problem.family == "qap":
        valid_perm = problem.solution_to_permutation(r.solution) is not None
    return {"status": "ok", "feasible": bool(r.feasible), "feasible_raw": feasible_raw, "gap": r.gap,
            "sample_rate": sample_rate,
            "qubits": r.qubits if r.qubits is not None else info.get("bqm_variables"), "time_s": wall,
            "merges": info.get("num_merges"), "rounds": info.get("correlation_rounds"), "valid_perm": valid_perm,
            "objective": r.objective}


def summarise(rows: list[dict]) -> dict:
    ok = [r for r in rows if r["status"] == "ok"]
    if not ok:
        return {"runs": 0}
    gaps = [r["gap"] for r in ok if r["feasible"] and r["gap"] is not None]
    raw = [r["feasible_raw"] for r in ok if r["feasible_raw"] is not None]
    return {
        "runs": len(ok),
        "feasible_after_repair": sum(r["feasible"] for r in ok) / len(ok),
        "feasible_before_repair": (sum(bool(v) for v in raw) / len(raw)) if raw else None,
        "raw_sample_rate": statistics.mean(float(r["sample_rate"]) for r in ok)
        if all(r.get("sample_rate") is not None for r in ok) else None,
        "median_gap": statistics.median(gaps) if gaps else None,
        "max_gap": max(gaps) if gaps else None,
        "mean_qubits": statistics.mean(r["qubits"] for r in ok if r["qubits"] is not None),
        "max_qubits": max(r["qubits"] for r in ok if r["qubits"] is not None),
        "median_time_s": statistics.median(r["time_s"] for r in ok),
        "valid_perm": (sum(bool(r["valid_perm"]) for r in ok) / len(ok)) if ok[0]["valid_perm"] is not None else None,
    }


def _fmt(v, pct=False, digits=2):
    if v is None:
        return "n/a"
    if pct:
        return f"{100 * v:.1f}%"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per instance and method")
    parser.add_argument("--max-qubits", type=int, default=20)
    parser.add_argument("--layers", type=int, default=2, help="QAOA layers p")
    parser.add_argument("--methods", default="sa,static+sa,adaptive+sa,adaptive+qaoa")
    parser.add_argument("--quick", action="store_true", help="1 seed and 6 instances")
    parser.add_argument("--families", default="mdkp,mis,qap", help="subset of mdkp,mis,qap")
    parser.add_argument("--json", default=None, help="also write per-run rows to this file")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    import qopt

    seeds = range(1 if args.quick else args.seeds)
    families = QUICK if args.quick else {"mdkp": MDKP, "mis": MIS, "qap": QAP}
    families = {f: v for f, v in families.items() if f in args.families.split(",")}
    methods = args.methods.split(",")
    info = machine_info()
    print(f"# machine: {info['nproc']} cores, {info['cpu']}, python {info['python']}", file=sys.stderr)
    print(f"# versions: {info['versions']}", file=sys.stderr)
    print(f"# load before: {info['loadavg']}", file=sys.stderr)
    rows = []
    t_start = time.perf_counter()
    for family, names in families.items():
        for name in names:
            problem = qopt.load(name)
            for method in methods:
                for seed in seeds:
                    row = run_one(problem, method, seed, args.max_qubits, args.layers)
                    row.update(family=family, instance=name, method=method, seed=seed)
                    rows.append(row)
                    if row["status"] == "ok":
                        print(f"{family:5s} {name:13s} {method:14s} seed={seed} feasible={row['feasible']} "
                              f"raw={row['feasible_raw']} gap={_fmt(row['gap'], pct=True)} qubits={row['qubits']} "
                              f"t={row['time_s']:.2f}s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - t_start
    load_after = [round(v, 2) for v in os.getloadavg()]

    print(f"machine: {info['nproc']} cores ({info['cpu']}); load average before {info['loadavg']}, "
          f"after {load_after}; wall {elapsed:.0f} s")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    print(f"budget: <= {args.max_qubits} qubits of the shrunk BQM in the solver's encoding (sa: binary slack bits "
          f"included; qaoa: its default unbalanced penalisation, no slack qubits); seeds: {len(seeds)}; "
          f"QAOA layers p = {args.layers} on the exact device")
    print()
    header = ("| family | method | runs | feasible after repair | feasible before repair | raw samples feasible "
              "| median gap | max gap | qubits mean (max) | median time s |")
    print(header)
    print("|" + "---|" * 10)
    for family, names in families.items():
        for method in methods:
            sel = [r for r in rows if r["family"] == family and r["method"] == method]
            s = summarise(sel)
            if not s["runs"]:
                print(f"| {family} | {method} | 0 | n/a (solver not registered) | | | | | | |")
                continue
            extra = f" (valid permutation {_fmt(s['valid_perm'], pct=True)})" if s["valid_perm"] is not None else ""
            print(f"| {family} | {method} | {s['runs']} | {_fmt(s['feasible_after_repair'], pct=True)}{extra} | "
                  f"{_fmt(s['feasible_before_repair'], pct=True)} | {_fmt(s['raw_sample_rate'], pct=True)} | "
                  f"{_fmt(s['median_gap'], pct=True)} | "
                  f"{_fmt(s['max_gap'], pct=True)} | {s['mean_qubits']:.1f} ({s['max_qubits']}) | "
                  f"{s['median_time_s']:.2f} |")
    print()
    print("| instance | " + " | ".join(f"{m} gap" for m in methods) + " |")
    print("|---|" + "---|" * len(methods))
    for family, names in families.items():
        for name in names:
            cells = []
            for method in methods:
                s = summarise([r for r in rows if r["instance"] == name and r["method"] == method])
                cells.append("n/a" if not s["runs"] else
                             f"{_fmt(s['median_gap'], pct=True)} ({_fmt(s['feasible_after_repair'], pct=True)} feas)")
            print(f"| {name} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": info, "load_after": load_after, "rows": rows}, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
