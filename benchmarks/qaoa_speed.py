#!/usr/bin/env python3
"""QAOA-MaxCut simulation speed: qopt's exact simulator vs QOKit, lightning.qubit and Aer.

What is timed (the recipe of ../shared/perf/bench_anchors.py and
../shared/docs/performance.md): ONE evaluation of <C>(gamma, beta) for MaxCut
on ``networkx.random_regular_graph(3, n, seed=0)`` with the seeded angles
``default_rng(1234 + p)`` (gamma in [0, pi), beta in [0, pi/2)), convention
``|psi> = prod_l e^{-i beta_l sum X} e^{-i gamma_l C} |+>``. The timed region
covers what a caller pays per call (state init, simulation, expectation); one
warm-up call per process; median of 3 runs (1 run if the first takes > 10 s).
Cells predicted to take > 60 s are skipped. Each backend runs in its own
subprocess, all in ONE run of this script, so the ratios are comparable:

* ``qopt``: ``qopt.devices.exact.qaoa_value`` (numba backend, all cores) and
  ``qaoa_value_and_grad`` (adjoint, all 2p angles); the cost diagonal is built
  by ``qopt.devices.exact.energies`` from the MaxCut BQM (timed separately).
* ``qokit-c-omp``: QOKit 0.1.4's C simulator compiled with
  ``gcc -O3 -march=native -fopenmp`` (2 threads): the anchor. QOKit pins old
  numpy/qiskit, so it runs in a separate venv (``--qokit-python``, default
  ``.venv-qokit/bin/python``; create it with ``python -m venv .venv-qokit &&
  .venv-qokit/bin/pip install qokit``) through the worker of
  ``bench_anchors.py`` (``--anchors``).
* ``lightning.qubit``: PennyLane forward, and the adjoint gradient
  (``diff_method="adjoint"``) for n <= ``--grad-max-n``.
* ``qiskit-aer``: QAOAAnsatz + Aer EstimatorV2 statevector (bench_anchors worker).

Also: the memory copy bandwidth and the per-layer bandwidth bound at n=24
(bench_anchors' model), qopt's per layer cost ``(t(p=4) - t(p=1)) / 3``.

Usage::

    .venv/bin/python benchmarks/qaoa_speed.py                      # full table
    .venv/bin/python benchmarks/qaoa_speed.py --n 22 --p 4 --output json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import _machine

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ANCHORS = (ROOT / ".." / "shared" / "perf" / "bench_anchors.py").resolve()
REC = "@@REC "
SKIP_ABOVE_S = 60.0
SINGLE_RUN_ABOVE_S = 10.0
ANGLE_SEED = 1234


# --------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------
def make_angles(p: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(ANGLE_SEED + p)
    return rng.uniform(0.0, np.pi, p), rng.uniform(0.0, np.pi / 2, p)


def time_call(fn, single_above: float = SINGLE_RUN_ABOVE_S):
    times, out = [], None
    for k in range(3):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        if k == 0 and times[0] > single_above:
            break
    return statistics.median(times), times, out


def emit(**rec) -> None:
    print(REC + json.dumps(rec), flush=True)


def predict(measured: dict, n: int, p: int, scale_p: bool = True) -> float | None:
    same = [(n0, t) for (n0, p0), t in measured.items() if p0 == p and n0 <= n]
    if same:
        n0, t = max(same)
        return t * 2.0 ** (n - n0)
    lower = [(p0, t) for (n0, p0), t in measured.items() if n0 == n and p0 < p]
    if lower and scale_p:
        p0, t = max(lower)
        return t * p / p0
    return None


def machine_info() -> dict:
    info = _machine.machine_info()
    info.pop("versions")
    return info


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ["numpy", "numba", "networkx", "dimod", "pennylane", "pennylane_lightning",
                "qiskit", "qiskit-aer"]:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


# --------------------------------------------------------------------------
# workers (run in subprocesses)
# --------------------------------------------------------------------------
def _maxcut_bqm(graph):
    import dimod

    bqm = dimod.BinaryQuadraticModel("BINARY")
    for i, j in graph.edges():
        bqm.add_linear(i, 1.0)
        bqm.add_linear(j, 1.0)
        bqm.add_quadratic(i, j, -2.0)
    return bqm


def worker_qopt(ns, ps, grad_max_n: int) -> None:
    import networkx as nx

    from qopt.devices import exact as ex

    import numba

    info = {"numba_threads": numba.get_num_threads()}
    measured: dict = {}
    measured_g: dict = {}
    warmed = False
    for n in ns:
        graph = nx.random_regular_graph(3, n, seed=0)
        bqm = _maxcut_bqm(graph)
        t0 = time.perf_counter()
        e = ex.energies(bqm, range(n))
        t_diag = time.perf_counter() - t0
        t_diag2 = time_call(lambda: ex.energies(bqm, range(n)))[0]
        emit(kind="diag", backend="qopt", n=n, first_s=t_diag, median_s=t_diag2)
        for p in ps:
            g, b = make_angles(p)
            pred = predict(measured, n, p)
            if pred is not None and pred > SKIP_ABOVE_S:
                emit(kind="eval", backend="qopt", n=n, p=p, skipped=True, predicted_s=pred)
                continue
            if not warmed:
                ex.qaoa_value(e, g, b)
                ex.qaoa_value_and_grad(e, g, b)
                warmed = True
            med, times, val = time_call(lambda: ex.qaoa_value(e, g, b))
            measured[(n, p)] = med
            emit(kind="eval", backend="qopt", n=n, p=p, median_s=med, times_s=times, value=val,
                 setup_s=t_diag, **info)
            if n <= grad_max_n:
                pred = predict(measured_g, n, p)
                if pred is not None and pred > SKIP_ABOVE_S:
                    continue
                medg, tg, (v, dg, db) = time_call(lambda: ex.qaoa_value_and_grad(e, g, b))
                measured_g[(n, p)] = medg
                emit(kind="grad", backend="qopt", n=n, p=p, median_s=medg, times_s=tg, value=v,
                     grad=[*map(float, dg), *map(float, db)], method="adjoint (qopt)", **info)


def worker_lightning(ns, ps, grad_max_n: int) -> None:
    import networkx as nx
    import pennylane as qml
    from pennylane import numpy as pnp

    measured: dict = {}
    measured_g: dict = {}
    warmed = False
    for n in ns:
        graph = nx.random_regular_graph(3, n, seed=0)
        cost_h, mixer_h = qml.qaoa.maxcut(graph)  # cost_h = -C
        for p in ps:
            g, b = make_angles(p)
            pred = predict(measured, n, p)
            if pred is not None and pred > SKIP_ABOVE_S:
                emit(kind="eval", backend="lightning.qubit", n=n, p=p, skipped=True, predicted_s=pred)
                continue
            dev = qml.device("lightning.qubit", wires=n)

            def make(diff_method):
                @qml.qnode(dev, diff_method=diff_method)
                def circuit(theta):
                    for w in range(n):
                        qml.Hadamard(wires=w)
                    for l in range(p):
                        qml.qaoa.cost_layer(-theta[l], cost_h)
                        qml.qaoa.mixer_layer(theta[p + l], mixer_h)
                    return qml.expval(cost_h)
                return circuit

            circ = make(None)
            theta = np.concatenate([g, b])
            if not warmed:
                circ(theta)
                warmed = True
            med, times, val = time_call(lambda: -float(circ(theta)))
            measured[(n, p)] = med
            emit(kind="eval", backend="lightning.qubit", n=n, p=p, median_s=med, times_s=times,
                 value=val)
            if n <= grad_max_n:
                pred = predict(measured_g, n, p)
                if pred is not None and pred > SKIP_ABOVE_S:
                    continue
                grad_fn = qml.grad(make("adjoint"))
                th = pnp.array(theta, requires_grad=True)
                medg, tg, gr = time_call(lambda: -np.asarray(grad_fn(th)))
                measured_g[(n, p)] = medg
                emit(kind="grad", backend="lightning.qubit", n=n, p=p, median_s=medg, times_s=tg,
                     grad=[float(x) for x in gr], method="adjoint (lightning)")


def worker_bandwidth() -> None:
    from concurrent.futures import ThreadPoolExecutor

    a = np.ones(1 << 24, dtype=np.complex128)
    b = np.zeros_like(a)
    h = a.size // 2

    def med5(fn):
        fn()
        ts = []
        for _ in range(5):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts)

    t1 = med5(lambda: np.copyto(b, a))
    with ThreadPoolExecutor(2) as pool:
        t2 = med5(lambda: list(pool.map(
            lambda k: np.copyto(b[k * h:(k + 1) * h], a[k * h:(k + 1) * h]), (0, 1))))
    emit(kind="bandwidth", gbps_1thread=2 * a.nbytes / t1 / 1e9, gbps_2threads=2 * a.nbytes / t2 / 1e9)


def bandwidth_bound(n: int, gbps: float, l2_bytes: int = 1 << 20) -> dict:
    """bench_anchors' model: blocked = phase sweep + ceil(n/k) mixer sweeps, k from L2/2."""
    S = 16 * 2**n
    k = max(1, int(math.log2(l2_bytes // 2 // 16)))
    variants = {"blocked": (1 + math.ceil(n / k)) * 2 * S + 8 * 2**n,
                "fused": math.ceil(n / k) * 2 * S + 2**n}
    return {v: bts / (gbps * 1e9) for v, bts in variants.items()}


# --------------------------------------------------------------------------
# orchestrator
# --------------------------------------------------------------------------
def run(cmd, env=None, timeout=900.0) -> list[dict]:
    t0 = time.perf_counter()
    try:
        cp = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        out, err, rc = cp.stdout, cp.stderr, cp.returncode
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err, rc = "", "timeout"
    recs = [json.loads(line[len(REC):]) for line in out.splitlines() if line.startswith(REC)]
    if rc != 0:
        recs.append({"kind": "error", "cmd": " ".join(map(str, cmd[:4])), "rc": rc,
                     "stderr_tail": err[-1500:]})
    print(f"  {' '.join(map(str, cmd[1:4]))[:70]:70s} {time.perf_counter() - t0:6.1f} s rc={rc}",
          file=sys.stderr, flush=True)
    return recs


def fmt_t(t) -> str:
    if t is None:
        return "-"
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", default="16,20,22,24", help="comma-separated qubit counts")
    ap.add_argument("--p", default="1,4", help="comma-separated depths")
    ap.add_argument("--backends", default="qopt,qokit-c-omp,lightning.qubit,qiskit-aer")
    ap.add_argument("--grad-max-n", type=int, default=22,
                    help="largest n for lightning's adjoint gradient (qopt's is timed at every n)")
    ap.add_argument("--qokit-python", default=str(ROOT / ".venv-qokit" / "bin" / "python"))
    ap.add_argument("--anchors", default=str(DEFAULT_ANCHORS), help="path of bench_anchors.py")
    ap.add_argument("--output", choices=["table", "json"], default="table")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    ns = [int(x) for x in a.n.split(",")]
    ps = [int(x) for x in a.p.split(",")]
    if a.worker == "qopt":
        worker_qopt(ns, ps, a.grad_max_n)
        return 0
    if a.worker == "lightning.qubit":
        worker_lightning(ns, ps, a.grad_max_n)
        return 0
    if a.worker == "bandwidth":
        worker_bandwidth()
        return 0

    mach, vers = machine_info(), versions()
    load0 = os.getloadavg()
    backends = [b for b in a.backends.split(",") if b]
    me = [sys.executable, str(Path(__file__).resolve())]
    grid = ["--n", ",".join(map(str, ns)), "--p", ",".join(map(str, ps))]
    print("running (one subprocess per backend):", file=sys.stderr)
    records = run(me + ["--worker", "bandwidth"])
    for be in backends:
        if be in ("qopt", "lightning.qubit"):
            gmax = a.grad_max_n if be == "lightning.qubit" else max(ns)
            records += run(me + ["--worker", be, *grid, "--grad-max-n", str(gmax)])
        elif be.startswith("qokit") or be == "qiskit-aer":
            py = a.qokit_python if be.startswith("qokit") else sys.executable
            if not Path(py).exists() or not Path(a.anchors).exists():
                records.append({"kind": "error", "cmd": be, "rc": "missing",
                                "stderr_tail": f"needs {py} and {a.anchors}"})
                continue
            env = dict(os.environ)
            if be == "qokit-c-omp-1t":
                env.update(OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
            recs = run([py, a.anchors, "--worker", be, "--ns", grid[1], "--ps", grid[3], "--no-grad"],
                       env=env)
            records += recs
        else:
            raise SystemExit(f"unknown backend {be!r}")
    load1 = os.getloadavg()

    ev = {(r["backend"], r["n"], r["p"]): r for r in records if r.get("kind") == "eval"
          and not r.get("skipped")}
    gr = {(r["backend"], r["n"], r["p"]): r for r in records if r.get("kind") == "grad"}
    diag = {r["n"]: r for r in records if r.get("kind") == "diag"}
    bw = next((r for r in records if r.get("kind") == "bandwidth"), None)
    qk = next((b for b in backends if b.startswith("qokit")), None)
    errors = [r for r in records if r.get("kind") == "error"]

    cells = []
    for n in ns:
        for p in ps:
            q = ev.get(("qopt", n, p))
            k = ev.get((qk, n, p)) if qk else None
            lq = ev.get(("lightning.qubit", n, p))
            aer = ev.get(("qiskit-aer", n, p))
            qg = gr.get(("qopt", n, p))
            lg = gr.get(("lightning.qubit", n, p))
            cell = {
                "n": n, "p": p,
                "qopt_s": q and q["median_s"], "qokit_s": k and k["median_s"],
                "qopt_value": q and q["value"], "qokit_value": k and k["value"],
                "lightning_s": lq and lq["median_s"], "aer_s": aer and aer["median_s"],
                "qopt_grad_s": qg and qg["median_s"], "lightning_grad_s": lg and lg["median_s"],
                "qopt_diag_s": diag.get(n, {}).get("median_s"),
                "qokit_diag_s": k and k.get("setup_s"),
            }
            if cell["qopt_s"] and cell["qokit_s"]:
                cell["ratio_qopt_to_qokit"] = cell["qopt_s"] / cell["qokit_s"]
                cell["rel_diff_value"] = abs(cell["qopt_value"] - cell["qokit_value"]) / abs(cell["qokit_value"])
            if cell["qopt_grad_s"] and cell["qopt_s"]:
                cell["grad_over_forward"] = cell["qopt_grad_s"] / cell["qopt_s"]
            if qg and lg:
                cell["grad_rel_diff_vs_lightning"] = float(
                    np.linalg.norm(np.subtract(qg["grad"], lg["grad"])) / np.linalg.norm(lg["grad"]))
            cells.append(cell)
    layer = {}
    n_big = max(ns)
    if len(ps) > 1 and all(("qopt", n_big, p) in ev for p in (min(ps), max(ps))):
        p0, p1 = min(ps), max(ps)
        for be in ["qopt", qk]:
            if be and (be, n_big, p0) in ev and (be, n_big, p1) in ev:
                layer[be] = (ev[(be, n_big, p1)]["median_s"] - ev[(be, n_big, p0)]["median_s"]) / (p1 - p0)
    bound = bandwidth_bound(n_big, bw["gbps_1thread"]) if bw else {}

    summary = {"machine": mach, "versions": vers, "loadavg_start": load0, "loadavg_end": load1,
               "bandwidth": bw, "bandwidth_bound_per_layer_s": bound, "per_layer_s": layer,
               "n_layer": n_big, "cells": cells, "errors": errors}
    if a.output == "json":
        last = cells[-1] if cells else {}
        print(json.dumps({**last, **summary}))
        return 0 if not errors else 1

    print(f"machine: {mach}")
    print(f"versions: {vers}; qokit venv: {a.qokit_python}")
    print(f"load average at start {tuple(round(x, 2) for x in load0)}, at end "
          f"{tuple(round(x, 2) for x in load1)} (nproc {mach['nproc']}; shared machine: noisy)")
    if bw:
        print(f"copy bandwidth {bw['gbps_1thread']:.1f} GB/s (1 thread), {bw['gbps_2threads']:.1f} GB/s (2)")
    print()
    hdr = (f"{'n':>3} {'p':>2} | {'qopt':>9} {qk or 'qokit':>12} {'ratio':>6} | {'lightning':>10} "
           f"{'aer':>9} | {'qopt grad':>10} {'grad/fwd':>8} {'light. adj':>10} {'adj ratio':>9} | "
           f"{'<C> qopt':>14} {'rel diff':>8}")
    print(hdr)
    print("-" * len(hdr))
    for c in cells:
        ratio = f"{c['ratio_qopt_to_qokit']:.2f}" if "ratio_qopt_to_qokit" in c else "-"
        gf = f"{c['grad_over_forward']:.2f}" if "grad_over_forward" in c else "-"
        adj = (f"{c['qopt_grad_s'] / c['lightning_grad_s']:.3f}"
               if c["qopt_grad_s"] and c["lightning_grad_s"] else "-")
        rd = f"{c['rel_diff_value']:.0e}" if "rel_diff_value" in c else "-"
        val = f"{c['qopt_value']:.9f}" if c["qopt_value"] is not None else "-"
        print(f"{c['n']:>3} {c['p']:>2} | {fmt_t(c['qopt_s']):>9} {fmt_t(c['qokit_s']):>12} {ratio:>6} | "
              f"{fmt_t(c['lightning_s']):>10} {fmt_t(c['aer_s']):>9} | {fmt_t(c['qopt_grad_s']):>10} "
              f"{gf:>8} {fmt_t(c['lightning_grad_s']):>10} {adj:>9} | {val:>14} {rd:>8}")
    print("\nratio = qopt / qokit (target <= 0.5 at n = 22..24, p = 4); grad/fwd = qopt adjoint "
          "gradient (all 2p angles) / one qopt forward (target <= 3); adj ratio = qopt gradient / "
          "lightning adjoint gradient (target < 1)")
    for n in ns:
        d = diag.get(n)
        k = ev.get((qk, n, ps[0])) if qk else None
        if d:
            print(f"cost diagonal n={n}: qopt {fmt_t(d['median_s'])} (first call {fmt_t(d['first_s'])})"
                  f", qokit precompute {fmt_t(k and k.get('setup_s'))}")
    if layer:
        s = ", ".join(f"{be} {fmt_t(t)}" for be, t in layer.items())
        print(f"per layer at n={n_big} ((t(p={max(ps)}) - t(p={min(ps)})) / {max(ps) - min(ps)}): {s}")
    if bound:
        print(f"bandwidth bound per layer at n={n_big}: blocked {fmt_t(bound['blocked'])}, fused "
              f"{fmt_t(bound['fused'])}" + (f"; qopt is {layer['qopt'] / bound['blocked']:.1f}x the "
                                            "blocked bound" if "qopt" in layer else ""))
    for r in records:
        if r.get("kind") == "kernel":
            print(f"qokit kernels n={r['n']}: phase {fmt_t(r['phase_s'])}, mixer {fmt_t(r['mixer_s'])}")
    for e in errors:
        print(f"ERROR {e['cmd']}: rc={e['rc']} {e.get('stderr_tail', '')[-600:]}")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
