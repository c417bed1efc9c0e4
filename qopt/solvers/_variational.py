"""Shared machinery of the variational solvers (QAOA, RQAOA, VQE).

Pipeline: problem -> BQM (+ decoder) -> qubits (one per BQM variable, wire order =
``variables``) -> cost diagonal or Ising Hamiltonian -> optimise -> sample -> SampleSet over
the BQM's variables -> :func:`qopt.decode.finish`.

Angle convention: ``U_C(gamma) = exp(-i gamma C)`` with ``C = E / scale`` the BQM energy divided
by ``scale = 2 max(|h_i|, |J_ij|)`` of its Ising form (so unweighted MaxCut keeps ``scale = 1``
and the published fixed angles apply), and ``U_B(beta) = exp(-i beta sum_q X_q)``. Because qopt
minimises ``E``, good angles have ``gamma > 0, beta < 0`` (the conjugate of the maximisation
convention of algorithms.md 4.1, same probabilities).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from qopt._random import seed_int  # noqa: F401 (re-exported for the solvers)
from qopt.errors import ConfigError

__all__ = ["Prepared", "prepare", "ising_terms", "samples_to_sampleset", "sample_from_state",
           "child_seeds", "seed_int", "cvar_from_samples", "resolve_run_options", "RunOptions"]

logger = logging.getLogger(__name__)


def child_seeds(seed, names: tuple[str, ...]) -> dict[str, np.random.Generator]:
    """Independent Generators per stage (``Generator.spawn``), so adding a stage shifts no other."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed_int(seed))
    return dict(zip(names, rng.spawn(len(names))))


@dataclass
class Prepared:
    """A problem ready for a circuit.

    Attributes:
        bqm: the BINARY BQM solved (problem variables plus slack bits).
        decoder: its :class:`~qopt.qubo.Decoder` (None for unconstrained families).
        variables: BQM variable of each qubit, wire order.
        scale: positive energy scale; the circuit's cost is ``E / scale``.
        device: the :class:`~qopt.devices.DeviceConfig`.
        build_s: seconds spent building the BQM.
    """

    bqm: object
    decoder: object
    variables: list
    scale: float
    device: object
    build_s: float = 0.0
    _energies: np.ndarray | None = field(default=None, repr=False)

    @property
    def num_qubits(self) -> int:
        return len(self.variables)

    def energies(self) -> np.ndarray:
        """Cost diagonal ``E`` in BQM units, shape (2**n,), built once."""
        if self._energies is None:
            from qopt.devices import exact

            self._energies = exact.energies(self.bqm, self.variables)
        return self._energies


def _bqm_of(problem, penalty, slack):
    import dimod

    if isinstance(problem, dimod.BinaryQuadraticModel):
        bqm = problem.change_vartype("BINARY", inplace=False)
        return bqm, None
    if problem.family in ("qubo", "maxcut"):
        return problem.to_bqm()
    return problem.to_bqm(penalty=penalty, slack=slack)


def ising_terms(bqm, variables) -> tuple[np.ndarray, dict[tuple[int, int], float], float]:
    """``E(x) = const + sum_q h_q Z_q + sum_{q<r} J_qr Z_q Z_r`` with ``x_q = (1 - Z_q) / 2``.

    Returns:
        (h of shape (n,), J as {(q, r): coefficient} with q < r (qubit indices), const).
    """
    pos = {v: q for q, v in enumerate(variables)}
    n = len(variables)
    h = np.zeros(n)
    J: dict[tuple[int, int], float] = {}
    const = float(bqm.offset)
    for v, a in bqm.linear.items():  # a x = a/2 - a/2 Z
        const += a / 2
        h[pos[v]] -= a / 2
    for (u, v), b in bqm.quadratic.items():  # b x_u x_v = b/4 (1 - Z_u - Z_v + Z_u Z_v)
        q, r = sorted((pos[u], pos[v]))
        const += b / 4
        h[q] -= b / 4
        h[r] -= b / 4
        J[(q, r)] = J.get((q, r), 0.0) + b / 4
    return h, J, const


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
    if scale is None:
        h, J, _ = ising_terms(bqm, variables)
        biggest = max([float(np.max(np.abs(h))) if h.size else 0.0] + [abs(b) for b in J.values()])
        scale = 2.0 * biggest if biggest > 0 else 1.0
    return Prepared(bqm=bqm, decoder=decoder, variables=variables, scale=float(scale), device=config,
                    build_s=time.perf_counter() - t0)


