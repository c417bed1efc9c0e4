"""Classical baselines: exact MILP (HiGHS), simulated annealing and tabu (dwave-samplers).

All return a :class:`qopt.result.Result`.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from qopt._native import native_stdout_off
from qopt._random import as_generator, child_int, resolve_seed, seed_int
from qopt.decode import finish, make_result
from qopt.errors import ArgumentTypeError, ConfigError, InfeasibleModelError, SolverError
from qopt.limits import MAX_NUM_READS, check_coefficients, check_int, check_memory, check_time
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

    _check_problem(problem, "exact")
    time_limit = _positive_seconds("time_limit", time_limit)
    if not isinstance(mip_rel_gap, (int, float)) or isinstance(mip_rel_gap, bool) or not 0 <= mip_rel_gap < 1:
        raise ConfigError(f"mip_rel_gap must be a number in [0, 1), got {mip_rel_gap!r}")
    t0 = time.perf_counter()
    c, integ, lb, ub, A, rlo, rhi, variables, offset = milp_arrays(problem.milp_model())
    check_memory(48.0 * (len(c) + A.nnz + A.shape[0]) * 20, f"{problem.name}: the exact MILP "
                 f"({len(c):,} columns, {A.shape[0]:,} rows)", "use --solver sa or tabu")
    c_scaled, A, rlo, rhi, obj_scale = _scale_for_highs(problem.name, c, A, rlo, rhi)
    t1 = time.perf_counter()
    constraints = [LinearConstraint(A, rlo, rhi)] if A.shape[0] else []
    with native_stdout_off():
        res = milp(c_scaled, integrality=integ, bounds=Bounds(lb, ub), constraints=constraints,
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
    if dual is not None:
        dual = float(dual) * obj_scale
    info = {
        "proven_optimal": bool(proven),
        "dual_bound": None if dual is None else sign * (float(dual) + offset),
        "mip_gap": getattr(res, "mip_gap", None),
        "milp_status": res.message,
        "milp_variables": int(len(c)),
        "milp_rows": int(A.shape[0]),
        "objective_scale": obj_scale,
    }
    result = make_result(problem, x, solver="exact", seed=seed_int(seed),
                         timing_s={"build": t1 - t0, "solve": t2 - t1},
                         options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap},
                         info=info, proven=proven)
    if proven and not result.feasible:
        raise SolverError(f"{problem.name}: MILP optimum violates {sorted(result.violations)[:3]} "
                          "(tolerance problem in the model)")
    return result


def _check_problem(problem, solver: str) -> None:
    """A clear error when ``problem`` is not a qopt Problem (a path, a number, None...)."""
    from qopt.problems.base import Problem

    if not isinstance(problem, Problem):
        hint = " (read it first: qopt.read(path) or qopt.load(name))" if isinstance(problem, str) else ""
        raise ArgumentTypeError(f"problem must be a qopt Problem, got {type(problem).__name__} "
                                f"{str(problem)[:40]!r}{hint}")


def _positive_seconds(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"{name} must be a number of seconds, got {value!r}")
    if not (value > 0 and np.isfinite(value)):
        raise ConfigError(f"{name} must be a finite number > 0 seconds, got {value!r}")
    return float(value)


#: HiGHS reads any |value| >= 1e20 as infinite; coefficients are scaled by powers of two
#: (exact in floating point) so the largest is at most this.
_HIGHS_MAX = 2.0**30


#: HiGHS drops |values| below ~1e-9 as zero: coefficients whose largest is below this are scaled up.
_HIGHS_MIN = 2.0**-10


def _pow2_scale(big: float) -> float:
    """The power of two s with ``big * s`` in a range HiGHS reads faithfully: at most _HIGHS_MAX
    (it reads >= 1e20 as infinite), and about 1 when ``big`` is tiny (it drops < 1e-9 as zero);
    1.0 when ``big`` is already fine or zero."""
    if big == 0 or _HIGHS_MIN <= big <= _HIGHS_MAX:
        return 1.0
    if big > _HIGHS_MAX:
        return float(2.0 ** (int(np.floor(np.log2(_HIGHS_MAX / big)))))
    return float(2.0 ** (int(np.floor(np.log2(1.0 / big)))))


def _scale_for_highs(name, c, A, rlo, rhi):
    """Scale the objective and each constraint row by powers of two for HiGHS.

    Returns ``(c_scaled, A, rlo, rhi, obj_scale)`` where the true objective is
    ``obj_scale * c_scaled.x``. Row scaling leaves the feasible set unchanged.

    Raises:
        InfeasibleModelError: a NaN/inf or overflowing coefficient.
    """
    import scipy.sparse as sp

    big = check_coefficients(c, f"{name}: objective")
    check_coefficients(A.data, f"{name}: constraint coefficients")
    for side in (rlo, rhi):
        finite = side[np.isfinite(side)]
        check_coefficients(finite, f"{name}: constraint right-hand side")
    s = _pow2_scale(big)
    if s != 1.0:
        logger.info("%s: objective scaled by 2^%d for HiGHS (|c| up to %g)", name, int(np.log2(s)), big)
    if A.shape[0]:
        A = sp.csr_matrix(A)
        rowmax = np.zeros(A.shape[0])
        counts = np.diff(A.indptr)
        nz = np.flatnonzero(counts)
        if A.nnz:
            rowmax[nz] = np.maximum.reduceat(np.abs(A.data), A.indptr[nz])
        bound = np.maximum(rowmax, np.nan_to_num(np.maximum(np.abs(rlo), np.abs(rhi)), posinf=0.0))
        scale = np.array([_pow2_scale(b) for b in bound])
        if (scale != 1.0).any():
            A = sp.diags(scale) @ A
            rlo, rhi = rlo * scale, rhi * scale
    return np.asarray(c) * s, A, rlo, rhi, 1.0 / s


def _check_bqm(bqm, problem, solver: str) -> None:
    """Refuse a BQM a native sampler cannot handle: NaN/inf biases, or energies that overflow.

    dwave-samplers' tabu aborts the whole process ("double free or corruption") on infinite
    biases, so this runs before every native call.
    """
    lin = np.fromiter(bqm.linear.values(), dtype=float, count=bqm.num_variables)
    quad = np.fromiter(bqm.quadratic.values(), dtype=float, count=bqm.num_interactions)
    with np.errstate(all="ignore"):
        total = float(np.abs(lin).sum() + np.abs(quad).sum() + abs(bqm.offset))
    if not np.isfinite(total) or total > 1e300:
        check_coefficients(np.concatenate([lin, quad, [bqm.offset]]), f"{problem.name}: the {solver} QUBO")
        raise InfeasibleModelError(f"{problem.name}: the {solver} QUBO's energies can reach {total:g}, beyond "
                                   "float64; rescale the instance's coefficients")


def _check_reads(num_reads) -> int:
    if isinstance(num_reads, bool) or not isinstance(num_reads, (int, np.integer)):
        raise ArgumentTypeError(f"num_reads must be a positive integer, got {num_reads!r}")
    return check_int("num_reads", num_reads, maximum=MAX_NUM_READS)


# ---------------------------------------------------------------------------
#: Runs expected to take longer than this many seconds are sampled in batches of about this length,
#: so that Ctrl-C keeps the reads already done (dwave-samplers runs all reads of a call in one C
#: loop that does not see Ctrl-C until it returns). Shorter runs are one call, as before.
BATCH_SECONDS = 2.0


def _read_batches(num_reads: int, expected_s: float) -> list[int]:
    """Reads per sampler call: one call when ``expected_s <= BATCH_SECONDS``, else about
    ``BATCH_SECONDS`` per call (at least one read each)."""
    if expected_s <= BATCH_SECONDS or num_reads < 2:
        return [num_reads]
    k = min(num_reads, int(np.ceil(expected_s / BATCH_SECONDS)))
    base, extra = divmod(num_reads, k)
    return [base + (i < extra) for i in range(k)]


def _sample_in_batches(sample, bqm, seed: int, batches: list[int], name: str):
    """``sample(bqm, seed, reads)`` once per batch (batch i seeded from the i-th spawned child of ``seed``); returns
    ``(sampleset, interrupted)``. Ctrl-C keeps the batches done; with none done it propagates."""
    import dimod

    if len(batches) == 1:
        return sample(bqm, seed, batches[0]), False
    seeds = [child_int(g) for g in as_generator(seed).spawn(len(batches))]
    done = []
    try:
        for i, (reads, s) in enumerate(zip(batches, seeds)):
            done.append(sample(bqm, s, reads))
            logger.info("%s: %d/%d reads", name, sum(batches[:i + 1]), sum(batches))
    except KeyboardInterrupt:
        if not done:
            raise
        logger.warning("interrupted: keeping the %d of %d reads done (Ctrl-C again to abort)",
                       sum(len(d) for d in done), sum(batches))
        return dimod.concatenate(done), True
    return dimod.concatenate(done), False


def _bqm_heuristic(problem, name, sample, *, seed, penalty, slack, weights, repair, local_search, options,
                   postprocess=None):
    seed = resolve_seed(seed)  # one int drives the run and is recorded (a Generator gives one draw)
    t0 = time.perf_counter()
    bqm, decoder = problem.encode(penalty=penalty, slack=slack, weights=weights)
    _check_bqm(bqm, problem, name)
    n, m = bqm.num_variables, bqm.num_interactions
    reads = options["num_reads"]
    # samples (int8) are copied ~4 times by dimod and decoding; a BQM costs ~300 B per variable
    # and ~100 B per interaction; tabu converts the model to a dense n x n float64 matrix
    need = 16.0 * reads * n + 300.0 * n + 100.0 * m + (8.0 * n * n if name == "tabu" else 0.0)
    check_memory(need, f"{problem.name}: {name} on {n:,} QUBO variables with {reads:,} reads",
                 "use --solver sa" if name == "tabu" else "use fewer --num-reads")
    if name == "sa":  # dwave-samplers SA: up to ~1e9 spin-neighbour updates per second on one core
        updates = reads * options["num_sweeps"] * (n + 2.0 * m)
        # batches: 4e8 updates/s measured on G11 (800 vertices) on the 2-core reference machine
        expected_s = updates / 4e8
        check_time(updates / 1e9,
                   f"{problem.name}: sa with {reads:,} reads x {options['num_sweeps']:,} sweeps on {n:,} variables",
                   "use fewer --num-reads")
    else:  # tabu stops on its per-read timeout
        expected_s = reads * options["timeout_s"]
    batches = _read_batches(reads, expected_s)
    t1 = time.perf_counter()
    with native_stdout_off():
        raw, interrupted = _sample_in_batches(sample, bqm, seed, batches, name)
    t2 = time.perf_counter()
    logger.info("%s: %d samples on %d BQM variables in %.2fs", name, len(raw), bqm.num_variables, t2 - t1)
    info = {"bqm_variables": bqm.num_variables}
    if len(batches) > 1:
        info.update(read_batches=len(batches), reads_done=len(raw), interrupted=interrupted)
    return finish(problem, raw, decoder, solver=name, repair=repair, local_search=local_search,
                  postprocess=postprocess, seed=seed, timing_s={"build": t1 - t0, "solve": t2 - t1},
                  options=options, info=info)


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

    _check_problem(problem, "sa")
    num_reads = _check_reads(num_reads)
    if isinstance(num_sweeps, bool) or not isinstance(num_sweeps, (int, np.integer)):
        raise ArgumentTypeError(f"num_sweeps must be a positive integer, got {num_sweeps!r}")
    num_sweeps = check_int("num_sweeps", num_sweeps, maximum=10**9)

    def sample(bqm, s, reads):
        return SimulatedAnnealingSampler().sample(bqm, num_reads=reads, num_sweeps=num_sweeps, seed=s)

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

    _check_problem(problem, "tabu")
    num_reads = _check_reads(num_reads)
    if time_limit is not None:
        timeout_s = _positive_seconds("time_limit", time_limit) / num_reads
    timeout_s = _positive_seconds("timeout_s", timeout_s)

    def sample(bqm, s, reads):
        return TabuSampler().sample(bqm, num_reads=reads, timeout=int(max(1, timeout_s * 1000)), seed=s)

    opts = {"num_reads": num_reads, "timeout_s": timeout_s, "penalty": penalty, "slack": slack}
    return _bqm_heuristic(problem, "tabu", sample, seed=seed, penalty=penalty, slack=slack, weights=weights,
                          repair=repair, local_search=local_search, options=opts, postprocess=postprocess)
