"""Generic repair and feasibility-keeping local search for any binary constrained model.

Built-in problem classes (knapsack, MIS, QAP, market split) have specialised moves;
every other model (an LP file, a user's dimod CQM, a qiskit-optimization program)
gets these, driven only by the model's arrays:

* :meth:`ConstraintSystem.repair`: greedy descent of the total violation
  ``sum_c |violation_c| / max_v |a_cv|`` (each constraint in units of its largest
  coefficient). Every step applies the move that removes the most violation per unit
  of objective lost (moves that also improve the objective come first); moves are
  single bit flips and, for integer variables expanded to bits, steps of +-1 of the
  integer; pairs of flips when no single move helps. It stops when feasible or when
  nothing reduces the violation (stuck); a stuck descent is retried once ranking moves
  by violation removed alone, then small neighbourhoods (one flip per violated
  constraint) are enumerated.
* :meth:`ConstraintSystem.local_search`: search over moves that keep every constraint
  satisfied: 1-flips, integer +-1 steps, swaps inside one-hot groups (``sum x == 1``) and
  1-1 swaps (one bit off, one on; while their number times the number of constraints
  stays below ``max_pair_work``). Two orders run and the better result is kept: always the
  best improving move, and a knapsack-like one (improving 1-flips by objective gained per
  unit of inequality room used, then the best step or swap, then fill again).

Flip effects are exact for quadratic objectives and quadratic constraints:
flipping ``x_j`` by ``s_j = 1 - 2 x_j`` changes a quadratic form by
``s_j (a_j + (Q x)_j)`` (``Q`` symmetric, zero diagonal), and flipping ``i`` and ``j``
together adds ``Q_ij s_i s_j``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from qopt.problems._quadratic import QuadraticForm

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["ConstraintSystem", "IntegerBits"]

ATOL = 1e-6  # the feasibility tolerance of Problem.is_feasible


class IntegerBits:
    """An integer ``v = lower + sum_k coeffs[k] * x[bits[k]]`` spread over problem bits.

    Args:
        bits: shape (K,), indices of the bits in the problem's 0/1 vector.
        coeffs: shape (K,), positive integer weights (bounded-coefficient encoding:
            every value in ``[0, sum(coeffs)]`` is reachable).
        lower: the integer's lower bound.
    """

    def __init__(self, bits, coeffs, lower: int = 0):
        self.bits = np.asarray(bits, dtype=np.int64)
        self.coeffs = np.asarray(coeffs, dtype=np.int64)
        self.lower = int(lower)
        self.range = int(self.coeffs.sum())

    def value(self, x) -> int:
        return self.lower + int(self.coeffs @ np.asarray(x)[self.bits])

    def encode(self, value: int) -> np.ndarray:
        """Bits (shape (K,)) of ``value``; greedy from the largest weight, exact for this encoding."""
        t = int(value) - self.lower
        if not 0 <= t <= self.range:
            raise ValueError(f"value {value} outside [{self.lower}, {self.lower + self.range}]")
        out = np.zeros(len(self.coeffs), dtype=np.int8)
        for k in np.argsort(-self.coeffs, kind="stable"):
            if self.coeffs[k] <= t:
                out[k], t = 1, t - int(self.coeffs[k])
        return out


def _sym(bqm_quadratic, n: int) -> sp.csr_matrix:
    rows, cols, vals = [], [], []
    for (u, v), b in bqm_quadratic:
        if u == v:
            continue
        rows += [u, v]
        cols += [v, u]
        vals += [b, b]
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


class ConstraintSystem:
    """A binary CQM over variables ``0 .. n-1`` as arrays, for fast repair and local search.

    Args:
        cqm: :class:`dimod.ConstrainedQuadraticModel` whose variables ``0 .. n-1`` are BINARY
            (other variables, such as auxiliaries, are not allowed); objective minimised.
        n: number of problem variables.
        integers: integer variables spread over bits (for +-1 steps).
        max_pair_work: 1-1 swaps are tried while ``ones * zeros * constraints`` stays below this.
    """

    def __init__(self, cqm: dimod.ConstrainedQuadraticModel, n: int, *, integers=(),
                 max_pair_work: int = 2_000_000):
        obj = cqm.objective
        lin = np.zeros(n)
        for var, b in obj.iter_linear():
            lin[var] += b
        r, c, v = [], [], []
        for a, b, q in obj.iter_quadratic():
            if a == b:  # x^2 = x
                lin[a] += q
            else:
                r.append(a), c.append(b), v.append(q)
        self.objective = QuadraticForm(lin, r, c, v, float(obj.offset))
        self.n = n
        self.integers = list(integers)
        self.max_pair_work = int(max_pair_work)
        self.labels = list(cqm.constraints)
        rows, cols, vals, rhs, sense, scale = [], [], [], [], [], []
        self.quadratic: dict[int, sp.csr_matrix] = {}
        for i, (label, comp) in enumerate(cqm.constraints.items()):
            lhs = comp.lhs
            coeffs = []
            for var, b in lhs.iter_linear():
                rows.append(i), cols.append(var), vals.append(float(b))
                coeffs.append(abs(b))
            quad = list(lhs.iter_quadratic())
            for u, w, b in quad:
                if u == w:  # x^2 = x
                    rows.append(i), cols.append(u), vals.append(float(b))
                coeffs.append(abs(b))
            if any(u != w for u, w, _ in quad):
                self.quadratic[i] = _sym((((u, w), b) for u, w, b in quad), n)
            rhs.append(float(comp.rhs) - float(lhs.offset))
            sense.append({"<=": -1, "==": 0, ">=": 1}[comp.sense.value])
            scale.append(1.0 / max(max(coeffs, default=1.0), 1e-12))
        m = len(rhs)
        self.A = sp.csr_matrix((vals, (rows, cols)), shape=(m, n))
        self.rhs = np.array(rhs, dtype=float)
        self.sense = np.array(sense, dtype=np.int8)
        self.scale = np.array(scale, dtype=float)
        from qopt.qubo.penalties import one_hot_groups

        groups: dict = {}
        for var, label in one_hot_groups(cqm).items():
            groups.setdefault(label, []).append(int(var))
        self.groups = [np.array(sorted(g), dtype=np.int64) for g in groups.values()]
        self._tiny = 1e-9 * max(1.0, float(np.abs(self.objective.linear).max(initial=0.0)),
                                float(np.abs(self.objective.J.data).max(initial=0.0)))

    @property
    def num_constraints(self) -> int:
        return len(self.rhs)

    # -- evaluation ---------------------------------------------------------
    def lhs(self, x) -> np.ndarray:
        """Left-hand sides (constant folded into the right side), shape (m,)."""
        xf = np.asarray(x, dtype=float)
        out = self.A @ xf
        for i, Q in self.quadratic.items():
            out[i] += 0.5 * xf @ (Q @ xf)
        return out

    def _raw(self, lhs, rows=slice(None)) -> np.ndarray:
        """Raw violation amounts (the units of ``cqm.violations``)."""
        d = lhs - self.rhs[rows]
        s = self.sense[rows]
        return np.where(s < 0, np.maximum(d, 0.0), np.where(s > 0, np.maximum(-d, 0.0), np.abs(d)))

    def violations(self, x) -> np.ndarray:
        """Raw violation per constraint, shape (m,)."""
        return self._raw(self.lhs(x))

    def total_violation(self, x) -> float:
        """Sum of violations, each in units of its constraint's largest coefficient."""
        return float(self.scale @ self.violations(x))

    def _batch(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Objective (min units) and raw violations of the rows of ``X``: shapes (c,), (m, c)."""
        X = np.asarray(X, dtype=float)
        L = np.asarray(self.A @ X.T)
        for i, Q in self.quadratic.items():
            L[i] += 0.5 * np.einsum("cj,cj->c", X, (Q @ X.T).T)
        return self.objective.energies(X), self._raw(L, (slice(None), None)) if L.size else L

    def _flip_table(self, x, lhs):
        """Per flip j: objective change (n,), and the sparse effect on the constraints (coo)."""
        xf = np.asarray(x, dtype=float)
        s = 1.0 - 2.0 * xf
        F = self.A
        if self.quadratic:
            extra_r, extra_c, extra_v = [], [], []
            for i, Q in self.quadratic.items():
                field = Q @ xf
                nz = np.flatnonzero(field)
                extra_r.append(np.full(len(nz), i)), extra_c.append(nz), extra_v.append(field[nz])
            F = F + sp.csr_matrix((np.concatenate(extra_v), (np.concatenate(extra_r), np.concatenate(extra_c))),
                                  shape=F.shape)
        D = F.multiply(s[None, :]).tocoo()
        return self.objective.flip_deltas(xf), D, s

    def _flip_effects(self, x, lhs):
        """``(d_obj, d_total_violation, feasible_after, D, s)`` for every single flip."""
        d_obj, D, s = self._flip_table(x, lhs)
        raw_now = self._raw(lhs)
        raw_new = self._raw(lhs[D.row] + D.data, D.row)
        change = self.scale[D.row] * (raw_new - raw_now[D.row])
        d_viol = np.bincount(D.col, change, self.n)
        bad = np.zeros(self.n, dtype=bool)
        bad[D.col[raw_new > ATOL]] = True
        if (raw_now > ATOL).any():  # rows a flip does not touch keep their violation
            touched = sp.csr_matrix((np.ones(len(D.row)), (D.row, D.col)), shape=(len(lhs), self.n))
            still = np.asarray(touched[raw_now > ATOL].sum(axis=0)).ravel() < (raw_now > ATOL).sum()
            bad |= still
        return d_obj, d_viol, ~bad, D, s

    def _integer_steps(self, x):
        """Candidate vectors for +-1 steps of every integer variable, shape (c, n)."""
        out = []
        for iv in self.integers:
            value = iv.value(x)
            for step in (-1, 1):
                t = value + step
                if iv.lower <= t <= iv.lower + iv.range:
                    y = np.array(x, dtype=np.int8)
                    y[iv.bits] = iv.encode(t)
                    if (y != x).sum() > 1:  # single-bit steps are already flips
                        out.append(y)
        return np.array(out, dtype=np.int8).reshape(-1, self.n)

    # -- repair ---------------------------------------------------------------
    def repair(self, x, *, max_steps: int | None = None) -> np.ndarray:
        """Greedy violation descent from ``x`` (shape (n,), 0/1); returns a new array.

        Feasible input comes back unchanged. First the descent that removes the most
        violation per unit of objective lost; if that gets stuck, the descent that removes
        the most violation (ties: objective). Either descent, when no single move reduces
        the violation, tries pairs of flips (the second descent weighs pairs against single
        moves at every step while ``n <= 64``). If both get stuck, the best feasible vector
        within ``k`` flips of ``x`` (``k`` = number of violated constraints) is searched
        exhaustively while that takes at most 50,000 candidates per distance. The result is
        feasible unless all of this fails; then it is the less violated descent.
        """
        x = np.array(x, dtype=np.int8)
        if not (self.violations(x) > ATOL).any():
            return x
        first = self._descend(x, "ratio", max_steps)
        if not (self.violations(first) > ATOL).any():
            return first
        second = self._descend(x, "violation", max_steps)
        if not (self.violations(second) > ATOL).any():
            return second
        near = self._nearby(x, int((self.violations(x) > ATOL).sum()))
        if near is not None:
            return near
        return min((first, second), key=self.total_violation)

    def _nearby(self, x, radius: int, budget: int = 50_000) -> np.ndarray | None:
        """The best feasible vector within ``radius`` flips of ``x`` (enumerated while the
        number of candidates stays within ``budget``), or None."""
        import itertools
        from math import comb

        for d in range(1, min(radius, self.n) + 1):
            if comb(self.n, d) > budget:
                return None
            idx = np.array(list(itertools.combinations(range(self.n), d)), dtype=np.int64)
            Y = np.repeat(x[None, :], len(idx), axis=0)
            rows = np.repeat(np.arange(len(idx)), d)
            Y[rows, idx.ravel()] ^= 1
            e, R = self._batch(Y)
            ok = (R <= ATOL).all(axis=0)
            if ok.any():
                return Y[int(np.argmax(np.where(ok, -e, -np.inf)))].copy()
        return None

    def _descend(self, x, mode: str, max_steps: int | None) -> np.ndarray:
        x = x.copy()
        steps = max_steps if max_steps is not None else 4 * self.n + 16
        for _ in range(steps):
            lhs = self.lhs(x)
            raw = self._raw(lhs)
            if not (raw > ATOL).any():
                break
            now = float(self.scale @ raw)
            d_obj, d_viol, _, D, s = self._flip_effects(x, lhs)
            cand_gain, cand_loss, moves = [-d_viol], [d_obj], [None]
            Y = self._integer_steps(x)
            if len(Y):
                e, R = self._batch(Y)
                cand_gain.append(now - self.scale @ R)
                cand_loss.append(e - self.objective.energy(x))
                moves.append(Y)
            gain = np.concatenate(cand_gain)
            loss = np.concatenate(cand_loss)
            if mode == "ratio":
                score = np.where(gain > 1e-9, gain / np.maximum(loss, self._tiny), -np.inf)
            else:
                span = float(np.abs(loss).max(initial=0.0)) + 1.0
                score = np.where(gain > 1e-9, gain - 1e-6 * loss / span, -np.inf)
            k = int(np.argmax(score))
            if mode == "violation" and self.n <= 64:  # pairs compete with single moves here
                pair = self._violation_pair(x, lhs, now, d_obj, D, s)
                if pair is not None and pair[2] > gain[k] + 1e-9:
                    x[pair[0]] ^= 1
                    x[pair[1]] ^= 1
                    continue
            if np.isfinite(score[k]):
                if k < self.n:
                    x[k] ^= 1
                else:
                    x = moves[1][k - self.n].copy()
                continue
            pair = self._violation_pair(x, lhs, now, d_obj, D, s)
            if pair is None:
                break  # stuck
            x[pair[0]] ^= 1
            x[pair[1]] ^= 1
        return x

    def _violation_pair(self, x, lhs, now, d_obj, D, s):
        """The pair of flips that removes the most violation (ties: objective), or None."""
        if self.n * self.n * max(1, self.num_constraints) > 2 * self.max_pair_work:
            return None
        I, J = np.triu_indices(self.n, 1)
        if not len(I):
            return None
        Dd = D.tocsc()
        L = lhs[:, None] + Dd[:, I].toarray() + Dd[:, J].toarray()
        for i, Q in self.quadratic.items():
            L[i] += np.asarray(Q[I, J]).ravel() * s[I] * s[J]
        gain = now - self.scale @ self._raw(L, (slice(None), None))
        if not (gain > 1e-9).any():
            return None
        loss = d_obj[I] + d_obj[J] + np.asarray(self.objective.J[I, J]).ravel() * s[I] * s[J]
        span = float(np.abs(loss).max(initial=0.0)) + 1.0
        score = np.where(gain > 1e-9, gain - 1e-6 * loss / span, -np.inf)
        k = int(np.argmax(score))
        return int(I[k]), int(J[k]), float(gain[k])

    # -- local search ---------------------------------------------------------
    def local_search(self, x, *, max_rounds: int = 100) -> np.ndarray:
        """Feasibility-keeping search; an infeasible ``x`` is returned unchanged.

        Two searches run from ``x`` and the better result is returned:

        * ``"gain"``: each step makes the best improving move of all (1-flips, integer +-1
          steps, one-hot swaps, 1-1 swaps);
        * ``"ratio"``: each round first applies improving 1-flips until none is left, best
          ratio of objective gained to room used first (room: the share of each inequality's
          right-hand side the flip consumes, as a knapsack's profit/weight fill), then makes
          the best improving step or swap.

        ``max_rounds`` bounds the steps (``"gain"``: at least ``4 n``) and rounds (``"ratio"``).
        """
        x = np.array(x, dtype=np.int8)
        if (self._raw(self.lhs(x)) > ATOL).any():
            return x
        a = self._search(x.copy(), "gain", max(max_rounds, 4 * self.n))
        b = self._search(x.copy(), "ratio", max_rounds)
        return a if self.objective.energy(a) <= self.objective.energy(b) else b

    def _search(self, x, mode: str, rounds: int) -> np.ndarray:
        for _ in range(rounds):
            if mode == "ratio":
                x = self._fill(x)
            lhs = self.lhs(x)
            d_obj, _, ok, D, s = self._flip_effects(x, lhs)
            best_gain, best_move = 1e-9 + self._tiny, None
            if mode == "gain":
                gains = np.where(ok, -d_obj, -np.inf)
                j = int(np.argmax(gains))
                if gains[j] > best_gain:
                    best_gain, best_move = gains[j], ("flip", j)
            Y = self._integer_steps(x)
            if len(Y):
                e, R = self._batch(Y)
                g = np.where((R <= ATOL).all(axis=0), self.objective.energy(x) - e, -np.inf)
                k = int(np.argmax(g))
                if g[k] > best_gain:
                    best_gain, best_move = g[k], ("vector", Y[k])
            pair = self._best_pair(x, lhs, d_obj, D, s)
            if pair is not None and pair[0] > best_gain:
                best_gain, best_move = pair[0], ("pair", pair[1], pair[2])
            if best_move is None:
                break
            if best_move[0] == "flip":
                x[best_move[1]] ^= 1
            elif best_move[0] == "vector":
                x = best_move[1].copy()
            else:
                x[best_move[1]] ^= 1
                x[best_move[2]] ^= 1
        return x

    def _fill(self, x) -> np.ndarray:
        """Apply improving feasible 1-flips, best gain per unit of room used first, until none is left."""
        room_scale = np.where(self.sense != 0, 1.0 / np.maximum(np.abs(self.rhs), 1.0), 0.0)
        for _ in range(2 * self.n + 1):
            lhs = self.lhs(x)
            d_obj, _, ok, D, _ = self._flip_effects(x, lhs)
            gains = np.where(ok, -d_obj, -np.inf)
            if not (gains > 1e-9 + self._tiny).any():
                break
            # room used: growth of "<=" sides and shrinkage of ">=" sides, relative to the rhs
            used = np.maximum(0.0, -self.sense[D.row] * D.data) * room_scale[D.row]
            cost = np.bincount(D.col, used, self.n)
            score = np.where(gains > 1e-9 + self._tiny, gains / (cost + 1e-9), -np.inf)
            x[int(np.argmax(score))] ^= 1
        return x

    def _pairs(self, x) -> tuple[np.ndarray, np.ndarray]:
        I, J = [], []
        for g in self.groups:  # swaps inside one-hot groups
            on, off = g[x[g] == 1], g[x[g] == 0]
            if len(on) and len(off):
                a, b = np.meshgrid(on, off, indexing="ij")
                I.append(a.ravel()), J.append(b.ravel())
        ones, zeros = np.flatnonzero(x == 1), np.flatnonzero(x == 0)
        if len(ones) * len(zeros) * max(1, self.num_constraints) <= self.max_pair_work:
            a, b = np.meshgrid(ones, zeros, indexing="ij")
            I.append(a.ravel()), J.append(b.ravel())
        if not I:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        P = np.unique(np.stack([np.concatenate(I), np.concatenate(J)], axis=1), axis=0)
        return P[:, 0], P[:, 1]

    def _best_pair(self, x, lhs, d_obj, D, s):
        I, J = self._pairs(x)
        if not len(I):
            return None
        gain = -(d_obj[I] + d_obj[J] + np.asarray(self.objective.J[I, J]).ravel() * s[I] * s[J])
        good = gain > 1e-9 + self._tiny
        if not good.any():
            return None
        I, J, gain = I[good], J[good], gain[good]
        Dd = D.tocsc()
        L = lhs[:, None] + Dd[:, I].toarray() + Dd[:, J].toarray()
        for i, Q in self.quadratic.items():
            L[i] += np.asarray(Q[I, J]).ravel() * s[I] * s[J]
        feasible = (self._raw(L, (slice(None), None)) <= ATOL).all(axis=0) if L.size else np.ones(len(I), bool)
        if not feasible.any():
            return None
        k = int(np.argmax(np.where(feasible, gain, -np.inf)))
        return float(gain[k]), int(I[k]), int(J[k])
