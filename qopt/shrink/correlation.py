"""Pairwise correlations of a problem's variables from samples of a cheap sampler.

Spins ``z_i = 2 x_i - 1``; the reference node (index ``k``, the last one) has ``z = +1``, so
``M[i, k] = E[z_i]`` says how strongly ``x_i`` leans to 1 (positive) or 0 (negative), and
``M[i, j] = E[z_i z_j]`` (uncentred, as ``<Z_i Z_j>`` in RQAOA, arXiv:1910.08980) says whether
``x_i`` and ``x_j`` agree (positive) or disagree (negative). Expectations are over the
lowest-energy ``elite`` fraction of the samples of the problem's penalised BQM.

Sources:

* ``"sa"``: simulated annealing (dwave-samplers) on the penalised BQM (default);
* ``"exact"``: the ``num_reads`` lowest-energy basis states of the BQM by enumeration
  (at most 20 BQM variables);
* ``"qaoa"``: the decoded samples of a QAOA run (``qopt.solvers.solve(problem, "qaoa", ...)``);
  only where the problem's BQM has at most ``qaoa_max_qubits`` (default 16) variables and fits
  the device, otherwise simulated annealing is used for that round.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from qopt.errors import ConfigError, PenaltyWarning

__all__ = ["SOURCES", "correlation_matrix", "sample_matrix"]

logger = logging.getLogger(__name__)

SOURCES = ("sa", "exact", "qaoa")
MAX_EXACT_QUBITS = 20


def correlation_matrix(X: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Uncentred spin correlations with a reference node appended.

    Args:
        X: 0/1 samples, shape (s, k).
        weights: non-negative sample weights, shape (s,) (default: equal).

    Returns:
        ``M`` of shape (k + 1, k + 1), entries in [-1, 1]; index ``k`` is the reference node.

    Examples:
        >>> M = correlation_matrix(np.array([[1, 0], [1, 0]]))
        >>> M[0, 1].item(), M[0, 2].item(), M[1, 2].item()
        (-1.0, 1.0, -1.0)
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty 2-D array of samples, got shape {X.shape}")
    w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (X.shape[0],) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"weights must be non-negative with shape ({X.shape[0]},) and a positive sum")
    Z = np.concatenate([2.0 * X - 1.0, np.ones((X.shape[0], 1))], axis=1)
    M = (Z * (w / w.sum())[:, None]).T @ Z
    return np.clip(M, -1.0, 1.0)


def _polish(problem, X, counts, limit: int):
    """Repair + local-search the ``limit`` first distinct samples; returns (X, -value, counts)."""
    keys, rows, weights = {}, [], []
    for x, c in zip(X, counts):
        key = np.asarray(x, dtype=np.int8).tobytes()
        if key in keys:
            weights[keys[key]] += c
            continue
        if len(rows) >= limit:
            continue
        keys[key] = len(rows)
        rows.append(np.asarray(x, dtype=np.int8))
        weights.append(float(c))
    out, score = [], []
    sign = 1.0 if problem.sense == "max" else -1.0
    for x in rows:
        if not problem.is_feasible(x):
            x = problem.repair(x)
        x = problem.local_search(x)
        ok = problem.is_feasible(x)
        out.append(x)
        # infeasible ones rank after every feasible one
        score.append(-sign * problem.evaluate(x) + (0.0 if ok else 1e18))
    return np.array(out, dtype=np.int8), np.array(score), np.array(weights)


def _elite(X, energy, counts, elite: float):
    order = np.argsort(energy, kind="stable")
    X, counts = X[order], counts[order].astype(float)
    total = counts.sum()
    keep = max(1, int(np.searchsorted(np.cumsum(counts), elite * total) + 1))
    return X[:keep], counts[:keep]


def _exact_samples(bqm, variables, num_reads):
    q = bqm.num_variables
    if q > MAX_EXACT_QUBITS:
        raise ConfigError(f"source='exact' enumerates at most {MAX_EXACT_QUBITS} BQM variables, got {q}")
    order = list(bqm.variables)
    idx = {v: i for i, v in enumerate(order)}
    lin = np.array([bqm.get_linear(v) for v in order])
    Q = np.zeros((q, q))
    for (u, v), b in bqm.quadratic.items():
        Q[idx[u], idx[v]] += b
    states = ((np.arange(2**q)[:, None] >> np.arange(q - 1, -1, -1)[None, :]) & 1).astype(float)
    energy = bqm.offset + states @ lin + np.einsum("si,ij,sj->s", states, Q, states)
    best = np.argsort(energy, kind="stable")[:num_reads]
    cols = [idx[v] for v in variables]
    return states[best][:, cols].astype(np.int8), energy[best], np.ones(len(best))


def sample_matrix(problem, *, source: str = "sa", seed=None, num_reads: int = 64, num_sweeps: int = 500,
                  elite: float = 0.25, penalty="calibrated", slack="binary", polish: int = 32,
                  qaoa_options: dict | None = None, qaoa_max_qubits: int = 16):
    """Samples of ``problem`` for correlation estimates.

    Args:
        problem: a :class:`~qopt.problems.Problem` (usually a :class:`~qopt.shrink.ShrunkProblem`).
        source: ``"sa"``, ``"exact"`` or ``"qaoa"`` (see the module docstring).
        seed: int or numpy Generator.
        num_reads: SA reads / exact states kept.
        num_sweeps: SA sweeps per read.
        elite: fraction (0, 1] of the best samples (by occurrence) kept.
        polish: when > 0, the ``polish`` lowest-energy distinct samples are repaired
            (``problem.repair``) and improved (``problem.local_search``) and then ranked by
            objective (feasible first); 0 ranks the raw samples by BQM energy.
        penalty, slack: passed to ``problem.to_bqm``.
        qaoa_options: keyword options of the ``qaoa`` solver for ``source="qaoa"``.
        qaoa_max_qubits: ``source="qaoa"`` runs QAOA only up to this many BQM variables.

    Returns:
        ``(X, weights)``: 0/1 samples over ``problem``'s variables, shape (s, k), and weights (s,).
    """
    if source not in SOURCES:
        raise ConfigError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    if not 0 < elite <= 1:
        raise ConfigError(f"elite must be in (0, 1], got {elite!r}")
    rng = np.random.default_rng(seed)
    k = problem.num_variables
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PenaltyWarning)
        bqm, _ = problem.to_bqm(penalty=penalty, slack=slack)
    if source == "qaoa" and bqm.num_variables > qaoa_max_qubits:
        logger.info("qaoa correlations: %d qubits > qaoa_max_qubits=%d; using simulated annealing",
                    bqm.num_variables, qaoa_max_qubits)
    elif source == "qaoa":
        from qopt.solvers import solve

        opts = {"penalty": penalty, "slack": slack, **dict(qaoa_options or {})}
        try:
            result = solve(problem, "qaoa", seed=int(rng.integers(2**31 - 1)), **opts)
        except ValueError as err:  # does not fit the device, or not registered
            logger.info("qaoa correlations unavailable (%s); using simulated annealing", err)
        else:
            samples = result.samples
            if samples is None or not len(samples):
                return result.solution[None, :].astype(np.int8), np.ones(1)
            X = samples.record.sample[:, [list(samples.variables).index(i) for i in range(k)]]
            energy = -samples.record.objective if problem.sense == "max" else samples.record.objective
            X, w = _elite(X, energy, samples.record.num_occurrences, elite)
            return X.astype(np.int8), w
    if source == "exact":
        X, energy, counts = _exact_samples(bqm, list(range(k)), num_reads)
    else:
        from dwave.samplers import SimulatedAnnealingSampler

        ss = SimulatedAnnealingSampler().sample(bqm, num_reads=num_reads, num_sweeps=num_sweeps,
                                                seed=int(rng.integers(2**31 - 1)))
        labels = list(ss.variables)
        X = ss.record.sample[:, [labels.index(i) for i in range(k)]]
        energy, counts = ss.record.energy, ss.record.num_occurrences
    if polish > 0:
        order = np.argsort(energy, kind="stable")
        X, energy, counts = _polish(problem, X[order], counts[order], polish)
    X, w = _elite(X, energy, counts, elite)
    return X.astype(np.int8), w
