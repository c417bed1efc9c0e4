"""Qiskit-native runner for Aer (noisy), IBM fake (local testing mode) and IBM Quantum devices.

A :class:`~qopt.devices.runner.Runner` (``value``, ``value_and_grad``, ``probabilities``, ``sample``;
``cvar`` and ``final_samples`` from the base class) plus ``info()`` (job ids, jobs, mitigation) and
``close()``. Mitigation wraps the runner's expectation values the way Mitiq wraps an executor.

* The gate list of ``build(x)`` (:mod:`qopt.devices.circuits`) becomes a circuit with one Qiskit
  parameter per angle ("slot"), transpiled ONCE per gate structure to the backend's ISA
  (``generate_preset_pass_manager``: basis gates, coupling map, layout); parameters are bound after
  transpilation. Mitiq folding / DDD is applied once per structure to the ISA circuit
  (:mod:`qopt.mitigation.transform`), keeping the layout.
* Every evaluation is ONE SamplerV2 job (:class:`qopt.devices.ibm.Submitter`): one PUB per noise
  scale factor carrying all parameter bindings (value and +-pi/2 shifts of every gate occurrence),
  plus two readout-calibration circuits when readout mitigation is on.
* The Ising energy ``sum h Z + sum J ZZ + const`` (scaled) is estimated from the shots' one- and
  two-body moments; readout correction, ZNE extrapolation and CDR act on these expectations.
* Gradients: parameter-shift per gate occurrence (``d<E>/dphi = (E(phi + pi/2) - E(phi - pi/2))/2``
  for ``exp(-i phi P / 2)``), chained through the affine maps occurrence <- slot <- x; for ZNE the
  mitigated gradient is ``sum_i (dE0/dE_i) grad E_i`` (fixed weights for linear factories).
* ``shots=None`` on an Aer device: exact noisy expectations from a density-matrix simulation
  (gate noise; readout errors act only on sampled shots), used for gradient tests.
"""

from __future__ import annotations

import logging
import math
import time
import warnings

import numpy as np

from qopt.devices.runner import Runner
from qopt.errors import ConfigError

__all__ = ["QiskitRunner"]

logger = logging.getLogger(__name__)


def _slots(gates) -> tuple[tuple, np.ndarray]:
    """(structure key, slot angles of shape (k,)) of a gate list."""
    key = tuple((name, tuple(int(w) for w in wires), a is None) for name, wires, a in gates)
    angles = np.array([float(a) for _, _, a in gates if a is not None], dtype=np.float64)
    return key, angles


