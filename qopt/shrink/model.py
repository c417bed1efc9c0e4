"""The shrunk problem: the original CQM with merged variables substituted.

Every original variable ``x_i`` is either a constant or a copy of a shrunk variable:

    x_i = parity_i XOR y_{k(i)}            (free: its class root is kept as y_{k(i)})
    x_i = parity_i                         (fixed: merged with the reference node)

i.e. ``x = a + b * y[k]`` with ``a_i = parity_i`` and ``b_i = 1 - 2 parity_i`` (0 when fixed).
Substituting into the objective and the linear constraints gives a dimod CQM over
``y_0 .. y_{k-1}`` whose objective at ``y`` equals the original objective at
:meth:`ShrunkProblem.expand` ``(y)`` and whose constraint left sides equal the original
ones there, so every registered solver runs on it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qopt.errors import ConfigError
from qopt.problems.base import Problem, as_solution

__all__ = ["LinearModel", "ShrunkProblem", "linear_model"]

REF = -1  # root of fixed variables (the reference node)


def linear_model(problem: Problem) -> "LinearModel":
    """Extract ``problem.cqm()`` into numpy arrays (objective and linear constraints).

    Raises:
        ValueError: a constraint is quadratic, or a variable is not binary, so the model
            cannot be shrunk by substitution.
    """
    import dimod

    cqm = problem.cqm()
    n = problem.num_variables
    labels = list(cqm.variables)
    if sorted(labels, key=repr) != sorted(range(n), key=repr):
        raise ConfigError(f"{problem.name}: CQM variables must be 0..{n - 1}")
    for v in labels:
        if cqm.vartype(v) is not dimod.BINARY:
            raise ConfigError(f"{problem.name}: variable {v!r} is {cqm.vartype(v).name}; shrinking needs binaries")
    obj = cqm.objective
    linear = np.zeros(n)
    for v, b in obj.linear.items():
        linear[int(v)] += b
    quad = [(int(u), int(v), float(b)) for (u, v), b in obj.quadratic.items() if b != 0]
    qr = np.array([q[0] for q in quad], dtype=np.int64)
    qc = np.array([q[1] for q in quad], dtype=np.int64)
    qv = np.array([q[2] for q in quad], dtype=float)
    names, senses, rhs, rows = [], [], [], []
    for label, comp in cqm.constraints.items():
        if comp.lhs.num_interactions:
            raise ConfigError(f"{problem.name}: constraint {label!r} is quadratic; shrinking supports linear "
                             "constraints only")
        row = np.zeros(n)
        for v, c in comp.lhs.linear.items():
            row[int(v)] += c
        names.append(label)
        senses.append(comp.sense.value)
        rhs.append(float(comp.rhs) - float(comp.lhs.offset))
        rows.append(row)
    A = np.array(rows, dtype=float).reshape(len(rows), n)
    return LinearModel(n=n, offset=float(obj.offset), linear=linear, qr=qr, qc=qc, qv=qv,
                       labels=tuple(names), senses=tuple(senses), rhs=np.array(rhs, dtype=float), A=A)


def _substitute(model: "LinearModel", root: np.ndarray, parity: np.ndarray):
    """Substituted objective and constraints; returns (free roots, kidx, a, b, parts)."""
    free = np.flatnonzero(root == np.arange(model.n))
    k = len(free)
    kidx = np.full(model.n, -1, dtype=np.int64)
    pos = np.full(model.n, -1, dtype=np.int64)
    pos[free] = np.arange(k)
    fixed = root == REF
    kidx[~fixed] = pos[root[~fixed]]
    a = parity.astype(float)
    b = np.where(fixed, 0.0, 1.0 - 2.0 * parity)
    offset = model.offset + float(model.linear @ a)
    lin = np.zeros(k)
    np.add.at(lin, kidx[~fixed], (model.linear * b)[~fixed])
    Q = np.zeros((k, k))
    if len(model.qv):
        r, c, v = model.qr, model.qc, model.qv
        offset += float(np.sum(v * a[r] * a[c]))
        m = b[r] != 0
        np.add.at(lin, kidx[r[m]], (v * b[r] * a[c])[m])
        m = b[c] != 0
        np.add.at(lin, kidx[c[m]], (v * a[r] * b[c])[m])
        m = (b[r] != 0) & (b[c] != 0)
        kr, kc, w = kidx[r[m]], kidx[c[m]], (v * b[r] * b[c])[m]
        same = kr == kc
        np.add.at(lin, kr[same], w[same])
        lo, hi = np.minimum(kr[~same], kc[~same]), np.maximum(kr[~same], kc[~same])
        np.add.at(Q, (lo, hi), w[~same])
    Bmat = np.zeros((model.n, k))
    Bmat[np.flatnonzero(~fixed), kidx[~fixed]] = b[~fixed]
    A = model.A @ Bmat
    rhs = model.rhs - model.A @ a
    return free, kidx, a, b, (offset, lin, Q, A, rhs)


@dataclass(frozen=True)
class LinearModel:
    """A binary CQM with linear constraints as arrays.

    Attributes:
        n: number of variables.
        offset, linear: objective constant and linear biases, shape (n,).
        qr, qc, qv: quadratic objective terms ``qv[t] x[qr[t]] x[qc[t]]``.
        labels, senses, rhs: constraint labels, senses (``<=``, ``>=``, ``==``), right sides.
        A: constraint matrix, shape (m, n).
    """

    n: int
    offset: float
    linear: np.ndarray
    qr: np.ndarray
    qc: np.ndarray
    qv: np.ndarray
    labels: tuple
    senses: tuple
    rhs: np.ndarray
    A: np.ndarray


class ShrunkProblem(Problem):
    """An original problem with merged variables substituted (see the module docstring).

    Args:
        original: the :class:`~qopt.problems.Problem` that was shrunk.
        root: shape (n,), class root of each original variable (-1: fixed).
        parity: shape (n,), 0/1, ``x_i = parity_i XOR y_root`` (or ``parity_i`` when fixed).
        model: the original's :class:`LinearModel` (computed when None).
        merges: the merge record that produced ``root``/``parity``.

    Attributes:
        free_roots: original index kept as shrunk variable ``k``, shape (k,).
        qubits, qubits_before: BQM qubits (slack included) after and before shrinking, set by
            :func:`qopt.shrink.shrink` (None otherwise).
        rounds: correlation estimates used; shrink_time_s: seconds spent shrinking.
    """

    family = "shrunk"

    def __init__(self, original: Problem, root, parity, *, model: LinearModel | None = None, merges=()):
        super().__init__(name=f"{original.name}[shrunk]", known_optimum=None)
        self.original = original
        self.sense = original.sense
        self.model = model if model is not None else linear_model(original)
        self.root = np.asarray(root, dtype=np.int64).copy()
        self.parity = np.asarray(parity, dtype=np.int8).copy()
        self.merges = list(merges)
        self.free_roots, self._kidx, self._a, self._b, parts = _substitute(self.model, self.root, self.parity)
        self._parts = parts
        self._cqm = None
        self.qubits: int | None = None
        self.qubits_before: int | None = None
        self.rounds = 0
        self.shrink_time_s: float | None = None

    @classmethod
    def identity(cls, original: Problem, *, model: LinearModel | None = None) -> "ShrunkProblem":
        """The unshrunk problem as a :class:`ShrunkProblem` (every variable its own class)."""
        n = original.num_variables
        return cls(original, np.arange(n), np.zeros(n, dtype=np.int8), model=model)

    @property
    def num_variables(self) -> int:
        return int(len(self.free_roots))

    def expand(self, y) -> np.ndarray:
        """Original assignment, shape (n,), of a shrunk assignment ``y`` of shape (k,)."""
        y = as_solution(y, self.num_variables) if self.num_variables else np.zeros(0, dtype=np.int8)
        ext = np.append(y, 0)
        return (self.parity ^ ext[self._kidx]).astype(np.int8)

    def expand_many(self, Y: np.ndarray) -> np.ndarray:
        """Expand rows of ``Y`` (shape (s, k), 0/1) to shape (s, n)."""
        Y = np.asarray(Y, dtype=np.int8).reshape(-1, self.num_variables)
        ext = np.concatenate([Y, np.zeros((Y.shape[0], 1), dtype=np.int8)], axis=1)
        return (self.parity[None, :] ^ ext[:, self._kidx]).astype(np.int8)

    def cqm(self):
        """The substituted CQM over ``0 .. k-1`` (built once).

        A constraint whose variables are all fixed is a constant and is dropped; the veto rules
        keep such constants satisfied, and :meth:`violations` always checks the original.
        """
        if self._cqm is None:
            import dimod

            offset, lin, Q, A, rhs = self._parts
            k = self.num_variables
            cqm = dimod.ConstrainedQuadraticModel()
            obj = dimod.BinaryQuadraticModel("BINARY")
            obj.add_variables_from((int(i), float(lin[i])) for i in range(k))
            r, c = np.nonzero(Q)
            obj.add_quadratic_from((int(u), int(v), float(Q[u, v])) for u, v in zip(r, c))
            obj.offset = offset
            cqm.set_objective(obj)
            for row, label in enumerate(self.model.labels):
                nz = np.flatnonzero(A[row])
                if not len(nz):
                    continue
                terms = [(int(j), float(A[row, j])) for j in nz]
                cqm.add_constraint_from_iterable(terms, self.model.senses[row], float(rhs[row]), label=label)
            self._cqm = cqm
        return self._cqm

    def evaluate(self, x) -> float:
        """The original objective at ``expand(x)``."""
        return self.original.evaluate(self.expand(x))

    def violations(self, x) -> dict[str, float]:
        """The original constraints' violations at ``expand(x)``."""
        return self.original.violations(self.expand(x))

    def is_feasible(self, x, *, atol: float = 1e-6) -> bool:
        return self.original.is_feasible(self.expand(x), atol=atol)

    @property
    def is_identity(self) -> bool:
        """True when nothing was merged (every original variable is its own class)."""
        return self.num_variables == self.model.n and not self.parity.any()

    def _lhs_violation(self, Y: np.ndarray) -> np.ndarray:
        """Total constraint violation of each row of ``Y`` (shape (s, k)) -> shape (s,)."""
        _, _, _, A, rhs = self._parts
        if not len(rhs):
            return np.zeros(Y.shape[0])
        d = Y @ A.T - rhs[None, :]
        senses = np.array(self.model.senses)
        v = np.where(senses == "<=", np.maximum(d, 0), np.where(senses == ">=", np.maximum(-d, 0), np.abs(d)))
        return v.sum(axis=1)

    def _flip_scores(self, y: np.ndarray):
        """Violation and (minimised) objective after each single flip of ``y`` -> shapes (k,), (k,)."""
        offset, lin, Q, _, _ = self._parts
        k = self.num_variables
        Y = np.repeat(y[None, :].astype(float), k, axis=0)
        idx = np.arange(k)
        Y[idx, idx] = 1.0 - Y[idx, idx]
        energy = offset + Y @ lin + np.einsum("si,ij,sj->s", Y, Q, Y)
        return self._lhs_violation(Y), energy

    def repair(self, x) -> np.ndarray:
        """Greedy repair in the shrunk space (the original's own repair when nothing is merged).

        While some constraint is violated, flip the variable that lowers the total violation
        most (ties: the better objective); stop when no flip lowers it.
        """
        if self.is_identity:
            return self.original.repair(x)
        y = as_solution(x, self.num_variables).copy()
        viol = float(self._lhs_violation(y[None, :].astype(float))[0])
        while viol > 1e-9:
            v, e = self._flip_scores(y)
            best = int(np.lexsort((e, v))[0])
            if v[best] >= viol - 1e-12:
                break
            y[best] ^= 1
            viol = float(v[best])
        return y

    def project(self, x) -> np.ndarray:
        """The shrunk assignment read off an original one: ``y_k = x[free_roots[k]]``, shape (k,)."""
        return np.asarray(x, dtype=np.int8)[self.free_roots].copy()

    def _flip_descent(self, y, max_rounds):
        offset, lin, Q, _, _ = self._parts
        yf = y.astype(float)
        current = offset + yf @ lin + yf @ Q @ yf
        for _ in range(max_rounds):
            v, e = self._flip_scores(y)
            e = np.where(v <= 1e-9, e, np.inf)
            best = int(np.argmin(e))
            if not e[best] < current - 1e-9:
                break
            y[best] ^= 1
            current = e[best]
        return y, current

    def local_search(self, x, *, max_rounds: int = 100) -> np.ndarray:
        """Improve a feasible ``x`` (the original's local search when nothing is merged).

        Best-improvement single flips that keep feasibility, alternated with the original
        problem's own moves (2-swaps for QAP, swaps for MDKP): ``project`` of
        ``original.local_search(expand(y))`` is accepted when feasible and better.
        """
        if self.is_identity:
            return self.original.local_search(x, max_rounds=max_rounds)
        y = as_solution(x, self.num_variables).copy()
        if not self.num_variables or self._lhs_violation(y[None, :].astype(float))[0] > 1e-9:
            return y
        y, current = self._flip_descent(y, max_rounds)
        for _ in range(max_rounds):
            cand = self.project(self.original.local_search(self.expand(y)))
            cf = cand.astype(float)
            if self._lhs_violation(cf[None, :])[0] > 1e-9:
                break
            offset, lin, Q, _, _ = self._parts
            if not offset + cf @ lin + cf @ Q @ cf < current - 1e-9:
                break
            y, current = self._flip_descent(cand, max_rounds)
        return y

    def info(self) -> dict:
        out = super().info()
        out.update(original=self.original.name, original_variables=self.original.num_variables,
                   merges=len(self.merges))
        return out
