"""Checkpointed vs rewinding adjoint gradient of qopt's exact simulator, same process.

QAOA MaxCut on random_regular_graph(3, n, seed=0), angles from default_rng(1234 + p)
(as benchmarks/qaoa_speed.py). For each (n, p) it interleaves 7 rounds of: one
forward <C> (qaoa_value), the gradient with the checkpointed adjoint (stored states,
only lam rewound; the default within checkpoint_budget()), and the gradient with
the rewinding adjoint (qopt.devices.exact.qaoa.CHECKPOINT_BYTES = 0), and prints
medians and the gradient/forward ratios (wall time and process CPU time).

    .venv/bin/python benchmarks/qaoa_adjoint.py [--n 20,22,24] [--p 4]
    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/qaoa_adjoint.py   # single thread
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import dimod
import networkx as nx
import numba
import numpy as np

from qopt.devices import exact as ex
from qopt.devices.exact import qaoa as qaoa_mod


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", default="20,22,24")
    ap.add_argument("--p", default="4")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    print(f"machine: nproc {os.cpu_count()}, cpu {_cpu_model()}, numba threads "
          f"{numba.get_num_threads()}, python {platform.python_version()}, numpy {np.__version__}, "
          f"numba {numba.__version__}, load {os.getloadavg()}", file=sys.stderr)
    print(f"checkpoint budget {qaoa_mod.checkpoint_budget() / 2**30:.2f} GiB")
    for n in [int(x) for x in args.n.split(",")]:
        g = nx.random_regular_graph(3, n, seed=0)
        bqm = dimod.BinaryQuadraticModel("BINARY")
        for i, j in g.edges():
            bqm.add_linear(i, 1)
            bqm.add_linear(j, 1)
            bqm.add_quadratic(i, j, -2)
        e = ex.energies(bqm, range(n))
        for p in [int(x) for x in args.p.split(",")]:
            rng = np.random.default_rng(1234 + p)
            gm, bt = rng.uniform(0, 1, p), rng.uniform(0, 1, p)

            def run(kind: str) -> None:
                if kind == "fwd":
                    ex.qaoa_value(e, gm, bt)
                else:
                    qaoa_mod.CHECKPOINT_BYTES = None if kind == "ckpt" else 0
                    ex.qaoa_value_and_grad(e, gm, bt)

            kinds = ("fwd", "ckpt", "rewind")
            wall = {k: [] for k in kinds}
            cpu = {k: [] for k in kinds}
            for k in kinds:  # warm-up (compilation, buffers)
                run(k)
            for _ in range(args.rounds):
                for k in kinds:
                    w, c = time.perf_counter(), time.process_time()
                    run(k)
                    wall[k].append(time.perf_counter() - w)
                    cpu[k].append(time.process_time() - c)
            qaoa_mod.CHECKPOINT_BYTES = None
            mw = {k: float(np.median(v)) for k, v in wall.items()}
            mc = {k: float(np.median(v)) for k, v in cpu.items()}
            print(f"n={n} p={p}: forward {mw['fwd'] * 1e3:.0f} ms | checkpointed gradient "
                  f"{mw['ckpt'] * 1e3:.0f} ms = {mw['ckpt'] / mw['fwd']:.2f}x forward | rewinding "
                  f"{mw['rewind'] * 1e3:.0f} ms = {mw['rewind'] / mw['fwd']:.2f}x | CPU time ratios "
                  f"{mc['ckpt'] / mc['fwd']:.2f}x / {mc['rewind'] / mc['fwd']:.2f}x | load "
                  f"{os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
