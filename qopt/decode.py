"""Samples -> decoded, verified, post-processed solutions -> :class:`~qopt.result.Result`.

The last stage of every pipeline: ``problem -> QUBO -> solver -> samples -> finish``.

:func:`finish` does two things with the samples a solver read out:

* the **raw block** (:func:`raw_metrics`, ``Result.raw``): what the samples themselves are worth
  on the original problem, before any repair or local search (shots, distinct bitstrings, best
  raw sample, feasible fraction, expected objective, approximation ratio, probability of the
  optimum);
* the **returned solution**, after the chosen post-processing level (:data:`POSTPROCESS`):
  ``"none"`` (the best raw sample), ``"one-round"`` (the comparative study's protocol, one round
  of feasibility-aware flip/swap moves, :func:`qopt.problems.moves.one_round`, no repair) or
  ``"full"`` (repair + local search, the default). ``Result.solution_from`` says which stage
  produced it (:data:`STAGES`).
"""

from __future__ import annotations

import math
import time
from numbers import Real

import numpy as np

from qopt.errors import ConfigError
from qopt.problems.adapters import sample_of
from qopt.result import Result, Status, package_versions

__all__ = ["POSTPROCESS", "READOUTS", "STAGES", "check_known_optimum", "check_postprocess", "check_readout",
           "decode_samples", "finish", "with_known_optimum", "make_result", "postprocess_sample", "raw_metrics", "status_of"]

POSTPROCESS = ("none", "one-round", "full")
"""Post-processing levels of :func:`finish` (default ``"full"``)."""

READOUTS = ("shots", "top-k", "samples")
"""How the raw samples were read: ``shots`` (measurements), ``top-k`` (the most probable basis
states of an exact state, only on request) or ``samples`` (a classical sampler's reads)."""

STAGES = ("raw sample", "repair", "local search")
"""Which stage produced a returned solution (``Result.solution_from``)."""

TOLERANCE = 1e-6  # relative tolerance of "optimal" (as qopt.bench.metrics.TOLERANCE)
_UNSET = object()


# -- argument checks -----------------------------------------------------------
def check_postprocess(value) -> str:
    """``value`` if it is one of :data:`POSTPROCESS`, else a :class:`~qopt.errors.ConfigError`."""
    if value not in POSTPROCESS:
        raise ConfigError(f"postprocess must be one of {', '.join(POSTPROCESS)}; got {value!r}")
    return value


def check_known_optimum(value) -> float | None:
    """``value`` as a finite float (None stays None), else a :class:`~qopt.errors.ConfigError`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)) \
            or not math.isfinite(float(value)):
        raise ConfigError(f"known_optimum must be a finite number in the problem's units; got {value!r}")
    return float(value)


def check_readout(readout) -> dict | None:
    """Validate a solver's ``readout`` dict (``{"readout", "shots", "exact"}``, see :func:`finish`)."""
    if readout is None:
        return None
    if not isinstance(readout, dict):
        raise ConfigError(f"readout must be a dict with keys readout, shots, exact; got {readout!r}")
    kind = readout.get("readout", "shots")
    if kind not in READOUTS:
        raise ConfigError(f"readout must be one of {', '.join(READOUTS[:2])}; got {kind!r}")
    shots = readout.get("shots")
    if kind == "top-k" and not shots:  # a top-k readout reads states, not shots: count the states
        shots = readout.get("top_k")
    if shots is not None and (isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1):
        raise ConfigError(f"shots must be a positive integer; got {shots!r}")
    exact = readout.get("exact")
    if exact is not None:
        if not isinstance(exact, dict) or "expected_objective" not in exact:
            raise ConfigError(f"readout['exact'] must be None or a dict with expected_objective; got {exact!r}")
    out = dict(readout)  # other keys (top_k, rqaoa's steps, ...) are kept as a record
    out.update(readout=kind, shots=None if shots is None else int(shots), exact=exact)
    return out


def with_known_optimum(problem, known_optimum):
    """A shallow copy of ``problem`` whose ``known_optimum`` is ``known_optimum`` (checked finite).

    The pipeline's ``known_optimum=`` option: every solver, the gap, ``p_optimum`` and
    ``approx_ratio`` then use it. None returns ``problem`` unchanged.

    Raises:
        ConfigError: ``known_optimum`` is not a finite number.

    Examples:
        >>> import qopt
        >>> with_known_optimum(qopt.load("mknap1-1"), 3700).known_optimum
        3700.0
    """
    value = check_known_optimum(known_optimum)
    if value is None:
        return problem
    import copy

    out = copy.copy(problem)
    out.known_optimum = value
    return out


