"""Quantum solvers next to the null model and the classical references at equal wall time.

Runs ``benchmarks/sweeps/equal_time.yaml`` (qaoa with adaptive shrinking to 12 qubits, pce,
``random`` = the null model reading qaoa's shots uniformly through the same shrinking and
post-processing, ``native`` and SA under a 2 s budget with incumbent traces; two seeds) into a
result store, then prints the report: raw and post-processed columns, lift over ``random``, and
each solver's gap next to ``native`` and ``sa`` at the solver's own wall time.

    .venv/bin/python benchmarks/equal_time.py                 # fresh store in a temporary folder
    .venv/bin/python benchmarks/equal_time.py --store et.sqlite   # keep (and resume) the store
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _machine import machine_info

SWEEP = Path(__file__).resolve().parent / "sweeps" / "equal_time.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="SQLite result store (default: a temporary one)")
    ap.add_argument("--target-gap", type=float, default=0.01)
    args = ap.parse_args()
    print(json.dumps(machine_info(("qopt", "numpy", "scipy", "dimod", "dwave-samplers", "pennylane"))))
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or str(Path(tmp) / "equal_time.sqlite")
        qopt = [sys.executable, "-m", "qopt"]
        env = {**os.environ, "COLUMNS": os.environ.get("COLUMNS", "250")}
        subprocess.run(qopt + ["bench", "run", str(SWEEP), "--store", store], check=True, env=env)
        subprocess.run(qopt + ["bench", "report", "--store", store, "--target-gap", str(args.target_gap)],
                       check=True, env=env)


if __name__ == "__main__":
    main()
