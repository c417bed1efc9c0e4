"""Sampling, top states and the CVaR diagonal for exact state vectors.

Bitstrings are returned as uint8 arrays of shape (k, n) whose column q is
qubit q (= wire q = bit n-1-q of the basis-state index), ready for
``dimod.SampleSet.from_samples((bits, variables), ...)``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "cvar_weights",
    "cvar",
    "sample",
    "sample_indices",
    "top_states",
    "index_to_bits",
    "bits_to_index",
    "probabilities",
]


def probabilities(state: np.ndarray) -> np.ndarray:
    """|psi_x|^2, shape (2**n,), float64."""
    state = np.asarray(state)
    return state.real * state.real + state.imag * state.imag


def _num_qubits(size: int, what: str) -> int:
    if size < 1 or size & (size - 1):
        raise ValueError(f"{what} must have length 2**n, got {size}")
    return size.bit_length() - 1


def index_to_bits(indices: np.ndarray, n: int) -> np.ndarray:
    """Basis-state indices -> bits, column q = bit n-1-q.

    Examples:
        >>> index_to_bits(np.array([1, 6]), 3).tolist()
        [[0, 0, 1], [1, 1, 0]]
    """
    idx = np.asarray(indices, dtype=np.int64)
    shifts = np.arange(n - 1, -1, -1, dtype=np.int64)
    return ((idx[..., None] >> shifts) & 1).astype(np.uint8)


def bits_to_index(bits: np.ndarray) -> np.ndarray:
    """Inverse of :func:`index_to_bits`: shape (..., n) -> (...,) int64.

    Examples:
        >>> bits_to_index(np.array([[1, 1, 0]])).tolist()
        [6]
    """
    b = np.asarray(bits, dtype=np.int64)
    n = b.shape[-1]
    return (b << np.arange(n - 1, -1, -1, dtype=np.int64)).sum(axis=-1)


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def sample_indices(state: np.ndarray, shots: int,
                   rng: int | np.random.Generator | None = None) -> np.ndarray:
    """Measure ``state`` ``shots`` times in the computational basis.

    Args:
        state: shape (2**n,), complex (normalised; renormalised if off by rounding).
        shots: number of samples (>= 1).
        rng: seed or Generator; None = fresh entropy.

    Returns:
        shape (shots,), int64 basis-state indices.
    """
    if int(shots) != shots or shots < 1:
        raise ValueError(f"shots must be a positive integer, got {shots!r}")
    probs = probabilities(state)
    _num_qubits(probs.size, "state")
    cdf = np.cumsum(probs)
    total = cdf[-1]
    if not np.isfinite(total) or abs(total - 1.0) > 1e-6:
        raise ValueError(f"state must be normalised, its squared norm is {total!r}")
    u = _rng(rng).random(int(shots)) * total
    return np.minimum(np.searchsorted(cdf, u, side="right"), probs.size - 1).astype(np.int64)


def sample(state: np.ndarray, shots: int, rng: int | np.random.Generator | None = None) -> np.ndarray:
    """Measured bitstrings: shape (shots, n), uint8, column q = qubit q.

    Examples:
        >>> sample(np.array([0, 0, 0, 1.0]), 2, rng=0).tolist()
        [[1, 1], [1, 1]]
    """
    idx = sample_indices(state, shots, rng)
    return index_to_bits(idx, _num_qubits(np.asarray(state).size, "state"))


def top_states(state: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k most probable basis states, most probable first.

    Returns:
        (bits of shape (k, n) uint8, probabilities of shape (k,)). Ties are
        broken by the lower index.

    Examples:
        >>> bits, probs = top_states(np.array([0.6, 0.8, 0, 0]), 1)
        >>> bits.tolist(), round(float(probs[0]), 2)
        ([[0, 1]], 0.64)
    """
    probs = probabilities(state)
    n = _num_qubits(probs.size, "state")
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    k = min(k, probs.size)
    if k < probs.size:
        cand = np.argpartition(-probs, k - 1)[:k]
    else:
        cand = np.arange(probs.size)
    order = np.lexsort((cand, -probs[cand]))
    idx = cand[order]
    return index_to_bits(idx, n), probs[idx]


def cvar_weights(energies: np.ndarray, probs: np.ndarray, alpha: float) -> np.ndarray:
    """Diagonal W with sum_x p_x W_x = CVaR_alpha and the CVaR's gradient.

    CVaR_alpha (Barkoutsos et al. 2020, minimisation) is the mean energy of
    the lowest alpha fraction of the distribution. Sort states by energy, let
    b be the first state at which the cumulative probability reaches alpha
    (the boundary), and set ``W_x = E_b + (E_x - E_b) / alpha`` for states
    before b and ``W_x = E_b`` otherwise. Then ``sum p W`` equals CVaR
    exactly, and, with the sort held fixed, ``d CVaR = sum W dp`` for any
    change with ``sum dp = 0``, so the adjoint gradient of <psi|W|psi> is the
    CVaR gradient. alpha = 1 gives W = energies.

    Args:
        energies: shape (2**n,), float64.
        probs: shape (2**n,), the state's probabilities (sum 1).
        alpha: in (0, 1].

    Returns:
        shape (2**n,), float64.

    Examples:
        >>> e = np.array([0.0, 1.0, 2.0, 3.0]); p = np.full(4, 0.25)
        >>> float(np.dot(p, cvar_weights(e, p, 0.5)))  # mean of the lowest half
        0.5
    """
    e = np.asarray(energies, dtype=np.float64)
    p = np.asarray(probs, dtype=np.float64)
    if e.shape != p.shape or e.ndim != 1:
        raise ValueError(f"energies {e.shape} and probs {p.shape} must be 1-D of the same length")
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], got {alpha!r}")
    if alpha == 1.0:
        return e.copy()
    if e is energies:  # the caller's array: cache its sort (2**n log 2**n) across calls
        from qopt.devices.exact.qaoa import cached

        order = cached(e, "argsort", lambda a: np.argsort(a, kind="stable"))
    else:
        order = np.argsort(e, kind="stable")
    cum = np.cumsum(p[order])
    nb = int(np.searchsorted(cum, alpha * cum[-1] * (1 - 1e-12), side="left"))
    nb = min(nb, e.size - 1)
    eb = e[order[nb]]
    w = np.full_like(e, eb)
    head = order[:nb]
    w[head] = eb + (e[head] - eb) / alpha
    return w


def cvar(energies: np.ndarray, probs: np.ndarray, alpha: float) -> float:
    """CVaR_alpha of the energy distribution: mean of the lowest alpha tail.

    Examples:
        >>> cvar(np.array([0.0, 1.0, 2.0, 3.0]), np.full(4, 0.25), 0.25)
        0.0
    """
    return float(np.dot(probs, cvar_weights(energies, probs, alpha)))