# -- results ---------------------------------------------------------------------
def status_of(problem, objective: float, feasible: bool, *, proven: bool = False,
              known_optimum=_UNSET) -> Status:
    """OPTIMAL if proven or equal to the known optimum, FEASIBLE, or INFEASIBLE."""
    optimum = problem.known_optimum if known_optimum is _UNSET else known_optimum
    if not feasible:
        return Status.INFEASIBLE
    if proven:
        return Status.OPTIMAL
    if optimum is not None:
        better_or_equal = (objective >= optimum - 1e-9) if problem.sense == "max" else (objective <= optimum + 1e-9)
        if better_or_equal:
            return Status.OPTIMAL
    return Status.FEASIBLE


def _gap(value: float, optimum: float | None) -> float | None:
    if optimum is None:
        return None
    diff = abs(value - optimum)
    return diff if optimum == 0 else diff / abs(optimum)


def make_result(problem, x, *, solver: str, seed=None, qubits=None, samples=None, timing_s=None,
                options=None, info=None, proven: bool = False, status: Status | None = None,
                known_optimum=_UNSET, raw: dict | None = None, raw_samples=None, postprocess: str | None = None,
                solution_from: str | None = None) -> Result:
    """Evaluate ``x`` on ``problem`` and wrap everything in a :class:`Result`.

    ``known_optimum`` (default: ``problem.known_optimum``) sets the gap and the status; ``raw``,
    ``raw_samples``, ``postprocess`` and ``solution_from`` are stored as given (see :func:`finish`).
    """
    optimum = problem.known_optimum if known_optimum is _UNSET else check_known_optimum(known_optimum)
    objective = problem.evaluate(x)
    feasible = problem.is_feasible(x)
    violations = {k: v for k, v in problem.violations(x).items() if v > 1e-9}
    gap = _gap(objective, optimum) if feasible else None
    timing = dict(timing_s or {})
    timing.setdefault("total", float(sum(timing.values())))
    return Result(
        instance=problem.name, problem=problem.family, sense=problem.sense, solver=solver,
        status=status or status_of(problem, objective, feasible, proven=proven, known_optimum=optimum),
        solution=np.asarray(x, dtype=np.int8), objective=objective, feasible=feasible,
        violations=violations, known_optimum=optimum, gap=gap,
        seed=seed if seed is None or isinstance(seed, int) else None, qubits=qubits, samples=samples,
        timing_s=timing, options=dict(options or {}), info=dict(info or {}),
        provenance={"versions": package_versions()}, sample=sample_of(problem, x), raw=raw, raw_samples=raw_samples,
        postprocess=postprocess, solution_from=solution_from,
    )


# -- raw samples -----------------------------------------------------------------
def decode_samples(problem, raw):
    """The distinct raw samples of a solver over ``problem``'s variables.

    Args:
        problem: the :class:`~qopt.problems.Problem` the samples are for.
        raw: :class:`dimod.SampleSet` whose variables include ``0 .. n-1`` (slack bits are dropped).

    Returns:
        ``(xs, counts, energies)``: ``xs`` shape ``(k, n)`` int8, one row per distinct assignment
        of the problem's variables (first-seen order of the aggregated set); ``counts`` shape
        ``(k,)``, summed ``num_occurrences`` (shots); ``energies`` shape ``(k,)``, the lowest
        solver energy of each row.

    Raises:
        ValueError: the samples lack one of the problem's variables, or there are none.
    """
    if not len(raw):
        raise ValueError("the solver returned no samples")
    labels = list(raw.variables)
    n = problem.num_variables
    pos = {v: k for k, v in enumerate(labels)}
    missing = next((i for i in range(n) if i not in pos), None)
    if missing is not None:
        raise ValueError(f"samples lack problem variable {missing!r}")
    cols = [pos[i] for i in range(n)]
    X = np.asarray(raw.record.sample[:, cols], dtype=np.int8)
    counts = np.asarray(raw.record.num_occurrences, dtype=np.float64)
    energy = np.asarray(raw.record.energy, dtype=np.float64)
    uniq, first, inverse = np.unique(X, axis=0, return_index=True, return_inverse=True)
    inverse = np.ravel(inverse)
    order = np.argsort(first, kind="stable")  # keep the solver's order for equal keys
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    k = len(uniq)
    c = np.zeros(k)
    np.add.at(c, rank[inverse], counts)
    e = np.full(k, np.inf)
    np.minimum.at(e, rank[inverse], energy)
    return uniq[order], c, e


