"""Classical baselines: exact MILP (HiGHS), simulated annealing and tabu (dwave-samplers).

All return a :class:`qopt.result.Result`.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from qopt._random import resolve_seed, seed_int
from qopt.decode import finish, make_result
from qopt.errors import ConfigError, SolverError
from qopt.result import Result

__all__ = ["exact", "simulated_annealing", "tabu", "milp_arrays"]

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
def milp_arrays(cqm):
    """Linearise a CQM into ``scipy.optimize.milp`` arrays.

    Every quadratic term ``q x_u x_v`` becomes a continuous ``y in [0, 1]`` with the
    McCormick inequalities it needs (objective: only the binding side for the sign of
    ``q``; constraints: all three).

    Returns:
        ``(c, integrality, lb, ub, A, row_lb, row_ub, variables, offset)`` with A sparse.
    """
    import dimod
    import scipy.sparse as sp

    variables = list(cqm.variables)
    index = {v: i for i, v in enumerate(variables)}
    lb, ub, integrality = [], [], []
    for v in variables:
        vt = cqm.vartype(v)
        if vt is dimod.SPIN:
            raise SolverError(f"variable {v!r} is SPIN; the exact solver needs binary/integer variables")
        integrality.append(0 if vt is dimod.REAL else 1)
        lb.append(cqm.lower_bound(v) if vt is not dimod.BINARY else 0.0)
        ub.append(cqm.upper_bound(v) if vt is not dimod.BINARY else 1.0)
    c = [0.0] * len(variables)
    rows, cols, vals, rlo, rhi = [], [], [], [], []
    products: dict = {}

    def product(u, v, sign_needed):
        key = (min(index[u], index[v]), max(index[u], index[v]))
        if key in products:
            k, sides = products[key]
        else:
            k = len(c)
            c.append(0.0), lb.append(0.0), ub.append(1.0), integrality.append(0)
            sides = set()
            products[key] = (k, sides)
        for side in sign_needed - sides:
            r = len(rlo)
            if side == "upper":  # y <= x_u, y <= x_v
                for x in key:
                    rows.extend([r, r]), cols.extend([k, x]), vals.extend([1.0, -1.0])
                    rlo.append(-np.inf), rhi.append(0.0)
                    r += 1
            else:  # y >= x_u + x_v - 1
                rows.extend([r, r, r]), cols.extend([k, key[0], key[1]]), vals.extend([1.0, -1.0, -1.0])
                rlo.append(-1.0), rhi.append(np.inf)
            sides.add(side)
        return k

    obj = cqm.objective
    for v, b in obj.linear.items():
        c[index[v]] += b
    for (u, v), q in obj.quadratic.items():
        if u == v:  # x^2 = x for binaries
            c[index[u]] += q
            continue
        k = product(u, v, {"lower"} if q > 0 else {"upper"})
        c[k] += q
    for label, comp in cqm.constraints.items():
        entries: dict = {}
        for v, b in comp.lhs.linear.items():
            entries[index[v]] = entries.get(index[v], 0.0) + b
        for (u, v), q in comp.lhs.quadratic.items():
            k = product(u, v, {"lower", "upper"})
            entries[k] = entries.get(k, 0.0) + q
        r = len(rlo)
        for k, b in entries.items():
            rows.append(r), cols.append(k), vals.append(b)
        rhs = comp.rhs - comp.lhs.offset
        sense = comp.sense.value
        rlo.append(rhs if sense in ("==", ">=") else -np.inf)
        rhi.append(rhs if sense in ("==", "<=") else np.inf)
    A = sp.csr_matrix((vals, (rows, cols)), shape=(len(rlo), len(c)))
    return (np.array(c), np.array(integrality), np.array(lb, dtype=float), np.array(ub, dtype=float),
            A, np.array(rlo, dtype=float), np.array(rhi, dtype=float), variables, obj.offset)


def exact(problem, *, time_limit: float = 60.0, seed=None, mip_rel_gap: float = 0.0) -> Result:
    """Solve the original constrained model exactly with the HiGHS MILP solver.

    Quadratic objectives (QAP, MaxCut, QUBO, reduced LABS) are linearised with
    McCormick inequalities (:func:`milp_arrays`), so large quadratic instances will
    usually stop at the time limit with a feasible, unproven solution.

    Args:
        problem: a :class:`~qopt.problems.Problem`.
        time_limit: seconds for HiGHS.
        seed: recorded only (HiGHS is deterministic here).
        mip_rel_gap: relative MIP gap at which HiGHS may stop (0 = prove optimality).

    Returns:
        Result with ``info["proven_optimal"]``, ``info["dual_bound"]`` and ``info["mip_gap"]``.

    Raises:
        SolverError: no feasible solution was found within the time limit.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    if not (time_limit > 0):
        raise ConfigError(f"time_limit must be > 0 seconds, got {time_limit!r}")
    t0 = time.perf_counter()
    c, integ, lb, ub, A, rlo, rhi, variables, offset = milp_arrays(problem.milp_model())
    t1 = time.perf_counter()
    constraints = [LinearConstraint(A, rlo, rhi)] if A.shape[0] else []
    res = milp(c, integrality=integ, bounds=Bounds(lb, ub), constraints=constraints,
               options={"time_limit": float(time_limit), "disp": False, "mip_rel_gap": mip_rel_gap})
    t2 = time.perf_counter()
    if res.x is None:
        if res.status == 2:
            from qopt.errors import InfeasibleModelError

            raise InfeasibleModelError(f"{problem.name}: HiGHS proved the model infeasible")
        raise SolverError(f"{problem.name}: HiGHS found no feasible solution within {time_limit:g} s ({res.message})")
    pos = {v: i for i, v in enumerate(variables)}
    x = np.array([int(round(res.x[pos[i]])) for i in range(problem.num_variables)], dtype=np.int8)
    proven = res.status == 0
    sign = -1.0 if problem.sense == "max" else 1.0
    dual = getattr(res, "mip_dual_bound", None)
    info = {
        "proven_optimal": bool(proven),
        "dual_bound": None if dual is None else sign * (float(dual) + offset),
        "mip_gap": getattr(res, "mip_gap", None),
        "milp_status": res.message,
        "milp_variables": int(len(c)),
        "milp_rows": int(A.shape[0]),
    }
    result = make_result(problem, x, solver="exact", seed=seed_int(seed),
                         timing_s={"build": t1 - t0, "solve": t2 - t1},
                         options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap},
                         info=info, proven=proven)
    if proven and not result.feasible:
        raise SolverError(f"{problem.name}: MILP optimum violates {sorted(result.violations)[:3]} "
                          "(tolerance problem in the model)")
    return result