def _parametric_circuit(key, n: int):
    """The circuit of a structure ``key`` with one parameter per angle slot, measured into clbits 0..n-1."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter

    qc = QuantumCircuit(n)
    params = []
    for name, wires, fixed in key:
        if fixed:
            if name == "cnot":
                qc.cx(*wires)
            else:
                getattr(qc, name)(*wires)
            continue
        p = Parameter(f"s{len(params):05d}")
        params.append(p)
        if name == "xy":  # exp(-i a (XX + YY) / 4) = RXX(a/2) RYY(a/2) (commuting)
            qc.rxx(0.5 * p, *wires)
            qc.ryy(0.5 * p, *wires)
        else:
            getattr(qc, name)(p, *wires)
    qc.measure_all()
    return qc, params


class _Structure:
    """Transpiled and transformed templates of one gate structure."""

    def __init__(self, runner, key):
        from qiskit.transpiler import generate_preset_pass_manager

        from qopt.mitigation.transform import occurrence_template, parametric_transform, to_isa
        from qopt.mitigation.zne import fold

        t0 = time.perf_counter()
        n = runner.n
        qc, params = _parametric_circuit(key, n)
        pm = generate_preset_pass_manager(optimization_level=runner.optimization_level, backend=runner.target,
                                          seed_transpiler=runner.seed_transpiler)
        isa = pm.run(qc)
        self.isa = isa
        self.params = params
        layout = isa.layout.final_index_layout() if isa.layout is not None else list(range(n))
        self.physical = [int(p) for p in layout[:n]]
        mit = runner.mitigation
        self.plain = occurrence_template(isa, params)
        scales = mit.zne.scale_factors if (mit and mit.zne) else (1.0,)
        self.scales = tuple(scales)
        self.templates = []
        for lam in scales:
            def fn(c, lam=lam):
                if lam != 1.0:
                    z = mit.zne
                    c = fold(c, lam, method=z.folding, seed=z.seed)
                if mit and mit.ddd:
                    c = _insert_ddd(c, mit.ddd)
                return c

            if lam == 1.0 and not (mit and mit.ddd):
                circ = isa
            else:
                circ = to_isa(parametric_transform(isa, fn, seed=runner.seed_transpiler or 0), runner.target)
            self.templates.append(occurrence_template(circ, params))
        runner.transpile_s += time.perf_counter() - t0
        logger.info("transpiled %d-qubit structure to %s: %s (%.2f s)", n, runner.backend_name,
                    dict(isa.count_ops()), time.perf_counter() - t0)


def _insert_ddd(circuit, rule: str):
    from mitiq import ddd

    return ddd.insert_ddd_sequences(circuit, getattr(ddd.rules, rule))


class QiskitRunner(Runner):
    """Circuits of one variational ansatz on a Qiskit backend through runtime primitives.

    Args:
        prep: the :class:`~qopt.devices.circuits.Cost` (with ``device``, or pass ``config``).
        build: flat parameters x -> gate list.
        diff_method: "parameter-shift" (or "best"/None); gradients are always parameter-shift here.
        shots: shots per circuit; None = exact noisy expectations (Aer only).
        seed: seed of simulator seeds, transpiler and sampling.
        mitigation: CLI/solver override of the device's ``mitigation:`` block (e.g. "zne").
        yes: confirm a hardware run above the cost threshold.
        maxiter: optimiser iterations, for the cost estimate.
    """

    def __init__(self, prep, build, *, diff_method: str | None = "parameter-shift", shots: int | None,
                 seed, mitigation=None, yes: bool | None = None, maxiter: int | None = None, journal=None,
                 config=None):
        from qopt.devices.ibm import Submitter, check_options, connect
        from qopt.mitigation.config import parse_mitigation

        super().__init__(prep, build)
        config = config if config is not None else prep.device
        if config.kind not in ("aer", "ibm"):
            raise ConfigError(f"the Qiskit runner needs an aer or ibm device, got kind {config.kind!r}")
        if diff_method not in (None, "best", "parameter-shift"):
            raise ConfigError(f"diff_method {diff_method!r} is not available on Qiskit devices; they use "
                              "parameter-shift")
        opts = check_options(dict(config.options), config.source)
        self.config = config
        self.shots = shots
        self.diff_method = "parameter-shift"
        self.yes, self.maxiter = yes, maxiter
        self.mitigation = parse_mitigation(mitigation if mitigation is not None else config.mitigation,
                                           base=config.mitigation,
                                           source="--mitigation" if mitigation is not None else config.source)
        if shots is None and (config.kind == "ibm" or (self.mitigation and self.mitigation.readout)):
            raise ConfigError(f"device {config.name!r}: shots must be set (hardware and readout mitigation sample)")
        from qopt._random import as_generator

        rng = as_generator(seed)
        self.rng = rng
        self.seed_transpiler = int(opts.get("seed_transpiler", config.seed if config.seed is not None else
                                            int(rng.integers(1, 2**31 - 1))))
        self.optimization_level = int(opts.get("optimization_level", 1))
        self.backend, self.target = connect(config)
        if self.target is None:
            self.target = self.backend
        self.backend_name = getattr(self.target, "name", str(config.backend))
        num = getattr(self.target, "num_qubits", None)
        if num is not None and self.n > num:
            from qopt.errors import DeviceCapacityError

            raise DeviceCapacityError(f"the circuit needs {self.n} qubits but backend {self.backend_name} has {num}")
        self.submitter = Submitter(config, self.backend, shots=shots or 1, rng=rng) if shots else None
        self.journal = None
        if journal is not None:
            if not shots:
                raise ConfigError("a job journal records sampled jobs; it needs shots (not exact expectations)")
            from qopt.devices.journal import as_journal

            self.journal = as_journal(journal)
        h, J, const = prep.ising()
        s = prep.scale
        self._h, self._const = h / s, const / s
        pairs = [(q, r, b / s) for (q, r), b in J.items() if b != 0]
        self._jq = np.array([p[0] for p in pairs], dtype=np.int64)
        self._jr = np.array([p[1] for p in pairs], dtype=np.int64)
        self._jv = np.array([p[2] for p in pairs], dtype=np.float64)
        self._structures: dict = {}
        self._cost_checked = False
        self.transpile_s = 0.0
        self.num_circuits = 0
        self.num_jobs = 0
        self.executions_by = {"objective": 0, "gradient": 0, "calibration": 0, "cdr": 0, "pec": 0, "samples": 0}
        pec = self.mitigation.pec if self.mitigation else None
        self._pec_rng = np.random.RandomState(pec.seed) if pec else None  # one sampling stream per run
        self.pec_gamma: float | None = None
        self._exact_sim = None

    # ------------------------------------------------------------------ plumbing
    def _structure(self, x):
        key, theta = _slots(self.build(np.asarray(x, dtype=np.float64)))
        st = self._structures.get(key)
        if st is None:
            st = self._structures[key] = _Structure(self, key)
        return st, theta

    def _jacobian(self, x, h: float = 1e-3) -> np.ndarray:
        """d theta / d x, shape (k, len(x)), by central differences (exact for the linear angle maps)."""
        x = np.asarray(x, dtype=np.float64)
        cols = []
        for j in range(x.size):
            e = np.zeros_like(x)
            e[j] = h
            _, tp = _slots(self.build(x + e))
            _, tm = _slots(self.build(x - e))
            cols.append((tp - tm) / (2 * h))
        return np.stack(cols, axis=1) if cols else np.zeros((0, 0))

    def _check_cost(self, circuits: int) -> None:
        if self._cost_checked or self.config.kind != "ibm":
            self._cost_checked = True
            return
        from qopt.devices.ibm import check_cost

        iterations = max(1, int(self.maxiter or 1))
        check_cost(self.config, circuits=circuits, shots=self.shots, iterations=iterations, yes=self.yes)
        self._cost_checked = True

    def _execute(self, pubs, kinds):
        """Run ``pubs`` = [(circuit, bindings (k, P) or None)] as ONE job.

        Returns:
            per pub: bool array (k, shots, n) of measured bits (sampler), or probabilities
            (k, 2**n) over clbits (exact mode).
        """
        counts = [1 if b is None else int(np.asarray(b).shape[0]) for _, b in pubs]
        for kind, c in zip(kinds, counts):
            self.executions_by[kind] += c
        self.num_circuits += sum(counts)
        self.num_jobs += 1
        if self.shots is None:
            return self._execute_exact(pubs)
        self._check_cost(sum(counts))
        run = [(c,) if b is None else (c, np.asarray(b, dtype=np.float64)) for c, b in pubs]
        key = None
        if self.journal is not None:
            from qopt.devices.journal import pubs_key

            key = pubs_key(self.backend_name, self.shots, run)
            replayed = self.journal.replay(key)
            if replayed is not None:
                self.submitter.skip()  # keep the local simulator's seed stream where the first run had it
                return replayed
        result = self.submitter.run(run)
        out = []
        for (c, b), res in zip(pubs, result):
            arr = res.data.meas.to_bool_array(order="little")
            out.append(arr.reshape((-1,) + arr.shape[-2:]))
        if self.journal is not None:
            self.journal.record(key, self.submitter.job_ids[-1] if self.submitter.job_ids else None, kinds, out)
        return out

    def _execute_exact(self, pubs):
        from qiskit_aer import AerSimulator

        if self.config.kind != "aer":
            raise ConfigError("exact (shots=None) expectations are only available on Aer devices")
        if self._exact_sim is None:
            noise = None
            if self.config.noise:
                from qiskit_aer.noise import NoiseModel

                noise = NoiseModel.from_backend(self.config.fake_backend())
            self._exact_sim = AerSimulator(method="density_matrix", noise_model=noise)
        circuits, sizes = [], []
        for c, b in pubs:
            rows = [None] if b is None else list(np.asarray(b, dtype=np.float64))
            sizes.append(len(rows))
            for row in rows:
                bound = c if row is None else c.assign_parameters(dict(zip(c.parameters, row)))
                meas = {bound.find_bit(inst.clbits[0]).index: bound.find_bit(inst.qubits[0]).index
                        for inst in bound.data if inst.operation.name == "measure"}
                qubits = [meas[q] for q in range(len(meas))]
                with warnings.catch_warnings():  # harmless on a laid-out circuit: Qiskit re-adds its register
                    warnings.filterwarnings("ignore", "Trying to add QuantumRegister", UserWarning)
                    body = bound.remove_final_measurements(inplace=False)
                body.save_probabilities(qubits)
                circuits.append(body)
        res = self._exact_sim.run(circuits, shots=1).result()
        probs = [np.asarray(res.data(i)["probabilities"], dtype=np.float64) for i in range(len(circuits))]
        out, k = [], 0
        for size in sizes:
            out.append(np.stack(probs[k:k + size]))
            k += size
        return out

    def _moments(self, data):
        """(z (k, n), zz (k, n, n)) from bits (k, shots, n) or probabilities (k, 2**n)."""
        if self.shots is None:
            idx = np.arange(data.shape[1])
            Z = 1.0 - 2.0 * ((idx[:, None] >> np.arange(self.n)[None, :]) & 1)
            z = data @ Z
            zz = np.einsum("ks,sq,sr->kqr", data, Z, Z)
            return z, zz
        Z = 1.0 - 2.0 * data.astype(np.float64)
        shots = Z.shape[1]
        return Z.mean(axis=1), np.einsum("ksq,ksr->kqr", Z, Z) / shots

    def _energy(self, z, zz) -> np.ndarray:
        return self._const + z @ self._h + (zz[:, self._jq, self._jr] @ self._jv if self._jv.size else 0.0)

    def _energies_of(self, outs, cal):
        """Scaled energies per pub (array (k,)), readout-corrected with calibration ``cal``."""
        from qopt.mitigation.readout import correct_moments, readout_errors

        errs = readout_errors(cal[0][0], cal[1][0]) if cal is not None else None
        energies = []
        for data in outs:
            z, zz = self._moments(data)
            if errs is not None:
                z, zz = correct_moments(z, zz, *errs)
            energies.append(self._energy(z, zz))
        return energies

    def _run_energies(self, st, pubs, kinds):
        """One job: ``pubs`` plus, with readout mitigation, the 2 calibration circuits; returns the
        (readout-corrected) energies of ``pubs``, one array (k,) per pub."""
        n = len(pubs)
        readout = bool(self.mitigation and self.mitigation.readout)
        if readout:
            from qopt.mitigation.readout import calibration_circuits

            pubs = list(pubs) + [(c, None) for c in calibration_circuits(st.isa.num_qubits, st.physical)]
            kinds = list(kinds) + ["calibration", "calibration"]
        outs = self._execute(pubs, kinds)
        return self._energies_of(outs[:n], outs[n:] if readout else None)

    def _run_scaled(self, st, bindings_per_scale, kind: str):
        """One job: every scale factor's bindings (+ calibration); returns energies per scale."""
        return self._run_energies(st, [(t.circuit, b) for t, b in zip(st.templates, bindings_per_scale)],
                                  [kind] * len(st.templates))

    def _extrapolate(self, values):
        z = self.mitigation.zne if self.mitigation else None
        if z is None:
            return float(values[0]), np.ones(1)
        from qopt.mitigation.zne import extrapolate, extrapolation_partials

        v = extrapolate(z.scale_factors, values, factory=z.factory, order=z.order)
        return v, extrapolation_partials(z.scale_factors, values, factory=z.factory, order=z.order)

    # ------------------------------------------------------------------ public interface
    def value(self, x) -> float:
        """Mitigated ``<C>`` (scaled units) of the circuit at ``x``: one job."""
        st, theta = self._structure(x)
        if self.mitigation and self.mitigation.cdr:
            return self._cdr_value(st, theta)
        if self.mitigation and self.mitigation.pec:
            return self._pec_value(st, theta)
        binds = [t.bindings(t.angles(theta))[None, :] for t in st.templates]
        energies = self._run_scaled(st, binds, "objective")
        return self._extrapolate([float(e[0]) for e in energies])[0]

    def noisy_values(self, x) -> dict:
        """Unmitigated and per-scale values (diagnostics): {"scales": [...], "values": [...]}."""
        st, theta = self._structure(x)
        binds = [t.bindings(t.angles(theta))[None, :] for t in st.templates]
        energies = self._run_scaled(st, binds, "objective")
        return {"scales": list(st.scales), "values": [float(e[0]) for e in energies]}

    def value_and_grad(self, x):
        """(mitigated ``<C>``, gradient of shape (len(x),)) by per-occurrence parameter shift: one job."""
        if self.mitigation and self.mitigation.cdr:
            raise ConfigError("CDR has no parameter-shift gradient (its fit changes with the angles); use a "
                              "gradient-free optimizer (cobyla, nelder-mead, spsa) with cdr")
        if self.mitigation and self.mitigation.pec:
            raise ConfigError("PEC has no parameter-shift gradient here (its circuits are sampled per "
                              "evaluation); use a gradient-free optimizer (cobyla, nelder-mead, spsa) with pec")
        x = np.asarray(x, dtype=np.float64)
        st, theta = self._structure(x)
        binds = []
        for t in st.templates:
            phi = t.angles(theta)
            m = phi.size
            shifts = np.concatenate([np.zeros((1, m)), np.eye(m) * (math.pi / 2), -np.eye(m) * (math.pi / 2)])
            binds.append(t.bindings(phi[None, :] + shifts))
        energies = self._run_scaled(st, binds, "gradient")
        values, grads = [], []
        for t, e in zip(st.templates, energies):
            m = t.num_occurrences
            dphi = (e[1:1 + m] - e[1 + m:]) / 2.0
            values.append(float(e[0]))
            grads.append(t.A.T @ dphi)
        value, partials = self._extrapolate(values)
        dtheta = sum(w * g for w, g in zip(partials, grads))
        return value, self._jacobian(x).T @ dtheta

    def _cdr_value(self, st, theta) -> float:
        from qopt.mitigation.cdr import cdr_fit, training_circuits

        opts = self.mitigation.cdr
        bound = self._bound_plain(st, theta)
        train = training_circuits(bound, opts, self.target)
        energies = self._run_energies(st, [(bound, None)] + [(c, None) for c in train],
                                      ["objective"] + ["cdr"] * len(train))
        noisy = [float(e[0]) for e in energies]
        ideal = [self.ideal_value(c) for c in train]
        return cdr_fit(noisy[1:], ideal, noisy[0], fraction_non_clifford=opts.fraction_non_clifford)

    def _bound_plain(self, st, theta):
        return st.plain.circuit.assign_parameters(
            dict(zip(st.plain.circuit.parameters, st.plain.bindings(st.plain.angles(theta)))))

    def _pec_value(self, st, theta) -> float:
        from qopt.mitigation.pec import pec_estimate, sample_circuits

        opts = self.mitigation.pec
        circuits, signs, gamma = sample_circuits(self._bound_plain(st, theta), self.target,
                                                 num_samples=opts.num_samples, rng=self._pec_rng,
                                                 noise_scale=opts.noise_scale)
        self.pec_gamma = gamma
        values = [float(e[0]) for e in self._run_energies(st, [(c, None) for c in circuits], ["pec"] * len(circuits))]
        return pec_estimate(values, signs, gamma, offset=float(self._const))

    def ideal_value(self, circuit) -> float:
        """Noiseless ``<C>`` of a bound measured ISA circuit (state vector on its measured qubits)."""
        from qopt.mitigation.cdr import ideal_probabilities

        p = ideal_probabilities(circuit)
        z, zz = self._moments_exact(p)
        return float(self._energy(z, zz)[0])

    def _moments_exact(self, p):
        idx = np.arange(p.size)
        Z = 1.0 - 2.0 * ((idx[:, None] >> np.arange(self.n)[None, :]) & 1)
        return (p @ Z)[None, :], np.einsum("s,sq,sr->qr", p, Z, Z)[None]

    def sample(self, x, shots: int) -> np.ndarray:
        """``shots`` measured bitstrings of the unmitigated ISA circuit, shape (shots, n) uint8."""
        st, theta = self._structure(x)
        b = st.plain.bindings(st.plain.angles(theta))[None, :]
        if self.shots is None:
            p = self._execute([(st.plain.circuit, b)], ["samples"])[0][0]
            idx = self.rng.choice(p.size, size=shots, p=p / p.sum())
            return ((idx[:, None] >> np.arange(self.n)[None, :]) & 1).astype(np.uint8)
        if shots != self.shots:
            self.executions_by["samples"] += 1
            self.num_circuits += 1
            self.num_jobs += 1
            self._check_cost(1)
            res = self.submitter.run([(st.plain.circuit, b, int(shots))])
            arr = res[0].data.meas.to_bool_array(order="little")
            return arr.reshape(-1, self.n).astype(np.uint8)
        return self._execute([(st.plain.circuit, b)], ["samples"])[0][0].astype(np.uint8)

    def probabilities(self, x) -> np.ndarray:
        """Exact noisy output distribution (Aer with shots=None only), shape (2**n,)."""
        if self.shots is not None:
            raise ConfigError(f"device {self.config.name!r} samples ({self.shots} shots); exact probabilities "
                              "are not available")
        st, theta = self._structure(x)
        b = st.plain.bindings(st.plain.angles(theta))[None, :]
        p = self._execute([(st.plain.circuit, b)], ["samples"])[0][0]
        # clbit q = qubit q is bit q of the Aer index; qopt's index has qubit 0 most significant
        n = self.n
        idx = np.arange(p.size)
        rev = np.zeros_like(idx)
        for q in range(n):
            rev |= ((idx >> q) & 1) << (n - 1 - q)
        out = np.zeros_like(p)
        out[rev] = p
        return out

    @property
    def executions(self) -> int:
        """Circuit executions so far (each parameter binding of each PUB counts once)."""
        return int(self.num_circuits)

    def info(self) -> dict:
        """Run record for ``Result.info``: backend, job ids, jobs, executions per purpose, mitigation."""
        sub = self.submitter
        isa = next(iter(self._structures.values())).isa if self._structures else None
        return {
            "backend": self.backend_name,
            "runtime_mode": ("local testing" if self.config.kind == "ibm" and
                             (self.config.backend or "").startswith("Fake") else
                             ("aer" if self.config.kind == "aer" else "ibm quantum")),
            "execution_mode": sub.execution_mode if sub else None,
            "job_ids": list(sub.job_ids) if sub else [],
            "jobs": int(self.num_jobs),
            "job_retries": int(sub.retries) if sub else 0,
            **({"journal": str(self.journal.path), "jobs_replayed": self.journal.replayed} if self.journal else {}),
            "executions_by_purpose": dict(self.executions_by),
            "mitigation": self.mitigation.to_dict() if self.mitigation else None,
            **({"pec_gamma": self.pec_gamma} if self.pec_gamma is not None else {}),
            "isa_ops": {k: int(v) for k, v in isa.count_ops().items()} if isa is not None else None,
            "physical_qubits": next(iter(self._structures.values())).physical if self._structures else None,
            "transpile_s": self.transpile_s,
        }

    def close(self) -> None:
        if self.submitter is not None:
            self.submitter.close()