def _evaluate_all(problem, xs):
    objectives = np.array([problem.evaluate(x) for x in xs], dtype=np.float64)
    feasible = np.array([problem.is_feasible(x) for x in xs], dtype=bool)
    return objectives, feasible


def _violation(problem, x) -> float:
    return float(sum(problem.violations(x).values()))


def _best_index(problem, xs, objectives, feasible) -> int:
    """Feasible first, then the least total violation, then the best objective (first on ties)."""
    sign = -1.0 if problem.sense == "max" else 1.0
    if feasible.any():
        idx = np.flatnonzero(feasible)
        return int(idx[np.argmin(sign * objectives[idx])])
    viol = np.array([_violation(problem, x) for x in xs])
    return int(np.lexsort((sign * objectives, viol))[0])


def _is_optimal(values, optimum: float, sense: str):
    tol = TOLERANCE * max(1.0, abs(optimum))
    return values >= optimum - tol if sense == "max" else values <= optimum + tol


def raw_metrics(problem, xs, counts, *, readout: dict | None = None, known_optimum=_UNSET,
                objectives=None, feasible=None) -> dict:
    """The raw block of a result: what the samples are worth before any post-processing.

    Args:
        problem: the ORIGINAL :class:`~qopt.problems.Problem` (expand shrunk samples first).
        xs: shape ``(k, n)``, distinct 0/1 assignments of the problem's variables.
        counts: shape ``(k,)``, how many shots read each row (weights; need not be integers).
        readout: the solver's readout dict (:func:`finish`); None: ``readout="samples"`` and
            ``shots`` = the sum of ``counts``.
        known_optimum: overrides ``problem.known_optimum``.
        objectives, feasible: precomputed ``problem.evaluate`` / ``is_feasible`` of ``xs``.

    Returns:
        dict with ``shots``, ``distinct``, ``readout``, ``best_objective``, ``best_feasible``,
        ``feasible_fraction`` (share of shots), ``expected_objective`` (problem units) and
        ``expected_from`` (``"exact"`` or ``"shots"``), ``expected_objective_shots`` and
        ``expected_objective_stderr`` (the shot estimate and its standard error),
        ``approx_ratio`` and ``approx_ratio_form``, ``p_optimum`` and ``p_optimum_from``.

        ``approx_ratio`` (``algorithms.md`` section 11, expectation form): ``E[f]/f*`` for
        maximisation with ``f* > 0`` and non-negative sampled objectives; ``f*/E[f]`` for
        minimisation with positive ``f*`` and objectives; otherwise the normalised
        ``(E[f] - f_worst)/(f* - f_worst)`` with ``f_worst`` the worst feasible sampled objective.
        Infeasible shots score 0 in every form (they are worth nothing), so with constraints
        ``E[f]`` is replaced by ``E[f · 1_feasible]`` (max) or the ratio is multiplied by the
        feasible fraction (min). It is in [0, 1] when ``f*`` is the true optimum. ``approx_ratio``
        and ``p_optimum`` are None without a known optimum.
    """
    readout = check_readout(readout)
    optimum = problem.known_optimum if known_optimum is _UNSET else check_known_optimum(known_optimum)
    xs = np.asarray(xs)
    w = np.asarray(counts, dtype=np.float64)
    if objectives is None or feasible is None:
        objectives, feasible = _evaluate_all(problem, xs)
    total = float(w.sum())
    if not total > 0:
        raise ValueError("raw samples have no weight (all num_occurrences are 0)")
    p = w / total
    sense = problem.sense
    best = _best_index(problem, xs, objectives, feasible)
    feas_frac = min(1.0, float(p[feasible].sum()))
    mean_shots = float(p @ objectives)
    if readout and readout["shots"] is not None:
        shots = readout["shots"]
    elif readout and readout["readout"] == "top-k":
        shots = int(len(xs))  # states read; the weights are their probabilities
    else:
        shots = int(round(total))
    var = float(p @ (objectives - mean_shots) ** 2)
    out = {
        "shots": int(shots), "distinct": int(len(xs)), "readout": readout["readout"] if readout else "samples",
        "best_objective": float(objectives[best]), "best_feasible": bool(feasible[best]),
        "feasible_fraction": feas_frac,
        "expected_objective": mean_shots, "expected_from": "shots",
        "expected_objective_shots": mean_shots,
        "expected_objective_stderr": math.sqrt(var / shots) if shots > 0 else None,
        "approx_ratio": None, "approx_ratio_form": None, "p_optimum": None, "p_optimum_from": None,
    }
    exact = readout.get("exact") if readout else None
    if exact is not None:
        out["expected_objective"] = float(exact["expected_objective"])
        out["expected_from"] = "exact"
    if optimum is None:
        return out
    hit = feasible & _is_optimal(objectives, optimum, sense)
    out["p_optimum"], out["p_optimum_from"] = min(1.0, float(p[hit].sum())), "shots"
    same_optimum = optimum == problem.known_optimum
    if exact is not None and exact.get("p_optimum") is not None and same_optimum:
        out["p_optimum"], out["p_optimum_from"] = float(exact["p_optimum"]), "exact"
    # the expectation the ratio uses: exact when every shot is feasible and the exact block is there
    all_feasible = bool(feasible.all()) and (exact is None or exact.get("feasible_fraction", 1.0) >= 1 - 1e-12)
    f_feas = objectives[feasible]
    if sense == "max" and optimum > 0 and (f_feas >= 0).all():
        mean = out["expected_objective"] if all_feasible else float(p[feasible] @ objectives[feasible])
        out["approx_ratio"], out["approx_ratio_form"] = mean / optimum, "expected/optimum"
    elif sense == "min" and optimum > 0 and (f_feas > 0).all():
        if not feasible.any():
            ratio = 0.0
        elif all_feasible:
            ratio = optimum / out["expected_objective"]
        else:
            ratio = feas_frac * optimum / float(p[feasible] @ objectives[feasible] / feas_frac)
        out["approx_ratio"], out["approx_ratio_form"] = ratio, "optimum/expected"
    else:
        form = "normalised (E[f]-f_worst)/(f*-f_worst), f_worst = worst feasible shot"
        if not feasible.any():
            ratio = 0.0
        else:
            worst = float(f_feas.min() if sense == "max" else f_feas.max())
            if abs(optimum - worst) <= TOLERANCE * max(1.0, abs(optimum)):
                ratio = feas_frac
            else:
                mean_feas = out["expected_objective"] if all_feasible else float(p[feasible] @ objectives[feasible])
                ratio = (mean_feas - feas_frac * worst) / (optimum - worst)
        out["approx_ratio"], out["approx_ratio_form"] = float(ratio), form
    return out


