"""Low-autocorrelation binary sequences (LABS).

Spins s_1..s_N in {-1,+1}; C_k = sum_{i=1}^{N-k} s_i s_{i+k}; minimise E(s) = sum_{k=1}^{N-1} C_k^2.
Binary variables map to spins as s = 2x - 1 (1 = spin +1), the QOBLIB solution-file convention.
E is quartic: :meth:`LABS.cqm` reduces it to a quadratic objective with product variables
``y = x_a x_b`` tied by constraints (dimod's :func:`dimod.make_quadratic_cqm`).
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

import numpy as np

from qopt.problems.base import Unconstrained, as_solution

__all__ = ["LABS", "labs_energy"]


def labs_energy(spins) -> float:
    """E(s) = sum_k C_k^2 for a +-1 sequence ``spins`` of shape (N,).

    Examples:
        >>> labs_energy([1, 1, 1, -1, 1])  # Barker sequence of length 5
        2.0
    """
    s = np.asarray(spins, dtype=float)
    n = s.shape[0]
    corr = np.correlate(s, s, mode="full")[n:]  # lags 1..n-1
    return float(np.sum(corr**2))


class LABS(Unconstrained):
    """The LABS problem of length ``n``.

    Args:
        n: sequence length, >= 2.
        name: instance name (default ``labsN``).
        known_optimum: optimal energy, if known.

    Examples:
        >>> LABS(5).evaluate([1, 1, 1, 0, 1])
        2.0
    """

    family = "labs"
    sense = "min"

    def __init__(self, n: int, *, name=None, known_optimum=None):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise ValueError(f"n must be an integer >= 2, got {n!r}")
        super().__init__(name=name or f"labs{int(n)}", known_optimum=known_optimum)
        self.n = int(n)

    @property
    def num_variables(self) -> int:
        return self.n

    @cached_property
    def spin_polynomial(self) -> dict[frozenset, float]:
        """E(s) as ``{frozenset(indices): coefficient}`` with s_i^2 = 1 reduced."""
        terms: dict[frozenset, float] = defaultdict(float)
        n = self.n
        for k in range(1, n):
            for i in range(n - k):
                for j in range(n - k):
                    idx = frozenset({i, i + k} ^ {j, j + k})
                    terms[idx] += 1.0
        return {t: c for t, c in terms.items() if c != 0}

    def binary_polynomial(self):
        """E as a :class:`dimod.BinaryPolynomial` in the binary variables x (s = 2x - 1)."""
        import dimod

        poly = dimod.BinaryPolynomial({tuple(sorted(t)): c for t, c in self.spin_polynomial.items()}, "SPIN")
        return poly.to_binary()

    def cqm(self):
        import dimod

        cqm = dimod.make_quadratic_cqm(self.binary_polynomial())
        # keep all n sequence variables even when a coefficient vanishes
        for i in range(self.n):
            if i not in cqm.variables:
                cqm.add_variable("BINARY", i)
        return cqm

    def evaluate(self, x) -> float:
        x = as_solution(x, self.n)
        return labs_energy(2.0 * x - 1.0)

    def local_search(self, x, *, max_rounds: int = 10_000) -> np.ndarray:
        """Steepest 1-flip descent of E."""
        x = as_solution(x, self.n).copy()
        cur = self.evaluate(x)
        for _ in range(max_rounds):
            best, arg = cur, -1
            for j in range(self.n):
                x[j] ^= 1
                e = self.evaluate(x)
                x[j] ^= 1
                if e < best - 1e-12:
                    best, arg = e, j
            if arg < 0:
                break
            x[arg] ^= 1
            cur = best
        return x
