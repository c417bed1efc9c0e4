"""Pauli Correlation Encoding (PCE; Sciorilli et al., arXiv:2401.09421).

``m`` binary variables live on ``n`` qubits as the signs of k-body Pauli correlators:
variable ``i`` is read as ``x_i = (1 - sgn<Pi_i>)/2`` (``+`` <-> 0, like a Z eigenvalue),
``Pi_i`` one of ``X^{(x)k}``, ``Y^{(x)k}``, ``Z^{(x)k}`` on a k-subset of qubits, so
``m <= 3 C(n, k)`` (:func:`capacity`). The solver trains a brickwork ansatz
(:func:`qopt.devices.circuits.brickwork_gates`, read by a correlator runner of
:mod:`qopt.devices.correlators`) on the relaxed loss

    L(theta) = sum_{i<j} J_ij t_i t_j + sum_i h_i t_i + beta * nu * (mean_i t_i^2)^2,
    t_i = tanh(alpha <Pi_i>),

where ``(h, J)`` is the Ising form of the problem's (penalised) BQM in the spin
``s_i = 1 - 2 x_i`` (so at saturated correlators ``L - reg`` is the BQM energy minus its
constant), ``alpha = 1.5 n^floor(k/2)`` and ``beta = 1/2`` (paper), and ``nu`` the
Poljak-Turzik bound for MaxCut (halved, because the Ising couplings are ``w/2``; computed on
``|w|`` so that it stays positive for signed weights) or
``||Q||_F / 2`` of the Ising matrix (``J`` both triangles, ``h`` on the diagonal) otherwise
(the Sharma-Lau QUBO-mode rule).

After training the signs are decoded, improved by ``local_search_rounds`` rounds of greedy
single-bit flips on the BQM, and handed to :func:`qopt.decode.finish` (repair of
constrained problems + the problem's local search).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from itertools import combinations

import numpy as np

from qopt.decode import finish
from qopt.devices.exact.brickwork import import_torch
from qopt._random import as_generator, resolve_seed
from qopt.errors import ConfigError
from qopt.qubo.flips import greedy_flip_rounds
from qopt.qubo.ising import ising_arrays as ising_from_bqm  # the one Ising conversion
from qopt.result import Result

__all__ = ["capacity", "min_qubits", "correlator_masks", "default_alpha", "ising_from_bqm",
           "poljak_turzik_nu", "pce_loss_numpy", "greedy_flip_rounds", "resolve_device",
           "PCEModel", "choose_encoding", "pce"]

logger = logging.getLogger(__name__)

_BASES = ("x", "y", "z")


# ---------------------------------------------------------------------------
def capacity(n: int, k: int) -> int:
    """Largest number of variables PCE encodes on ``n`` qubits with k-body correlators: ``3 C(n, k)``."""
    if k < 1 or n < k:
        return 0
    return 3 * math.comb(n, k)


def min_qubits(m: int, k: int = 2) -> int:
    """Smallest ``n >= k`` with ``3 C(n, k) >= m``."""
    if m < 1:
        raise ConfigError(f"need at least one variable, got m={m}")
    if k < 1:
        raise ConfigError(f"k must be >= 1, got {k}")
    n = k
    while capacity(n, k) < m:
        n += 1
    return n


def correlator_masks(m: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Correlator of each variable: X-strings over ``combinations(range(n), k)`` in
    lexicographic order, then Y, then Z, truncated at ``m``.

    Returns:
        ``(basis, mask)``, int arrays of shape (m,): basis 0/1/2 = X/Y/Z and the bit mask of
        the k qubits (qubit q = bit n-1-q of a basis-state index).

    Raises:
        ValueError: ``m > 3 C(n, k)``.
    """
    if m > capacity(n, k):
        raise ConfigError(f"{m} variables do not fit on {n} qubits with k={k} "
                         f"(capacity 3*C({n},{k}) = {capacity(n, k)}); use --qubits >= {min_qubits(m, k)}")
    subsets = [sum(1 << (n - 1 - q) for q in c) for c in combinations(range(n), k)]
    basis = np.repeat(np.arange(3), len(subsets))[:m]
    mask = np.tile(np.array(subsets, dtype=np.int64), 3)[:m]
    return basis.astype(np.int64), mask