@dataclass(frozen=True)
class RunOptions:
    """Options resolved from the solver call, the device config and the defaults."""

    shots: int | None
    optimizer: str
    optimizer_options: dict
    maxiter: int
    diff_method: str


def resolve_run_options(config, *, shots, optimizer, diff_method, maxiter, default_optimizer: str,
                        default_maxiter: int, gradient_ok: bool = True) -> RunOptions:
    """Merge call options > device config > defaults; check they fit together.

    ``gradient_ok=False`` (a CVaR objective off the exact device) turns a gradient optimizer
    from the config into the gradient-free default, and rejects one asked for explicitly.
    """
    from qopt.optimize import GRADIENT_OPTIMIZERS, _normalise

    if shots is not None and (isinstance(shots, bool) or int(shots) != shots or shots < 1):
        raise ValueError(f"shots must be a positive integer or None, got {shots!r}")
    shots = config.shots if shots is None else int(shots)
    explicit = optimizer is not None
    name = _normalise(optimizer or config.optimizer or default_optimizer)
    if name in GRADIENT_OPTIMIZERS and not gradient_ok:
        if explicit:
            raise ConfigError(f"optimizer {name!r} needs gradients, which this objective (CVaR from "
                              "samples) does not have on this device; use cobyla, nelder-mead or spsa")
        name = _normalise(default_optimizer)
    opts = dict(config.optimizer_options) if name == (config.optimizer or name) else {}
    config_maxiter = opts.pop("maxiter", None)
    maxiter = maxiter if maxiter is not None else (config_maxiter or default_maxiter)
    if config.exact and diff_method not in (None, "adjoint", "best"):
        raise ConfigError(f"--diff-method {diff_method} needs a PennyLane device; the exact device "
                          "uses its own adjoint gradients (pick --device lightning or aer)")
    method = config.resolved_diff_method(diff_method, shots if not config.exact else None)
    return RunOptions(shots=shots, optimizer=name, optimizer_options=opts, maxiter=int(maxiter),
                      diff_method=method)


def cvar_from_samples(energies: np.ndarray, alpha: float) -> float:
    """CVaR_alpha of sampled energies (Barkoutsos et al. 2020): mean of the lowest alpha*K,
    counting the boundary sample fractionally."""
    e = np.sort(np.asarray(energies, dtype=np.float64))
    K = e.size
    m = alpha * K
    k = int(np.floor(m))
    total = e[:k].sum()
    if k < K and m > k:
        total += (m - k) * e[k]
    return float(total / m)


def check_alpha(cvar_alpha) -> float:
    """``cvar_alpha`` in (0, 1] as float (None = 1)."""
    if cvar_alpha is None:
        return 1.0
    a = float(cvar_alpha)
    if not 0.0 < a <= 1.0:
        raise ValueError(f"cvar_alpha must be in (0, 1], got {cvar_alpha!r}")
    return a


def sample_from_state(state: np.ndarray, *, shots: int | None, rng, top_k: int = 256):
    """Bitstrings of the final state: ``shots`` measurements, or (shots None) the ``top_k``
    most probable basis states with their probabilities.

    Returns:
        (bits of shape (m, n) uint8, weights of shape (m,): counts or probabilities).
    """
    from qopt.devices import exact

    if shots is not None:
        idx = exact.sample_indices(state, shots, rng)
        uniq, counts = np.unique(idx, return_counts=True)
        n = int(np.log2(state.size))
        return exact.index_to_bits(uniq, n), counts.astype(np.float64)
    bits, probs = exact.top_states(state, top_k)
    return bits, probs


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


def best_sample_stats(prep: Prepared, problem, bits, weights) -> dict:
    """Probability mass (or shot fraction) of the feasible and of the optimal raw samples."""
    if not hasattr(problem, "is_feasible"):
        return {}
    pos = {v: q for q, v in enumerate(prep.variables)}
    try:
        cols = [pos[i] for i in range(problem.num_variables)]
    except KeyError:
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
    return {"feasible_mass": float(w[feas].sum()), "optimal_mass": float(w[opt].sum())}


