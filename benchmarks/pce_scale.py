"""PCE at scale: Gset MaxCut graphs (800 vertices) on <= 17 qubits.

For every graph: PCE (k-body correlators on n qubits, exact torch state vector) with the cut
reported raw (signs decoded), after one round of greedy single flips, and after the full
1-flip local search of ``qopt.decode.finish``; the same local search from uniformly random
cuts (how much the post-processing alone gives); and simulated annealing (dwave-samplers)
as the classical reference. Ratios are to the best-known cuts of the catalogue.

Usage:
    .venv/bin/python benchmarks/pce_scale.py --graphs g1 --k 3 --layers 4 --maxiter 300 --seed 0
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np


def machine_info() -> str:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import dimod
    import scipy
    import torch

    import dwave.samplers

    return (f"machine: nproc={os.cpu_count()} cpu={cpu} python={platform.python_version()}\n"
            f"versions: numpy={np.__version__} scipy={scipy.__version__} torch={torch.__version__} "
            f"dimod={dimod.__version__} dwave-samplers={dwave.samplers.__version__}\n"
            f"torch threads={torch.get_num_threads()}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graphs", nargs="+", default=["g1"], help="catalogue names (default g1)")
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--qubits", type=int, default=None, help="default: smallest n with 3 C(n,k) >= 800")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--maxiter", type=int, default=300)
    ap.add_argument("--restarts", type=int, default=1)
    ap.add_argument("--optimizer", default="lbfgs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--patience", type=int, default=0,
                    help="PCE early stop (0 = run all --maxiter iterations, as the published tables)")
    ap.add_argument("--sa-reads", type=int, default=10)
    ap.add_argument("--sa-sweeps", type=int, default=1000)
    ap.add_argument("--random-starts", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 is faster on a loaded machine)")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from qopt.problems import load
    from qopt.solvers import solve
    from qopt.solvers.pce import min_qubits

    print(machine_info())
    print(f"load average before: {os.getloadavg()}")
    print(f"args: {vars(args)}")
    rows = []
    for name in args.graphs:
        problem = load(name)
        best = problem.known_optimum
        n = args.qubits or min_qubits(problem.num_variables, args.k)
        print(f"[{name}] {problem.num_variables} vertices, best known {best}, PCE on {n} qubits ...",
              file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        r = solve(problem, "pce", qubits=n, k=args.k, layers=args.layers, maxiter=args.maxiter,
                  optimizer=args.optimizer, restarts=args.restarts, seed=args.seed, patience=args.patience)
        t_pce = time.perf_counter() - t0
        rows.append((name, "pce raw (signs)", r.info["objective_decoded"], best, n, args.k, t_pce))
        rows.append((name, "pce + 1 flip round", r.info["objective_after_flips"], best, n, args.k, t_pce))
        rows.append((name, "pce + full 1-flip LS", r.objective, best, n, args.k, t_pce))
        print(f"[{name}] pce: loss {r.info['loss']:.4g}, {r.info['iterations']} iterations, "
              f"{r.info['num_parameters']} parameters, alpha {r.info['alpha']:.3g}, {t_pce:.1f}s",
              file=sys.stderr, flush=True)
        rng = np.random.default_rng(args.seed)
        t0 = time.perf_counter()
        cuts = [problem.evaluate(problem.local_search(rng.integers(0, 2, problem.num_variables)))
                for _ in range(args.random_starts)]
        t_rand = time.perf_counter() - t0
        rows.append((name, f"random + full 1-flip LS (best of {args.random_starts})", max(cuts), best, None,
                     None, t_rand))
        rows.append((name, f"random + full 1-flip LS (mean of {args.random_starts})", float(np.mean(cuts)),
                     best, None, None, t_rand / args.random_starts))
        t0 = time.perf_counter()
        sa = solve(problem, "sa", num_reads=args.sa_reads, num_sweeps=args.sa_sweeps, seed=args.seed)
        rows.append((name, f"sa ({args.sa_reads}x{args.sa_sweeps} sweeps)", sa.objective, best, None, None,
                     time.perf_counter() - t0))
    print(f"load average after: {os.getloadavg()}")
    print()
    print("| graph | method | cut | ratio to best known | qubits | k | time (s) |")
    print("|---|---|---|---|---|---|---|")
    for name, method, cut, best, n, k, t in rows:
        print(f"| {name} | {method} | {cut:.0f} | {cut / best:.4f} | {n if n else '-'} | {k if k else '-'} | {t:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
