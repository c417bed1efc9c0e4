"""VQE with a hardware-efficient ansatz and the CVaR objective.

Ansatz: ``RY(theta_0)`` on every qubit, then ``depth`` blocks of (CNOT ladder ``0->1->...->n-1``,
``RY(theta_d)`` on every qubit): ``(depth + 1) n`` angles, real amplitudes (enough for diagonal
cost Hamiltonians). Objective: ``CVaR_alpha`` of the BQM energy (Barkoutsos et al., Quantum 4, 256
(2020)); ``alpha = 1`` is the plain expectation ``<E>``. qopt default ``alpha = 0.25``.

On the exact device the CVaR and its gradient are exact (:func:`qopt.devices.exact.cvar_weights`
and the adjoint method); on PennyLane devices the expectation has gradients by the device's
``diff_method`` and the CVaR (alpha < 1) is estimated from shots (or the exact probabilities of an
analytic device) and optimised gradient-free.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from qopt.errors import ConfigError
from qopt.result import Result
from qopt.solvers._variational import (
    best_sample_stats,
    check_alpha,
    child_seeds,
    prepare,
    resolve_run_options,
    sample_from_state,
    samples_to_sampleset,
    seed_int,
)

__all__ = ["vqe"]

logger = logging.getLogger(__name__)


#: Up to this width the numpy reference HEA kernels beat the numba ones (whose CNOT-ladder
#: kernel has a ~40 ms floor per call on this machine; measured 2026-11-26, n = 6..14).
_NUMPY_HEA_MAX_QUBITS = 14


class _ExactHEA:
    def __init__(self, prep, n, depth, alpha):
        self.E = np.ascontiguousarray(prep.energies() / prep.scale)
        self.shape = (depth + 1, n)
        self.n = n
        self.backend = "numpy" if n <= _NUMPY_HEA_MAX_QUBITS else "auto"
        self.alpha = alpha
        self.executions = 0

    def state(self, x):
        from qopt.devices import exact

        self.executions += 1
        return exact.hea_state(np.reshape(x, self.shape), self.n, backend=self.backend)

    def value(self, x):
        from qopt.devices import exact

        psi = self.state(x)
        p = exact.probabilities(psi)
        if self.alpha < 1.0:
            return exact.cvar(self.E, p, self.alpha)
        return float(np.dot(p, self.E))

    def expectation(self, x):
        from qopt.devices import exact

        return float(np.dot(exact.probabilities(self.state(x)), self.E))

    def value_and_grad(self, x):
        from qopt.devices import exact

        diag = self.E
        if self.alpha < 1.0:
            diag = exact.cvar_weights(self.E, exact.probabilities(self.state(x)), self.alpha)
        self.executions += 1
        v, g = exact.hea_value_and_grad(diag, np.reshape(x, self.shape), backend=self.backend)
        return v, np.ravel(g)


class _PennyLaneHEA:
    def __init__(self, prep, n, depth, alpha, run, seed, mitigation=None, yes=None, journal=None):
        from qopt.solvers.circuits import hea_gates

        self.alpha = alpha
        from qopt.devices.qiskit_runner import make_runner  # Qiskit runner for aer-noisy/ibm/mitigation

        self.runner = make_runner(prep, lambda x: hea_gates(x.reshape(depth + 1, n), n),
                                  diff_method=run.diff_method, shots=run.shots, seed=seed,
                                  mitigation=mitigation, yes=yes, maxiter=run.maxiter, journal=journal)

    def value(self, x):
        if self.alpha < 1.0:
            return self.runner.cvar(x, self.alpha)
        return self.runner.value(x)

    def value_and_grad(self, x):
        return self.runner.value_and_grad(x)

    def expectation(self, x):
        return self.runner.value(x)

    @property
    def executions(self):
        return self.runner.executions


def vqe(problem, *, device=None, layers: int = 2, cvar_alpha: float | None = 0.25, shots: int | None = None,
        maxiter: int | None = None, optimizer: str | None = None, diff_method: str | None = None, seed=None,
        optimizer_options: dict | None = None, penalty="calibrated", slack: str = "unbalanced",
        top_k: int = 256, repair: bool = True, local_search: bool = True,
        progress: bool | None = None, mitigation=None, yes: bool | None = None, journal=None) -> Result:
    """Solve ``problem`` with (CVaR-)VQE on a hardware-efficient RY + CNOT-ladder ansatz.

    Args:
        problem: a :class:`~qopt.problems.Problem`.
        device: None (exact), a short name, a YAML path or a :class:`~qopt.devices.DeviceConfig`.
        layers: ansatz depth L (entangling blocks); ``(L + 1) n`` angles.
        cvar_alpha: CVaR fraction in (0, 1] (default 0.25; 1 = plain VQE).
        shots: shots per circuit (default: the device's). On the exact device only the final
            sampling uses shots.
        maxiter: optimizer iterations (default: the device's, else 200).
        optimizer: default cobyla (CVaR is not smooth); any of :data:`qopt.optimize.OPTIMIZERS`.
        diff_method: PennyLane gradient method (gradient optimizers only).
        seed: int or Generator: initial angles ``U[0, 2 pi)``, SPSA, sampling, simulators.
        optimizer_options, penalty, slack, top_k, repair, local_search, progress, mitigation, yes, journal: as
            :func:`qopt.solvers.qaoa.qaoa`.

    Returns:
        :class:`~qopt.result.Result` (``qubits`` = width; ``info``: ``energy_trace``,
        ``final_expectation``, ``final_cvar``, ``optimizer``, ``diff_method``, ``circuit_executions``).
    """
    t0 = time.perf_counter()
    if isinstance(layers, bool) or int(layers) != layers or layers < 0:
        raise ValueError(f"layers (ansatz depth) must be a non-negative integer, got {layers!r}")
    depth = int(layers)
    alpha = check_alpha(cvar_alpha)
    prep = prepare(problem, device, penalty=penalty, slack=slack)
    config = prep.device
    if config.exact and mitigation not in (None, False, "none"):
        raise ConfigError("--mitigation needs a noisy Qiskit device (aer_noisy, ibm_fake, ibm); the exact "
                          "simulator has no noise to mitigate")
    n = prep.num_qubits
    seeds = child_seeds(seed, ("init", "optimizer", "sample", "device"))
    if journal is not None:
        from qopt.devices.qiskit_runner import open_journal

        journal = open_journal(config, mitigation, journal)  # one journal for every runner of this solve
    # cobyla by default whatever the device says: the CVaR is piecewise smooth only
    run = resolve_run_options(config, shots=shots, optimizer=optimizer or "cobyla", diff_method=diff_method,
                              maxiter=maxiter, default_optimizer="cobyla", default_maxiter=200,
                              gradient_ok=config.exact or alpha >= 1.0)
    opts = {**run.optimizer_options, **(optimizer_options or {})}
    if config.exact:
        ev = _ExactHEA(prep, n, depth, alpha)
    else:
        dev_seed = seed_int(seeds["device"]) if config.seed is None or seed is not None else config.seed
        ev = _PennyLaneHEA(prep, n, depth, alpha, run, dev_seed, mitigation=mitigation, yes=yes, journal=journal)
    x0 = seeds["init"].uniform(0.0, 2 * np.pi, (depth + 1) * n)
    from qopt.optimize import minimize

    t1 = time.perf_counter()
    res = minimize(ev.value, x0, optimizer=run.optimizer, gradient=ev.value_and_grad, maxiter=run.maxiter,
                   options=opts, seed=seeds["optimizer"], progress=progress, desc=f"vqe L={depth}")
    t2 = time.perf_counter()
    x = res.x
    final_obj = ev.value(x) * prep.scale
    final_exp = ev.expectation(x) * prep.scale
    if config.exact:
        bits, weights = sample_from_state(ev.state(x), shots=run.shots, rng=seeds["sample"], top_k=top_k)
        probabilities = run.shots is None
    else:
        bits, weights, probabilities = ev.runner.final_samples(x, shots=run.shots, top_k=top_k)
    raw = samples_to_sampleset(prep, bits, weights, probabilities=probabilities)
    t3 = time.perf_counter()
    info = {
        "device": config.name, "device_kind": config.kind, "layers": depth, "cvar_alpha": alpha,
        "optimizer": run.optimizer, "diff_method": run.diff_method, "maxiter": run.maxiter, "shots": run.shots,
        "energy_trace": [float(v * prep.scale) for v in res.trace], "final_objective": float(final_obj),
        "final_cvar": float(final_obj), "final_expectation": float(final_exp), "thetas": np.asarray(x).tolist(),
        "energy_scale": prep.scale, "objective_evaluations": res.nfev, "gradient_evaluations": res.ngev,
        "circuit_executions": int(ev.executions), "num_samples": int(len(bits)),
        **best_sample_stats(prep, problem, bits, weights),
        **(ev.runner.info() if hasattr(getattr(ev, "runner", None), "info") else {}),
    }
    options = {"device": config.name, "layers": depth, "cvar_alpha": alpha, "shots": run.shots,
               "maxiter": run.maxiter, "optimizer": run.optimizer, "diff_method": run.diff_method,
               "penalty": penalty, "slack": slack}
    from qopt.decode import finish

    logger.info("vqe L=%d on %d qubits: CVaR = %.6g after %d iterations", depth, n, final_obj, res.nit)
    return finish(problem, raw, prep.decoder, solver="vqe", repair=repair, local_search=local_search,
                  seed=seed_int(seed) if not isinstance(seed, np.random.Generator) else None, qubits=n,
                  timing_s={"build": t1 - t0, "optimize": t2 - t1, "sample": t3 - t2},
                  options=options, info=info)