# --------------------------------------------------------------------------- PennyLane runner
class PennyLaneRunner:
    """QNodes of one parametrised circuit on a PennyLane device.

    ``build(x)`` returns the gate list (:mod:`qopt.solvers.circuits`) for the flat parameter
    vector ``x``; the observable is the scaled cost Hamiltonian ``sum h Z + sum J ZZ + const``.
    Counts circuit executions with ``qml.Tracker``.
    """

    def __init__(self, prep: Prepared, build, *, diff_method: str, shots: int | None, seed: int | None):
        import pennylane as qml

        from qopt.devices import with_shots
        from qopt.solvers.circuits import to_pennylane

        self.prep = prep
        self.shots = shots
        self.diff_method = diff_method
        n = prep.num_qubits
        h, J, const = ising_terms(prep.bqm, prep.variables)
        s = prep.scale
        coeffs = [const / s]
        ops = [qml.Identity(0)]
        for q in range(n):
            if h[q] != 0:
                coeffs.append(h[q] / s)
                ops.append(qml.PauliZ(q))
        for (q, r), b in J.items():
            if b != 0:
                coeffs.append(b / s)
                ops.append(qml.PauliZ(q) @ qml.PauliZ(r))
        # all terms are Z products: one qubit-wise-commuting group, so one circuit per evaluation
        self.hamiltonian = qml.Hamiltonian(coeffs, ops, grouping_type="qwc")
        self.device = prep.device.pennylane_device(n, shots=shots, seed=seed)
        self.tracker = qml.Tracker(self.device)
        self._executions = 0
        wires = list(range(n))
        H = self.hamiltonian

        def expval(x):
            to_pennylane(build(x))
            return qml.expval(H)

        def probs(x):
            to_pennylane(build(x))
            return qml.probs(wires=wires)

        def samples(x):
            to_pennylane(build(x))
            return qml.sample(wires=wires)

        self._expval = with_shots(qml.QNode(expval, self.device, diff_method=diff_method,
                                            interface="autograd"), shots)
        # value-only QNode: with the autograd interface an adjoint QNode also computes derivatives
        self._value = with_shots(qml.QNode(expval, self.device, diff_method=None), shots)
        self._probs = qml.QNode(probs, self.device, diff_method=None)
        self._samples = qml.QNode(samples, self.device, diff_method=None)
        self._grad = qml.grad(self._expval)

    def value(self, x) -> float:
        """``<C>`` (scaled units); estimated from ``shots`` samples if shots is set."""
        from pennylane import numpy as pnp

        return float(self._tracked(self._value, pnp.array(x, requires_grad=False)))

    def value_and_grad(self, x):
        """(``<C>``, gradient of shape (k,)) by the QNode's ``diff_method``."""
        from pennylane import numpy as pnp

        g = self._tracked(self._grad, pnp.array(np.asarray(x, dtype=np.float64), requires_grad=True))
        return float(self._grad.forward), np.asarray(g, dtype=np.float64)

    def probabilities(self, x) -> np.ndarray:
        """Exact output distribution, shape (2**n,) (analytic devices only)."""
        return np.asarray(self._tracked(self._probs, np.asarray(x, dtype=np.float64)), dtype=np.float64)

    def sample(self, x, shots: int):
        """``shots`` measured bitstrings, shape (shots, n) uint8."""
        from qopt.devices import with_shots

        out = self._tracked(with_shots(self._samples, shots), np.asarray(x, dtype=np.float64))
        return np.asarray(out, dtype=np.uint8).reshape(shots, -1)

    def cvar(self, x, alpha: float) -> float:
        """CVaR_alpha of the scaled energy: from ``shots`` samples, or exactly from probabilities."""
        if self.shots is not None:
            bits = self.sample(x, self.shots)
            e = self.prep.bqm.energies((bits.astype(np.int8), self.prep.variables)) / self.prep.scale
            return cvar_from_samples(e, alpha)
        from qopt.devices import exact

        p = self.probabilities(x)
        return exact.cvar(self.prep.energies() / self.prep.scale, p / p.sum(), alpha)

    @property
    def executions(self) -> int:
        """Circuit executions so far (gradient circuits included), from ``qml.Tracker``."""
        return self._executions

    def _tracked(self, fn, *args):
        with self.tracker:  # entering a Tracker resets its totals, so accumulate here
            out = fn(*args)
        self._executions += int(self.tracker.totals.get("executions", 0))
        return out

    def final_samples(self, x, *, shots: int | None, top_k: int = 256):
        """(bits (m, n), weights (m,), probabilities?) of the final circuit."""
        from qopt.devices import exact

        if shots is not None:
            bits = self.sample(x, shots)
            idx = exact.bits_to_index(bits)
            uniq, counts = np.unique(idx, return_counts=True)
            return exact.index_to_bits(uniq, self.prep.num_qubits), counts.astype(np.float64), False
        p = self.probabilities(x)
        k = min(top_k, p.size)
        idx = np.lexsort((np.arange(p.size), -p))[:k]
        return exact.index_to_bits(idx, self.prep.num_qubits), p[idx], True
