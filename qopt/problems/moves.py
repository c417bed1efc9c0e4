"""One round of feasibility-aware flip and swap moves: the comparative study's post-processing.

Sharma & Lau's code (``algorithms.md`` section 1.6) scores its quantum methods after **one round**
of local swap/flip improvement on the decoded bitstring, maximisation-aware for MDKP and MIS,
minimisation-aware for QAP and market split; it does not repair. The paper's exact move order is
not in our sources, so qopt's reading (``postprocess="one-round"``) is:

1. one pass over the single-bit flips ``i = 0 .. n-1``;
2. one pass over the swaps (a selected variable ``i`` leaves, an unselected ``j`` enters; for a
   QAP permutation: exchange the locations of two facilities, which keeps it a permutation);

first improvement, in index order. A move is kept only if the result is **feasible** and either
the current solution is infeasible or the objective strictly improves. So a feasible sample stays
feasible and never gets worse, and an infeasible one becomes feasible only if a single move makes
it so (no repair heuristic runs).
"""

from __future__ import annotations

import numpy as np

from qopt.problems.base import as_solution

__all__ = ["one_round"]

_EPS = 1e-9


def one_round(problem, x) -> np.ndarray:
    """One round of feasibility-aware flip then swap moves on ``x`` (module docstring).

    Args:
        problem: a :class:`~qopt.problems.Problem`.
        x: 0/1 assignment, shape ``(problem.num_variables,)``.

    Returns:
        The improved assignment (a new ``int8`` array; ``x`` is not modified).

    Examples:
        >>> import qopt
        >>> p = qopt.load("mknap1-1")
        >>> y = one_round(p, [0] * p.num_variables)
        >>> bool(p.is_feasible(y)), p.evaluate(y) > 0
        (True, True)
    """
    x = as_solution(x, problem.num_variables).copy()
    sign = 1.0 if problem.sense == "max" else -1.0
    feasible = problem.is_feasible(x)
    score = sign * problem.evaluate(x)

    def accept(y) -> bool:
        nonlocal feasible, score
        if not problem.is_feasible(y):
            return False
        value = sign * problem.evaluate(y)
        if feasible and value <= score + _EPS:
            return False
        feasible, score = True, value
        return True

    to_perm = getattr(problem, "solution_to_permutation", None)
    from_perm = getattr(problem, "permutation_to_solution", None)
    if to_perm is not None and from_perm is not None and feasible:
        perm = to_perm(x)
        n = len(perm)
        for r in range(n):
            for s in range(r + 1, n):
                p = perm.copy()
                p[r], p[s] = p[s], p[r]
                y = from_perm(p)
                if accept(y):
                    perm, x = p, y
        return x
    for i in range(problem.num_variables):
        x[i] ^= 1
        if not accept(x):
            x[i] ^= 1
    ones, zeros = np.flatnonzero(x == 1), np.flatnonzero(x == 0)
    for i in ones:
        for j in zeros:
            if x[i] != 1 or x[j] != 0:
                continue
            x[i], x[j] = 0, 1
            if not accept(x):
                x[i], x[j] = 1, 0
    return x
