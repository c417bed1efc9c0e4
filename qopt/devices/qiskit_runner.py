"""Qiskit-native runner for Aer (noisy), IBM fake (local testing mode) and IBM Quantum devices.

A :class:`~qopt.devices.runner.Runner` (``value``, ``value_and_grad``, ``probabilities``, ``sample``;
``cvar`` and ``final_samples`` from the base class) plus ``info()`` (job ids, jobs, executions) and
``close()``. It executes and measures; it applies no error mitigation. Mitigation wraps it
(:func:`qopt.mitigation.runner.mitigate`, the way Mitiq wraps an executor) through its batched raw
calls :meth:`QiskitRunner.run_batch` and :meth:`QiskitRunner.run_circuits`.

* The gate list of ``build(x)`` (:mod:`qopt.devices.circuits`) becomes a circuit with one Qiskit
  parameter per angle ("slot"), transpiled ONCE per gate structure to the backend's ISA
  (``generate_preset_pass_manager``: basis gates, coupling map, layout); parameters are bound after
  transpilation. A *variant* (``(key, fn)``: ``fn`` maps the parametrised ISA circuit to another with
  the same parameters, e.g. a folded one) is built once per structure and cached under ``key``.
* Every call is ONE SamplerV2 job (:class:`qopt.devices.ibm.Submitter`): one PUB per variant carrying
  all parameter bindings (value and +-pi/2 shifts of every gate occurrence), plus the circuits of a
  ``calibration`` object (``circuits(num_qubits, physical)``, ``correct(z, zz, outputs)``) when one is
  given.
* The Ising energy ``sum h Z + sum J ZZ + const`` (scaled) is estimated from the shots' one- and
  two-body moments (corrected by ``calibration.correct`` first, when given).
* Gradients: parameter-shift per gate occurrence (``d<E>/dphi = (E(phi + pi/2) - E(phi - pi/2))/2``
  for ``exp(-i phi P / 2)``; :mod:`qopt.devices.occurrences`), chained through the affine maps
  occurrence <- slot <- x.
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


#: The plain circuit: no variant.
PLAIN = ((None, None),)


class _Structure:
    """The ISA circuit of one gate structure (transpiled once) and its variants' occurrence templates."""

    def __init__(self, runner, key):
        from qiskit.transpiler import generate_preset_pass_manager

        from qopt.devices.occurrences import occurrence_template

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
        self.plain = occurrence_template(isa, params)
        self.variants = {None: self.plain}
        runner.transpile_s += time.perf_counter() - t0
        logger.info("transpiled %d-qubit structure to %s: %s (%.2f s)", n, runner.backend_name,
                    dict(isa.count_ops()), time.perf_counter() - t0)

    def variant(self, runner, key, fn):
        """The occurrence template of variant ``key`` (``fn(isa)``, built once)."""
        t = self.variants.get(key)
        if t is None:
            from qopt.devices.occurrences import occurrence_template

            t0 = time.perf_counter()
            t = self.variants[key] = occurrence_template(fn(self.isa), self.params)
            runner.transpile_s += time.perf_counter() - t0
        return t


