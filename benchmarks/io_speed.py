"""Reading speed and import time: the foundation's performance figures.

Measures, in fresh subprocesses (so nothing is cached):
* ``import qopt`` (target < 0.5 s);
* reading Gset G1 (800 vertices, 19176 edges) and building its BQM (target < 1 s),
  both through the catalogue and from the file path;
* reading + BQM for a few other bundled instances (QAP n=12, MDKP, a 250-variable QUBO).

Run: ``.venv/bin/python benchmarks/io_speed.py [--repeat 5]``. Prints the median of the
repeats with the machine, versions and load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from _machine import machine_info

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import qopt
t_import = time.perf_counter() - t0
out = {"import_qopt": t_import}
if len(sys.argv) > 1:
    name = sys.argv[1]
    t0 = time.perf_counter()
    import numpy, scipy.sparse, networkx, dimod  # the libraries the readers and builders use
    out["import_libs"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    problem = qopt.load(name)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    bqm, _ = problem.to_bqm()
    t_bqm = time.perf_counter() - t0
    out.update(read=t_read, bqm=t_bqm, n=problem.num_variables, bqm_variables=bqm.num_variables,
               interactions=bqm.num_interactions)
print(json.dumps(out))
"""

INSTANCES = ["g1", "nug12", "mknap1-7", "bqp250-1", "karate"]


def header() -> list[str]:
    info = machine_info(("qopt", "numpy", "scipy", "dimod", "networkx"))
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    return [f"# machine: {info['cpu']}, nproc={info['nproc']}, {info['mem_gib']} GiB, {info['platform']}, "
            f"Python {info['python']}", f"# versions: {versions}", f"# load average: {info['loadavg']}"]


def run(name: str | None) -> dict:
    args = [sys.executable, "-c", CHILD] + ([name] if name else [])
    return json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print("\n".join(header()))
    imports = [run(None)["import_qopt"] for _ in range(args.repeat)]
    print(f"\nimport qopt: median {statistics.median(imports):.3f} s (target < 0.5 s) over {args.repeat} runs\n")
    print(f"{'instance':<10}{'vars':>6}{'BQM vars':>10}{'couplers':>10}{'read s':>9}{'BQM s':>8}{'read+BQM s':>12}"
          f"{'cold total s':>14}")
    for name in INSTANCES:
        rows = [run(name) for _ in range(args.repeat)]
        read = statistics.median(r["read"] for r in rows)
        bqm = statistics.median(r["bqm"] for r in rows)
        total = statistics.median(r["read"] + r["bqm"] for r in rows)
        cold = statistics.median(r["import_qopt"] + r["import_libs"] + r["read"] + r["bqm"] for r in rows)
        r = rows[0]
        print(f"{name:<10}{r['n']:>6}{r['bqm_variables']:>10}{r['interactions']:>10}{read:>9.3f}{bqm:>8.3f}{total:>12.3f}"
              f"{cold:>14.3f}")
    libs = statistics.median(run("g1")["import_libs"] for _ in range(args.repeat))
    print(f"\n(G1 target: read + BQM < 1 s. 'cold total' adds a fresh process's imports of qopt, numpy, scipy.sparse,"
          f" networkx and dimod: median {libs:.3f} s.)")
    print(f"# load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
