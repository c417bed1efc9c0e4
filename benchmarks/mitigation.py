"""Error mitigation on a fake-backend noise model: QAOA cost expectations, ideal vs noisy vs mitigated.

For each instance the QAOA circuit (depth ``--layers p``, default 1; fixed ramp angles, and the ideal
optimum angles found on a state vector) runs through qopt's Qiskit runner in qiskit-ibm-runtime's
local testing mode on a fake backend (default FakeTorino, the 133-qubit Heron device ibm.yaml
targets; ISA transpilation). Methods: none (noisy), ZNE (Richardson 1,3,5 and linear 1,3, global
folding), readout (tensored confusion inversion, "rem"), DDD (Mitiq XX), CDR (10 training
circuits), PEC (200 sampled circuits), and ``zne_rem`` / ``pec_rem`` = ZNE / PEC applied to
readout-corrected values (``zne`` and ``pec`` stay alone). Reported: <C> (BQM units), |error| vs
ideal, approximation ratio <C>/C_min, probability of an optimal state in the noisy shots, circuit
executions and shots per evaluation, wall time. Fixed seeds; ``--repeats R`` reruns every method with
seeds seed..seed+R-1 for the shots, CDR's training circuits and PEC's samples (same layout and
folding) and reports the mean and its spread.

Two diagnostics separate the error sources: ``gate_noise_only`` evaluates noisy and ZNE values
with an exact density-matrix simulation of the same backend noise model (gate and idle noise, no
readout error, no shot noise), and ``readout_error`` lists the backend's reported measurement
error of each physical qubit the circuit is measured on.

    .venv/bin/python benchmarks/mitigation.py [--shots 8000] [--seed 7] [--repeats 1] [--backend FakeTorino]
                                              [--layers 1] [--methods zne,rem,...]
                                              [--instances ring6,reg3-6,mis-path5] [--output text|json]

``--output json`` prints ONE JSON object for the first instance at the optimised angles: ideal, noisy,
mitigated {zne, zne_linear, rem, ddd, cdr, zne_rem, pec, pec_rem}, abs_error and error_ratio per
method, executions per method, backend, the issue's target (ZNE error <= half the unmitigated error)
for zne and zne_rem, the diagnostics, machine info.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

METHODS = {
    "noisy": None,
    "zne": {"zne": {"scale_factors": [1, 3, 5], "factory": "richardson"}},
    "zne_linear": {"zne": {"scale_factors": [1, 3], "factory": "linear"}},
    "rem": {"readout": True},
    "ddd": {"ddd": {"rule": "xx"}},
    "cdr": {"cdr": {"num_training_circuits": 10, "seed": 7}},
    "zne_rem": {"zne": {"scale_factors": [1, 3, 5], "factory": "richardson"}, "readout": True},
    "pec": {"pec": {"num_samples": 200, "seed": 7}},
    "pec_rem": {"pec": {"num_samples": 200, "seed": 7}, "readout": True},
}
ZNE_SPEC = METHODS["zne"]["zne"]


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    from importlib.metadata import version

    pk = {n: version(n) for n in ("numpy", "qiskit", "qiskit-aer", "qiskit-ibm-runtime", "mitiq", "cirq-core")}
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "packages": pk,
            "loadavg": os.getloadavg()}


def instances(names):
    import networkx as nx

    from qopt.problems import IndependentSet, MaxCut

    out = []
    for name in names:
        if name == "ring6":
            out.append(MaxCut(nx.cycle_graph(6), name="ring6", known_optimum=6))
        elif name == "reg3-6":
            out.append(MaxCut(nx.random_regular_graph(3, 6, seed=3), name="reg3-6"))
        elif name == "mis-path5":
            out.append(IndependentSet(nx.path_graph(5), name="mis-path5", known_optimum=3))
        else:
            raise SystemExit(f"unknown instance {name!r}; choose ring6, reg3-6, mis-path5")
    return out


def gate_noise_only(problem, x, *, backend: str, seed: int, layers: int = 1) -> dict:
    """Noisy and ZNE <C> (BQM units) from an exact density-matrix simulation of ``backend``'s noise model
    (Aer, same transpilation seed): gate and idle noise only, no readout error, no shot noise."""
    from qopt.devices import load_device
    from qopt.devices.qiskit_runner import QiskitRunner
    from qopt.mitigation.runner import mitigate
    from qopt.mitigation.zne import extrapolate
    from qopt.qubo.ising import ising_terms
    from qopt.solvers._variational import prepare
    from qopt.devices.circuits import qaoa_gates

    dm = load_device({"name": "dm", "kind": "aer", "backend": backend, "noise": True, "shots": 1000, "seed": seed,
                      "options": {"optimization_level": 1}})
    prep = prepare(problem, dm)
    h, J, _ = ising_terms(prep.bqm, prep.variables)
    h, J = h / prep.scale, {k: v / prep.scale for k, v in J.items()}
    runner = mitigate(QiskitRunner(prep, lambda y: qaoa_gates(h, J, y[:layers], y[layers:]), shots=None, seed=seed),
                      {"zne": ZNE_SPEC})
    nv = runner.noisy_values(x)
    values = [v * prep.scale for v in nv["values"]]
    return {"scale_factors": nv["scales"], "values": values, "noisy": values[0],
            "zne": extrapolate(nv["scales"], values, factory=ZNE_SPEC["factory"]),
            "physical_qubits": runner.info()["physical_qubits"]}


def readout_errors(backend: str, physical: list[int]) -> list[float]:
    """The backend's reported measurement error of each physical qubit in ``physical``."""
    from qopt.devices import load_device

    target = load_device({"name": "fake", "kind": "ibm", "backend": backend, "shots": 1}).fake_backend().target
    return [float(target["measure"][(int(q),)].error or 0.0) for q in physical]


