"""The null model ``random``: uniform random bitstrings through the quantum solvers' own decode path.

A quantum result means something only next to what a circuit that learned nothing would give at
the same number of shots and the same post-processing. :func:`random_bitstrings` draws ``shots``
bitstrings uniformly at random over the bits a quantum solver reads out, and sends them through
exactly the same :func:`qopt.decode.finish` (decode, raw block, repair / local search) as the
quantum solvers:

* ``like="qaoa"`` (also ``vqe``, ``rqaoa``): uniform over the qubits of the solver's BQM (problem
  variables plus slack bits of the solver's default ``slack="unbalanced"``, i.e. none);
* ``like="pce"`` or ``"qrao"``: uniform over their decoded space, the BQM variables with binary
  slack (``qubits`` records the qubits PCE with ``k`` / QRAO with ``encoding`` would use);
* ``mixer="xy"`` (XY-mixer QAOA): uniform over the one-hot feasible start space, one uniformly
  chosen 1 in each one-hot group and uniform bits elsewhere.

For MaxCut and plain QUBOs with ``mixer="x"`` the distribution's exact mean is known in closed
form (``E[x_i] = 1/2``, ``E[x_i x_j] = 1/4``), so ``raw.expected_objective`` is exact there
(``raw.expected_from == "exact"``); the shot estimate stays in ``expected_objective_shots``.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from qopt.decode import check_postprocess, finish
from qopt.errors import ConfigError
from qopt.options import default_slack
from qopt.result import Result

__all__ = ["LIKE", "random_bitstrings"]

logger = logging.getLogger(__name__)

LIKE = ("qaoa", "vqe", "rqaoa", "pce", "qrao")


def _one_hot_positions(problem, variables) -> list[np.ndarray]:
    from qopt.qubo.penalties import one_hot_groups

    pos = {v: q for q, v in enumerate(variables)}
    groups: dict = {}
    for v, label in one_hot_groups(problem.cqm()).items():
        if v in pos:
            groups.setdefault(label, []).append(pos[v])
    return [np.array(sorted(g)) for g in groups.values() if len(g) >= 2]


def _uniform_mean(problem) -> float | None:
    """Exact mean objective of uniform random bits for MaxCut / QUBO (None for other families)."""
    if problem.family not in ("maxcut", "qubo"):
        return None
    obj = problem.cqm().objective
    mean = float(obj.offset) + 0.5 * sum(obj.linear.values())
    mean += sum(0.5 * b if u == v else 0.25 * b for (u, v), b in obj.quadratic.items())
    return -mean if problem.sense == "max" else mean


def random_bitstrings(problem, *, shots: int = 1024, like: str = "qaoa", mixer: str = "x", k: int = 2,
                      encoding: int = 3, seed=None, penalty="calibrated", slack: str | None = None, weights=None,
                      postprocess: str | None = None, repair: bool = True, local_search: bool = True,
                      max_postprocess: int = 64) -> Result:
    """The null model: ``shots`` uniform random bitstrings, decoded like a quantum solver's shots.

    Args:
        problem: a :class:`~qopt.problems.Problem`.
        shots: number of bitstrings (positive).
        like: which quantum solver's readout to imitate (:data:`LIKE`); sets the default ``slack``.
        mixer: ``"x"`` (uniform over all bits) or ``"xy"`` (uniform over the one-hot start space).
        k: PCE's correlator order (only for the recorded qubit count with ``like="pce"``).
        encoding: QRAO's variables per qubit (only for the recorded qubit count, ``like="qrao"``).
        seed: int or numpy Generator.
        penalty, slack, weights: the BQM options of the imitated solver (:func:`qopt.qubo.to_bqm`).
        postprocess, repair, local_search, max_postprocess: as in :func:`qopt.decode.finish`.

    Returns:
        A :class:`~qopt.result.Result` with ``solver="random"`` and the ``raw`` block.

    Raises:
        ConfigError: bad ``shots``, ``like``, ``mixer`` or ``postprocess``; ``mixer="xy"`` on a
            problem without one-hot constraints.

    Examples:
        >>> import networkx as nx
        >>> from qopt.problems import MaxCut
        >>> r = random_bitstrings(MaxCut(nx.cycle_graph(4), known_optimum=4), shots=64, seed=1)
        >>> r.raw["shots"], r.raw["expected_objective"], r.raw["approx_ratio"]
        (64, 2.0, 0.5)
    """
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
        raise ConfigError(f"shots must be a positive integer; got {shots!r}")
    if like not in LIKE:
        raise ConfigError(f"like must be one of {', '.join(LIKE)}; got {like!r}")
    if mixer not in ("x", "xy"):
        raise ConfigError(f"mixer must be 'x' or 'xy'; got {mixer!r}")
    if postprocess is not None:
        check_postprocess(postprocess)
    import dimod

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    slack = slack or default_slack(like)
    bqm, decoder = problem.encode(penalty=penalty, slack=slack, weights=weights)
    variables = list(bqm.variables)
    m = len(variables)
    t1 = time.perf_counter()
    bits = rng.integers(0, 2, size=(int(shots), m), dtype=np.int8)
    info = {"like": like, "mixer": mixer, "bits": m, "bqm_variables": m}
    if mixer == "xy":
        groups = _one_hot_positions(problem, variables)
        if not groups:
            raise ConfigError(f"mixer='xy' needs one-hot equality constraints; {problem.name} has none")
        for g in groups:
            bits[:, g] = 0
            bits[np.arange(shots), g[rng.integers(0, len(g), size=shots)]] = 1
        info["xy_groups"] = len(groups)
    uniq, counts = np.unique(bits, axis=0, return_counts=True)
    raw = dimod.SampleSet.from_samples((uniq, variables), vartype="BINARY", energy=bqm.energies((uniq, variables)),
                                       num_occurrences=counts)
    t2 = time.perf_counter()
    if like == "pce":
        from qopt.solvers.pce import min_qubits

        qubits = min_qubits(m, k)
    elif like == "qrao":
        from qopt.solvers.qrao import encode

        qubits = encode(bqm, encoding).num_qubits
    else:
        qubits = m
    exact = None
    mean = _uniform_mean(problem) if mixer == "x" else None
    if mean is not None:
        exact = {"expected_objective": mean, "p_optimum": None, "feasible_fraction": 1.0}
    readout = {"readout": "shots", "shots": int(shots), "exact": exact}
    options = {"shots": int(shots), "like": like, "mixer": mixer, "penalty": penalty, "slack": slack}
    logger.info("random: %d uniform bitstrings over %d bits (like %s, mixer %s)", shots, m, like, mixer)
    return finish(problem, raw, decoder, solver="random", repair=repair, local_search=local_search,
                  postprocess=postprocess, readout=readout, max_postprocess=max_postprocess,
                  seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None, qubits=qubits,
                  timing_s={"build": t1 - t0, "sample": t2 - t1}, options=options, info=info)
