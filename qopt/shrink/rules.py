"""Merge bookkeeping and the constraint-aware veto rules.

A merge acts on two current classes (or a class and the reference node):

* ``merge(p, q, sign=+1)``: ``x_q := x_p``; ``sign=-1``: ``x_q := 1 - x_p``;
* ``fix(q, value)``: ``x_q := value`` (merge with the reference node).

A merge is **vetoed** when, after substituting it into the linear constraints (kept as
``A' y (<=|==|>=) b'`` over the current classes), some constraint it touches

1. can no longer be satisfied by any completion (interval bounds of the free part), or
2. (pair merges) forces the merged class to one value, i.e. the class can only be 0 (or 1).
   This rejects two adjacent MIS vertices as equal (``2y <= 1``), two variables of one QAP
   row/column as equal (``2y + ... == 1``) and two items whose joint weight exceeds a
   knapsack capacity as equal; rule 1 rejects fixing a vertex next to a vertex fixed to 1,
   fixing two variables of one row to 1, and items fixed to 1 beyond a capacity.

One-hot groups (a maximal set of pairwise disjoint ``sum x == 1`` constraints, e.g. the QAP
rows) are protected: classes never span two groups, a group variable is never fixed to 1,
and a group always keeps one free class, so the solver decides every group (our design
choice; see ``docs/shrinking.md``). Hence a budget below the number of groups is
impossible (:func:`minimum_qubits`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from qopt.shrink.model import REF, LinearModel

__all__ = ["Merge", "MergeState", "minimum_qubits", "one_hot_groups"]

_EPS = 1e-9


def one_hot_groups(model: LinearModel) -> list[np.ndarray]:
    """Variables of a maximal set of pairwise disjoint one-hot (``sum x == 1``) constraints.

    Constraints are taken greedily in model order (for QAP: the rows).
    """
    groups, used = [], np.zeros(model.n, dtype=bool)
    for row, sense in enumerate(model.senses):
        coef = model.A[row]
        nz = np.flatnonzero(coef)
        if sense != "==" or not len(nz) or not np.allclose(coef[nz], 1.0) or abs(model.rhs[row] - 1) > _EPS:
            continue
        if used[nz].any():
            continue
        used[nz] = True
        groups.append(nz)
    return groups


def minimum_qubits(problem) -> int:
    """The smallest qubit budget shrinking can meet: ``max(1, number of one-hot groups)``.

    Each protected one-hot group keeps a free class of its own (see the module docstring);
    slack bits of inequalities shrink with the residual capacities, so they set no floor.

    Args:
        problem: a :class:`~qopt.problems.Problem` or its :class:`LinearModel`.

    Examples:
        >>> import qopt
        >>> minimum_qubits(qopt.load("nug12")), minimum_qubits(qopt.load("mknap1-1"))
        (12, 1)
    """
    from qopt.shrink.model import linear_model

    model = problem if isinstance(problem, LinearModel) else linear_model(problem)
    return max(1, len(one_hot_groups(model)))


def _interval_ok(lo, hi, rhs, senses):
    ok = np.ones(len(rhs), dtype=bool)
    le = senses == "<="
    ge = senses == ">="
    eq = senses == "=="
    ok[le] = lo[le] <= rhs[le] + _EPS
    ok[ge] = hi[ge] >= rhs[ge] - _EPS
    ok[eq] = (lo[eq] <= rhs[eq] + _EPS) & (hi[eq] >= rhs[eq] - _EPS)
    return ok


@dataclass(frozen=True)
class Merge:
    """One recorded merge.

    Attributes:
        kind: ``"merge"`` (``x_target := x_source`` or ``1 - x_source``) or ``"fix"``.
        target: original index of the class root that disappears.
        source: original index of the kept class root (None for ``fix``).
        sign: +1 (equal) or -1 (opposite); for ``fix`` +1 means 1 and -1 means 0.
        value: fixed value for ``fix`` (None for ``merge``).
        correlation: the correlation that chose it, in [-1, 1].
        round: correlation round (0 = the first estimate).
    """

    kind: str
    target: int
    source: int | None
    sign: int
    value: int | None
    correlation: float
    round: int

    def to_dict(self) -> dict:
        return asdict(self)


class MergeState:
    """Classes of the original variables plus the substituted linear constraints.

    Args:
        model: the original problem's :class:`~qopt.shrink.model.LinearModel`.
        protect_groups: apply the one-hot group rules (module docstring).
    """

    def __init__(self, model: LinearModel, *, protect_groups: bool = True):
        n = model.n
        self.model = model
        self.root = np.arange(n, dtype=np.int64)
        self.parity = np.zeros(n, dtype=np.int8)
        self.members = {i: [i] for i in range(n)}
        self.A = model.A.copy()
        self.rhs = model.rhs.copy()
        self.senses = np.array(model.senses, dtype=object)
        self.group = np.full(n, -1, dtype=np.int64)
        groups = one_hot_groups(model) if protect_groups else []
        for g, vars_ in enumerate(groups):
            self.group[vars_] = g
        self.member_group = self.group.copy()
        self.free_in_group = np.array([len(v) for v in groups], dtype=np.int64)

    @property
    def free(self) -> np.ndarray:
        """Original indices of the current class roots."""
        return np.flatnonzero(self.root == np.arange(self.model.n))

    def _bounds(self, rows, skip):
        sub = self.A[rows]
        mask = np.ones(self.A.shape[1], dtype=bool)
        mask[list(skip)] = False
        sub = sub[:, mask]
        return np.minimum(sub, 0).sum(axis=1), np.maximum(sub, 0).sum(axis=1)

    def allowed(self, p: int, q: int, sign: int) -> bool:
        """Whether merging class ``q`` into ``p`` (``p == REF``: fix ``q``) passes every veto.

        For ``p == REF``, ``sign`` +1 fixes ``q``'s root to 1 and -1 to 0.
        """
        if p == REF:
            value = 1 if sign > 0 else 0
            g = self.group[q]
            if g >= 0:
                if self.free_in_group[g] <= 1:
                    return False
                vals = self.parity[self.members[q]] ^ value
                if (vals[self.member_group[self.members[q]] >= 0] == 1).any():
                    return False
            rows = np.flatnonzero(self.A[:, q])
            if not len(rows):
                return True
            lo, hi = self._bounds(rows, [q])
            rhs = self.rhs[rows] - value * self.A[rows, q]
            return bool(_interval_ok(lo, hi, rhs, self.senses[rows]).all())
        gp, gq = self.group[p], self.group[q]
        if gp >= 0 and gq >= 0 and gp != gq:
            return False
        rows = np.flatnonzero((self.A[:, p] != 0) | (self.A[:, q] != 0))
        if not len(rows):
            return True
        lo, hi = self._bounds(rows, [p, q])
        if sign > 0:
            c, rhs = self.A[rows, p] + self.A[rows, q], self.rhs[rows]
        else:
            c, rhs = self.A[rows, p] - self.A[rows, q], self.rhs[rows] - self.A[rows, q]
        senses = self.senses[rows]
        ok0 = _interval_ok(lo, hi, rhs, senses)
        ok1 = _interval_ok(lo + c, hi + c, rhs, senses)
        return bool(ok0.all() and ok1.all())

    def apply(self, p: int, q: int, sign: int) -> None:
        """Merge class ``q`` into ``p`` (or fix it when ``p == REF``); no veto check."""
        mem = self.members.pop(q)
        if p == REF:
            value = 1 if sign > 0 else 0
            self.rhs -= value * self.A[:, q]
            self.A[:, q] = 0
            self.root[mem] = REF
            self.parity[mem] ^= value
            if self.group[q] >= 0:
                self.free_in_group[self.group[q]] -= 1
            return
        flip = 0 if sign > 0 else 1
        if flip:
            self.rhs -= self.A[:, q]
            self.A[:, p] -= self.A[:, q]
        else:
            self.A[:, p] += self.A[:, q]
        self.A[:, q] = 0
        self.root[mem] = p
        self.parity[mem] ^= flip
        self.members[p].extend(mem)
        gq, gp = self.group[q], self.group[p]
        if gq >= 0:
            if gp == gq:
                self.free_in_group[gq] -= 1
            else:
                self.group[p] = gq
        self.group[q] = -1
