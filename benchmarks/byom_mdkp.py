"""Bring your own model: an OR-Library MDKP as a plain dimod CQM versus the built-in Knapsack class.

For each instance, the same data are solved with ``sa`` twice: through
``qopt.problems.Knapsack`` (specialised repair/local search) and as a user's
``dimod.ConstrainedQuadraticModel`` with string labels (generic repair/local search of
``qopt.problems.feasibility``). Prints the gap to the published optimum per seed.

Run:  .venv/bin/python benchmarks/byom_mdkp.py [--seeds 5] [--instances weish01 pb7 weish06]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import qopt
from qopt.testing import knapsack_as_user_cqm as plain_cqm
from _machine import machine_info


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--instances", nargs="+", default=["weish01", "pb7", "weish06"])
    args = ap.parse_args()
    print(json.dumps(machine_info(("qopt", "dimod", "dwave-samplers", "numpy", "scipy"))))
    warnings.simplefilter("ignore")
    print(f"{'instance':10} {'n':>3} {'m':>3} {'optimum':>9} {'seed':>4} | {'Knapsack':>9} {'gap %':>6} {'s':>5} | "
          f"{'plain CQM':>9} {'gap %':>6} {'feas':>5} {'s':>5}")
    for name in args.instances:
        kp = qopt.load(name)
        cqm = plain_cqm(kp)
        opt = kp.known_optimum
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            built_in = qopt.solve(kp, "sa", seed=seed)
            t1 = time.perf_counter()
            mine = qopt.solve(cqm, "sa", seed=seed)
            t2 = time.perf_counter()
            value = -mine.objective  # the CQM minimises -profit
            print(f"{name:10} {kp.num_variables:3d} {kp.num_constraints:3d} {opt:9g} {seed:4d} | "
                  f"{built_in.objective:9g} {100 * (opt - built_in.objective) / opt:6.2f} {t1 - t0:5.2f} | "
                  f"{value:9g} {100 * (opt - value) / opt:6.2f} {str(mine.feasible):>5} {t2 - t1:5.2f}")


if __name__ == "__main__":
    main()