def default_alpha(n: int, k: int) -> float:
    """The paper's ``alpha = 1.5 n^floor(k/2)``."""
    return 1.5 * float(n) ** (k // 2)


def poljak_turzik_nu(rows, cols, weights, m: int) -> float:
    """``w(G)/2 + w(T_min)/4`` for the graph with the given edge weights on ``m`` nodes
    (minimum spanning forest by networkx)."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(m))
    for u, v, w in zip(rows, cols, weights):
        g.add_edge(int(u), int(v), weight=float(w))
    tree = nx.minimum_spanning_tree(g)
    return float(np.sum(weights) / 2 + tree.size(weight="weight") / 4)


def pce_loss_numpy(expectations, h, rows, cols, J, *, alpha: float, beta: float = 0.5, nu: float = 0.0):
    """The PCE loss for a vector of correlator expectations (numpy; see module docstring).

    Returns:
        ``(loss, relaxed_energy)`` where ``relaxed_energy = sum J t t + h.t`` (no offset, no
        regulariser).
    """
    t = np.tanh(alpha * np.asarray(expectations, dtype=float))
    energy = float(h @ t + np.sum(J * t[rows] * t[cols]))
    reg = beta * nu * float(np.mean(t**2)) ** 2
    return energy + reg, energy


def resolve_device(device):
    """The :class:`~qopt.devices.DeviceConfig` of ``device`` (None -> the exact simulator).

    Accepts whatever :func:`qopt.devices.load_device` accepts (None, a short name, a YAML path,
    a DeviceConfig).
    """
    from qopt.devices import load_device

    return load_device(device)


_OPTIMIZER_ALIASES = {"lbfgs": "lbfgs", "l-bfgs-b": "lbfgs", "l-bfgs": "lbfgs", "adam": "adam",
                      "cobyla": "cobyla"}


def _optimizer_name(name) -> str:
    key = str(name).lower()
    if key not in _OPTIMIZER_ALIASES:
        raise ConfigError(f"unknown PCE optimizer {name!r}; use 'lbfgs', 'adam' or 'cobyla'")
    return _OPTIMIZER_ALIASES[key]


# ---------------------------------------------------------------------------
class PCEModel:
    """The PCE loss of a BQM on ``n`` qubits with k-body correlators (torch).

    The correlators are read by a correlator runner (:mod:`qopt.devices.correlators`) that
    :func:`qopt.devices.factory.make_correlator_runner` picks for ``device``.

    Args:
        bqm: BINARY dimod BQM.
        variables: its variables in encoding order (variable i <-> correlator i).
        n: qubits; k: correlator body count; layers: brickwork depth.
        alpha, beta, nu: loss parameters (see module docstring); ``nu=None`` -> ``max_cut``
            rule if ``maxcut`` else ``||Q||_F / 2``.
        maxcut: the BQM is a MaxCut objective (use the Poljak-Turzik ``nu``).
        shots: None for exact expectations; else correlators are estimated from ``shots``
            samples per measurement basis (on the exact device not differentiable: use a
            gradient-free optimizer).
        device: a device name, path or :class:`~qopt.devices.DeviceConfig` (None: exact).
        seed: simulator seed of a PennyLane device (int or None).
    """

    def __init__(self, bqm, variables, n: int, k: int = 2, layers: int = 2, *, alpha=None, beta=0.5,
                 nu=None, maxcut: bool = False, shots=None, device=None, seed: int | None = None):
        from qopt.devices import load_device
        from qopt.devices.exact.brickwork import num_parameters
        from qopt.devices.factory import make_correlator_runner

        self.variables = list(variables)
        self.m = len(self.variables)
        self.n, self.k, self.layers = int(n), int(k), int(layers)
        if self.layers < 1:
            raise ConfigError(f"layers must be >= 1, got {layers}")
        self.basis, self.mask = correlator_masks(self.m, self.n, self.k)
        self.h, self.rows, self.cols, self.J, self.offset = ising_from_bqm(bqm, self.variables)
        self.alpha = default_alpha(self.n, self.k) if alpha is None else float(alpha)
        self.beta = float(beta)
        if nu is None:
            if maxcut and len(self.J):
                # |w|: with signed weights (Gset G11..) the plain bound can be negative, which
                # would turn the regulariser into a reward for saturation
                nu = poljak_turzik_nu(self.rows, self.cols, np.abs(2 * self.J), self.m) / 2
            else:
                nu = 0.5 * float(np.sqrt(2 * np.sum(self.J**2) + np.sum(self.h**2)))
        self.nu = float(nu)
        self.shots = None if shots is None else int(shots)
        self.runner = make_correlator_runner(load_device(device), n=self.n, layers=self.layers, basis=self.basis,
                                             mask=self.mask, shots=self.shots, seed=seed)
        self.num_parameters = num_parameters(self.n, self.layers)
        self._torch_cache = None
        self.last_signs = None  # decoded bits (as bools) of the last loss evaluation

    def _tensors(self):
        if self._torch_cache is None:
            torch = import_torch()
            self._torch_cache = {"h": torch.as_tensor(self.h), "J": torch.as_tensor(self.J),
                                 "rows": torch.as_tensor(self.rows), "cols": torch.as_tensor(self.cols)}
        return self._torch_cache

    def expectations_torch(self, params, rng=None):
        """Correlator expectations, torch tensor of shape (m,) (differentiable if the runner is)."""
        return self.runner.expectations(params, rng)

    def loss_torch(self, params, rng=None):
        """``(loss, relaxed_energy, expectations)`` as torch tensors."""
        torch = import_torch()
        tc = self._tensors()
        c = self.expectations_torch(params, rng)
        t = torch.tanh(self.alpha * c)
        energy = tc["h"] @ t + torch.sum(tc["J"] * t[tc["rows"]] * t[tc["cols"]])
        reg = self.beta * self.nu * torch.mean(t**2) ** 2
        return energy + reg, energy, c

    def value_and_grad(self, params: np.ndarray, rng=None) -> tuple[float, np.ndarray]:
        """Loss and its gradient (torch autograd through the runner), numpy in/out."""
        torch = import_torch()
        p = torch.tensor(np.asarray(params, dtype=float), requires_grad=True)
        loss, _, c = self.loss_torch(p, rng)
        loss.backward()
        self.last_signs = (c.detach().numpy() < 0)
        return float(loss.detach()), p.grad.numpy().copy()

    def value(self, params: np.ndarray, rng=None) -> float:
        torch = import_torch()
        with torch.no_grad():
            loss, _, c = self.loss_torch(torch.as_tensor(np.asarray(params, dtype=float)), rng)
            self.last_signs = (c.numpy() < 0)
            return float(loss)

    def expectations(self, params: np.ndarray, rng=None) -> np.ndarray:
        torch = import_torch()
        with torch.no_grad():
            return self.expectations_torch(torch.as_tensor(np.asarray(params, dtype=float)), rng).numpy()

    def decode(self, expectations) -> np.ndarray:
        """Bits ``x_i = 1`` iff ``<Pi_i> < 0``, int8 array of shape (m,)."""
        return (np.asarray(expectations) < 0).astype(np.int8)


# ---------------------------------------------------------------------------
class _Monitor:
    """Progress and early stopping for one optimisation.

    Stops when the decoded bits (signs of the correlators) have not changed for ``patience``
    iterations and the loss improved by less than ``tol`` (relative) over that window: the
    solution PCE returns is those bits, so more iterations cannot change it. Logs a progress line
    (INFO) at most every ``every_s`` seconds, and drives an optional progress bar.
    """

    def __init__(self, model, maxiter: int, patience: int, tol: float, bar=None, every_s: float = 5.0):
        self.model, self.maxiter, self.patience, self.tol, self.bar = model, maxiter, patience, tol, bar
        self.every_s = every_s
        self.it, self.stable, self.window = 0, 0, []
        self.signs = None
        self.best = np.inf
        self.t0 = self.last_log = time.perf_counter()
        self.converged = False
        self.interrupted = False

    def step(self, loss: float) -> bool:
        """Record one iteration; True when the run has converged (stop)."""
        self.it += 1
        self.best = min(self.best, float(loss))
        signs = self.model.last_signs
        if signs is not None and self.signs is not None and np.array_equal(signs, self.signs):
            self.stable += 1
        else:
            self.stable = 0
        self.signs = None if signs is None else signs.copy()
        self.window.append(float(loss))
        if self.bar is not None:
            self.bar.update(self.bar.task_ids[0], advance=1, value=f"{loss:.6g}")
        now = time.perf_counter()
        if now - self.last_log >= self.every_s:
            self.last_log = now
            logger.info("pce: iteration %d/%d, loss %.6g, bits unchanged for %d iterations (%.0f s)",
                        self.it, self.maxiter, loss, self.stable, now - self.t0)
        if self.patience and self.stable >= self.patience and len(self.window) > self.patience:
            old = self.window[-self.patience - 1]
            if abs(old - loss) <= self.tol * max(1.0, abs(old)):
                self.converged = True
                return True
        return False


def _optimize(model: PCEModel, x0: np.ndarray, *, optimizer: str, maxiter: int, rng, lr: float,
              monitor: _Monitor | None = None):
    """Minimise the model loss from ``x0``. Returns (params, loss, iterations)."""
    best = {"x": np.array(x0, dtype=float), "fun": np.inf}

    def track(f):
        def wrapped(p):
            out = f(p)
            value = out[0] if isinstance(out, tuple) else out
            if value < best["fun"]:
                best["x"], best["fun"] = np.array(p, dtype=float), float(value)
            return out
        return wrapped

    def callback(intermediate_result):
        if monitor is not None and monitor.step(float(intermediate_result.fun)):
            raise StopIteration

    try:
        return _run_optimizer(model, x0, optimizer, maxiter, rng, lr, monitor, track, callback, best)
    except KeyboardInterrupt:  # Ctrl-C: decode the best parameters so far, marked as interrupted
        if not np.isfinite(best["fun"]):
            raise
        if monitor is not None:
            monitor.interrupted = True
        logger.warning("interrupted: decoding the best parameters so far (Ctrl-C again to abort)")
        return best["x"], best["fun"], monitor.it if monitor is not None else 0


def _run_optimizer(model, x0, optimizer, maxiter, rng, lr, monitor, track, callback, best):
    from scipy.optimize import minimize

    if optimizer == "lbfgs":
        res = minimize(track(lambda p: model.value_and_grad(p, rng)), x0, jac=True, method="L-BFGS-B",
                       options={"maxiter": maxiter}, callback=callback)
        x, fun = (res.x, float(res.fun)) if res.fun <= best["fun"] else (best["x"], best["fun"])
        return x, fun, int(res.nit)
    if optimizer == "cobyla":
        res = minimize(track(lambda p: model.value(p, rng)), x0, method="COBYLA",
                       options={"maxiter": maxiter, "rhobeg": 0.4}, callback=callback)
        x, fun = (res.x, float(res.fun)) if res.fun <= best["fun"] else (best["x"], best["fun"])
        return x, fun, int(res.nfev)
    if optimizer == "adam":
        torch = import_torch()
        p = torch.tensor(x0, requires_grad=True)
        opt = torch.optim.Adam([p], lr=lr)
        best_v, best_p = np.inf, x0.copy()
        steps = 0
        for _ in range(maxiter):
            opt.zero_grad()
            loss, _, c = model.loss_torch(p, rng)
            loss.backward()
            model.last_signs = c.detach().numpy() < 0
            value = float(loss.detach())
            if value < best_v:
                best_v, best_p = value, p.detach().numpy().copy()
                best["x"], best["fun"] = best_p, best_v
            opt.step()
            steps += 1
            if monitor is not None and monitor.step(value):
                break
        return best_p, best_v, steps
    raise ConfigError(f"unknown PCE optimizer {optimizer!r}; use 'lbfgs', 'adam' or 'cobyla'")  # pragma: no cover


@contextlib.contextmanager
def _few_threads(n: int):
    """One torch thread for small state vectors: thread start-up costs more than 2^n amplitudes
    (a 4-qubit run spent half its time in thread contention on a loaded 2-core machine)."""
    torch = import_torch()
    old = torch.get_num_threads()
    if n <= 14 and old > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if torch.get_num_threads() != old:
            torch.set_num_threads(old)


#: Widest circuit PCE picks by itself (2^16 amplitudes: milliseconds per evaluation).
AUTO_MAX_QUBITS = 16


def choose_encoding(m: int, qubits: int | None = None, k: int | None = None) -> tuple[int, int]:
    """``(n, k)`` for ``m`` variables: the given values, or the choice that fits.

    * both given: checked (``m <= 3 C(n, k)``);
    * only ``qubits``: the smallest ``k >= 2`` (``k = 1`` if ``n = 1``) with capacity ``>= m``;
    * only ``k``: the fewest qubits for that ``k``;
    * neither: ``k = 2`` on the fewest qubits, or the smallest ``k`` whose fewest qubits are
      ``<= AUTO_MAX_QUBITS`` (a wide k = 2 circuit is slower than a narrow k = 3 one).

    Raises:
        ConfigError: no k fits ``qubits`` (the message names the fewest qubits that work).
    """
    if m < 1:
        raise ConfigError(f"PCE needs at least one variable, got {m}")
    if qubits is not None and k is not None:
        if k > qubits:
            raise ConfigError(f"--qubits {qubits} is smaller than k={k}")
        if capacity(qubits, k) < m:
            raise ConfigError(f"{m} variables do not fit on {qubits} qubits with k={k} (capacity "
                              f"3*C({qubits},{k}) = {capacity(qubits, k)}); use --qubits >= {min_qubits(m, k)} "
                              "or leave --k out to choose it")
        return qubits, k
    if qubits is not None:
        for kk in (range(2, qubits + 1) if qubits > 1 else (1,)):
            if capacity(qubits, kk) >= m:
                return qubits, kk
        best = min(capacity(qubits, kk) for kk in range(1, qubits + 1))
        fewest = next(q for q in range(1, 64) if max(capacity(q, kk) for kk in range(1, q + 1)) >= m)
        raise ConfigError(f"{m} variables do not fit on {qubits} qubits with any correlator order k "
                          f"(at most {best}); use --qubits >= {fewest}")
    if k is not None:
        return min_qubits(m, k), k
    kk = 2
    while min_qubits(m, kk) > AUTO_MAX_QUBITS and kk < 8:
        kk += 1
    return min_qubits(m, kk), kk


def pce(problem, *, qubits: int | None = None, k: int | None = None, device=None, layers: int = 2,
        maxiter: int = 500, optimizer: str | None = None, seed=None, shots: int | None = None,
        alpha: float | None = None, beta: float = 0.5, nu: float | None = None, restarts: int = 1,
        lr: float = 0.05, init_scale: float = 2 * np.pi, local_search_rounds: int = 1,
        penalty="calibrated", slack="binary", weights=None, postprocess: str = "full", repair: bool = True,
        local_search: bool = True, patience: int = 25, tol: float = 1e-4,
        progress: bool | None = None) -> Result:
    """Solve ``problem`` with Pauli Correlation Encoding.

    Args:
        problem: a :class:`~qopt.problems.Problem`; constrained ones are penalised first
            (``penalty``, ``slack``, ``weights`` as in :func:`qopt.qubo.to_bqm`), so slack bits
            are encoded too.
        qubits: ``n``; default chosen with ``k`` by :func:`choose_encoding`.
        k: correlator body count (1 <= k <= n); default the smallest that fits ``qubits``
            (:func:`choose_encoding`), so ``qubits=17`` on an 800-node graph uses k = 3.
        device: None/"exact" (qopt's torch state vector), a YAML path or short name.
        layers: brickwork depth.
        maxiter: optimizer iterations (L-BFGS-B iterations, Adam steps, COBYLA evaluations).
        optimizer: "lbfgs" (default, exact gradients), "adam", or "cobyla" (default with shots).
        seed: int or numpy Generator: initial parameters (uniform in [0, init_scale)) and shots.
        shots: samples per measurement basis (None = exact expectations).
        alpha, beta, nu: loss parameters (defaults: ``1.5 n^floor(k/2)``, 1/2, see module doc).
        restarts: independent random initialisations; all decoded samples go to ``finish``.
        lr: Adam learning rate.
        init_scale: initial angles are uniform in ``[0, init_scale)``.
        local_search_rounds: greedy single-flip rounds on the BQM after decoding (0 = none).
        repair, local_search: post-processing in :func:`qopt.decode.finish`.
        patience, tol: stop early once the decoded bits have not changed for ``patience``
            iterations and the loss moved by less than ``tol`` (relative) meanwhile (0 = never).
        progress: progress bar on stderr (None: only when stderr is a terminal); a progress line
            is also logged (INFO, ``qopt -v``) every 5 s.

    Returns:
        Result with ``qubits = n``; ``info`` has ``converged`` (stopped early), ``k``, ``alpha``, ``nu``, ``layers``,
        ``num_parameters``, ``loss``, ``objective_decoded`` (before any local search),
        ``objective_after_flips`` (after the greedy flip rounds) and ``bqm_variables``.
    """
    import dimod

    t0 = time.perf_counter()
    seed_int = resolve_seed(seed)
    rng = as_generator(seed_int)
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise ConfigError(f"k must be an integer >= 1, got {k!r}")
    if restarts < 1 or maxiter < 1:
        raise ConfigError(f"restarts and maxiter must be >= 1, got {restarts}, {maxiter}")
    bqm, decoder = problem.encode(penalty=penalty, slack=slack, weights=weights)
    variables = list(bqm.variables)
    m = len(variables)
    n, k = choose_encoding(m, None if qubits is None else int(qubits), None if k is None else int(k))
    config = resolve_device(device)
    config.check_width(n)
    if shots is None:
        shots = config.shots
    if optimizer is None:
        optimizer = "cobyla" if shots is not None else (config.optimizer or "lbfgs")
        if str(optimizer).lower() not in _OPTIMIZER_ALIASES:
            optimizer = "cobyla"
    optimizer = _optimizer_name(optimizer)
    model = PCEModel(bqm, variables, n, k, layers, alpha=alpha, beta=beta, nu=nu,
                     maxcut=problem.family == "maxcut", shots=shots, device=config, seed=seed_int)
    if optimizer == "lbfgs" and not model.runner.differentiable:
        raise ConfigError("optimizer 'lbfgs' needs exact gradients; with shots on the exact "
                          "simulator use --optimizer cobyla")
    logger.info("pce: %d variables on %d qubits (k=%d, capacity %d), %d parameters, alpha=%.3g",
                m, n, k, capacity(n, k), model.num_parameters, model.alpha)
    t1 = time.perf_counter()
    lin, (qr, qc, qv), _ = bqm.binary.to_numpy_vectors(variable_order=variables)
    samples, decoded, losses, decoded_e, flipped_e, iters = [], [], [], [], [], 0
    from qopt.optimize import _progress

    converged, interrupted = [], False
    for r in range(int(restarts)):
        if interrupted:
            break
        x0 = rng.uniform(0, init_scale, model.num_parameters)
        bar = _progress(maxiter, f"pce {r + 1}/{restarts}" if restarts > 1 else "pce", progress)
        monitor = _Monitor(model, maxiter, int(patience), float(tol), bar=bar)
        try:
            with _few_threads(n):
                params, loss, it = _optimize(model, x0, optimizer=optimizer, maxiter=maxiter, rng=rng, lr=lr,
                                             monitor=monitor)
        finally:
            if bar is not None:
                bar.stop()
        converged.append(monitor.converged)
        interrupted = interrupted or monitor.interrupted
        logger.info("pce: restart %d stopped after %d iterations (%s), loss %.6g", r + 1, it,
                    "converged" if monitor.converged else "iteration limit", loss)
        iters += it
        bits = model.decode(model.expectations(params, rng))
        decoded.append(bits)
        decoded_e.append(float(bqm.binary.energy(dict(zip(variables, bits)))))
        if local_search_rounds > 0:
            bits = greedy_flip_rounds(bits, lin, qr, qc, qv, rounds=local_search_rounds)
        flipped_e.append(float(bqm.binary.energy(dict(zip(variables, bits)))))
        samples.append(bits)
        losses.append(loss)
    t2 = time.perf_counter()
    raw = dimod.SampleSet.from_samples((np.array(samples), variables), vartype="BINARY",
                                       energy=np.array(flipped_e))
    best = int(np.argmin(flipped_e))
    pos = {v: i for i, v in enumerate(variables)}
    cols = [pos[i] for i in range(problem.num_variables)]
    pick = max if problem.sense == "max" else min
    info = {
        "k": k, "alpha": model.alpha, "beta": model.beta, "nu": model.nu, "layers": layers,
        "num_parameters": model.num_parameters, "capacity": capacity(n, k), "optimizer": optimizer,
        "iterations": iters, "loss": min(losses), "bqm_variables": m, "converged": all(converged),
        "interrupted": interrupted,
        "bqm_energy_decoded": min(decoded_e), "bqm_energy_after_flips": min(flipped_e),
        "objective_after_flips": problem.evaluate(samples[best][cols]),
        "objective_decoded": pick(problem.evaluate(b[cols]) for b in decoded),
        "feasible_decoded": any(problem.is_feasible(b[cols]) for b in decoded),
        "device": config.name,
    }
    options = {"qubits": n, "k": k, "layers": layers, "maxiter": maxiter, "optimizer": optimizer,
               "shots": shots, "restarts": restarts, "local_search_rounds": local_search_rounds,
               "patience": patience, "tol": tol}
    readout = {"readout": "shots", "shots": len(decoded), "exact": None}  # decoded sign samples, before flips
    return finish(problem, raw, decoder, solver="pce", postprocess=postprocess, repair=repair,
                  local_search=local_search, readout=readout, seed=seed_int, qubits=n, timing_s={"build": t1 - t0, "solve": t2 - t1},
                  options=options, info=info)
