"""The QCAE latent circuit on Qiskit devices (Aer, noisy Aer, IBM fake/real) with parameter-shift gradients.

A minibatch is never broadcast through PennyLane's parameter-shift transform (which cannot
differentiate broadcast tapes). Instead :class:`ShiftRunner` builds, for a minibatch of ``B``
latent angle vectors, every circuit a step needs as rows of ONE parameter-binding array of the
transpiled circuit and runs it as ONE sampler job on IBM Quantum (on local simulators, Aer through
qiskit-ibm-runtime's ``SamplerV2`` local mode or a fake backend in local testing mode, as calls of
at most :data:`MAX_LOCAL_SHOTS` shots, which bounds the memory a result takes):

* ``B`` unshifted circuits (the forward values);
* for each trainable angle ``theta_j`` that needs a gradient, ``B`` circuits at ``theta_j + pi/2``
  and ``B`` at ``theta_j - pi/2``. Every angle of the circuit (embedding ``RY(z_i)``, ``IsingZZ``,
  ``RZ``, ``RX``, ``RY``) enters exactly one gate ``exp(-i theta P / 2)``, so
  ``d<O>/dtheta_j = (<O>(theta_j + pi/2) - <O>(theta_j - pi/2)) / 2`` exactly (Mitarai et al. 2018;
  Schuld et al. 2019), for each image.

Circuits per step: ``B * (1 + 2 * J)`` with ``J = n`` (embedding angles, when the encoder trains)
``+ P`` (circuit weights, when they train). Expectations ``<Z_i>`` and ``<Z_a Z_b>`` are sample means of
the measured bits; the gradient is unbiased with variance ~ 1 / (2 * shots) per entry.

The gradients flow into torch through :class:`_ShiftFunction` (a ``torch.autograd.Function``): the
Jacobians are estimated in the forward job and contracted with the output gradient in backward.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from typing import Any

import numpy as np

from qopt.errors import ConfigError

__all__ = ["ShiftRunner", "circuits_per_step", "check_trainable", "check_job_size", "MAX_JOB_BYTES", "MAX_LOCAL_SHOTS"]

logger = logging.getLogger(__name__)

_SHIFT = math.pi / 2
_PROBE_CIRCUITS = 32


def circuits_per_step(spec, batch: int, *, inputs: bool = True, weights: bool = True) -> int:
    """Circuits one training step runs: ``batch * (1 + 2 * J)``, J = shifted angles.

    Args:
        spec: the :class:`~qopt.qcae.circuit.CircuitSpec`.
        batch: images in the minibatch.
        inputs: the embedding angles need gradients (the encoder trains).
        weights: the circuit weights need gradients.

    Examples:
        >>> from qopt.qcae.circuit import CircuitSpec
        >>> circuits_per_step(CircuitSpec(2, 1), 4)  # 2 inputs + 5 weights: 4 * (1 + 14)
        60
    """
    shifted = (spec.num_qubits if inputs else 0) + (spec.num_parameters() if weights else 0)
    return int(batch) * (1 + 2 * shifted)


def check_trainable(config, *, shots: int | None, diff_method: str | None = None) -> int:
    """Shots to use for the QCAE layer on a Qiskit device (kind aer or ibm), or a ConfigError.

    Raises:
        ConfigError: the device asks for a gradient method other than parameter-shift, or has no shots.
    """
    method = diff_method or config.diff_method
    if method not in (None, "best", "parameter-shift"):
        raise ConfigError(f"device {config.name!r} (kind {config.kind}) asks for diff_method {method!r}; the QCAE "
                          "layer on Aer/IBM devices is trained with parameter-shift only (set diff_method: "
                          "parameter-shift, or train on exact or lightning)")
    shots = shots if shots is not None else config.shots
    if not shots:
        raise ConfigError(f"device {config.name!r} (kind {config.kind}) has shots: null; the QCAE layer on Aer/IBM "
                          "devices estimates expectations from samples: set shots (e.g. --shots 2000), or use "
                          "--device exact for exact expectations")
    return int(shots)


def _features(bits: np.ndarray, edges, readout: str) -> np.ndarray:
    """bits (K, shots, n) bool (column q = wire q) -> expectations (K, F).

    ``<Z_q> = 1 - 2 P(bit_q = 1)`` and ``<Z_a Z_b> = 1 - 2 P(bit_a != bit_b)``, without a float copy of the bits.
    """
    feats = 1.0 - 2.0 * bits.mean(axis=1)
    if readout == "zz" and edges:
        zz = np.stack([1.0 - 2.0 * (bits[:, :, a] ^ bits[:, :, b]).mean(axis=1) for a, b in edges], axis=1)
        feats = np.concatenate((feats, zz), axis=1)
    return feats


#: Shots per sampler call on local simulators (a step is split into calls of at most this many shots).
MAX_LOCAL_SHOTS = 2_000_000

#: Largest measured-bit array one job may return (bytes, about circuits x shots x (n + 1)).
MAX_JOB_BYTES = 1 << 30


def check_job_size(circuits: int, shots: int, num_qubits: int) -> None:
    """Raise ConfigError if one job's measured bits would not fit in memory (before submitting it)."""
    need = int(circuits) * int(shots) * (int(num_qubits) + 1)
    if need > MAX_JOB_BYTES:
        raise ConfigError(f"one job of {circuits} circuits x {shots} shots would hold about {need / 2**30:.1f} GiB "
                          f"of measured bits (limit {MAX_JOB_BYTES / 2**30:.0f} GiB); lower --shots or --batch-size")


