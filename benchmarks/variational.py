"""Variational solvers on small bundled instances: QAOA p = 1..3, CVaR-VQE, RQAOA (exact device).

Prints machine info, package versions and the load average next to a table of: raw approximation
ratio (best of the circuit's own samples, no repair or local search), probability mass of feasible
and of optimal states in the final distribution, <E> of the final state, circuit width and time.

    .venv/bin/python benchmarks/variational.py [--instances mknap1-1,mknap1-2,...] [--seed 0]
                                               [--maxiter 100] [--output text|json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time


def machine() -> dict:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    pk = {}
    for name in ("numpy", "scipy", "numba", "pennylane", "qiskit", "dimod"):
        try:
            pk[name] = version(name)
        except Exception:
            pk[name] = None
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "packages": pk,
            "loadavg": os.getloadavg(),
            "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                     text=True).stdout.strip()}


def ratio(problem, objective, feasible):
    if not feasible or problem.known_optimum in (None, 0):
        return None
    opt = problem.known_optimum
    return objective / opt if problem.sense == "max" else opt / objective


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default="mknap1-1,mknap1-2,mammalia-kangaroo-interactions")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--maxiter", type=int, default=100)
    ap.add_argument("--output", choices=["text", "json"], default="text")
    ap.add_argument("--devices", action="store_true",
                    help="instead: QAOA p=2 on the first instance on exact, lightning, aer and aer_noisy")
    args = ap.parse_args(argv)
    if args.devices:
        return devices_table(args)

    import qopt
    from qopt.solvers.qaoa import qaoa
    from qopt.solvers.rqaoa import rqaoa
    from qopt.solvers.vqe import vqe

    runs = [("qaoa", {"layers": p, "init": "interp" if p > 1 else "ramp"}) for p in (1, 2, 3)]
    runs += [("qaoa-cvar", {"layers": 3, "init": "interp", "cvar_alpha": 0.25}),
             ("vqe-cvar", {"layers": 2, "cvar_alpha": 0.25}), ("rqaoa", {"cutoff": 4})]
    fns = {"qaoa": qaoa, "qaoa-cvar": qaoa, "vqe-cvar": vqe, "rqaoa": rqaoa}
    info = machine()
    # warm-up: numba compilation and PennyLane-free imports are not part of the timings
    warm = qopt.load("mknap1-1")
    for label, opts in runs:
        fns[label](warm, seed=0, maxiter=3, progress=False, **opts)
    rows = []
    for name in args.instances.split(","):
        problem = qopt.load(name)
        for label, opts in runs:
            t = time.perf_counter()
            raw = fns[label](problem, seed=args.seed, maxiter=args.maxiter, repair=False, local_search=False,
                             progress=False, **opts)
            elapsed = time.perf_counter() - t
            post = fns[label](problem, seed=args.seed, maxiter=args.maxiter, progress=False, **opts)
            rows.append({
                "instance": name, "solver": label, **{k: v for k, v in opts.items() if k != "init"},
                "init": opts.get("init"), "qubits": raw.qubits,
                "ratio_raw": ratio(problem, raw.objective, raw.feasible),
                "ratio_post": ratio(problem, post.objective, post.feasible),
                "feasible_mass": raw.info.get("feasible_mass"), "optimal_mass": raw.info.get("optimal_mass"),
                "final_expectation": raw.info.get("final_expectation"), "time_s": elapsed,
                "executions": raw.info.get("circuit_executions"),
            })
            print(f"{name} {label} done in {elapsed:.2f} s", file=sys.stderr)
    info["loadavg_end"] = os.getloadavg()
    if args.output == "json":
        print(json.dumps({"machine": info, "rows": rows}, indent=1))
        return 0
    print(f"# nproc={info['nproc']} cpu={info['cpu']!r} python={info['python']} commit={info['commit']}")
    print(f"# packages: {info['packages']}")
    print(f"# loadavg start={info['loadavg']} end={info['loadavg_end']}")
    print("| instance | solver | p/L | alpha | qubits | ratio (raw) | ratio (+repair/LS) | P(feasible) | "
          "P(optimal) | time (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    f = lambda v, d=3: "n/a" if v is None else f"{v:.{d}f}"  # noqa: E731
    for r in rows:
        depth = r.get("layers", r.get("cutoff", ""))
        alpha = r.get("cvar_alpha", 1.0)
        pm = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
        print(f"| {r['instance']} | {r['solver']} | {depth} | {alpha} | {r['qubits']} | {f(r['ratio_raw'])} | "
              f"{f(r['ratio_post'])} | {pm(r['feasible_mass'])} | {pm(r['optimal_mass'])} | {r['time_s']:.2f} |")
    return 0


def devices_table(args) -> int:
    """QAOA p = 2 (ramp start, COBYLA) on one instance on every shipped device config."""
    import warnings

    import qopt
    from qopt.solvers.qaoa import qaoa

    name = args.instances.split(",")[0]
    if name == "maxcut5":  # 5 qubits: fits the 5-qubit FakeManilaV2 of aer_noisy
        import networkx as nx

        from qopt.problems import MaxCut
        from qopt.testing import brute_force

        graph = nx.Graph([(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 2), (1, 3)])
        problem = MaxCut(graph, name="maxcut5")
        problem = MaxCut(graph, name="maxcut5", known_optimum=brute_force(problem)[1])
    else:
        problem = qopt.load(name)
    info = machine()
    rows = []
    qaoa(problem, layers=1, maxiter=3, seed=0, progress=False)  # warm-up (numba)
    for device in ("exact", "lightning", "aer", "aer_noisy"):
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = qaoa(problem, device=device, layers=2, optimizer="cobyla", maxiter=args.maxiter, seed=args.seed,
                     repair=False, local_search=False, progress=False)
        rows.append({"device": device, "shots": r.info["shots"], "diff_method": r.info["diff_method"],
                     "ratio_raw": ratio(problem, r.objective, r.feasible),
                     "optimal_mass": r.info.get("optimal_mass"), "final_expectation": r.info["final_expectation"],
                     "executions": r.info["circuit_executions"], "time_s": time.perf_counter() - t})
        print(f"{device} done", file=sys.stderr)
    info["loadavg_end"] = os.getloadavg()
    if args.output == "json":
        print(json.dumps({"machine": info, "instance": name, "rows": rows}, indent=1))
        return 0
    print(f"# nproc={info['nproc']} cpu={info['cpu']!r} python={info['python']} commit={info['commit']}")
    print(f"# packages: {info['packages']}")
    print(f"# loadavg start={info['loadavg']} end={info['loadavg_end']}")
    print(f"# QAOA p=2 on {name}, COBYLA maxiter={args.maxiter}, seed={args.seed}, raw samples")
    print("| device | shots | ratio (raw) | P(optimal) | <E> final | circuit executions | time (s) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ratio_s = "n/a" if r["ratio_raw"] is None else f"{r['ratio_raw']:.3f}"
        pm = "n/a" if r["optimal_mass"] is None else f"{r['optimal_mass']:.3f}"
        print(f"| {r['device']} | {r['shots']} | {ratio_s} | {pm} | {r['final_expectation']:.4g} | "
              f"{r['executions']} | {r['time_s']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
