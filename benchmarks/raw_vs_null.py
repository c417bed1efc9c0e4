"""What the circuit alone gives: QAOA's raw readout next to the null model ``random`` (issue 14).

For MaxCut on random 3-regular graphs (``networkx.random_regular_graph(3, n, seed=0)``, optimum
from the exact MILP) QAOA p = 1..3 on the exact simulator (``init="fixed"``: the Wurtz-Lykov
angles, then optimised), final readout of ``--shots`` bitstrings, ``postprocess="none"``; and
``random`` with the same shots. Printed: the raw block's ``approx_ratio`` (expected cut /
optimum, from the exact state for QAOA, exact for random), ``p_optimum`` and the best raw sample's
ratio, then the returned cut after ``one-round`` and ``full`` post-processing of the same runs
(same seed). Machine, versions and load are printed with the table. Usage::

    .venv/bin/python benchmarks/raw_vs_null.py --sizes 12 16 --layers 1 2 3 --seeds 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_info  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[12, 16])
    ap.add_argument("--layers", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--shots", type=int, default=1024)
    args = ap.parse_args(argv)
    import networkx as nx

    from qopt.problems import MaxCut
    from qopt.solvers import get_solver, solve

    warnings.simplefilter("ignore")
    has_level = "postprocess" in __import__("inspect").signature(get_solver("qaoa")).parameters
    rows = []
    for n in args.sizes:
        g = nx.random_regular_graph(3, n, seed=0)
        opt = solve(MaxCut(g), "exact").objective
        p = MaxCut(g, name=f"3reg{n}", known_optimum=opt)
        methods = [("random", {})] + [(f"qaoa p={L}", {"layers": L, "init": "fixed"}) for L in args.layers]
        for label, opts in methods:
            for seed in range(args.seeds):
                out = {}
                for level in ("none", "one-round", "full"):
                    t0 = time.perf_counter()
                    if label == "random":
                        r = solve(p, "random", shots=args.shots, seed=seed, postprocess=level)
                    elif has_level:
                        r = solve(p, "qaoa", shots=args.shots, seed=seed, postprocess=level, **opts)
                    else:  # before the pipeline landed: legacy switches (no one-round)
                        if level == "one-round":
                            continue
                        flag = level == "full"
                        r = solve(p, "qaoa", shots=args.shots, seed=seed, repair=flag, local_search=flag, **opts)
                    out[level] = (r, time.perf_counter() - t0)
                r0 = out["none"][0]
                rows.append({"n": n, "edges": g.number_of_edges(), "opt": opt, "method": label, "seed": seed,
                             "ratio": r0.raw["approx_ratio"], "from": r0.raw["expected_from"],
                             "p_opt": r0.raw["p_optimum"], "best_raw": r0.raw["best_objective"] / opt,
                             "one_round": out["one-round"][0].objective / opt if "one-round" in out else None,
                             "full": out["full"][0].objective / opt, "time_s": out["none"][1]})
                print(f"# n={n} {label} seed {seed}: ratio {rows[-1]['ratio']:.3f}", file=sys.stderr, flush=True)
    info = machine_info(("qopt", "numpy", "scipy", "dimod", "networkx", "numba"))
    print(f"machine: {info['cpu']}, {info['nproc']} cores, load {tuple(round(v, 2) for v in info['loadavg'])}, "
          f"Python {info['python']}; {info['versions']}")
    print(f"{args.shots} shots, exact simulator, {args.seeds} seeds (mean); ratios to the MILP optimum\n")
    print("| graph | method | raw approx_ratio (E[cut]/opt) | raw p_optimum | best raw sample | one-round | full |")
    print("|---|---|---|---|---|---|---|")
    for n in args.sizes:
        for label in ["random"] + [f"qaoa p={L}" for L in args.layers]:
            sel = [r for r in rows if r["n"] == n and r["method"] == label]
            if not sel:
                continue

            def m(key):
                vals = [r[key] for r in sel if r[key] is not None]
                return f"{statistics.fmean(vals):.3f}" if vals else "-"

            print(f"| 3-regular n={n} ({sel[0]['edges']} edges, opt {sel[0]['opt']:g}) | {label} | {m('ratio')} "
                  f"({sel[0]['from']}) | {m('p_opt')} | {m('best_raw')} | {m('one_round')} | {m('full')} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
