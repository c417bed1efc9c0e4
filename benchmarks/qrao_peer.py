"""QRAO peer check: qopt's QRAO against qiskit-optimization's on the same small instances.

qiskit-optimization (optional, benchmark-only) lives in a SEPARATE venv so it cannot disturb
qopt's pinned qiskit:

    python3 -m venv /tmp/qo-venv && /tmp/qo-venv/bin/pip install qiskit-optimization
    .venv/bin/python benchmarks/qrao_peer.py --peer-python /tmp/qo-venv/bin/python --shots 1000 --seed 0

This script (run with qopt's venv) builds every instance's BQM with qopt, sends its
coefficients as JSON to itself running under ``--peer-python`` in ``--peer`` mode (which
imports only qiskit-optimization), and prints, per instance and encoding: qubits, exact
relaxed ground energy (both sides; they must agree), and the rounded BQM energies (no local
search) of semideterministic rounding and of magic rounding (best and mean over shots).
Energies are minimised (MaxCut: energy = -cut).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def peer_main(shots: int, seed: int) -> None:  # runs inside the qiskit-optimization venv
    import numpy as np
    import qiskit
    import qiskit_optimization
    from qiskit.primitives import StatevectorSampler
    from qiskit_optimization import QuadraticProgram
    from qiskit_optimization.algorithms.qrao import (MagicRounding, QuantumRandomAccessEncoding,
                                                     QuantumRandomAccessOptimizer, SemideterministicRounding)
    from qiskit_optimization.minimum_eigensolvers import NumPyMinimumEigensolver

    data = json.load(sys.stdin)
    out = {"versions": {"qiskit": qiskit.__version__, "qiskit-optimization": qiskit_optimization.__version__}}
    for inst in data:
        qp = QuadraticProgram(inst["name"])
        m = len(inst["linear"])
        for i in range(m):
            qp.binary_var(f"x{i}")
        qp.minimize(constant=inst["offset"], linear=inst["linear"],
                    quadratic={(f"x{i}", f"x{j}"): q for i, j, q in inst["quadratic"]})
        res = {}
        for k in (3, 2):
            enc = QuantumRandomAccessEncoding(max_vars_per_qubit=k)
            enc.encode(qp)
            row = {"qubits": enc.num_qubits}
            t0 = time.perf_counter()
            semi = QuantumRandomAccessOptimizer(NumPyMinimumEigensolver(), max_vars_per_qubit=k,
                                                rounding_scheme=SemideterministicRounding(seed=seed)).solve(qp)
            row["relaxed"] = float(semi.relaxed_fval)
            row["semi"] = float(semi.fval)
            sampler = StatevectorSampler(default_shots=shots, seed=seed)
            magic = QuantumRandomAccessOptimizer(NumPyMinimumEigensolver(), max_vars_per_qubit=k,
                                                 rounding_scheme=MagicRounding(sampler, seed=seed)).solve(qp)
            fv = np.array([s.fval for s in magic.samples])
            pr = np.array([s.probability for s in magic.samples])
            row["magic_best"] = float(fv.min())
            row["magic_mean"] = float(fv @ pr / pr.sum())
            row["time_s"] = time.perf_counter() - t0
            res[str(k)] = row
        out[inst["name"]] = res
    json.dump(out, sys.stdout)


def instances():
    import networkx as nx

    from qopt.problems import load
    from qopt.problems.maxcut import MaxCut

    probs = [MaxCut(nx.cycle_graph(6), name="C6"), MaxCut(nx.complete_graph(4), name="K4"),
             MaxCut(nx.petersen_graph(), name="petersen"),
             MaxCut(nx.convert_node_labels_to_integers(nx.hypercube_graph(3)), name="cube"),
             MaxCut(nx.random_regular_graph(3, 16, seed=1), name="3reg16"),
             load("mammalia-kangaroo-interactions"), load("labs5")]
    return probs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--peer-python", default="/tmp/qo-venv/bin/python")
    ap.add_argument("--shots", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--instances", nargs="*", default=None,
                    help="subset of: C6 K4 petersen cube 3reg16 mammalia-kangaroo-interactions labs5")
    args = ap.parse_args(argv)
    if args.peer:
        peer_main(args.shots, args.seed)
        return 0

    import numpy as np

    from qopt.solvers import qrao as Q

    probs = [p for p in instances() if args.instances is None or p.name in args.instances]
    payload, ours = [], {}
    for p in probs:
        bqm, _ = p.to_bqm()
        variables = list(bqm.variables)
        lin, (r, c, q), off = bqm.to_numpy_vectors(variable_order=variables)
        payload.append({"name": p.name, "linear": [float(v) for v in lin], "offset": float(off),
                        "quadratic": [[int(i), int(j), float(v)] for i, j, v in zip(r, c, q)]})
        ours[p.name] = {}
        for k in (3, 2):
            t0 = time.perf_counter()
            enc = Q.encode(bqm, k)
            state, relaxed, _ = Q.ground_state(enc, method="exact")
            semi = Q.semideterministic_rounding(enc, state, seed=args.seed)
            magic = Q.magic_rounding(enc, state, shots=args.shots, seed=args.seed)
            e = enc.energy(magic)
            ours[p.name][str(k)] = {"qubits": enc.num_qubits, "relaxed": relaxed,
                                    "semi": float(enc.energy(semi)[0]), "magic_best": float(e.min()),
                                    "magic_mean": float(e.mean()), "time_s": time.perf_counter() - t0}
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run([args.peer_python, os.path.abspath(__file__), "--peer", "--shots", str(args.shots),
                           "--seed", str(args.seed)], input=json.dumps(payload), capture_output=True, text=True,
                          env=env)
    if proc.returncode != 0:
        print(f"peer run failed ({args.peer_python}):\n{proc.stderr[-3000:]}", file=sys.stderr)
        return 1
    peer = json.loads(proc.stdout)
    print(f"machine: nproc={os.cpu_count()} load={os.getloadavg()} qopt numpy={np.__version__}")
    print(f"peer versions: {peer.pop('versions')}; shots={args.shots} seed={args.seed}")
    print()
    print("| instance | k | qubits qopt/peer | relaxed qopt | relaxed peer | semidet. qopt/peer | "
          "magic best qopt/peer | magic mean qopt/peer |")
    print("|---|---|---|---|---|---|---|---|")
    agree = True
    for p in probs:
        for k in ("3", "2"):
            a, b = ours[p.name][k], peer[p.name][k]
            agree &= abs(a["relaxed"] - b["relaxed"]) < 1e-6 * max(1.0, abs(a["relaxed"]))
            print(f"| {p.name} | {k} | {a['qubits']}/{b['qubits']} | {a['relaxed']:.4f} | {b['relaxed']:.4f} | "
                  f"{a['semi']:.0f}/{b['semi']:.0f} | {a['magic_best']:.0f}/{b['magic_best']:.0f} | "
                  f"{a['magic_mean']:.2f}/{b['magic_mean']:.2f} |")
    print()
    print(f"relaxed ground energies agree: {agree}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
