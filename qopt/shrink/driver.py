"""The shrinking loop: correlations -> best allowed merge -> repeat until the budget fits.

Follows the recursive shrinking of Fischer et al. (arXiv:2404.17242) as implemented by
Sharma & Lau, with the three ideas of *Adaptive Graph Shrinking for Quantum Optimization of
Constrained Combinatorial Problems* (Sharma & Lau, arXiv:2506.14250): constraint-aware
vetoes (:mod:`qopt.shrink.rules`), verification and repair (:mod:`qopt.shrink.expand`), and
adaptive recomputation of the correlations:

* ``mode="static"``: correlations are estimated once on the original problem and re-indexed
  after each merge (a class keeps the correlations of its root);
* ``mode="adaptive"``: they are re-estimated on the current shrunk problem every
  ``recompute_every`` merges, or as soon as the next candidate's ``|M|`` drops below
  ``tau`` times the round's first ``|M|`` (defaults: a quarter of the merges needed, 0.8);
* ``mode="none"``: no merges (the problem must fit the budget as it is).

Each step merges the allowed pair ``(i, j)`` with the largest ``|M_ij|`` (ties: fixings
first, then lower indices): ``x_j := x_i`` for ``M_ij > 0``, ``x_j := 1 - x_i`` for
``M_ij < 0``; pairs with the reference node fix ``x_j`` to 1 (``M > 0``) or 0. It stops when the
qubit count of the shrunk problem's BQM, slack bits included
(:func:`qopt.qubo.count_qubits`), is at most ``max_qubits``.
"""

from __future__ import annotations

import logging
import math
import time
import warnings

import numpy as np

from qopt.errors import ConfigError, PenaltyWarning, ShrinkBudgetError
from qopt.shrink.correlation import correlation_matrix, sample_matrix
from qopt.shrink.model import REF, ShrunkProblem, linear_model
from qopt.shrink.rules import Merge, MergeState, minimum_qubits

__all__ = ["MODES", "count_problem_qubits", "shrink"]

logger = logging.getLogger(__name__)

MODES = ("adaptive", "static", "none")


def count_problem_qubits(problem, *, slack: str = "binary") -> int:
    """Qubits of ``problem``'s penalised BQM, slack bits included."""
    from qopt.qubo import count_qubits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PenaltyWarning)
        return count_qubits(problem.cqm(), slack=slack)


def _check_args(problem, max_qubits, mode, slack):
    if mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if isinstance(max_qubits, bool) or not isinstance(max_qubits, (int, np.integer)) or max_qubits < 1:
        raise ConfigError(f"max_qubits must be a positive integer, got {max_qubits!r}")
    if slack not in ("binary", "unbalanced"):
        raise ConfigError(f"slack must be 'binary' or 'unbalanced', got {slack!r}")


def _pick(M, state, active):
    """Best allowed (p, q, sign, corr) among ``active`` roots and the reference, or None.

    First pass: candidates by decreasing ``|M|`` with the sign of ``M``. If every one is
    vetoed, a second pass tries the opposite sign, least confident (smallest ``|M|``) first,
    so the loop only fails when no merge of either sign is allowed.
    """
    k = len(active)
    iu, ju = np.triu_indices(k + 1, 1)
    vals = np.abs(M[iu, ju])
    # candidates: larger |M| first; at ties fixings (j == k) first, then lower indices
    order = np.lexsort((iu, -(ju == k).astype(int), -np.round(vals, 12)))
    for flip in (1, -1):
        for t in (order if flip == 1 else order[::-1]):
            i, j = int(iu[t]), int(ju[t])
            corr = float(M[i, j])
            sign = (1 if corr >= 0 else -1) * flip
            if j == k:  # reference pair: fix active[i]
                p, q = REF, int(active[i])
            else:
                p, q = int(active[i]), int(active[j])
            if state.allowed(p, q, sign):
                return p, q, sign, corr
    return None


