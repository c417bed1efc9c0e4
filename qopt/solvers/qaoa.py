"""QAOA (Farhi et al. 2014) and its extensions on configurable devices.

``|gamma, beta> = prod_{l=1..p} U_B(beta_l) exp(-i gamma_l C) |psi_0>`` with ``C = E / scale`` the
BQM energy (see :mod:`qopt.solvers._variational` for the scale and the sign convention: qopt
minimises, so good angles have ``gamma > 0``, ``beta < 0``). Options:

* initialisation ``init``: ``ramp`` (linear ramp, ``gamma_i = (i - 1/2)/p dt``,
  ``beta_i = -(1 - (i - 1/2)/p) dt``, ``dt = 0.75``), ``interp`` and ``fourier`` (Zhou et al.,
  PRX 10, 021067 (2020): grow p = 1, 2, ..., p, each level started from the previous optimum by
  INTERP, or by padding the FOURIER amplitudes ``u, v`` with a zero), ``fixed`` (fixed angles for
  3-regular MaxCut, Wurtz & Lykov, PRA 104, 052419 (2021), p <= 2 from the table, deeper levels by
  INTERP) and ``random`` (seeded);
* ``multi_angle=True``: MA-QAOA (Herrman et al. 2022) with one mixer angle per qubit and layer,
  started from the optimised QAOA angles (the cost angles stay one per layer);
* ``mixer``: ``x``; ``warm`` (Egger et al., Quantum 5, 479 (2021): start in
  ``prod RY(theta_q)|0>``, ``theta_q = 2 arcsin sqrt(c_q)``, with the matching rotated mixer;
  ``c`` from the LP relaxation of the problem's MILP model, or from simulated annealing, clipped
  to ``[eps, 1 - eps]``); ``xy`` (Hadfield et al. 2019; Wang et al. 2020: ring XY mixer on each
  disjoint one-hot group, e.g. QAP rows, from a feasible one-hot basis state, so every sample keeps
  the groups one-hot; the other constraints stay penalised);
* ``cvar_alpha``: optimise CVaR_alpha of the energy (Barkoutsos et al. 2020) instead of ``<E>``.

The circuit (:class:`~qopt.devices.circuits.QAOACircuit`) runs on the runner of the device
(:func:`qopt.devices.factory.make_runner`): on ``kind: exact`` qopt's simulator (exact values,
adjoint gradients), elsewhere PennyLane QNodes or the Qiskit runtime runner with the config's (or
``diff_method``'s) gradient method; with finite shots the default is parameter-shift and CVaR is
estimated from the samples. Every device ends with a final readout of ``shots`` measurements
(default 1024); ``readout="top-k"`` reads the ``top_k`` most probable states instead.
"""

from __future__ import annotations

import logging
import time
import warnings

import numpy as np

from qopt._random import child_int
from qopt.devices.circuits import QAOACircuit, xy_initial_state
from qopt.errors import ConfigError
from qopt.result import Result
from qopt.solvers._variational import best_sample_stats, final_readout, start

__all__ = ["qaoa", "xy_initial_state", "ramp_angles", "interp_angles", "fourier_matrices", "fixed_angles", "xy_groups",
           "INITS", "MIXERS", "FIXED_ANGLES"]

logger = logging.getLogger(__name__)

INITS = ("ramp", "interp", "fourier", "fixed", "random")
MIXERS = ("x", "warm", "xy")

#: Fixed angles for MaxCut on 3-regular graphs in qopt's (minimisation) convention, p -> (gammas, betas);
#: algorithms.md 4.5 (maximisation convention gamma, beta -> here gamma, -beta); ratios 0.6925, 0.7559.
FIXED_ANGLES = {
    1: ([0.6154797], [-np.pi / 8]),
    2: ([0.4878, 0.8978], [-0.5549, -0.2924]),
}


