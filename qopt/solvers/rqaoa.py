"""Recursive QAOA (Bravyi, Kliesch, Koenig, Tang, PRL 125, 260505 (2020), arXiv:1910.08980).

Loop on the Ising form (spins ``s = 2x - 1``) of the problem's BQM: optimise QAOA (default p = 1)
on the current model, compute ``M_ij = <s_i s_j>`` for every coupled pair and ``<s_i>`` for every
spin with a field, take the largest magnitude, and eliminate: ``s_i = sign(M_ij) s_j`` (the pair
is contracted; the coupling becomes a constant) or ``s_i = sign(<s_i>)``. Repeat until at most
``cutoff`` spins remain (default 8; the paper's value is not verified), solve the rest by brute
force, and undo the eliminations in reverse order. The single reconstructed assignment is decoded,
repaired and local-searched like every other solver's samples.

The correlations of each step come from a readout of ``shots`` measurements of the optimised
circuit (default 1024; ``readout="top-k"`` uses the ``top_k`` most probable states instead) on
every device: no step enumerates the ``2**n`` states of its model. Only the residual model of at
most ``cutoff`` spins is brute-forced (the algorithm's own last step).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from qopt._random import child_seeds, resolve_seed
from qopt.devices.circuits import QAOACircuit
from qopt.errors import ConfigError
from qopt.result import Result
from qopt.solvers._variational import Prepared, check_readout, prepare

__all__ = ["rqaoa", "eliminate"]

logger = logging.getLogger(__name__)


def eliminate(spin_bqm, choice: tuple) -> None:
    """Apply one RQAOA elimination to a SPIN BQM in place.

    Args:
        choice: ``("pair", i, j, sign)`` for ``s_i = sign * s_j`` (``i`` is removed), or
            ``("fix", i, value)`` for ``s_i = value``.
    """
    if choice[0] == "pair":
        _, i, j, sign = choice
        if sign < 0:
            spin_bqm.flip_variable(i)
        spin_bqm.contract_variables(j, i)
    else:
        _, i, value = choice
        spin_bqm.fix_variable(i, int(value))


def _correlations(bits: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(<s_i s_j> of shape (n, n), <s_i> of shape (n,)) for spins s = 2 b - 1 of weighted bitstrings."""
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    s = 2.0 * np.asarray(bits, dtype=np.float64) - 1.0
    return s.T @ (w[:, None] * s), w @ s


def _distribution(prep: Prepared, layers: int, run, rng, progress, restarts: int, readout: str, top_k):
    """Optimise QAOA on ``prep`` and return (bits, weights, executions, best value) of its readout."""
    from qopt.devices.factory import make_runner
    from qopt.optimize import minimize
    from qopt.solvers.qaoa import ramp_angles

    p = layers
    rn = make_runner(prep.device, prep, QAOACircuit.of(prep, p), run=run, seed=rng)
    best = None
    for r in range(restarts):
        g, b = ramp_angles(p)
        x0 = np.concatenate([g, b]) if r == 0 else np.concatenate(
            [rng.uniform(0, np.pi / 2, p), -rng.uniform(0, np.pi / 4, p)])
        res = minimize(rn.value, x0, optimizer=run.optimizer, gradient=rn.value_and_grad,
                       maxiter=run.maxiter, options=dict(run.optimizer_options), seed=rng, progress=progress,
                       desc=f"rqaoa n={prep.num_qubits}")
        if best is None or res.fun < best.fun:
            best = res
    bits, weights, _ = rn.final_samples(best.x, shots=run.readout_shots, readout=readout, top_k=top_k)
    rn.close()
    return bits, weights, rn.executions, best.fun