def shrink(problem, max_qubits: int, *, mode: str = "adaptive", seed=None, source: str = "sa",
           slack: str = "binary", penalty="calibrated", num_reads: int = 64, num_sweeps: int = 500,
           elite: float = 0.25, polish: int = 32, recompute_every: int | None = None, tau: float = 0.8,
           qaoa_options: dict | None = None, qaoa_max_qubits: int = 16) -> tuple[ShrunkProblem, list[Merge]]:
    """Shrink ``problem`` by correlation-based merging until its BQM fits ``max_qubits``.

    Args:
        problem: a :class:`~qopt.problems.Problem` with linear constraints (MDKP, MIS, QAP,
            market split, MaxCut, QUBO, ...).
        max_qubits: qubit budget for the shrunk problem's BQM (slack bits included).
        mode: ``"adaptive"``, ``"static"`` or ``"none"`` (module docstring).
        seed: int or numpy Generator; the sampling rounds draw child seeds from it.
        source: correlation sampler, ``"sa"``, ``"exact"`` or ``"qaoa"``
            (:func:`qopt.shrink.correlation.sample_matrix`).
        slack, penalty: QUBO options used for counting qubits and for sampling (use the
            solver's).
        num_reads, num_sweeps, elite, polish: sampler settings
            (:func:`qopt.shrink.correlation.sample_matrix`).
        recompute_every: adaptive mode: merges between correlation estimates
            (default: a quarter of the merges needed, at least 1).
        tau: adaptive mode: re-estimate when the next ``|M|`` < ``tau`` x the round's first.
        qaoa_options, qaoa_max_qubits: solver options for ``source="qaoa"``, and the largest
            shrunk BQM it samples with QAOA (larger rounds use simulated annealing).

    Returns:
        ``(shrunk, merges)``: the :class:`ShrunkProblem` and the list of :class:`Merge` applied
        (also ``shrunk.merges``); ``shrunk.qubits`` holds its qubit count and ``shrunk.rounds``
        the number of correlation estimates.

    Raises:
        ShrinkBudgetError: ``max_qubits`` is below :func:`qopt.shrink.minimum_qubits`, or every
            remaining merge is vetoed before the budget is met, or ``mode="none"`` and the
            problem does not fit.
        ValueError: a bad option.

    Examples:
        >>> import qopt
        >>> small, merges = shrink(qopt.load("mknap1-1"), 4, seed=1)
        >>> small.qubits <= 4, small.original.num_variables
        (True, 6)
    """
    _check_args(problem, max_qubits, mode, slack)
    if not 0 < tau <= 1:
        raise ConfigError(f"tau must be in (0, 1], got {tau!r}")
    t0 = time.perf_counter()
    model = linear_model(problem)
    current = ShrunkProblem.identity(problem, model=model)
    qubits = count_problem_qubits(current, slack=slack)
    qubits_before = qubits
    current.qubits, current.qubits_before = qubits, qubits
    current.shrink_time_s = time.perf_counter() - t0
    if qubits <= max_qubits:
        return current, []
    floor = minimum_qubits(model)
    if mode == "none":
        raise ShrinkBudgetError(f"{problem.name} needs {qubits} qubits (slack={slack!r}) > max_qubits={max_qubits} "
                                "and mode='none' does not shrink; use mode='adaptive' or 'static'")
    if max_qubits < floor:
        raise ShrinkBudgetError(
            f"max_qubits={max_qubits} is below the {floor} qubits {problem.name} needs after shrinking: "
            f"each of its {floor} one-hot groups keeps a qubit of its own; give max_qubits >= {floor}")
    rng = np.random.default_rng(seed)
    state = MergeState(model)
    merges: list[Merge] = []
    n = model.n
    needed = max(1, n - max_qubits)
    every = recompute_every if recompute_every is not None else max(1, math.ceil(needed / 4))
    if every < 1:
        raise ConfigError(f"recompute_every must be >= 1, got {recompute_every!r}")
    sample_opts = dict(source=source, num_reads=num_reads, num_sweeps=num_sweeps, elite=elite, polish=polish,
                       penalty=penalty, slack=slack, qaoa_options=qaoa_options,
                       qaoa_max_qubits=qaoa_max_qubits)
    big = None  # correlations indexed by original root (n + 1 with the reference last)
    rounds, since, first = 0, 0, None
    while qubits > max_qubits:
        recompute = big is None or (mode == "adaptive" and since >= every)
        active = state.free
        if not recompute:
            M = big[np.ix_(np.append(active, n), np.append(active, n))]
            pick = _pick(M, state, active)
            if pick is not None and mode == "adaptive" and abs(pick[3]) < tau * first:
                recompute = True
        if recompute:
            if merges:
                current = ShrunkProblem(problem, state.root, state.parity, model=model, merges=merges)
            X, w = sample_matrix(current, seed=rng.spawn(1)[0], **sample_opts)
            idx = np.append(current.free_roots, n)
            big = np.zeros((n + 1, n + 1))
            big[np.ix_(idx, idx)] = correlation_matrix(X, w)
            rounds, since = rounds + 1, 0
            M = big[np.ix_(np.append(active, n), np.append(active, n))]
            pick = _pick(M, state, active)
            first = abs(pick[3]) if pick is not None else None
            logger.debug("round %d: %d classes, first |M| = %s", rounds, len(active), first)
        if pick is None:
            raise ShrinkBudgetError(
                f"{problem.name}: every remaining merge is vetoed by a constraint at {len(active)} variables "
                f"(> max_qubits={max_qubits} qubits with slack); raise max_qubits")
        p, q, sign, corr = pick
        state.apply(p, q, sign)
        if p == REF:
            merges.append(Merge("fix", q, None, sign, 1 if sign > 0 else 0, corr, rounds - 1))
        else:
            merges.append(Merge("merge", q, p, sign, None, corr, rounds - 1))
        since += 1
        if len(state.free) <= max_qubits:
            current = ShrunkProblem(problem, state.root, state.parity, model=model, merges=merges)
            qubits = count_problem_qubits(current, slack=slack)
    current = ShrunkProblem(problem, state.root, state.parity, model=model, merges=merges)
    current.qubits, current.rounds, current.qubits_before = qubits, rounds, qubits_before
    current.shrink_time_s = time.perf_counter() - t0
    logger.info("shrunk %s from %d to %d qubits with %d merges in %d correlation rounds",
                problem.name, current.qubits_before, current.qubits, len(merges), rounds)
    return current, merges
