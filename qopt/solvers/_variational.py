"""Shared machinery of the variational solvers (QAOA, RQAOA, VQE).

Pipeline: problem -> BQM (+ decoder) -> qubits (one per BQM variable, wire order =
``variables``) -> a circuit (:mod:`qopt.devices.circuits`) and a runner
(:func:`qopt.devices.factory.make_runner`) -> optimise -> final readout of ``shots``
measurements -> SampleSet over the BQM's variables -> :func:`qopt.decode.finish`.

Angle convention: ``U_C(gamma) = exp(-i gamma C)`` with ``C = E / scale`` the BQM energy divided
by ``scale = 2 max(|h_i|, |J_ij|)`` of its Ising form (so unweighted MaxCut keeps ``scale = 1``
and the published fixed angles apply), and ``U_B(beta) = exp(-i beta sum_q X_q)``. Because qopt
minimises ``E``, good angles have ``gamma > 0, beta < 0`` (the conjugate of the maximisation
convention of algorithms.md 4.1, same probabilities).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from qopt.devices.circuits import Cost
from qopt.errors import ConfigError

__all__ = ["Prepared", "prepare", "start", "Start", "samples_to_sampleset", "check_alpha", "check_readout",
           "final_readout", "best_sample_stats", "exact_readout_metrics", "EXACT_METRICS_MAX_QUBITS"]

logger = logging.getLogger(__name__)

#: Widest circuit whose readout metrics are computed from the exact final state (2**20 states).
EXACT_METRICS_MAX_QUBITS = 20


@dataclass
class Prepared(Cost):
    """A problem ready for a circuit: the :class:`~qopt.devices.circuits.Cost` plus its decoder
    and device.

    Attributes:
        bqm: the BINARY BQM solved (problem variables plus slack bits).
        variables: BQM variable of each qubit, wire order.
        scale: positive energy scale; the circuit's cost is ``E / scale``.
        decoder: its :class:`~qopt.qubo.Decoder` (None for unconstrained families).
        device: the :class:`~qopt.devices.DeviceConfig`.
        build_s: seconds spent building the BQM.
    """

    decoder: object = None
    device: object = None
    build_s: float = 0.0


def _bqm_of(problem, penalty, slack):
    import dimod

    if isinstance(problem, dimod.BinaryQuadraticModel):
        bqm = problem.change_vartype("BINARY", inplace=False)
        return bqm, None
    return problem.encode(penalty=penalty, slack=slack)


def prepare(problem, device, *, penalty="calibrated", slack="unbalanced", scale: float | None = None) -> Prepared:
    """Build the BQM, check the circuit width against the device (before any other work).

    Raises:
        DeviceCapacityError: the BQM needs more qubits than the device allows.
    """
    from qopt.devices import load_device

    config = load_device(device)
    t0 = time.perf_counter()
    bqm, decoder = _bqm_of(problem, penalty, slack)
    variables = list(bqm.variables)
    config.check_width(len(variables))
    prep = Prepared(bqm=bqm, variables=variables, decoder=decoder, device=config)
    if scale is None:
        h, J, _ = prep.ising()
        biggest = max([float(np.max(np.abs(h))) if h.size else 0.0] + [abs(b) for b in J.values()])
        scale = 2.0 * biggest if biggest > 0 else 1.0
    prep.scale = float(scale)
    prep.build_s = time.perf_counter() - t0
    return prep


@dataclass(frozen=True)
class Start:
    """What a variational solver has after its common first steps (:func:`start`)."""

    prep: Prepared
    run: object
    seed: int
    alpha: float
    seeds: dict
    journal: object
    slack: str


def start(problem, solver: str, *, device, penalty, slack, seed, cvar_alpha, readout, top_k, mitigation, journal,
          stages: tuple[str, ...], shots, optimizer, diff_method, maxiter, default_maxiter: int) -> Start:
    """The first steps every variational solver takes, in this order and before any costly work:
    check the readout options, resolve the slack default (:func:`qopt.options.default_slack`) and
    the recorded seed (:func:`qopt._random.resolve_seed`), build and width-check the BQM, check
    mitigation and the job journal against the device, and resolve the execution options
    (:func:`qopt.devices.factory.resolve_run_options`)."""
    from qopt._random import child_seeds, resolve_seed
    from qopt.devices.factory import check_mitigation, open_journal, resolve_run_options
    from qopt.options import default_slack

    check_readout(readout, top_k)
    slack = default_slack(solver) if slack is None else slack
    seed = resolve_seed(seed)
    alpha = check_alpha(cvar_alpha)
    prep = prepare(problem, device, penalty=penalty, slack=slack)
    check_mitigation(prep.device, mitigation)
    journal = open_journal(prep.device, mitigation, journal)  # one journal for every runner of this solve
    run = resolve_run_options(prep.device, shots=shots, optimizer=optimizer, diff_method=diff_method,
                              maxiter=maxiter, default_optimizer="cobyla", default_maxiter=default_maxiter,
                              alpha=alpha)
    return Start(prep=prep, run=run, seed=seed, alpha=alpha, seeds=child_seeds(seed, stages), journal=journal,
                 slack=slack)


def check_alpha(cvar_alpha) -> float:
    """``cvar_alpha`` in (0, 1] as float (None = 1)."""
    if cvar_alpha is None:
        return 1.0
    a = float(cvar_alpha)
    if not 0.0 < a <= 1.0:
        raise ConfigError(f"cvar_alpha must be in (0, 1], got {cvar_alpha!r}")
    return a


def check_readout(readout: str, top_k) -> None:
    """Validate the final-readout options before any work."""
    from qopt.options import READOUTS

    if readout not in READOUTS:
        raise ConfigError(f"readout must be one of {', '.join(READOUTS)}, got {readout!r}")
    if readout == "top-k" and (top_k is None or isinstance(top_k, bool) or int(top_k) != top_k or top_k < 1):
        raise ConfigError(f"readout 'top-k' needs top_k, a positive integer; got {top_k!r}")


def samples_to_sampleset(prep: Prepared, bits: np.ndarray, weights: np.ndarray, *, probabilities: bool):
    """A dimod SampleSet over the BQM's variables (energies in BQM units).

    ``num_occurrences`` are the counts (shots) or ``max(1, round(1e6 p))`` for exact probabilities;
    a ``probability`` vector holds the probabilities (or relative frequencies).
    """
    import dimod

    bits = np.asarray(bits, dtype=np.int8)
    w = np.asarray(weights, dtype=np.float64)
    if probabilities:
        counts = np.maximum(1, np.round(w * 1e6)).astype(np.int64)
        prob = w
    else:
        counts = w.astype(np.int64)
        prob = w / w.sum()
    energy = prep.bqm.energies((bits, prep.variables))
    return dimod.SampleSet.from_samples((bits, prep.variables), vartype="BINARY", energy=energy,
                                        num_occurrences=counts, probability=prob)


def _problem_columns(prep: Cost, problem) -> list[int] | None:
    """Qubit of each problem variable 0..n-1, or None when the qubits do not carry them all."""
    pos = {v: q for q, v in enumerate(prep.variables)}
    try:
        return [pos[i] for i in range(problem.num_variables)]
    except (KeyError, AttributeError):
        return None


def exact_readout_metrics(problem, prep: Cost, probs: np.ndarray) -> dict | None:
    """Readout metrics of the exact final distribution over the problem's own objective and
    constraints: ``{"expected_objective", "p_optimum", "feasible_fraction"}``.

    Computed with cost diagonals (:func:`qopt.devices.exact.energies`) of the problem's CQM
    objective and constraint left-hand sides over all ``2**n`` basis states; None when the
    circuit is wider than :data:`EXACT_METRICS_MAX_QUBITS`, the problem is shrunk or has no
    CQM, or the qubits do not carry every problem variable.
    """
    import dimod

    from qopt.devices import exact

    n = prep.num_qubits
    if n > EXACT_METRICS_MAX_QUBITS or getattr(problem, "original", None) is not None or \
            not hasattr(problem, "cqm") or _problem_columns(prep, problem) is None:
        return None
    cqm = problem.cqm()
    qubit_vars = list(prep.variables)
    names = set(qubit_vars)

    def diag(model) -> np.ndarray:
        bqm = dimod.BinaryQuadraticModel("BINARY")
        bqm.offset = float(model.offset)
        for v, a in model.linear.items():
            if v not in names:
                return None
            bqm.add_linear(v, a)
        for (u, v), b in model.quadratic.items():
            bqm.add_quadratic(u, v, b)
        for v in qubit_vars:
            bqm.add_variable(v)
        return exact.energies(bqm, qubit_vars)

    obj = diag(cqm.objective)
    if obj is None:
        return None
    sign = -1.0 if problem.sense == "max" else 1.0  # the CQM minimises sign * objective
    objective = sign * obj
    feasible = np.ones(objective.size, dtype=bool)
    for c in cqm.constraints.values():
        lhs = diag(c.lhs)
        if lhs is None:
            return None
        rhs, tol = float(c.rhs), 1e-9 * max(1.0, abs(float(c.rhs)))
        sense = c.sense.value if hasattr(c.sense, "value") else str(c.sense)
        feasible &= (lhs <= rhs + tol) if sense == "<=" else (lhs >= rhs - tol) if sense == ">=" else \
            (np.abs(lhs - rhs) <= tol)
    p = np.asarray(probs, dtype=np.float64)
    p = p / p.sum()
    p_opt = None
    if problem.known_optimum is not None:
        opt = float(problem.known_optimum)
        hit = feasible & (np.abs(objective - opt) <= 1e-6 * max(1.0, abs(opt)))
        p_opt = float(p[hit].sum())
    return {"expected_objective": float(p @ objective), "p_optimum": p_opt,
            "feasible_fraction": float(p[feasible].sum())}


def final_readout(problem, prep: Prepared, runner, x, *, run, readout: str = "shots", top_k=None):
    """The final readout of a variational solver: ``(raw SampleSet, readout dict, bits, weights)``.

    ``readout="shots"`` measures ``run.readout_shots`` bitstrings; ``"top-k"`` reads the ``top_k``
    most probable states. The readout dict follows the contract of :func:`qopt.decode.finish`:
    ``{"readout", "shots", "exact"}``, with ``"exact"`` filled from the final state when the runner
    holds it exactly (qopt's exact simulator) and ``problem`` is the original, small problem.
    """
    bits, weights, probabilities = runner.final_samples(x, shots=run.readout_shots, readout=readout, top_k=top_k)
    raw = samples_to_sampleset(prep, bits, weights, probabilities=probabilities)
    exact_block = None
    if runner.exact_state:
        cols = _problem_columns(prep, problem)
        if cols is not None and prep.num_qubits <= EXACT_METRICS_MAX_QUBITS:
            exact_block = exact_readout_metrics(problem, prep, runner.probabilities(x))
    shots = int(np.sum(weights)) if not probabilities else 0
    info = {"readout": readout, "shots": shots if readout == "shots" else 0, "exact": exact_block}
    if readout == "top-k":
        info["top_k"] = int(top_k)
    return raw, info, bits, weights


def best_sample_stats(prep: Cost, problem, bits, weights) -> dict:
    """Probability mass (or shot fraction) of the feasible and of the optimal raw samples."""
    if not hasattr(problem, "is_feasible"):
        return {}
    cols = _problem_columns(prep, problem)
    if cols is None:
        return {}
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    feas = np.zeros(len(bits), dtype=bool)
    opt = np.zeros(len(bits), dtype=bool)
    for k, b in enumerate(bits):
        x = np.asarray(b)[cols]
        feas[k] = problem.is_feasible(x)
        if feas[k] and problem.known_optimum is not None:
            opt[k] = abs(problem.evaluate(x) - problem.known_optimum) <= 1e-6 * max(1.0, abs(problem.known_optimum))
    return {"feasible_mass": float(w[feas].sum()),
            "optimal_mass": float(w[opt].sum()) if problem.known_optimum is not None else None}
