"""Samples -> decoded, verified, repaired solutions -> :class:`~qopt.result.Result`.

The last stage of every pipeline: ``problem -> QUBO -> solver -> samples -> finish``.
"""

from __future__ import annotations

import time

import numpy as np

from qopt.problems.adapters import sample_of
from qopt.result import Result, Status, package_versions

__all__ = ["finish", "make_result", "status_of"]


def status_of(problem, objective: float, feasible: bool, *, proven: bool = False) -> Status:
    """OPTIMAL if proven or equal to the known optimum, FEASIBLE, or INFEASIBLE."""
    if not feasible:
        return Status.INFEASIBLE
    if proven:
        return Status.OPTIMAL
    if problem.known_optimum is not None:
        better_or_equal = (objective >= problem.known_optimum - 1e-9) if problem.sense == "max" \
            else (objective <= problem.known_optimum + 1e-9)
        if better_or_equal:
            return Status.OPTIMAL
    return Status.FEASIBLE


def make_result(problem, x, *, solver: str, seed=None, qubits=None, samples=None, timing_s=None,
                options=None, info=None, proven: bool = False, status: Status | None = None) -> Result:
    """Evaluate ``x`` on ``problem`` and wrap everything in a :class:`Result`."""
    objective = problem.evaluate(x)
    feasible = problem.is_feasible(x)
    violations = {k: v for k, v in problem.violations(x).items() if v > 1e-9}
    gap = problem.gap(objective) if feasible else None
    timing = dict(timing_s or {})
    timing.setdefault("total", float(sum(timing.values())))
    return Result(
        instance=problem.name, problem=problem.family, sense=problem.sense, solver=solver,
        status=status or status_of(problem, objective, feasible, proven=proven),
        solution=np.asarray(x, dtype=np.int8), objective=objective, feasible=feasible,
        violations=violations, known_optimum=problem.known_optimum, gap=gap,
        seed=seed if seed is None or isinstance(seed, int) else None, qubits=qubits, samples=samples,
        timing_s=timing, options=dict(options or {}), info=dict(info or {}),
        provenance={"versions": package_versions()}, sample=sample_of(problem, x),
    )


def finish(problem, raw, decoder=None, *, solver: str, repair: bool = True, local_search: bool = True,
           max_postprocess: int = 64, seed=None, qubits=None, timing_s=None, options=None,
           info=None, postprocess: str = "full", readout: dict | None = None) -> Result:
    """Decode, verify, repair and improve the samples of a BQM solver and pick the best.

    Args:
        problem: the :class:`~qopt.problems.Problem` the BQM was built from.
        raw: :class:`dimod.SampleSet` over the BQM's variables (slack bits included).
        decoder: the :class:`~qopt.qubo.Decoder` of the BQM (None: labels are the problem's).
        solver: solver name recorded in the result.
        repair: apply ``problem.repair`` to infeasible samples.
        local_search: apply ``problem.local_search`` after repair.
        max_postprocess: post-process at most this many distinct lowest-energy samples.
        seed, qubits, timing_s, options, info: recorded in the result.
        postprocess: "full" | "one-round" | "none" (recorded in ``info["postprocess"]``).
        readout: the solver's final-readout record (``{"readout", "shots", "exact"}``), recorded in
            ``info["readout"]``.

    Returns:
        The :class:`Result` of the best sample: feasible ones first, then by objective;
        among infeasible ones the least total violation. ``result.samples`` holds the
        decoded samples with ``objective``, ``is_feasible`` and ``feasible_raw`` vectors.
    """
    import dimod

    t0 = time.perf_counter()
    agg = raw.aggregate() if len(raw) else raw
    order = np.argsort(agg.record.energy, kind="stable")[:max_postprocess]
    labels = list(agg.variables)
    n = problem.num_variables
    where = {v: k for k, v in enumerate(labels)}  # a dict, not labels.index: O(n), not O(n^2)
    try:
        cols = [where[i] for i in range(n)]
    except KeyError:
        missing = next(i for i in range(n) if i not in labels)
        raise ValueError(f"samples lack problem variable {missing!r}") from None
    xs, objectives, feasible, feasible_raw, counts = [], [], [], [], []
    for k in order:
        x = agg.record.sample[k, cols].astype(np.int8)
        ok_raw = problem.is_feasible(x)
        if repair and not ok_raw:
            x = problem.repair(x)
        if local_search:
            x = problem.local_search(x)
        xs.append(x)
        objectives.append(problem.evaluate(x))
        feasible.append(problem.is_feasible(x))
        feasible_raw.append(ok_raw)
        counts.append(int(agg.record.num_occurrences[k]))
    if not xs:
        raise ValueError("the solver returned no samples")
    sign = -1.0 if problem.sense == "max" else 1.0
    viol = [sum(problem.violations(x).values()) for x in xs]
    key = [(0 if f else 1, 0.0 if f else v, sign * o) for f, v, o in zip(feasible, viol, objectives)]
    best = min(range(len(xs)), key=key.__getitem__)
    samples = dimod.SampleSet.from_samples(
        (np.array(xs), list(range(n))), vartype="BINARY", energy=sign * np.array(objectives),
        num_occurrences=counts, objective=np.array(objectives), is_feasible=np.array(feasible),
        feasible_raw=np.array(feasible_raw),
    )
    timing = dict(timing_s or {})
    timing["decode"] = time.perf_counter() - t0
    timing["total"] = sum(v for k, v in timing.items() if k != "total")
    extra = dict(info or {})
    if decoder is not None:
        extra.setdefault("qubo", decoder.to_dict())
    extra["postprocess"] = postprocess
    if readout is not None:
        extra["readout"] = dict(readout)
    extra["feasible_before_repair"] = float(np.mean(feasible_raw))
    extra["feasible_after_repair"] = float(np.mean(feasible))
    return make_result(problem, xs[best], solver=solver, seed=seed, qubits=qubits, samples=samples,
                       timing_s=timing, options=options, info=extra)