def _reseeded(spec, seed: int):
    """``spec`` with the CDR training-circuit and PEC sampling seeds set to ``seed`` (ZNE's global
    folding and the layout stay fixed), so repeats sample those methods' own randomness too."""
    if not spec:
        return spec
    return {k: ({**v, "seed": seed} if k in ("cdr", "pec") else v) for k, v in spec.items()}


def run_instance(problem, *, backend: str, shots: int, seed: int, repeats: int = 1, layers: int = 1,
                 angles: tuple[str, ...] = ("ramp", "optimised"), methods=tuple(METHODS)) -> list[dict]:
    from qopt.devices import load_device
    from qopt.devices.qiskit_runner import PLAIN, QiskitRunner
    from qopt.mitigation.runner import mitigate
    from qopt.optimize import minimize
    from qopt.qubo.ising import ising_terms
    from qopt.solvers._variational import prepare
    from qopt.devices.circuits import qaoa_gates
    from qopt.solvers.qaoa import ramp_angles

    device = load_device({"name": "fake", "kind": "ibm", "backend": backend, "shots": shots, "seed": seed,
                          "options": {"optimization_level": 1, "confirm_above_shots": 1e12}})
    prep = prepare(problem, device)
    h, J, _ = ising_terms(prep.bqm, prep.variables)
    h, J = h / prep.scale, {k: v / prep.scale for k, v in J.items()}
    n = prep.num_qubits
    idx = np.arange(1 << n)
    bits = ((idx[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int8)  # Qiskit order: qubit 0 = bit 0
    E = prep.bqm.energies((bits, prep.variables)) / prep.scale
    emin = float(E.min())

    def build(x):
        return qaoa_gates(h, J, x[:layers], x[layers:])

    def ideal_probs(x):
        from qiskit.quantum_info import Statevector

        from qopt.devices.circuits import to_qiskit

        return Statevector(to_qiskit(build(x), n)).probabilities()

    ramp = np.concatenate(ramp_angles(layers))  # p = 1: gamma 0.375, beta -0.375
    opt = minimize(lambda x: float(ideal_probs(x) @ E), ramp, optimizer="cobyla", maxiter=200 * layers, seed=seed)
    rows = []
    for label, x in (("ramp", ramp), ("optimised", np.asarray(opt.x))):
        if label not in angles:
            continue
        probs = ideal_probs(x)
        ideal = float(probs @ E)
        p_opt_ideal = float(probs[np.isclose(E, emin)].sum())
        dm = gate_noise_only(problem, x, backend=backend, seed=seed, layers=layers)
        for method in methods:
            spec = METHODS[method]
            values, dt = [], 0.0
            for r in range(repeats):  # shot seeds seed, seed+1, ...; CDR training and PEC samples too
                raw = QiskitRunner(prep, build, shots=shots, seed=seed + r)
                runner = mitigate(raw, _reseeded(spec, seed + r))
                raw.templates(x, getattr(runner, "variants", PLAIN))  # transpile + fold once (not timed)
                t0 = time.perf_counter()
                values.append(runner.value(x))
                dt += time.perf_counter() - t0
            value = float(np.mean(values))
            physical = runner.info()["physical_qubits"]
            row = {"instance": problem.name, "angles": label, "method": method, "qubits": prep.num_qubits,
                   "layers": layers, "isa_ops": runner.info()["isa_ops"],
                   "value": value * prep.scale, "ideal": ideal * prep.scale,
                   "abs_error": abs(value - ideal) * prep.scale, "approx_ratio": value / emin,
                   "ideal_ratio": ideal / emin, "executions": runner.executions,
                   "shots": runner.executions * shots, "time_s": dt / repeats, "backend": runner.backend_name,
                   "repeats": repeats, "values": [v * prep.scale for v in values],
                   "value_std": float(np.std(values, ddof=1)) * prep.scale if repeats > 1 else None,
                   "mean_abs_error": float(np.mean(np.abs(np.array(values) - ideal))) * prep.scale,
                   "physical_qubits": physical, "pec_gamma": getattr(runner, "pec_gamma", None)}
            if method == "noisy":
                row["gate_noise_only"] = {**dm, "ideal": ideal * prep.scale,
                                          "abs_error": {"noisy": abs(dm["noisy"] - ideal * prep.scale),
                                                        "zne": abs(dm["zne"] - ideal * prep.scale)}}
                row["readout_error"] = dict(zip(map(str, physical), readout_errors(backend, physical)))
            if method == "noisy":
                bits = runner.sample(x, shots)
                e = prep.bqm.energies((bits.astype(np.int8), prep.variables)) / prep.scale
                row["p_opt_noisy"] = float(np.isclose(e, emin).mean())
                row["p_opt_ideal"] = p_opt_ideal
            rows.append(row)
            print(f"  {problem.name} {label} {method}: {row['value']:.4f} (ideal {row['ideal']:.4f}) "
                  f"{row['executions']} circuits {dt:.1f}s", file=sys.stderr)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shots", type=int, default=8000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=1, help="sampling seeds per method (mean and spread reported)")
    ap.add_argument("--backend", default="FakeTorino",
                    help="qiskit-ibm-runtime fake backend (default FakeTorino, the device ibm.yaml targets)")
    ap.add_argument("--instances", default="ring6,reg3-6,mis-path5")
    ap.add_argument("--layers", type=int, default=1, help="QAOA depth p (deeper: gate noise grows, readout does not)")
    ap.add_argument("--methods", default=",".join(METHODS),
                    help=f"comma-separated subset of {', '.join(METHODS)} (noisy always runs)")
    ap.add_argument("--output", choices=("text", "json"), default="text")
    args = ap.parse_args(argv)
    methods = ["noisy"] + [m for m in args.methods.split(",") if m and m != "noisy"]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        ap.error(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}")
    info = machine()
    names = args.instances.split(",")
    if args.output == "json":
        names = names[:1]
    rows = []
    for problem in instances(names):
        rows.extend(run_instance(problem, backend=args.backend, shots=args.shots, seed=args.seed,
                                 repeats=args.repeats, layers=args.layers, methods=methods,
                                 angles=("optimised",) if args.output == "json" else ("ramp", "optimised")))
    info["loadavg_end"] = os.getloadavg()
    if args.output == "json":
        sel = [r for r in rows if r["angles"] == "optimised"]
        by = {r["method"]: r for r in sel}
        out = {"instance": sel[0]["instance"], "qubits": sel[0]["qubits"], "backend": sel[0]["backend"],
               "layers": args.layers, "isa_ops": sel[0]["isa_ops"],
               "shots_per_circuit": args.shots, "seed": args.seed, "angles": "optimised (exact simulator)",
               "ideal": sel[0]["ideal"], "noisy": by["noisy"]["value"],
               "mitigated": {m: by[m]["value"] for m in methods if m != "noisy"},
               "abs_error": {m: by[m]["abs_error"] for m in methods},
               "error_ratio": {m: by[m]["abs_error"] / by["noisy"]["abs_error"] for m in methods if m != "noisy"},
               "executions": {m: by[m]["executions"] for m in methods},
               "repeats": args.repeats,
               "value_std": {m: by[m]["value_std"] for m in methods},
               "mean_abs_error_per_evaluation": {m: by[m]["mean_abs_error"] for m in methods},
               **({"pec_gamma": by["pec"]["pec_gamma"]} if "pec" in by else {}),
               **({"zne_error_ratio": by["zne"]["abs_error"] / by["noisy"]["abs_error"]} if "zne" in by else {}),
               "target": {"rule": "abs error <= 0.5 x unmitigated abs error",
                          **{f"{m}_{k}": v for m in ("zne", "zne_rem") if m in by
                             for k, v in (("error_ratio", by[m]["abs_error"] / by["noisy"]["abs_error"]),
                                          ("met", by[m]["abs_error"] <= 0.5 * by["noisy"]["abs_error"]))},
                          "per_evaluation": {m: by[m]["mean_abs_error"] / by["noisy"]["mean_abs_error"]
                                             for m in ("zne", "zne_rem") if m in by},
                          "gate_noise_only_zne_error_ratio": (by["noisy"]["gate_noise_only"]["abs_error"]["zne"]
                                                              / by["noisy"]["gate_noise_only"]["abs_error"]["noisy"])},
               "physical_qubits": by["noisy"]["physical_qubits"],
               "readout_error": by["noisy"]["readout_error"],
               "gate_noise_only": by["noisy"]["gate_noise_only"],
               "machine": info}
        print(json.dumps(out, indent=1))
        return 0
    print(f"# nproc={info['nproc']} cpu={info['cpu']} python={info['python']}")
    print(f"# packages {info['packages']}")
    print(f"# loadavg start {info['loadavg']} end {info['loadavg_end']}; backend {args.backend}, "
          f"shots/circuit {args.shots}, seed {args.seed}, repeats {args.repeats}, layers p={args.layers}")
    print("| instance | angles | method | <C> | ± std | ideal | abs err | err / noisy err | mean abs err per eval | "
          "ratio | circuits/eval | time s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    noisy_err = {}
    for r in rows:
        if r["method"] == "noisy":
            noisy_err[r["instance"], r["angles"]] = r["abs_error"]
        std = "" if r["value_std"] is None else f"{r['value_std']:.3f}"
        rel = r["abs_error"] / noisy_err[r["instance"], r["angles"]]
        print(f"| {r['instance']} | {r['angles']} | {r['method']} | {r['value']:.3f} | {std} | {r['ideal']:.3f} | "
              f"{r['abs_error']:.3f} | {rel:.2f} | {r['mean_abs_error']:.3f} | {r['approx_ratio']:.3f} | "
              f"{r['executions']} | {r['time_s']:.1f} |")
    print("\nGate noise only (exact density matrix of the same noise model: no readout error, no shot noise):")
    print("| instance | angles | ideal | noisy | zne | zne err / noisy err | physical qubits | readout error |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "gate_noise_only" in r:
            g = r["gate_noise_only"]
            ro = ", ".join(f"q{q}: {e:.3f}" for q, e in r["readout_error"].items())
            print(f"| {r['instance']} | {r['angles']} | {g['ideal']:.3f} | {g['noisy']:.3f} | {g['zne']:.3f} | "
                  f"{g['abs_error']['zne'] / g['abs_error']['noisy']:.2f} | {r['physical_qubits']} | {ro} |")
    print("\n| instance | angles | P(optimal) ideal | P(optimal) noisy shots |")
    print("|---|---|---|---|")
    for r in rows:
        if "p_opt_noisy" in r:
            print(f"| {r['instance']} | {r['angles']} | {r['p_opt_ideal']:.3f} | {r['p_opt_noisy']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
