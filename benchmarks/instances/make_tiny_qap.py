"""Generate the tiny QAP instances used by the quick/comparative sweeps and notebooks.

QAPLIB's smallest instances have n = 12 (144 binaries), far beyond a simulated
circuit; these n = 3 and n = 4 instances (9 and 16 binaries) keep the
comparative study runnable. Integer flows/distances in [0, 9] from
``numpy.random.default_rng(seed)``; the optimum is found by enumerating all n!
permutations and written as a QAPLIB ``.sln`` next to each ``.dat`` (which the
QAPLIB reader picks up as the known optimum).

Run: ``.venv/bin/python benchmarks/instances/make_tiny_qap.py``
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from qopt.problems.qap import QuadraticAssignment
from qopt.problems.writers import write_qaplib


def main() -> None:
    out = Path(__file__).resolve().parent / "qap"
    out.mkdir(exist_ok=True)
    for n, seed in ((3, 3), (4, 4)):
        rng = np.random.default_rng(seed)
        flow = rng.integers(0, 10, size=(n, n))
        distance = rng.integers(0, 10, size=(n, n))
        np.fill_diagonal(flow, 0)
        np.fill_diagonal(distance, 0)
        flow = np.triu(flow) + np.triu(flow, 1).T
        distance = np.triu(distance) + np.triu(distance, 1).T
        costs = {p: float(sum(flow[i, k] * distance[p[i], p[k]] for i in range(n) for k in range(n)))
                 for p in itertools.permutations(range(n))}
        best = min(costs, key=costs.get)
        name = f"tiny{n}"
        write_qaplib(out / f"{name}.dat", QuadraticAssignment(flow, distance, name=name))
        (out / f"{name}.sln").write_text(f"{n} {costs[best]:g}\n" + " ".join(str(j + 1) for j in best) + "\n")
        print(name, "optimum", costs[best], "permutation", best)


if __name__ == "__main__":
    main()