class ShiftRunner:
    """The QCAE circuit on a Qiskit device: one sampler job per call, parameter-shift gradients.

    Args:
        spec: the :class:`~qopt.qcae.circuit.CircuitSpec`.
        config: a :class:`~qopt.devices.DeviceConfig` of kind "aer" or "ibm".
        shots: shots per circuit (default: the device's).
        seed: seeds the transpiler (unless the device sets ``seed``) and the per-job simulator seeds.
        yes: confirm IBM jobs above the device's ``confirm_above_shots``.
        journal: a job journal path or :class:`~qopt.devices.journal.Journal` (finished jobs are
            recorded and replayed on a rerun with the same seed).

    Calling ``runner(inputs, weights)`` with inputs (B, n) and weights name -> tensor returns a torch
    tensor (B, F) that back-propagates into the inputs and weights that require gradients.
    """

    def __init__(self, spec, config, *, shots: int | None = None, seed: int | None = None, yes: bool = False,
                 journal=None) -> None:
        from qiskit.transpiler import generate_preset_pass_manager

        from qopt.devices.ibm import Submitter, connect
        from qopt.qcae.circuit import qiskit_circuit

        if config.kind not in ("aer", "ibm"):
            raise ConfigError(f"the parameter-shift runner needs an aer or ibm device, got kind {config.kind!r}")
        config.check_width(spec.num_qubits)
        self.spec, self.config = spec, config
        self.shots = check_trainable(config, shots=shots)
        self.seed = seed if seed is not None else config.seed
        self.yes = bool(yes)
        self.backend, target = connect(config)
        target = target if target is not None else self.backend
        self.backend_name = str(getattr(target, "name", config.backend or config.kind))
        num = getattr(target, "num_qubits", None)
        if num is not None and spec.num_qubits > num:
            from qopt.errors import DeviceCapacityError

            raise DeviceCapacityError(f"the circuit needs {spec.num_qubits} qubits but backend {self.backend_name} "
                                      f"has {num}")
        qc, zpar, wpar = qiskit_circuit(spec)
        level = int((config.options or {}).get("optimization_level", 1))
        pm = generate_preset_pass_manager(optimization_level=level, backend=target,
                                          seed_transpiler=self.seed if self.seed is not None else 0)
        self.isa = pm.run(qc)
        index = {p: k for k, p in enumerate(self.isa.parameters)}
        self.num_columns = len(index)
        # column of each embedding angle and each flat weight (row-major in spec.weight_shapes order); -1 = absent
        self._zcol = np.array([index.get(zpar[i], -1) for i in range(spec.num_qubits)], dtype=np.int64)
        self._wcol = np.array([index.get(p, -1) for name in spec.weight_shapes() for p in wpar[name]], dtype=np.int64)
        self.submitter = Submitter(config, self.backend, shots=self.shots, rng=np.random.default_rng(self.seed))
        from qopt.devices.journal import as_journal

        self.journal = as_journal(journal)
        self.num_jobs = 0
        self.num_circuits = 0
        self.approved_shots = 0  # shots confirmed by plan(); calls beyond it are checked again
        self.used_shots = 0

    # ------------------------------------------------------------------ cost and time
    def plan(self, circuits: int, iterations: int, *, stream=None) -> None:
        """Cost check for ``iterations`` jobs of ``circuits`` circuits (IBM devices only; prints on stderr).

        Raises:
            ConfigError: above the device's ``confirm_above_shots`` without ``yes``.
        """
        if self.config.kind != "ibm":
            return
        from qopt.devices.ibm import check_cost

        self.approved_shots += check_cost(self.config, circuits=circuits, shots=self.shots, iterations=iterations,
                                          yes=self.yes, stream=stream)

    def estimate_step_s(self, circuits: int) -> float | None:
        """Seconds a step of ``circuits`` circuits takes, from two probe calls (local devices only).

        Probes of ``k`` and ``4k`` circuits (k <= 8) separate the fixed cost of a call from the cost per
        circuit; the estimate is ``calls x fixed + circuits x per circuit``. The probes run on their own
        simulator seed stream (they do not shift the training jobs' seeds) and are not journaled.
        Returns None on real IBM hardware (queue time dominates and shots cost).
        """
        from qopt.devices.ibm import Submitter, is_local

        if not is_local(self.config):
            return None
        k = max(1, min(int(circuits), _PROBE_CIRCUITS // 4))
        probe = Submitter(self.config, self.backend, shots=self.shots, rng=np.random.default_rng(12345))
        times = []
        for size in (k, 4 * k):
            t0 = time.perf_counter()
            probe.run([(self.isa, np.zeros((size, self.num_columns)))])
            times.append(time.perf_counter() - t0)
        per_circuit = max(0.0, (times[1] - times[0]) / (3 * k))
        fixed = max(0.0, times[0] - k * per_circuit)
        return len(self._calls(int(circuits))) * fixed + int(circuits) * per_circuit

    # ------------------------------------------------------------------ execution
    def _bindings(self, z: np.ndarray, w: np.ndarray) -> np.ndarray:
        values = np.zeros((len(z), self.num_columns))
        zc, wc = self._zcol >= 0, self._wcol >= 0
        values[:, self._zcol[zc]] = z[:, zc]
        values[:, self._wcol[wc]] = w[wc][None, :]
        return values

    def _calls(self, k: int) -> list[slice]:
        """Row ranges of one step's sampler calls: one job on IBM hardware; on local simulators (Aer, fake
        backends) calls of at most :data:`MAX_LOCAL_SHOTS` shots, since a local result holds about 160 bytes
        per shot (1824 circuits x 4000 shots in one call peaked at 1.3 GB)."""
        from qopt.devices.ibm import is_local

        rows = k if not is_local(self.config) else max(1, MAX_LOCAL_SHOTS // self.shots)
        return [slice(i, min(k, i + rows)) for i in range(0, k, rows)]

    def num_calls(self, circuits: int) -> int:
        """Sampler calls (jobs) a step of ``circuits`` circuits takes."""
        return len(self._calls(int(circuits)))

    def _run(self, values: np.ndarray) -> np.ndarray:
        """One step's circuits: bindings (K, columns) -> features (K, F)."""
        from qopt.devices.journal import pubs_key

        k = len(values)
        check_job_size(k, self.shots, self.spec.num_qubits)
        if self.config.kind == "ibm" and self.used_shots + k * self.shots > self.approved_shots:
            self.plan(k, 1)
        feats = []
        for rows in self._calls(k):
            pubs = [(self.isa, values[rows])]
            key = None
            bits = None
            if self.journal is not None:
                key = pubs_key(self.backend_name, self.shots, pubs)
                replayed = self.journal.replay(key)
                if replayed is not None:
                    self.submitter.skip()
                    bits = replayed[0]
            if bits is None:
                result = self.submitter.run(pubs)
                arr = result[0].data.meas.to_bool_array(order="little")
                bits = arr.reshape((-1,) + arr.shape[-2:])
                del result, arr
                if self.journal is not None:
                    self.journal.record(key, self.submitter.job_ids[-1] if self.submitter.job_ids else None,
                                        ["qcae"], [bits])
            self.num_jobs += 1
            feats.append(_features(bits, self.spec.edges, self.spec.readout))
        self.num_circuits += k
        self.used_shots += k * self.shots
        return np.concatenate(feats)

    def evaluate(self, z: np.ndarray, w: np.ndarray, *, grad_inputs: bool, grad_weights: bool):
        """Values and parameter-shift Jacobians for angles z (B, n) and flat weights w (P,), in one job.

        Returns:
            (values (B, F), jac_inputs (n, B, F) or None, jac_weights (P, B, F) or None).
        """
        base = self._bindings(z, w)
        B = len(z)
        cols = []
        if grad_inputs:
            cols += [("z", i, c) for i, c in enumerate(self._zcol)]
        if grad_weights:
            cols += [("w", j, c) for j, c in enumerate(self._wcol)]
        blocks = [base]
        for _, _, c in cols:
            for sign in (1.0, -1.0):
                shifted = base.copy()
                if c >= 0:
                    shifted[:, c] += sign * _SHIFT
                blocks.append(shifted)
        feats = self._run(np.concatenate(blocks))
        values = feats[:B]
        jac_in = np.zeros((self.spec.num_qubits, B, feats.shape[1])) if grad_inputs else None
        jac_w = np.zeros((len(self._wcol), B, feats.shape[1])) if grad_weights else None
        for k, (which, j, _) in enumerate(cols):
            plus = feats[B * (1 + 2 * k):B * (2 + 2 * k)]
            minus = feats[B * (2 + 2 * k):B * (3 + 2 * k)]
            (jac_in if which == "z" else jac_w)[j] = 0.5 * (plus - minus)
        return values, jac_in, jac_w

    def __call__(self, inputs, weights: dict):
        import torch

        single = inputs.dim() == 1
        z = inputs[None] if single else inputs
        flat = torch.cat([weights[name].reshape(-1) for name in self.spec.weight_shapes()]) \
            if weights else torch.zeros(0)
        grad = torch.is_grad_enabled()
        out = _ShiftFunction.apply(z, flat, self, grad and z.requires_grad, grad and flat.requires_grad)
        out = out.to(inputs.dtype)
        return out[0] if single else out

    @property
    def job_ids(self) -> list[str]:
        return self.submitter.job_ids

    def close(self) -> None:
        self.submitter.close()


def _shift_function():
    import torch

    class _Fn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z, flat, runner, grad_inputs, grad_weights):
            values, jin, jw = runner.evaluate(z.detach().to(torch.float64).numpy(),
                                              flat.detach().to(torch.float64).numpy(),
                                              grad_inputs=grad_inputs, grad_weights=grad_weights)
            ctx.jin = None if jin is None else torch.as_tensor(jin)
            ctx.jw = None if jw is None else torch.as_tensor(jw)
            ctx.dtypes = (z.dtype, flat.dtype)
            return torch.as_tensor(values, dtype=torch.float64)

        @staticmethod
        def backward(ctx, g):
            g = g.to(torch.float64)
            gz = None if ctx.jin is None else torch.einsum("bf,ibf->bi", g, ctx.jin).to(ctx.dtypes[0])
            gw = None if ctx.jw is None else torch.einsum("bf,pbf->p", g, ctx.jw).to(ctx.dtypes[1])
            return gz, gw, None, None, None

    return _Fn


class _LazyFunction:
    _fn: Any = None

    def apply(self, *args):
        if self._fn is None:
            type(self)._fn = _shift_function()
        return self._fn.apply(*args)


_ShiftFunction = _LazyFunction()


def print_plan(message: str, enabled: bool = True) -> None:
    """One line on stderr (the training plan of a shot-based run)."""
    if enabled:
        print(message, file=sys.stderr, flush=True)
