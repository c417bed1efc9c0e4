"""``native``: the strongest classical method qopt has for a problem's family, on the
ORIGINAL model (not the penalised QUBO), under a wall-clock budget.

===============  ==========================================================================
family           method (``Result.info["method"]``)
===============  ==========================================================================
qap              permutation search: FAQ (``scipy.optimize.quadratic_assignment``) restarts
                 each followed by a 2-opt descent, then Taillard's robust tabu search over
                 swaps (:mod:`qopt.problems._qap_search`) with perturbation restarts from the
                 best; dual bound: Gilmore-Lawler.
mdkp, mis        HiGHS branch and cut, warm-started from greedy + add/drop/swap local search
                 (MIS: also tabu reads on the exact MIS QUBO for half of the budget);
                 dual bound: HiGHS's.
market_split     HiGHS on the elastic form min sum|Ax - b| (``MarketSplit.milp_model``), warm
                 start from 1-flip/swap descent.
maxcut, qubo,    simulated annealing and tabu (dwave-samplers) on the BQM, each with half the
labs             budget; the better result is returned.
anything else    HiGHS on the linearised constrained model (``Problem.milp_model``) with a
with a CQM       warm start from ``repair`` + ``local_search``; unconstrained models go to
                 SA + tabu as above.
===============  ==========================================================================

``method="sa"`` or ``"tabu"`` instead runs that QUBO heuristic (penalised BQM for
constrained problems) for the whole budget: the "SA at equal wall time" reference of a
benchmark.

Reproducibility: every stage is a fixed sequence of seeded, deterministic steps (FAQ
restarts, tabu chunks, annealing batches); the time limit only stops the sequence
between steps. With ``max_iterations`` set and a generous ``time_limit`` two runs with
the same seed return the same solution.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import time

import numpy as np

from qopt._random import seed_int
from qopt.decode import finish, make_result
from qopt.errors import QoptError, SolverError
from qopt.result import Result

__all__ = ["native", "METHODS", "gilmore_lawler_bound"]

logger = logging.getLogger(__name__)

#: values of the ``method`` option
METHODS = ("auto", "sa", "tabu")

_MILP_FAMILIES = ("mdkp", "mis", "market_split")
_BQM_FAMILIES = ("maxcut", "qubo", "labs")


class _Clock:
    """Deadline bookkeeping and the incumbent trace ``[[t_s, objective], ...]``."""

    def __init__(self, time_limit: float):
        self.t0 = time.perf_counter()
        self.deadline = self.t0 + time_limit
        self.trace: list[list[float]] = []

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def expired(self) -> bool:
        return time.perf_counter() >= self.deadline

    def record(self, objective: float, sense: str) -> None:
        better = not self.trace or (objective > self.trace[-1][1] if sense == "max" else objective < self.trace[-1][1])
        if better:
            self.trace.append([round(time.perf_counter() - self.t0, 6), float(objective)])


def _check_args(time_limit, max_iterations, method):
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float, np.integer, np.floating)) \
            or not math.isfinite(time_limit) or time_limit <= 0:
        raise SolverError(f"native: time_limit must be a finite number of seconds > 0, got {time_limit!r}")
    if max_iterations is not None and (isinstance(max_iterations, bool)
                                       or not isinstance(max_iterations, (int, np.integer)) or max_iterations < 1):
        raise SolverError(f"native: max_iterations must be a positive integer or None, got {max_iterations!r}")
    if method not in METHODS:
        raise SolverError(f"native: method must be one of {', '.join(METHODS)}, got {method!r}")


def native(problem, *, time_limit: float = 10.0, seed=None, max_iterations: int | None = None,
           method: str = "auto") -> Result:
    """Best classical method for ``problem``'s family within ``time_limit`` seconds.

    Args:
        problem: a :class:`~qopt.problems.Problem`.
        time_limit: wall-clock budget in seconds (finite, > 0). Setup counts against it
            (building the model; on first use in a process, importing numba and loading the
            cached QAP kernels, about 1 s). The run may overshoot by one search step
            (milliseconds; HiGHS: its own time-limit check), the final decode, and for QAP
            the first FAQ + 2-opt, which always runs.
        seed: int or :class:`numpy.random.Generator`; None draws fresh entropy.
        max_iterations: cap on the search steps (QAP: robust-tabu iterations; SA/tabu:
            annealing batches / tabu reads; MILP: ignored, HiGHS is deterministic). With a
            cap and a generous time limit, runs are reproducible with a seed.
        method: ``"auto"`` (the family's method), or ``"sa"`` / ``"tabu"`` to run that QUBO
            heuristic alone for the whole budget.

    Returns:
        :class:`~qopt.result.Result` with solver ``"native"``; ``info["method"]`` names what
        ran, ``info["best_incumbent"]`` its objective, ``info["dual_bound"]`` a proven bound
        in the problem's sense (None when the method has none) and
        ``info["incumbent_trace"]`` the ``[seconds, objective]`` improvements.

    Raises:
        SolverError: a bad ``time_limit``/``max_iterations``/``method``, or a problem no
            method here can handle (no permutation/MILP/QUBO form).

    Examples:
        >>> from qopt.problems import QuadraticAssignment
        >>> qap = QuadraticAssignment([[0, 3, 1], [3, 0, 2], [1, 2, 0]], [[0, 1, 4], [1, 0, 2], [4, 2, 0]])
        >>> r = native(qap, time_limit=5, seed=0, max_iterations=100)
        >>> r.feasible, r.objective, r.info["dual_bound"] <= r.objective
        (True, 22.0, True)
    """
    _check_args(time_limit, max_iterations, method)
    time_limit = float(time_limit)
    seed_record = seed_int(seed) if not isinstance(seed, np.random.Generator) else None
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed_record)
    clock = _Clock(time_limit)
    family = getattr(problem, "family", None)
    if method in ("sa", "tabu"):
        out = _bqm_search(problem, clock, rng, max_iterations, methods=(method,))
    elif family == "qap":
        out = _qap_search(problem, clock, rng, max_iterations)
    elif family in _MILP_FAMILIES:
        out = _milp_search(problem, clock, rng, max_iterations)
    elif family in _BQM_FAMILIES:
        out = _bqm_search(problem, clock, rng, max_iterations, methods=("sa", "tabu"))
    else:
        out = _general(problem, clock, rng, max_iterations)
    result, info = out
    info.update(time_limit_s=time_limit, incumbent_trace=clock.trace,
                best_incumbent=float(result.objective) if result.feasible else None)
    options = {"time_limit": time_limit, "max_iterations": max_iterations, "method": method}
    timing = {k: v for k, v in result.timing_s.items() if k != "total"}
    timing["setup"] = max(0.0, (time.perf_counter() - clock.t0) - sum(timing.values()))
    final = make_result(problem, result.solution, solver="native", seed=seed_record, samples=result.samples,
                        timing_s=timing, options=options, info={**result.info, **info},
                        proven=bool(info.get("proven_optimal")))
    logger.info("native (%s) on %s: objective %g, bound %s, %.2f s", info["method"], problem.name,
                final.objective, info.get("dual_bound"), final.time_s)
    return final


def _child(rng) -> int:
    return int(rng.integers(2**31 - 1))


# --------------------------------------------------------------------------- QAP
def gilmore_lawler_bound(flow, distance) -> float:
    """Gilmore-Lawler lower bound of the QAP ``min_p sum_{i,k} A[i,k] B[p(i),p(k)]``.

    ``L[i, j] = A[i,i] B[j,j] + <a_i, b_j>_-`` where ``<., .>_-`` is the minimal scalar
    product of row i of A and row j of B without their diagonal entries (one sorted
    ascending, the other descending); the bound is the linear assignment optimum of L.
    Valid for any real, also asymmetric, matrices (P.C. Gilmore, SIAM J. Appl. Math. 10
    (1962) 305-313; E.L. Lawler, Manage. Sci. 9 (1963) 586-599).

    Examples:
        >>> gilmore_lawler_bound([[0, 1], [1, 0]], [[0, 2], [2, 0]])
        4.0
    """
    from scipy.optimize import linear_sum_assignment

    A = np.asarray(flow, dtype=float)
    B = np.asarray(distance, dtype=float)
    n = A.shape[0]
    if n == 1:
        return float(A[0, 0] * B[0, 0])
    off = ~np.eye(n, dtype=bool)
    a_rows = np.sort(A[off].reshape(n, n - 1), axis=1)               # ascending
    b_rows = np.sort(B[off].reshape(n, n - 1), axis=1)[:, ::-1]      # descending
    L = np.outer(np.diag(A), np.diag(B)) + a_rows @ b_rows.T
    r, c = linear_sum_assignment(L)
    return float(L[r, c].sum())


def _qap_search(problem, clock, rng, max_iterations):
    from scipy.optimize import quadratic_assignment

    from qopt.problems._qap_search import delta_matrix, perm_cost, robust_tabu, two_opt

    A = np.ascontiguousarray(problem.flow, dtype=float)
    B = np.ascontiguousarray(problem.distance, dtype=float)
    n = problem.n
    t_setup = time.perf_counter()
    bound = gilmore_lawler_bound(A, B)
    best_p = np.arange(n, dtype=np.int64)
    best = perm_cost(A, B, best_p)  # also compiles the kernels on first use (cached on disk)
    clock.record(best, "min")
    stats = {"faq_restarts": 0, "tabu_runs": 0, "tabu_iterations": 0}

    def offer(p, cost, where):
        nonlocal best, best_p
        if cost < best - 1e-9:
            best, best_p = cost, p.copy()
            clock.record(best, "min")
            stats.setdefault("best_found_by", where)
            stats["best_found_by"] = where

    # 1. FAQ restarts (barycenter, then random doubly-stochastic starts), each + 2-opt
    num_faq = 1 if n < 4 else 8
    for k in range(num_faq):
        if k > 0 and clock.expired():  # the first FAQ + 2-opt always runs (milliseconds)
            break
        opts = {"P0": "barycenter"} if k == 0 else {"P0": "randomized", "rng": np.random.default_rng(_child(rng))}
        res = quadratic_assignment(A, B, method="faq", options=opts)
        p = np.asarray(res.col_ind, dtype=np.int64)
        two_opt(A, B, p, 10**6)
        offer(p, perm_cost(A, B, p), "faq+2opt")
        stats["faq_restarts"] += 1
    # 2. robust tabu search in chunks; a new run every run_length iterations, from a
    #    perturbation of the best permutation (n // 4 + 2 random swaps) or, every 4th run, at random
    if n >= 3:
        tmin, tmax = max(1, int(0.9 * n)), max(2, int(math.ceil(1.1 * n)))
        aspiration = 5 * n * n
        chunk = max(500, 200_000 // (n * n))
        run_length = 250 * n * n
        cap = max_iterations if max_iterations is not None else None
        done = 0
        run = 0
        while not clock.expired() and (cap is None or done < cap):
            if run == 0:
                p = best_p.copy()
            elif run % 4 == 0:
                p = rng.permutation(n).astype(np.int64)
            else:
                p = best_p.copy()
                for _ in range(n // 4 + 2):
                    i, j = rng.choice(n, size=2, replace=False)
                    p[i], p[j] = p[j], p[i]
            D = delta_matrix(A, B, p)
            tabu = -(np.arange(n * n, dtype=np.int64).reshape(n, n) + 1)
            cost = perm_cost(A, B, p)
            run_best_p = p.copy()
            run_best = cost
            it = 0
            while it < run_length and not clock.expired() and (cap is None or done < cap):
                steps = min(chunk, run_length - it) if cap is None else min(chunk, run_length - it, cap - done)
                cost, run_best = robust_tabu(A, B, p, D, tabu, cost, it, steps, run_best_p, run_best, _child(rng),
                                             tmin, tmax, aspiration)
                cost = perm_cost(A, B, p)  # no drift from summed deltas
                it += steps
                done += steps
                offer(run_best_p, perm_cost(A, B, run_best_p), "robust-tabu")
                if bound >= best - 1e-9:
                    break
            stats["tabu_runs"] += 1
            run += 1
            if bound >= best - 1e-9:  # proven optimal by the bound
                break
        stats["tabu_iterations"] = done
    x = problem.permutation_to_solution(best_p)
    proven = bool(bound >= best - 1e-9 * max(1.0, abs(best)))
    result = make_result(problem, x, solver="native", timing_s={"solve": time.perf_counter() - t_setup})
    info = {"method": "qap: FAQ + 2-opt restarts, robust tabu search (Taillard 1991)", "dual_bound": bound,
            "dual_bound_kind": "Gilmore-Lawler", "proven_optimal": proven, **stats}
    return result, info


# --------------------------------------------------------------------------- MILP
def _warm_start(problem) -> np.ndarray:
    """A feasible (where cheap) start: repair of the empty assignment, then local search."""
    x = problem.repair(np.zeros(problem.num_variables, dtype=np.int8))
    return problem.local_search(x)


@contextlib.contextmanager
def _stdout_to_devnull():
    """Send file descriptor 1 to /dev/null: HiGHS 1.12 prints a debug line
    (``HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();``) with
    printf despite ``output_flag = False``, which would corrupt ``--output json``."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _highs(c, integrality, lb, ub, A, rlo, rhi, *, time_limit, seed, warm, on_incumbent=None):
    """Solve ``min c x, rlo <= A x <= rhi, lb <= x <= ub`` with HiGHS, warm-started.

    ``warm`` is ``(index, values)``: a (partial) solution, e.g. the problem's own
    variables; HiGHS completes a partial one itself. scipy's public ``milp`` takes no
    start, so this uses the HiGHS bindings scipy ships (``scipy.optimize._highspy``);
    when they are missing it falls back to ``milp`` without a warm start
    (``warm_start`` False in the returned dict). ``on_incumbent(objective)`` is called
    (HiGHS's improving-solution callback) with each new incumbent's ``c x``.
    """
    try:
        from scipy.optimize._highspy import _core as hc
        hc._Highs.setSolution  # noqa: B018 - probe the private API
    except (ImportError, AttributeError):
        hc = None
    if hc is None:
        from scipy.optimize import Bounds, LinearConstraint, milp

        cons = [LinearConstraint(A, rlo, rhi)] if A.shape[0] else []
        res = milp(c, integrality=integrality, bounds=Bounds(lb, ub), constraints=cons,
                   options={"time_limit": float(time_limit), "disp": False, "mip_rel_gap": 0.0})
        dual = getattr(res, "mip_dual_bound", None)
        return {"x": res.x, "optimal": res.status == 0, "dual_bound": None if dual is None else float(dual),
                "message": res.message, "warm_start": False, "nodes": getattr(res, "mip_node_count", None)}
    import scipy.sparse as sp

    A = sp.csc_matrix(A)
    lp = hc.HighsLp()
    lp.num_col_ = len(c)
    lp.num_row_ = A.shape[0]
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_ = np.asarray(lb, dtype=float)
    lp.col_upper_ = np.asarray(ub, dtype=float)
    lp.row_lower_ = np.where(np.isfinite(rlo), rlo, -hc.kHighsInf).astype(float)
    lp.row_upper_ = np.where(np.isfinite(rhi), rhi, hc.kHighsInf).astype(float)
    lp.a_matrix_.format_ = hc.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = len(c)
    lp.a_matrix_.num_row_ = A.shape[0]
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    lp.integrality_ = [hc.HighsVarType(int(i)) for i in integrality]
    highs = hc._Highs()
    for key, value in (("output_flag", False), ("log_to_console", False), ("time_limit", float(time_limit)),
                       ("mip_rel_gap", 0.0), ("random_seed", int(seed) % (2**31 - 1))):
        highs.setOptionValue(key, value)
    highs.passModel(lp)
    index, values = warm
    status = highs.setSolution(len(index), np.asarray(index, dtype=np.int32), np.asarray(values, dtype=float))
    accepted = status != hc.HighsStatus.kError
    if on_incumbent is not None:
        try:
            def _callback(kind, message, out, data_in, user_data):
                on_incumbent(float(out.objective_function_value))

            highs.setCallback(_callback, None)
            highs.startCallback(hc.cb.HighsCallbackType.kCallbackMipImprovingSolution)
        except (AttributeError, TypeError):  # older bindings: no trace of HiGHS's incumbents
            pass
    with _stdout_to_devnull():
        highs.run()
    model_status = highs.getModelStatus()
    info = highs.getInfo()
    x = None
    if info.primal_solution_status == hc.SolutionStatus.kSolutionStatusFeasible:
        x = np.asarray(highs.getSolution().col_value, dtype=float)
    return {"x": x, "optimal": model_status == hc.HighsModelStatus.kOptimal,
            "dual_bound": float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None,
            "message": highs.modelStatusToString(model_status), "warm_start": bool(accepted),
            "nodes": int(info.mip_node_count)}


def _mis_tabu(problem, clock, rng, max_iterations, share: float = 0.5):
    """MIS warm start: tabu reads (dwave-samplers, 16 restarts each) on the exact MIS QUBO
    ``-sum_v w_v x_v + P sum_{uv in E} x_u x_v`` (P = 2 max w), repaired and locally improved,
    for ``share`` of the remaining budget or ``max_iterations`` reads."""
    import dimod
    from dwave.samplers import TabuSampler

    n = problem.num_variables
    w = np.asarray(getattr(problem, "weights", None) if getattr(problem, "weights", None) is not None
                   else np.ones(n), dtype=float)
    big = 2.0 * max(1.0, float(np.max(np.abs(w))))
    linear = {v: -float(w[v]) for v in range(n)}
    for u in problem.loops:
        linear[int(u)] += big
    bqm = dimod.BinaryQuadraticModel(linear, {(int(u), int(v)): big for u, v in problem.edges}, 0.0, "BINARY")
    stop = time.perf_counter() + share * clock.left()
    best_x, best, reads = None, -np.inf, 0
    while time.perf_counter() < stop and (max_iterations is None or reads < max_iterations):
        left_ms = max(1, int(1000 * (stop - time.perf_counter())))
        ss = TabuSampler().sample(bqm, num_reads=1, num_restarts=16, timeout=left_ms, seed=_child(rng))
        x = np.array([ss.first.sample[i] for i in range(n)], dtype=np.int8)
        x = problem.local_search(problem.repair(x))
        value = problem.evaluate(x)
        if value > best:
            best_x, best = x, value
            clock.record(value, "max")
        reads += 1
    return best_x, reads


def _milp_search(problem, clock, rng, max_iterations=None):
    """HiGHS on ``problem.milp_model()`` warm-started from greedy + local search.

    MIS: a HiGHS probe on a tenth of the budget first (small graphs end there, proven);
    if it does not prove optimality, tabu reads on the MIS QUBO for half of what is left,
    then HiGHS again, warm-started from the best set found, for the rest.
    """
    from qopt.solvers.classical import milp_arrays

    t0 = time.perf_counter()
    sense = problem.sense
    sign = -1.0 if sense == "max" else 1.0
    elastic = problem.family == "market_split"  # residual objective: every x is a valid start

    def better(a, b):
        return a > b + 1e-9 if sense == "max" else a < b - 1e-9

    x_best = _warm_start(problem)
    warm_obj = problem.evaluate(x_best)
    warm_how = "greedy + local search"
    if problem.is_feasible(x_best):
        clock.record(warm_obj, sense)
    c, integ, lb, ub, A, rlo, rhi, variables, offset = milp_arrays(problem.milp_model())
    pos = {v: i for i, v in enumerate(variables)}
    cols = np.array([pos[i] for i in range(problem.num_variables)], dtype=np.int64)
    t1 = time.perf_counter()
    proven, duals, res = False, [], None

    def run_highs(fraction):
        nonlocal x_best, proven, res
        ok = problem.is_feasible(x_best) or elastic
        warm = (cols, x_best.astype(float)) if ok else (np.zeros(0, np.int64), np.zeros(0))
        left = clock.left()
        budget = max(fraction * left - min(0.5, 0.05 * left), 1e-3)  # margin for HiGHS's overshoot
        res = _highs(c, integ, lb, ub, A, rlo, rhi, time_limit=budget, seed=_child(rng), warm=warm,
                     on_incumbent=lambda value: clock.record(sign * (value + offset), sense))
        if res["dual_bound"] is not None:
            duals.append(sign * (res["dual_bound"] + offset))
        if res["x"] is not None:
            x_milp = np.round(res["x"][cols]).astype(np.int8)
            if problem.is_feasible(x_milp) and (not problem.is_feasible(x_best)
                                                or not better(problem.evaluate(x_best), problem.evaluate(x_milp))):
                x_best, proven = x_milp, res["optimal"]
                clock.record(problem.evaluate(x_best), sense)

    if problem.family == "mis":
        run_highs(0.1)
        if not proven and not clock.expired():
            x_tabu, reads = _mis_tabu(problem, clock, rng, max_iterations)
            if x_tabu is not None and problem.evaluate(x_tabu) > problem.evaluate(x_best):
                x_best = x_tabu
            warm_how = f"greedy + local search, a HiGHS probe, then {reads} tabu reads on the MIS QUBO"
            run_highs(1.0)
    else:
        run_highs(1.0)
    t2 = time.perf_counter()
    if not problem.is_feasible(x_best) and not elastic:
        raise SolverError(f"{problem.name}: native found no feasible solution within the time limit "
                          f"(HiGHS: {res['message']})")
    dual = (min(duals) if sense == "max" else max(duals)) if duals else None
    info = {"method": f"{problem.family}: HiGHS branch and cut"
                      + (" (elastic form)" if elastic else "")
                      + f", warm-started from {warm_how}",
            "dual_bound": dual, "dual_bound_kind": "HiGHS MIP dual bound" if dual is not None else None,
            "proven_optimal": bool(proven), "milp_status": res["message"], "warm_start": res["warm_start"],
            "warm_start_objective": float(warm_obj), "mip_nodes": res["nodes"]}
    result = make_result(problem, x_best, solver="native", timing_s={"build": t1 - t0, "solve": t2 - t1})
    return result, info


# --------------------------------------------------------------------------- BQM heuristics
def _bqm_search(problem, clock, rng, max_iterations, *, methods):
    """SA and/or tabu (dwave-samplers) on the problem's BQM, the budget split equally."""
    import dimod
    from dwave.samplers import SimulatedAnnealingSampler, TabuSampler

    t0 = time.perf_counter()
    try:
        bqm, decoder = problem.to_bqm()
    except QoptError:
        raise
    except (NotImplementedError, TypeError, ValueError) as err:
        raise SolverError(f"native: {problem.family} problem {problem.name!r} has no QUBO form ({err})") from None
    t1 = time.perf_counter()
    sets, best_energy, batches = [], {}, {}
    for k, m in enumerate(methods):
        share = clock.left() / (len(methods) - k)
        stop = time.perf_counter() + share
        count = 0
        # the first batch of each method always runs, so a spent budget still returns a sample
        while (count == 0 or time.perf_counter() < stop) and (max_iterations is None or count < max_iterations):
            s = _child(rng)
            left_ms = max(1, int(1000 * (stop - time.perf_counter())))
            if m == "sa":
                ss = SimulatedAnnealingSampler().sample(bqm, num_reads=4, num_sweeps=1000, seed=s)
            else:
                ss = TabuSampler().sample(bqm, num_reads=1, num_restarts=4, timeout=left_ms, seed=s)
            sets.append(ss)
            _record_batch(problem, ss, clock)
            e = float(ss.first.energy)
            if m not in best_energy or e < best_energy[m]:
                best_energy[m] = e
            count += 1
        batches[m] = count
    t2 = time.perf_counter()
    raw = dimod.concatenate(sets)
    out = finish(problem, raw, decoder, solver="native", timing_s={"build": t1 - t0, "solve": t2 - t1})
    winner = min(best_energy, key=best_energy.get) if best_energy else None
    if out.feasible:
        clock.record(out.objective, problem.sense)
    what = " and ".join({"sa": "simulated annealing", "tabu": "tabu search"}[m] for m in methods)
    qubo = "penalised QUBO" if problem.cqm().constraints else "BQM"
    info = {"method": f"{problem.family}: {what} (dwave-samplers) on the {qubo}"
                      + (", equal time each" if len(methods) > 1 else ""),
            "dual_bound": None, "proven_optimal": False, "best_method": winner,
            "best_bqm_energy": best_energy, "batches": batches}
    return out, info


def _record_batch(problem, sampleset, clock) -> None:
    """Put the batch's lowest-energy sample, decoded, repaired and improved, on the trace."""
    first = sampleset.first.sample
    x = np.array([first[i] for i in range(problem.num_variables)], dtype=np.int8)
    if not problem.is_feasible(x):
        x = problem.repair(x)
    x = problem.local_search(x)
    if problem.is_feasible(x):
        clock.record(problem.evaluate(x), problem.sense)


# --------------------------------------------------------------------------- anything else
def _general(problem, clock, rng, max_iterations):
    """User models and other families: HiGHS on the constrained model, SA + tabu when unconstrained."""
    import dimod

    try:
        cqm = problem.milp_model()
    except NotImplementedError as err:
        raise SolverError(f"native: no classical method for family {problem.family!r} "
                          f"(the problem gives no constrained model: {err})") from None
    kinds = {cqm.vartype(v) for v in cqm.variables}
    if dimod.SPIN in kinds or dimod.REAL in kinds and not cqm.constraints:
        raise SolverError(f"native: no classical method for family {problem.family!r}: its model has "
                          f"{'SPIN' if dimod.SPIN in kinds else 'REAL'} variables (native handles binary/integer "
                          "models; convert spins with x = (s + 1) / 2)")
    if not cqm.constraints:
        return _bqm_search(problem, clock, rng, max_iterations, methods=("sa", "tabu"))
    return _milp_search(problem, clock, rng)
