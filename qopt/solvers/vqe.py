"""VQE with a hardware-efficient ansatz and the CVaR objective.

Ansatz: ``RY(theta_0)`` on every qubit, then ``depth`` blocks of (CNOT ladder ``0->1->...->n-1``,
``RY(theta_d)`` on every qubit): ``(depth + 1) n`` angles, real amplitudes (enough for diagonal
cost Hamiltonians). Objective: ``CVaR_alpha`` of the BQM energy (Barkoutsos et al., Quantum 4, 256
(2020)); ``alpha = 1`` is the plain expectation ``<E>``. qopt default ``alpha = 0.25``.

The circuit (:class:`~qopt.devices.circuits.HEACircuit`) runs on the device's runner
(:func:`qopt.devices.factory.make_runner`). On the exact device the CVaR and its gradient are exact
(:func:`qopt.devices.exact.cvar_weights` and the adjoint method); on PennyLane devices the expectation has gradients by the device's
``diff_method`` and the CVaR (alpha < 1) is estimated from shots (or the exact probabilities of an
analytic device) and optimised gradient-free.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from qopt.devices.circuits import HEACircuit
from qopt.errors import ConfigError
from qopt.result import Result
from qopt.solvers._variational import best_sample_stats, final_readout, start

__all__ = ["vqe"]

logger = logging.getLogger(__name__)


def vqe(problem, *, device=None, layers: int = 2, cvar_alpha: float | None = 0.25, shots: int | None = None,
        maxiter: int | None = None, optimizer: str | None = None, diff_method: str | None = None, seed=None,
        optimizer_options: dict | None = None, penalty="calibrated", slack: str | None = None,
        readout: str = "shots", top_k: int | None = None, postprocess: str = "full", repair: bool = True,
        local_search: bool = True, progress: bool | None = None, mitigation=None, yes: bool | None = None,
        journal=None) -> Result:
    """Solve ``problem`` with (CVaR-)VQE on a hardware-efficient RY + CNOT-ladder ansatz.

    Args:
        problem: a :class:`~qopt.problems.Problem`.
        device: None (exact), a short name, a YAML path or a :class:`~qopt.devices.DeviceConfig`.
        layers: ansatz depth L (entangling blocks); ``(L + 1) n`` angles.
        cvar_alpha: CVaR fraction in (0, 1] (default 0.25; 1 = plain VQE).
        shots: shots per circuit and of the final readout (default: the device's; the final
            readout then takes 1024). On the exact device the optimiser uses exact expectations.
        maxiter: optimizer iterations (default: the device's, else 200).
        optimizer: default cobyla (CVaR is not smooth); any of :data:`qopt.optimize.OPTIMIZERS`.
        diff_method: PennyLane gradient method (gradient optimizers only).
        seed: int, Generator or None (initial angles ``U[0, 2 pi)``, SPSA, sampling, simulators); the
            run records one int (``Result.seed``) that reproduces it.
        optimizer_options, penalty, slack, readout, top_k, postprocess, repair, local_search, progress,
            mitigation, yes, journal: as
            :func:`qopt.solvers.qaoa.qaoa`.

    Returns:
        :class:`~qopt.result.Result` (``qubits`` = width; ``info``: ``energy_trace``,
        ``final_expectation``, ``final_cvar``, ``optimizer``, ``diff_method``, ``circuit_executions``).
    """
    from qopt.devices.factory import make_runner

    t0 = time.perf_counter()
    if isinstance(layers, bool) or int(layers) != layers or layers < 0:
        raise ConfigError(f"layers (ansatz depth) must be a non-negative integer, got {layers!r}")
    depth = int(layers)
    # cobyla by default whatever the device says: the CVaR is piecewise smooth only
    st = start(problem, "vqe", device=device, penalty=penalty, slack=slack, seed=seed, cvar_alpha=cvar_alpha,
               readout=readout, top_k=top_k, mitigation=mitigation, journal=journal,
               stages=("init", "optimizer", "sample", "device"), shots=shots, optimizer=optimizer or "cobyla",
               diff_method=diff_method, maxiter=maxiter, default_maxiter=200)
    prep, run, seed, alpha, seeds, journal, slack = st.prep, st.run, st.seed, st.alpha, st.seeds, st.journal, st.slack
    config = prep.device
    n = prep.num_qubits
    opts = {**run.optimizer_options, **(optimizer_options or {})}
    rn = make_runner(config, prep, HEACircuit(n, depth), run=run, seed=seeds["device"], mitigation=mitigation,
                     yes=yes, journal=journal)
    x0 = seeds["init"].uniform(0.0, 2 * np.pi, (depth + 1) * n)
    from qopt.optimize import minimize

    t1 = time.perf_counter()
    res = minimize(lambda x: rn.objective(x, alpha), x0, optimizer=run.optimizer,
                   gradient=lambda x: rn.objective_and_grad(x, alpha), maxiter=run.maxiter,
                   options=opts, seed=seeds["optimizer"], progress=progress, desc=f"vqe L={depth}")
    t2 = time.perf_counter()
    x = res.x
    final_obj = rn.objective(x, alpha) * prep.scale
    final_exp = rn.value(x) * prep.scale
    raw, readout_info, bits, weights = final_readout(problem, prep, rn, x, run=run, readout=readout, top_k=top_k)
    t3 = time.perf_counter()
    info = {
        "device": config.name, "device_kind": config.kind, "layers": depth, "cvar_alpha": alpha,
        "optimizer": run.optimizer, "diff_method": run.diff_method, "maxiter": run.maxiter,
        "shots": run.readout_shots,
        "energy_trace": [float(v * prep.scale) for v in res.trace], "final_objective": float(final_obj),
        "final_cvar": float(final_obj), "final_expectation": float(final_exp), "thetas": np.asarray(x).tolist(),
        "energy_scale": prep.scale, "objective_evaluations": res.nfev, "gradient_evaluations": res.ngev,
        "circuit_executions": int(rn.executions), "num_samples": int(len(bits)),
        "interrupted": bool(res.interrupted),
        **best_sample_stats(prep, problem, bits, weights), **rn.info(),
    }
    options = {"device": config.name, "layers": depth, "cvar_alpha": alpha, "shots": run.readout_shots,
               "maxiter": run.maxiter, "optimizer": run.optimizer, "diff_method": run.diff_method,
               "penalty": penalty, "slack": slack, "readout": readout,
               **({"top_k": int(top_k)} if readout == "top-k" else {})}
    from qopt.decode import finish

    logger.info("vqe L=%d on %d qubits: CVaR = %.6g after %d iterations", depth, n, final_obj, res.nit)
    return finish(problem, raw, prep.decoder, solver="vqe", postprocess=postprocess, repair=repair,
                  local_search=local_search, seed=seed, qubits=n, readout=readout_info,
                  timing_s={"build": t1 - t0, "optimize": t2 - t1, "sample": t3 - t2},
                  options=options, info=info)