class QiskitRunner(Runner):
    """Circuits of one variational ansatz on a Qiskit backend through runtime primitives.

    Args:
        prep: the :class:`~qopt.devices.circuits.Cost` (with ``device``, or pass ``config``).
        build: flat parameters x -> gate list.
        diff_method: "parameter-shift" (or "best"/None); gradients are always parameter-shift here.
        shots: shots per circuit; None = exact noisy expectations (Aer only).
        seed: seed of simulator seeds, transpiler and sampling.
        yes: confirm a hardware run above the cost threshold.
        maxiter: optimiser iterations, for the cost estimate.
    """

    def __init__(self, prep, build, *, diff_method: str | None = "parameter-shift", shots: int | None,
                 seed, yes: bool | None = None, maxiter: int | None = None, journal=None,
                 config=None):
        from qopt.devices.ibm import Submitter, check_options, connect

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
        if shots is None and config.kind == "ibm":
            raise ConfigError(f"device {config.name!r}: shots must be set (hardware samples)")
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
            self.executions_by[kind] = self.executions_by.get(kind, 0) + c
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

    def _run_energies(self, st, pubs, kinds, calibration=None):
        """ONE job: ``pubs`` plus ``calibration``'s circuits; the scaled energies of ``pubs``, one array
        (k,) per pub, from moments corrected by ``calibration.correct`` when given."""
        n = len(pubs)
        if calibration is not None:
            extra = list(calibration.circuits(st.isa.num_qubits, st.physical))
            pubs = list(pubs) + [(c, None) for c in extra]
            kinds = list(kinds) + ["calibration"] * len(extra)
        outs = self._execute(pubs, kinds)
        energies = []
        for data in outs[:n]:
            z, zz = self._moments(data)
            if calibration is not None:
                z, zz = calibration.correct(z, zz, outs[n:])
            energies.append(self._energy(z, zz))
        return energies

    # ------------------------------------------------------------------ batched raw execution (wrapped by mitigation)
    def templates(self, x, variants=PLAIN) -> list:
        """The :class:`~qopt.devices.occurrences.OccurrenceTemplate` of each variant ``(key, fn)`` of the
        circuit at ``x`` (``(None, None)``: the plain ISA circuit)."""
        st, _ = self._structure(x)
        return [st.variant(self, key, fn) for key, fn in variants]

    def run_batch(self, x, *, variants=PLAIN, gradient: bool = False, calibration=None, kind: str | None = None):
        """ONE job: the circuit at ``x`` in every variant, its value and (``gradient``) gradient.

        Args:
            x: flat parameters, shape (d,).
            variants: ``((key, fn), ...)``; ``fn`` maps the parametrised ISA circuit to a circuit with the
                same parameters (built once per gate structure, cached under ``key``); ``(None, None)``
                is the plain circuit.
            gradient: also bind the +-pi/2 shift of every gate occurrence (parameter shift).
            calibration: object with ``circuits(num_qubits, physical) -> bound circuits`` added to the
                job and ``correct(z (k, n), zz (k, n, n), outputs) -> (z, zz)`` applied to the measured
                moments (readout mitigation), or None.
            kind: the purpose counted in ``info()["executions_by_purpose"]`` (default ``objective``, or
                ``gradient``).

        Returns:
            ``(values, grads)``: scaled ``<C>`` per variant, shape (V,), and ``d<C>/dx`` per variant,
            shape (V, d), or None without ``gradient``.
        """
        x = np.asarray(x, dtype=np.float64)
        st, theta = self._structure(x)
        temps = [st.variant(self, key, fn) for key, fn in variants]
        binds = []
        for t in temps:
            phi = t.angles(theta)
            if gradient:
                m = phi.size
                shifts = np.concatenate([np.zeros((1, m)), np.eye(m) * (math.pi / 2), -np.eye(m) * (math.pi / 2)])
                binds.append(t.bindings(phi[None, :] + shifts))
            else:
                binds.append(t.bindings(phi)[None, :])
        kind = kind or ("gradient" if gradient else "objective")
        energies = self._run_energies(st, [(t.circuit, b) for t, b in zip(temps, binds)], [kind] * len(temps),
                                      calibration)
        values = np.array([float(e[0]) for e in energies])
        if not gradient:
            return values, None
        jac = self._jacobian(x)
        grads = []
        for t, e in zip(temps, energies):
            m = t.num_occurrences
            grads.append(jac.T @ (t.A.T @ ((e[1:1 + m] - e[1 + m:]) / 2.0)))
        return values, np.stack(grads)

    def run_circuits(self, x, circuits, *, kind, calibration=None) -> np.ndarray:
        """ONE job: bound, measured ISA ``circuits`` derived from the circuit at ``x`` (sharing its
        layout: CDR training circuits, PEC samples) plus ``calibration``'s; their scaled energies, shape
        (len(circuits),). ``kind``: the purpose counted, one for all or one per circuit."""
        st, _ = self._structure(x)
        kinds = [kind] * len(circuits) if isinstance(kind, str) else list(kind)
        if len(kinds) != len(circuits):
            raise ValueError(f"{len(kinds)} kinds for {len(circuits)} circuits")
        energies = self._run_energies(st, [(c, None) for c in circuits], kinds, calibration)
        return np.array([float(e[0]) for e in energies])

    def bound_circuit(self, x):
        """The plain measured ISA circuit at ``x``, parameters bound."""
        st, theta = self._structure(x)
        return st.plain.circuit.assign_parameters(
            dict(zip(st.plain.circuit.parameters, st.plain.bindings(st.plain.angles(theta)))))

    def energy_of_probabilities(self, p) -> float:
        """Scaled ``<C>`` of a distribution over the measured clbits, shape (2**n,) (clbit q = bit q)."""
        z, zz = self._moments_exact(np.asarray(p, dtype=np.float64))
        return float(self._energy(z, zz)[0])

    @property
    def offset(self) -> float:
        """The constant term of the scaled Ising energy."""
        return float(self._const)

    # ------------------------------------------------------------------ the runner protocol
    def value(self, x) -> float:
        """``<C>`` (scaled units) of the circuit at ``x``: one job."""
        return float(self.run_batch(x)[0][0])

    def value_and_grad(self, x):
        """(``<C>``, gradient of shape (len(x),)) by per-occurrence parameter shift: one job."""
        values, grads = self.run_batch(x, gradient=True)
        return float(values[0]), grads[0]

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
        """Run record for ``Result.info``: backend, job ids, jobs, executions per purpose."""
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
            "mitigation": None,  # a MitigatedRunner (qopt.mitigation.runner) fills this in
            "isa_ops": {k: int(v) for k, v in isa.count_ops().items()} if isa is not None else None,
            "physical_qubits": next(iter(self._structures.values())).physical if self._structures else None,
            "transpile_s": self.transpile_s,
        }

    def close(self) -> None:
        if self.submitter is not None:
            self.submitter.close()
