"""Back from the shrunk problem: expand, verify against every original constraint, repair.

:func:`shrink_and_solve` is the whole pipeline (the CLI's ``--shrink``/``--max-qubits``):
``shrink -> any registered solver on the shrunk problem -> expand_result``.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from qopt.decode import make_result
from qopt.errors import ConfigError
from qopt.shrink.driver import MODES, count_problem_qubits, shrink

__all__ = ["expand_result", "shrink_and_solve"]

logger = logging.getLogger(__name__)

_SHRINK_KEYS = ("source", "num_reads", "num_sweeps", "elite", "polish", "recompute_every", "tau", "qaoa_options",
                "qaoa_max_qubits")


def _shrunk_solutions(shrunk, result, limit):
    rows = [np.asarray(result.solution, dtype=np.int8)]
    samples = result.samples
    if samples is not None and len(samples):
        labels = list(samples.variables)
        cols = [labels.index(i) for i in range(shrunk.num_variables)]
        rows.extend(samples.record.sample[:, cols].astype(np.int8))
    unique, seen = [], set()
    for y in rows:
        key = y.tobytes()
        if key not in seen:
            seen.add(key)
            unique.append(y)
    return unique[:limit]


def expand_result(problem, shrunk, shrunk_result, *, solver: str, seed=None, repair: bool = True,
                  local_search: bool = True, postprocess: str | None = None, max_postprocess: int = 64,
                  timing_s=None, options=None, info=None):
    """Expand a solver's result on ``shrunk`` into a :class:`~qopt.result.Result` of ``problem``.

    The raw block (``Result.raw``) is computed on the ORIGINAL problem: every raw sample the solver
    read on the shrunk problem (``shrunk_result.raw_samples``, with its shot counts) is expanded
    with ``shrunk.expand`` and scored by :func:`qopt.decode.raw_metrics` before any repair or local
    search. Then, at the post-processing level ``postprocess``:

    * ``"none"``: the returned solution is the best expanded raw sample;
    * ``"one-round"``: one round of feasibility-aware moves on the original problem
      (:func:`qopt.problems.moves.one_round`) on each candidate (the solver must have run with
      ``postprocess="none"``, as :func:`shrink_and_solve` does);
    * ``"full"`` (default): every distinct shrunk solution (the best one and the result's samples)
      is expanded, verified with ``problem.is_feasible`` against every original constraint,
      repaired with ``problem.repair`` where it violates one and improved with
      ``problem.local_search``; the best (feasible first, then by objective) is returned.

    Args:
        problem: the original :class:`~qopt.problems.Problem`.
        shrunk: the :class:`~qopt.shrink.ShrunkProblem` the solver ran on.
        shrunk_result: the solver's :class:`~qopt.result.Result` on ``shrunk``.
        solver: solver name recorded in the result.
        seed, timing_s, options, info: recorded in the result.
        repair, local_search: the parts of ``"full"``.
        postprocess: ``"none"``, ``"one-round"`` or ``"full"`` (default: from the switches).
        max_postprocess: at most this many distinct shrunk solutions are expanded.

    Returns:
        A :class:`~qopt.result.Result` in the original problem's terms; ``qubits`` is the shrunk
        count; ``info`` holds ``qubits_before``, ``qubits_after``, ``merges``,
        ``feasible_before_repair`` / ``feasible_after_repair`` (of the returned solution),
        the rates over all expanded samples, and ``repair_distance`` (Hamming distance).
        ``solution_from`` counts post-processing the solver did on the shrunk problem as
        ``local search``.
    """
    from qopt.decode import _best_index, _evaluate_all, _level, _sampleset, decode_samples, postprocess_sample, \
        raw_metrics

    t0 = time.perf_counter()
    level = _level(postprocess, repair, local_search)
    raw_block = raw_set = best_raw = None
    raw_keys: set = set()
    if shrunk_result.raw_samples is not None and len(shrunk_result.raw_samples):
        ys_raw, counts, _ = decode_samples(shrunk, shrunk_result.raw_samples)
        X = shrunk.expand_many(ys_raw)
        objectives, feasible = _evaluate_all(problem, X)
        inner = shrunk_result.raw or {}
        readout = {"readout": inner.get("readout", "samples"), "shots": inner.get("shots"), "exact": None}
        raw_block = raw_metrics(problem, X, counts, readout=readout, objectives=objectives, feasible=feasible)
        raw_set = _sampleset(problem, X, counts, objectives, feasible)
        best_raw = X[_best_index(problem, X, objectives, feasible)]
        raw_keys = {x.tobytes() for x in X}
    if level == "none" and best_raw is not None:
        starts = [best_raw]
    else:
        starts = [shrunk.expand(y) for y in _shrunk_solutions(shrunk, shrunk_result, max_postprocess)]
        if level == "none":  # no raw samples recorded (e.g. the exact MILP ran on the shrunk problem)
            starts = starts[:1]
        if best_raw is not None and not any(np.array_equal(best_raw, x) for x in starts):
            starts.append(best_raw)
    xs, raw_ok, dist, stages = [], [], [], []
    for x_raw in starts:
        x, stage = postprocess_sample(problem, x_raw, level, repair=repair, local_search=local_search)
        if stage == "raw sample" and raw_keys and x.tobytes() not in raw_keys:
            stage = "local search"  # the solver's own post-processing on the shrunk problem
        xs.append(x)
        raw_ok.append(problem.is_feasible(x_raw))
        dist.append(int(np.sum(x != x_raw)))
        stages.append(stage)
    xs = np.array(xs, dtype=np.int8)
    objectives, feasible = _evaluate_all(problem, xs)
    best = _best_index(problem, xs, objectives, feasible)
    samples = _sampleset(problem, xs, np.ones(len(xs)), objectives, feasible, feasible_raw=np.array(raw_ok))
    timing = dict(timing_s or {})
    timing["expand"] = time.perf_counter() - t0
    timing.pop("total", None)
    extra = dict(info or {})
    extra.update(
        qubits_before=getattr(shrunk, "qubits_before", None), qubits_after=getattr(shrunk, "qubits", None),
        variables_after=shrunk.num_variables, num_merges=len(shrunk.merges),
        merges=[m.to_dict() for m in shrunk.merges], correlation_rounds=getattr(shrunk, "rounds", 0),
        feasible_before_repair=bool(raw_ok[best]), feasible_after_repair=bool(feasible[best]),
        feasible_before_repair_rate=float(np.mean(raw_ok)), feasible_after_repair_rate=float(np.mean(feasible)),
        repair_distance=dist[best], shrunk_objective=float(shrunk_result.objective),
        shrunk_solver_qubits=shrunk_result.qubits,
    )
    return make_result(problem, xs[best], solver=solver, seed=seed, qubits=getattr(shrunk, "qubits", None),
                       samples=samples, timing_s=timing, options=options, info=extra, raw=raw_block,
                       raw_samples=raw_set, postprocess=level, solution_from=stages[best])


def shrink_and_solve(problem, *, solver: str, mode: str = "adaptive", max_qubits: int | None = None, seed=None,
                     shrink_options: dict | None = None, **solver_options):
    """Shrink ``problem`` to ``max_qubits``, solve the shrunk problem, expand, verify and repair.

    Args:
        problem: a :class:`~qopt.problems.Problem`.
        solver: registered solver name (``exact``, ``sa``, ``tabu``, ``qaoa``, ...).
        mode: ``"adaptive"`` (default), ``"static"`` or ``"none"`` (see :func:`qopt.shrink.shrink`).
        max_qubits: qubit budget, slack bits included (default: ``round(2/3 x`` the original
            count), Sharma & Lau's default target; ``mode="none"`` without a budget solves as is).
        seed: int or numpy Generator; shrinking and solving get child seeds.
        shrink_options: options of :func:`qopt.shrink.shrink` (``source``, ``num_reads``,
            ``num_sweeps``, ``elite``, ``polish``, ``recompute_every``, ``tau``, ``qaoa_options``, ``qaoa_max_qubits``).
        **solver_options: passed to the solver; ``slack`` and ``penalty`` (given, or else the
            solver's defaults) also set how qubits are counted and how the correlation sampler
            builds its QUBO. ``postprocess`` (``"none"``, ``"one-round"``, ``"full"``) is applied
            to the expanded samples on the original problem (:func:`expand_result`); for
            ``"none"`` and ``"one-round"`` the solver itself runs with ``postprocess="none"``.

    Returns:
        The :class:`~qopt.result.Result` in ``problem``'s terms (see :func:`expand_result`).

    Raises:
        ShrinkBudgetError: the budget cannot be met (before any solving).
        ValueError: unknown solver, solver option, mode or shrink option.

    Examples:
        >>> import qopt
        >>> r = shrink_and_solve(qopt.load("mknap1-3"), solver="sa", max_qubits=12, seed=0)
        >>> r.qubits <= 12, r.feasible, r.info["qubits_before"]
        (True, True, 102)
    """
    from qopt.solvers import get_solver, solve

    import inspect

    params = inspect.signature(get_solver(solver)).parameters  # unknown names fail before any work
    if mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    opts = dict(shrink_options or {})
    unknown = sorted(set(opts) - set(_SHRINK_KEYS))
    if unknown:
        raise ConfigError(f"unknown shrink option(s) {', '.join(unknown)}; known: {', '.join(_SHRINK_KEYS)}")
    # count qubits and sample with the solver's own QUBO encoding (qaoa defaults to unbalanced slack)
    from qopt.options import default_slack

    slack = solver_options.get("slack") or _default(params, "slack", None) or default_slack(solver, solver_options.get("like"))
    penalty = solver_options.get("penalty", _default(params, "penalty", "calibrated"))
    from qopt._random import resolve_seed

    seed = resolve_seed(seed)  # the recorded seed reproduces the run (qopt._random)
    level = solver_options.pop("postprocess", None)
    if level is not None:
        from qopt.decode import check_postprocess

        check_postprocess(level)
    takes_level = "postprocess" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
    rng = np.random.default_rng(seed)
    shrink_seed, solve_seed = (int(g.integers(2**31 - 1)) for g in rng.spawn(2))
    seed_int = seed
    t0 = time.perf_counter()
    if max_qubits is None:
        if mode == "none":
            if level is not None and takes_level:
                solver_options["postprocess"] = level
            result = solve(problem, solver, seed=solve_seed, **solver_options)
            return dataclasses.replace(result, seed=seed_int,
                                       options={**result.options, "shrink": "none"})
        max_qubits = max(1, round(2 / 3 * count_problem_qubits(problem, slack=slack)))
    shrunk, merges = shrink(problem, max_qubits, mode=mode, seed=shrink_seed, slack=slack, penalty=penalty, **opts)
    t1 = time.perf_counter()
    target = shrunk if merges else problem
    inner_options = dict(solver_options)
    if level is not None and takes_level:
        inner_options["postprocess"] = level if not merges or level == "full" else "none"
    inner = solve(target, solver, seed=solve_seed, **inner_options)
    t2 = time.perf_counter()
    options = {**inner.options, "shrink": mode, "max_qubits": int(max_qubits), "shrink_options": opts}
    timing = {"shrink": t1 - t0, "solve": t2 - t1}
    if not merges:
        info = {**inner.info, "qubits_before": shrunk.qubits, "qubits_after": shrunk.qubits, "num_merges": 0,
                "merges": [], "correlation_rounds": 0}
        return dataclasses.replace(inner, seed=seed_int, qubits=shrunk.qubits, options=options, info=info,
                                   timing_s={**inner.timing_s, **timing,
                                             "total": sum(timing.values())})
    return expand_result(problem, shrunk, inner, solver=solver, seed=seed_int, timing_s=timing,
                         options=options, postprocess=level, info={"shrink_mode": mode, "solver_info": _small(inner.info)})


def _default(params, name, fallback):
    p = params.get(name)
    return fallback if p is None or p.default is p.empty or p.default is None else p.default


def _small(info: dict) -> dict:
    """The scalar entries of a solver's info (drop bulky nested records)."""
    return {k: v for k, v in info.items() if isinstance(v, (int, float, str, bool)) or v is None}