# --------------------------------------------------------------------------- schedules
def ramp_angles(p: int, dt: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
    """Linear ramp: ``gamma_i = (i - 1/2)/p dt``, ``beta_i = -(1 - (i - 1/2)/p) dt``, i = 1..p.

    Examples:
        >>> g, b = ramp_angles(2); g.round(4).tolist(), b.round(4).tolist()
        ([0.1875, 0.5625], [-0.5625, -0.1875])
    """
    if int(p) != p or p < 1:
        raise ConfigError(f"layers must be a positive integer, got {p!r}")
    s = (np.arange(1, p + 1) - 0.5) / p
    return s * dt, -(1.0 - s) * dt


def interp_angles(gammas, betas) -> tuple[np.ndarray, np.ndarray]:
    """INTERP (Zhou et al. 2020): level-p optimum -> level-(p+1) start.

    ``x^{(p+1)}_i = ((i-1)/p) x^{(p)}_{i-1} + ((p-i+1)/p) x^{(p)}_i`` with ``x_0 = x_{p+1} = 0``.

    Examples:
        >>> interp_angles([1.0, 3.0], [0.5, 0.1])[0].tolist()
        [1.0, 2.0, 3.0]
    """

    def grow(x):
        x = np.asarray(x, dtype=np.float64)
        p = x.size
        pad = np.concatenate([[0.0], x, [0.0]])
        i = np.arange(1, p + 2)
        return (i - 1) / p * pad[i - 1] + (p - i + 1) / p * pad[i]

    return grow(gammas), grow(betas)


def fourier_matrices(p: int, q: int) -> tuple[np.ndarray, np.ndarray]:
    """(S, Cc) of shape (p, q): ``gamma = S u``, ``beta = Cc v`` (Zhou et al. FOURIER[q, 0]),
    ``S_ik = sin((k - 1/2)(i - 1/2) pi / p)``, ``Cc_ik = cos((k - 1/2)(i - 1/2) pi / p)``."""
    i = np.arange(1, p + 1)[:, None] - 0.5
    k = np.arange(1, q + 1)[None, :] - 0.5
    return np.sin(k * i * np.pi / p), np.cos(k * i * np.pi / p)


def fixed_angles(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed 3-regular MaxCut angles (table for p <= 2, INTERP-extended beyond)."""
    g, b = (np.array(v, dtype=np.float64) for v in FIXED_ANGLES[min(p, 2)])
    while g.size < p:
        g, b = interp_angles(g, b)
    return g, b


def _is_regular_maxcut(problem) -> bool:
    graph = getattr(problem, "graph", None)
    if getattr(problem, "family", None) != "maxcut" or graph is None:
        return False
    degrees = {d for _, d in graph.degree()}
    weights = {d.get("weight", 1.0) for _, _, d in graph.edges(data=True)}
    return len(degrees) == 1 and weights <= {1, 1.0}


# --------------------------------------------------------------------------- mixers
def xy_groups(problem, variables) -> list[list[int]]:
    """Disjoint one-hot groups (``sum x == 1`` constraints) as qubit index lists (e.g. QAP rows)."""
    from qopt.qubo.penalties import one_hot_groups as _cqm_one_hot_groups

    pos = {v: q for q, v in enumerate(variables)}
    groups: dict = {}
    for v, label in _cqm_one_hot_groups(problem.cqm()).items():
        groups.setdefault(label, []).append(pos[v])
    return [sorted(g) for g in groups.values() if len(g) >= 2]


def _feasible_one_hot_bits(problem, variables, groups) -> np.ndarray:
    """A basis state with exactly one 1 per group; from ``problem.repair`` if that gives one
    (a permutation for QAP), else the first qubit of each group."""
    n = len(variables)
    bits = np.zeros(n, dtype=np.int8)
    try:
        x = np.asarray(problem.repair(np.zeros(problem.num_variables, dtype=np.int8)))
        pos = {v: q for q, v in enumerate(variables)}
        cand = np.zeros(n, dtype=np.int8)
        for i, xi in enumerate(x):
            if i in pos:
                cand[pos[i]] = xi
        if all(int(cand[g].sum()) == 1 for g in groups):
            return cand
    except Exception:  # repair is best effort here; fall back below
        logger.debug("repair() gave no one-hot start; using the first qubit of each group")
    for g in groups:
        bits[g[0]] = 1
    return bits


def _warm_probabilities(problem, prep, source: str, eps: float, rng) -> tuple[np.ndarray, str]:
    """c in [eps, 1-eps]^n per qubit from an LP relaxation or an SA solution."""
    n = prep.num_qubits
    c = np.full(n, 0.5)
    pos = {v: q for q, v in enumerate(prep.variables)}
    if source == "auto":
        source = "lp" if hasattr(problem, "milp_model") and len(problem.cqm().constraints) else "sa"
    if source == "lp":
        from scipy.optimize import Bounds, LinearConstraint, milp

        from qopt.solvers.classical import milp_arrays

        cvec, _, lb, ub, A, rlo, rhi, variables, _ = milp_arrays(problem.milp_model())
        cons = [LinearConstraint(A, rlo, rhi)] if A.shape[0] else []
        res = milp(cvec, integrality=np.zeros_like(cvec), bounds=Bounds(lb, ub), constraints=cons)
        if res.x is None:
            raise ConfigError(f"warm start: the LP relaxation of {problem.name} failed ({res.message})")
        for k, v in enumerate(variables):
            if v in pos:
                c[pos[v]] = float(np.clip(res.x[k], 0.0, 1.0))
    elif source == "sa":
        from dwave.samplers import SimulatedAnnealingSampler

        ss = SimulatedAnnealingSampler().sample(prep.bqm, num_reads=20, num_sweeps=500,
                                                seed=child_int(rng))
        best = ss.first.sample
        for v, q in pos.items():
            c[q] = float(best[v])
    else:
        raise ConfigError(f"warm_start must be 'auto', 'lp' or 'sa', got {source!r}")
    return np.clip(c, eps, 1.0 - eps), source


# --------------------------------------------------------------------------- solver
def qaoa(problem, *, device=None, layers: int = 1, init: str = "ramp", mixer: str = "x",
         cvar_alpha: float | None = None, shots: int | None = None, maxiter: int | None = None,
         optimizer: str | None = None, diff_method: str | None = None, seed=None,
         multi_angle: bool = False, warm_start: str = "auto", warm_epsilon: float = 0.25,
         optimizer_options: dict | None = None, penalty="calibrated", slack: str | None = None,
         readout: str = "shots", top_k: int | None = None, postprocess: str = "full", repair: bool = True,
         local_search: bool = True, progress: bool | None = None, mitigation=None, yes: bool | None = None,
         journal=None) -> Result:
    """Solve ``problem`` with QAOA and return the best decoded sample.

    Args:
        problem: a :class:`~qopt.problems.Problem` (or a BINARY ``dimod.BinaryQuadraticModel``
            wrapped by the caller).
        device: None (exact), a short name, a YAML path or a :class:`~qopt.devices.DeviceConfig`.
        layers: p >= 1.
        init: one of :data:`INITS`.
        mixer: one of :data:`MIXERS`.
        cvar_alpha: CVaR fraction in (0, 1]; None or 1 = expectation value.
        shots: shots per circuit and of the final readout (default: the device's; the final
            readout then takes 1024). On the exact device the optimiser uses exact expectations.
        maxiter: optimizer iterations (per level for interp/fourier; default config or 100).
        optimizer: cobyla | l-bfgs-b | nelder-mead | adam | gd | spsa (default: the device's, else cobyla).
        diff_method: PennyLane gradient method (default: the device's; parameter-shift with shots).
        seed: int, Generator or None; the run records one int (``Result.seed``) that reproduces it.
        multi_angle: one mixer angle per qubit and layer (MA-QAOA), after a QAOA stage.
        warm_start: "auto" (LP relaxation for constrained problems, else SA), "lp" or "sa".
        warm_epsilon: regularisation eps of the warm-start probabilities.
        optimizer_options: extra optimizer options (override the device's).
        penalty, slack: QUBO encoding (:func:`qopt.qubo.to_bqm`); slack defaults to
            :func:`qopt.options.default_slack` (unbalanced: no slack qubits).
        readout: "shots" (default, hardware-like) or "top-k" (the ``top_k`` most probable states
            of the exact final distribution; recorded in the result).
        postprocess, repair, local_search: post-processing of :func:`qopt.decode.finish`.
        progress: progress bar of optimizer iterations on stderr (None: when stderr is a TTY).
        mitigation: error mitigation overriding the device's ``mitigation:`` block ("zne", "zne,readout",
            a mapping; :mod:`qopt.mitigation`); needs a noisy Qiskit device.
        yes: confirm an IBM run whose cost estimate exceeds the device's threshold.
        journal: path of a job journal (:mod:`qopt.devices.journal`, Qiskit devices): every finished
            job is recorded; rerunning with the same journal and seed replays them and continues.

    Returns:
        :class:`~qopt.result.Result` with ``qubits`` = circuit width and ``info`` holding
        ``energy_trace`` (objective per iteration, BQM units), ``final_expectation`` (<E>),
        ``final_cvar``, ``gammas``, ``betas``, ``optimizer``, ``diff_method``,
        ``circuit_executions``, ``feasible_mass``/``optimal_mass`` of the raw samples.

    Raises:
        DeviceCapacityError: more qubits than the device allows (before any work).
        ConfigError: inconsistent options (e.g. adjoint with shots, xy without one-hot groups).
    """
    from qopt.devices.factory import make_runner

    t0 = time.perf_counter()
    if init not in INITS:
        raise ConfigError(f"init must be one of {', '.join(INITS)}, got {init!r}")
    if mixer not in MIXERS:
        raise ConfigError(f"mixer must be one of {', '.join(MIXERS)}, got {mixer!r}")
    if isinstance(layers, bool) or int(layers) != layers or layers < 1:
        raise ConfigError(f"layers must be a positive integer, got {layers!r}")
    if multi_angle and mixer == "xy":
        raise ConfigError("multi_angle is not available with mixer='xy' (one angle per XY ring)")
    if not 0.0 <= warm_epsilon <= 0.5:
        raise ConfigError(f"warm_epsilon must be in [0, 0.5], got {warm_epsilon!r}")
    layers = int(layers)
    st = start(problem, "qaoa", device=device, penalty=penalty, slack=slack, seed=seed, cvar_alpha=cvar_alpha,
               readout=readout, top_k=top_k, mitigation=mitigation, journal=journal,
               stages=("init", "warm", "optimizer", "sample", "device"), shots=shots, optimizer=optimizer,
               diff_method=diff_method, maxiter=maxiter, default_maxiter=100)
    prep, run, seed, alpha, seeds, journal, slack = st.prep, st.run, st.seed, st.alpha, st.seeds, st.journal, st.slack
    config = prep.device
    opt_options = {**run.optimizer_options, **(optimizer_options or {})}
    n = prep.num_qubits

    groups = initial_bits = warm_c = None
    info_extra: dict = {}
    if mixer == "xy":
        groups = xy_groups(problem, prep.variables)
        if not groups:
            raise ConfigError(f"mixer='xy' needs one-hot equality constraints; {getattr(problem, 'name', '')} "
                              "has none")
        initial_bits = _feasible_one_hot_bits(problem, prep.variables, groups)
        info_extra["xy_groups"] = len(groups)
    elif mixer == "warm":
        warm_c, source = _warm_probabilities(problem, prep, warm_start, warm_epsilon, seeds["warm"])
        info_extra.update(warm_start=source, warm_epsilon=warm_epsilon)

    from qopt.optimize import minimize

    trace: list[float] = []
    counts = {"nfev": 0, "ngev": 0, "interrupted": False}
    runners: dict = {}

    def runner_for(p, multi):
        if (p, multi) not in runners:
            circuit = QAOACircuit.of(prep, p, mixer=mixer, multi_angle=multi, groups=groups,
                                     initial_bits=initial_bits, warm_c=warm_c)
            runners[(p, multi)] = make_runner(config, prep, circuit, run=run, seed=seeds["device"],
                                              mitigation=mitigation, yes=yes, journal=journal)
        return runners[(p, multi)]

    def optimise(p, x0, to_x, jac_t, multi=False, label=""):
        rn = runner_for(p, multi)

        def f(u):
            return rn.objective(to_x(u), alpha)

        def fg(u):
            v, grad = rn.objective_and_grad(to_x(u), alpha)
            return v, jac_t(grad[:p], grad[p:])

        res = minimize(f, x0, optimizer=run.optimizer, gradient=fg, maxiter=run.maxiter,
                       options=dict(opt_options), seed=seeds["optimizer"], progress=progress,
                       desc=f"qaoa {label}p={p}")
        trace.extend(v * prep.scale for v in res.trace)
        counts["nfev"] += res.nfev
        counts["ngev"] += res.ngev
        counts["interrupted"] = counts["interrupted"] or res.interrupted
        return res

    identity = lambda u: u  # noqa: E731
    plain_jac = lambda dg, db: np.concatenate([dg, db])  # noqa: E731

    t1 = time.perf_counter()
    if init in ("interp", "fourier"):
        g, b = ramp_angles(1)
        for p in range(1, layers + 1):
            if init == "interp":
                if p > 1:
                    g, b = interp_angles(g, b)
                res = optimise(p, np.concatenate([g, b]), identity, plain_jac, label="interp ")
                g, b = res.x[:p], res.x[p:]
                if counts["interrupted"]:  # Ctrl-C: finish with the layers optimised so far
                    break
            else:
                S, Cc = fourier_matrices(p, p)
                if p == 1:
                    u, v = g / S[0, 0], b / Cc[0, 0]
                else:
                    u, v = np.append(u, 0.0), np.append(v, 0.0)

                def to_x(w, S=S, Cc=Cc, p=p):
                    return np.concatenate([S @ w[:p], Cc @ w[p:]])

                def jac(dg, db, S=S, Cc=Cc):
                    return np.concatenate([S.T @ dg, Cc.T @ db])

                res = optimise(p, np.concatenate([u, v]), to_x, jac, label="fourier ")
                u, v = res.x[:p], res.x[p:]
                g, b = S @ u, Cc @ v
                if counts["interrupted"]:
                    break
    else:
        if init == "ramp":
            g, b = ramp_angles(layers)
        elif init == "fixed":
            if not _is_regular_maxcut(problem):
                warnings.warn("init='fixed' uses the 3-regular MaxCut angle table; this problem is not an "
                              "unweighted regular MaxCut, so the angles are only a heuristic start",
                              UserWarning, stacklevel=2)
            g, b = fixed_angles(layers)
        else:
            r = seeds["init"]
            g, b = r.uniform(0, np.pi / 2, layers), -r.uniform(0, np.pi / 4, layers)
        res = optimise(layers, np.concatenate([g, b]), identity, plain_jac)
        g, b = res.x[:layers], res.x[layers:]
    layers_run = len(g)  # fewer than ``layers`` when Ctrl-C stopped an interp/fourier ladder
    if multi_angle and not counts["interrupted"]:
        p = layers
        bm = np.repeat(np.asarray(b)[:, None], n, axis=1)
        res = optimise(p, np.concatenate([g, bm.ravel()]), identity, plain_jac, multi=True, label="ma ")
        g, b = res.x[:p], res.x[p:].reshape(p, n)
    t2 = time.perf_counter()

    multi_run = bool(multi_angle) and np.ndim(b) == 2
    rn = runner_for(layers_run, multi_run)
    x = np.concatenate([np.ravel(g), np.ravel(b)])
    final_obj = rn.objective(x, alpha) * prep.scale
    final_exp = rn.value(x) * prep.scale
    raw, readout_info, bits, weights = final_readout(problem, prep, rn, x, run=run, readout=readout, top_k=top_k)
    t3 = time.perf_counter()
    executions = sum(r.executions for r in runners.values())
    info = {
        "device": config.name, "device_kind": config.kind, "layers": layers, "init": init, "mixer": mixer,
        "multi_angle": bool(multi_angle), "cvar_alpha": alpha, "optimizer": run.optimizer,
        "diff_method": run.diff_method, "maxiter": run.maxiter, "shots": run.readout_shots,
        "energy_trace": [float(v) for v in trace], "final_objective": float(final_obj),
        "final_expectation": float(final_exp),
        "final_cvar": float(final_obj) if alpha < 1.0 else None, "gammas": np.asarray(g).tolist(),
        "betas": np.asarray(b).tolist(), "energy_scale": prep.scale,
        "objective_evaluations": counts["nfev"], "gradient_evaluations": counts["ngev"],
        "circuit_executions": int(executions), "num_samples": int(len(bits)),
        "interrupted": bool(counts["interrupted"]),
        **({"layers_run": layers_run} if layers_run != layers else {}),
        **best_sample_stats(prep, problem, bits, weights), **info_extra, **rn.info(),
    }
    options = {"device": config.name, "layers": layers, "init": init, "mixer": mixer, "cvar_alpha": alpha,
               "shots": run.readout_shots, "maxiter": run.maxiter, "optimizer": run.optimizer,
               "diff_method": run.diff_method, "multi_angle": bool(multi_angle), "penalty": penalty,
               "slack": slack, "readout": readout, **({"top_k": int(top_k)} if readout == "top-k" else {})}
    from qopt.decode import finish

    logger.info("qaoa p=%d on %d qubits: <E> = %.6g after %d iterations", layers, n, final_exp, len(trace))
    return finish(problem, raw, prep.decoder, solver="qaoa", postprocess=postprocess, repair=repair,
                  local_search=local_search, seed=seed, qubits=n, readout=readout_info,
                  timing_s={"build": t1 - t0, "optimize": t2 - t1, "sample": t3 - t2},
                  options=options, info=info)