def postprocess_sample(problem, x, level: str, *, repair: bool = True, local_search: bool = True):
    """Post-process one decoded sample at ``level`` (:data:`POSTPROCESS`).

    Returns:
        ``(x, stage)``: the new assignment and the stage that last changed it (:data:`STAGES`).
    """
    x0 = np.asarray(x, dtype=np.int8)
    stage = "raw sample"
    if level == "none":
        return x0.copy(), stage
    if level == "one-round":
        from qopt.problems.moves import one_round

        y = one_round(problem, x0)
        return y, ("local search" if not np.array_equal(y, x0) else stage)
    y = x0.copy()
    if repair and not problem.is_feasible(y):
        y = np.asarray(problem.repair(y), dtype=np.int8)
        if not np.array_equal(y, x0):
            stage = "repair"
    if local_search:
        z = np.asarray(problem.local_search(y), dtype=np.int8)
        if not np.array_equal(z, y):
            stage = "local search"
        y = z
    return y, stage


def _level(postprocess, repair: bool, local_search: bool) -> str:
    if postprocess is not None:
        return check_postprocess(postprocess)
    if repair and local_search:
        return "full"
    if not repair and not local_search:
        return "none"
    return "full"  # one of the two switches: "full" with that part turned off (recorded in options)


def finish(problem, raw, decoder=None, *, solver: str, repair: bool = True, local_search: bool = True,
           postprocess: str | None = None, readout: dict | None = None, known_optimum=_UNSET,
           max_postprocess: int = 64, seed=None, qubits=None, timing_s=None, options=None,
           info=None) -> Result:
    """Decode, measure, post-process the samples of a BQM solver and pick the best.

    Args:
        problem: the :class:`~qopt.problems.Problem` the BQM was built from.
        raw: :class:`dimod.SampleSet` over the BQM's variables (slack bits included);
            ``num_occurrences`` are shot counts.
        decoder: the :class:`~qopt.qubo.Decoder` of the BQM (None: labels are the problem's).
        solver: solver name recorded in the result.
        repair, local_search: the parts of ``"full"`` post-processing (legacy switches: both
            False without ``postprocess`` means ``"none"``).
        postprocess: ``"none"``, ``"one-round"`` or ``"full"`` (default: from the switches,
            i.e. ``"full"``). ``"none"``: the returned solution is the best raw sample, so
            ``objective == raw["best_objective"]``.
        readout: the solver's final readout ``{"readout": "shots" | "top-k", "shots": int,
            "exact": None | {"expected_objective", "p_optimum", "feasible_fraction"}}``
            ("exact" only when the state is exact and belongs to this problem). None: the samples
            are a classical sampler's reads.
        known_optimum: overrides ``problem.known_optimum`` for the gap, the status, ``p_optimum``
            and ``approx_ratio`` (finite number, or None for "unknown").
        max_postprocess: post-process at most this many distinct lowest-energy samples (plus the
            best raw sample).
        seed, qubits, timing_s, options, info: recorded in the result.

    Returns:
        The :class:`Result` of the best post-processed sample (feasible first, then by objective;
        among infeasible ones the least total violation), with ``raw`` (:func:`raw_metrics`),
        ``raw_samples`` (the distinct raw samples over the problem's variables with
        ``num_occurrences``, ``objective``, ``is_feasible``), ``postprocess`` and
        ``solution_from``. ``result.samples`` holds the post-processed candidates.

    Raises:
        ConfigError: unknown ``postprocess``/readout, bad ``shots`` or ``known_optimum``.
        ValueError: no samples, or samples lacking a problem variable.
    """
    level = _level(postprocess, repair, local_search)
    readout = check_readout(readout)
    optimum = problem.known_optimum if known_optimum is _UNSET else check_known_optimum(known_optimum)
    if not isinstance(max_postprocess, (int, np.integer)) or max_postprocess < 1:
        raise ConfigError(f"max_postprocess must be a positive integer; got {max_postprocess!r}")
    t0 = time.perf_counter()
    xs, counts, energies = decode_samples(problem, raw)
    objectives, feasible = _evaluate_all(problem, xs)
    raw_block = raw_metrics(problem, xs, counts, readout=readout, known_optimum=optimum,
                            objectives=objectives, feasible=feasible)
    best_raw = _best_index(problem, xs, objectives, feasible)
    if level == "none":
        candidates = [best_raw]
    else:
        candidates = list(np.argsort(energies, kind="stable")[:max_postprocess])
        if best_raw not in candidates:
            candidates.append(best_raw)
    post, stages = [], []
    for k in candidates:
        y, stage = postprocess_sample(problem, xs[k], level, repair=repair, local_search=local_search)
        post.append(y)
        stages.append(stage)
    post = np.array(post, dtype=np.int8)
    p_obj, p_feas = _evaluate_all(problem, post)
    best = _best_index(problem, post, p_obj, p_feas)
    raw_set = _sampleset(problem, xs, counts, objectives, feasible)
    samples = _sampleset(problem, post, counts[candidates], p_obj, p_feas, feasible_raw=feasible[candidates])
    timing = dict(timing_s or {})
    timing["decode"] = time.perf_counter() - t0
    timing["total"] = sum(v for k, v in timing.items() if k != "total")
    extra = dict(info or {})
    if decoder is not None:
        extra.setdefault("qubo", decoder.to_dict())
    extra["postprocess"] = level
    if readout is not None:
        extra["readout"] = dict(readout)
    extra["feasible_before_repair"] = float(np.mean(feasible[candidates]))
    extra["feasible_after_repair"] = float(np.mean(p_feas))
    return make_result(problem, post[best], solver=solver, seed=seed, qubits=qubits, samples=samples,
                       timing_s=timing, options=options, info=extra, known_optimum=optimum, raw=raw_block,
                       raw_samples=raw_set, postprocess=level, solution_from=stages[best])


def _sampleset(problem, xs, counts, objectives, feasible, feasible_raw=None):
    import dimod

    sign = -1.0 if problem.sense == "max" else 1.0
    vectors = {"objective": np.asarray(objectives), "is_feasible": np.asarray(feasible)}
    if feasible_raw is not None:
        vectors["feasible_raw"] = np.asarray(feasible_raw)
    occ = np.asarray(counts, dtype=np.float64)
    occ = np.rint(occ).astype(np.int64) if np.allclose(occ, np.rint(occ)) else occ
    return dimod.SampleSet.from_samples((np.asarray(xs, dtype=np.int8), list(range(problem.num_variables))),
                                        vartype="BINARY", energy=sign * np.asarray(objectives),
                                        num_occurrences=occ, **vectors)