# ---------------------------------------------------------------------------
def _bqm_heuristic(problem, name, sample, *, seed, penalty, slack, weights, repair, local_search, options,
                   postprocess=None):
    seed = resolve_seed(seed)  # one int drives the run and is recorded (a Generator gives one draw)
    t0 = time.perf_counter()
    qubo_opts = {}
    if problem.family not in ("qubo", "maxcut"):
        qubo_opts = {"penalty": penalty, "slack": slack, "weights": weights}
    bqm, decoder = problem.to_bqm(**qubo_opts)
    t1 = time.perf_counter()
    raw = sample(bqm, seed_int(seed))
    t2 = time.perf_counter()
    logger.info("%s: %d samples on %d BQM variables in %.2fs", name, len(raw), bqm.num_variables, t2 - t1)
    return finish(problem, raw, decoder, solver=name, repair=repair, local_search=local_search,
                  postprocess=postprocess, seed=seed_int(seed), timing_s={"build": t1 - t0, "solve": t2 - t1},
                  options=options, info={"bqm_variables": bqm.num_variables})


def simulated_annealing(problem, *, num_reads: int = 100, num_sweeps: int = 1000, seed=None,
                        penalty="calibrated", slack="binary", weights=None, repair: bool = True,
                        local_search: bool = True, postprocess: str | None = None) -> Result:
    """Simulated annealing (dwave-samplers) on the penalised BQM, then decode/repair/local search.

    Args:
        problem: a :class:`~qopt.problems.Problem`.
        num_reads: independent annealing runs.
        num_sweeps: Metropolis sweeps per run.
        seed: int seed for reproducible runs.
        penalty, slack, weights: passed to :func:`qopt.qubo.to_bqm`.
        repair, local_search: post-processing switches.
        postprocess: ``"none"``, ``"one-round"`` or ``"full"`` (:func:`qopt.decode.finish`;
            default: from the switches).
    """
    from dwave.samplers import SimulatedAnnealingSampler

    if num_reads < 1 or num_sweeps < 1:
        raise ConfigError(f"num_reads and num_sweeps must be >= 1, got {num_reads}, {num_sweeps}")

    def sample(bqm, s):
        return SimulatedAnnealingSampler().sample(bqm, num_reads=num_reads, num_sweeps=num_sweeps, seed=s)

    opts = {"num_reads": num_reads, "num_sweeps": num_sweeps, "penalty": penalty, "slack": slack}
    return _bqm_heuristic(problem, "sa", sample, seed=seed, penalty=penalty, slack=slack, weights=weights,
                          repair=repair, local_search=local_search, options=opts, postprocess=postprocess)


def tabu(problem, *, num_reads: int = 20, timeout_s: float = 0.1, seed=None, penalty="calibrated",
         slack="binary", weights=None, repair: bool = True, local_search: bool = True,
         time_limit: float | None = None, postprocess: str | None = None) -> Result:
    """Tabu search (dwave-samplers) on the penalised BQM, then decode/repair/local search.

    Args:
        problem: a :class:`~qopt.problems.Problem`.
        num_reads: independent tabu runs.
        timeout_s: seconds per run.
        seed: int seed for reproducible runs (tabu stops on wall-clock time, so runs on a
            loaded machine may still differ).
        penalty, slack, weights: passed to :func:`qopt.qubo.to_bqm`.
        repair, local_search: post-processing switches.
        time_limit: total seconds for all runs; overrides ``timeout_s`` with
            ``time_limit / num_reads``.
        postprocess: ``"none"``, ``"one-round"`` or ``"full"`` (:func:`qopt.decode.finish`).
    """
    from dwave.samplers import TabuSampler

    if time_limit is not None:
        if not time_limit > 0:
            raise ConfigError(f"time_limit must be > 0 seconds, got {time_limit!r}")
        timeout_s = time_limit / num_reads

    if num_reads < 1 or not timeout_s > 0:
        raise ConfigError(f"num_reads must be >= 1 and timeout_s > 0, got {num_reads}, {timeout_s}")

    def sample(bqm, s):
        return TabuSampler().sample(bqm, num_reads=num_reads, timeout=int(max(1, timeout_s * 1000)), seed=s)

    opts = {"num_reads": num_reads, "timeout_s": timeout_s, "penalty": penalty, "slack": slack}
    return _bqm_heuristic(problem, "tabu", sample, seed=seed, penalty=penalty, slack=slack, weights=weights,
                          repair=repair, local_search=local_search, options=opts, postprocess=postprocess)