def rqaoa(problem, *, device=None, layers: int = 1, cutoff: int = 8, shots: int | None = None,
          maxiter: int | None = None, optimizer: str | None = None, diff_method: str | None = None,
          seed=None, restarts: int = 2, use_fields: bool = True, penalty="calibrated",
          slack: str | None = None, readout: str = "shots", top_k: int | None = None, postprocess: str = "full",
          repair: bool = True, local_search: bool = True, progress: bool | None = None) -> Result:
    """Solve ``problem`` with recursive QAOA.

    Args:
        problem: a :class:`~qopt.problems.Problem`.
        device: None (exact), a short name, a YAML path or a :class:`~qopt.devices.DeviceConfig`.
        layers: QAOA depth per step (Bravyi et al. use p = 1).
        cutoff: brute-force the model once at most this many spins remain (n_c).
        shots: shots per circuit and of each step's readout (default: the device's, else 1024);
            the correlations come from these samples on every device.
        maxiter, optimizer, diff_method: per-step optimisation (default: the device's; L-BFGS-B
            with adjoint gradients on the exact device, else COBYLA).
        seed: int, Generator or None; the run records one int (``Result.seed``) that reproduces it.
        readout, top_k: each step's readout: "shots" (default) or "top-k" (see
            :func:`qopt.solvers.qaoa.qaoa`).
        restarts: optimisations per step (ramp start plus random starts); the best is used.
        use_fields: also consider ``<s_i>`` for spins with a linear field (variant of the paper).
        penalty, slack, postprocess, repair, local_search, progress: as :func:`qopt.solvers.qaoa.qaoa`.

    Returns:
        :class:`~qopt.result.Result` with ``qubits`` = width of the first (widest) circuit and
        ``info["eliminations"]`` (the substitutions in order), ``circuit_executions``, ``steps``.
    """
    import dimod

    from qopt.devices import exact
    from qopt.devices.factory import resolve_run_options
    from qopt.options import default_slack

    t0 = time.perf_counter()
    if isinstance(cutoff, bool) or int(cutoff) != cutoff or cutoff < 1:
        raise ConfigError(f"cutoff must be a positive integer, got {cutoff!r}")
    if isinstance(layers, bool) or int(layers) != layers or layers < 1:
        raise ConfigError(f"layers must be a positive integer, got {layers!r}")
    if int(restarts) < 1:
        raise ConfigError(f"restarts must be >= 1, got {restarts!r}")
    check_readout(readout, top_k)
    slack = default_slack("rqaoa") if slack is None else slack
    seed = resolve_seed(seed)
    root = prepare(problem, device, penalty=penalty, slack=slack)
    config = root.device
    if cutoff > 20:
        raise ConfigError(f"cutoff={cutoff} would brute-force 2**{cutoff} states; use <= 20")
    run = resolve_run_options(config, shots=shots, optimizer=optimizer, diff_method=diff_method,
                              maxiter=maxiter, default_optimizer="cobyla", default_maxiter=100)
    rng = child_seeds(seed, ("steps",))["steps"]
    spin = root.bqm.change_vartype(dimod.SPIN, inplace=False)
    eliminations: list[tuple] = []
    executions = 0
    trace: list[float] = []
    t1 = time.perf_counter()
    while spin.num_variables > cutoff:
        variables = list(spin.variables)
        step = Prepared(bqm=spin.change_vartype(dimod.BINARY, inplace=False), decoder=None, variables=variables,
                        scale=root.scale, device=config)
        bits, weights, execs, value = _distribution(step, int(layers), run, rng, progress, int(restarts),
                                                    readout, top_k)
        executions += execs
        trace.append(float(value * root.scale))
        M, m = _correlations(bits, weights)
        pos = {v: q for q, v in enumerate(variables)}
        best, best_abs = None, -1.0
        for (u, v) in spin.quadratic:
            c = M[pos[u], pos[v]]
            if abs(c) > best_abs + 1e-12:
                best, best_abs = ("pair", u, v, 1 if c >= 0 else -1), abs(c)
        if use_fields or best is None:
            for v, h in spin.linear.items():
                if h != 0 or best is None:
                    c = m[pos[v]]
                    if abs(c) > best_abs + 1e-12:
                        best, best_abs = ("fix", v, 1 if c >= 0 else -1), abs(c)
        eliminate(spin, best)
        eliminations.append(best)
        logger.info("rqaoa: %d spins left after %s (|corr| %.3f)", spin.num_variables, best, best_abs)
    # brute force the rest
    values: dict = {}
    rest = list(spin.variables)
    if rest:
        e = exact.energies(spin.change_vartype(dimod.BINARY, inplace=False), rest)
        bits = exact.index_to_bits(np.array([int(np.argmin(e))]), len(rest))[0]
        values.update({v: 2 * int(b) - 1 for v, b in zip(rest, bits)})
    for choice in reversed(eliminations):
        if choice[0] == "pair":
            _, i, j, sign = choice
            values[i] = sign * values[j]
        else:
            values[choice[1]] = choice[2]
    x = np.array([[(values.get(v, -1) + 1) // 2 for v in root.variables]], dtype=np.int8)
    raw = dimod.SampleSet.from_samples((x, root.variables), vartype="BINARY",
                                       energy=root.bqm.energies((x, root.variables)))
    t2 = time.perf_counter()
    info = {
        "device": config.name, "device_kind": config.kind, "layers": int(layers), "cutoff": int(cutoff),
        "optimizer": run.optimizer, "diff_method": run.diff_method, "maxiter": run.maxiter,
        "shots": run.readout_shots, "readout": readout,
        "steps": len(eliminations), "eliminations": [_labels(c) for c in eliminations],
        "energy_trace": trace, "final_expectation": trace[-1] if trace else None,
        "bqm_energy": float(raw.first.energy), "circuit_executions": int(executions),
    }
    options = {"device": config.name, "layers": int(layers), "cutoff": int(cutoff), "shots": run.readout_shots,
               "maxiter": run.maxiter, "optimizer": run.optimizer, "restarts": int(restarts),
               "penalty": penalty, "slack": slack}
    from qopt.decode import finish

    readout_info = {"readout": readout, "shots": run.readout_shots if readout == "shots" else 0, "exact": None,
                    "steps": len(eliminations), "residual_brute_force": len(rest)}
    return finish(problem, raw, root.decoder, solver="rqaoa", postprocess=postprocess, repair=repair,
                  local_search=local_search, seed=seed, readout=readout_info, qubits=root.num_qubits, timing_s={"build": t1 - t0, "optimize": t2 - t1},
                  options=options, info=info)


def _labels(choice: tuple) -> list:
    """An elimination as a JSON-ready list (labels that JSON cannot hold become strings)."""
    from qopt.result import clean_json

    return [v if isinstance(v, (int, float, str)) or v is None else str(v) for v in clean_json(list(choice))]
