"""Tests of qopt.devices.exact: the fast exact simulator.

Ground truths: dimod's own energies, PennyLane default.qubit / lightning.qubit
states built gate by gate, central finite differences, the agreement values of
../shared/docs/performance.md, and the numpy reference backend (for numba).
"""

from __future__ import annotations

import subprocess
import sys

import dimod
import networkx as nx
import numpy as np
import pytest

from qopt.devices import exact as ex
from qopt.devices.exact import qaoa as qaoa_mod

BACKENDS = ["numpy", "numba"]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def random_bqm(n: int, seed: int, vartype="BINARY", integer=False) -> dimod.BinaryQuadraticModel:
    rng = np.random.default_rng(seed)
    draw = (lambda: float(rng.integers(-3, 4))) if integer else (lambda: float(rng.normal()))
    bqm = dimod.BinaryQuadraticModel(vartype)
    for i in range(n):
        bqm.add_linear(i, draw())
    for i in range(n):
        for j in range(i + 1, n):
            if rng.random() < 0.5:
                bqm.add_quadratic(i, j, draw())
    bqm.offset = draw()
    return bqm


def maxcut_bqm(graph: nx.Graph) -> dimod.BinaryQuadraticModel:
    """Energy = number of cut edges (to be maximised)."""
    bqm = dimod.BinaryQuadraticModel("BINARY")
    for i, j in graph.edges():
        bqm.add_linear(i, 1.0)
        bqm.add_linear(j, 1.0)
        bqm.add_quadratic(i, j, -2.0)
    return bqm


def anchor_angles(p: int):
    """The angle recipe of ../shared/perf/bench_anchors.py (make_angles)."""
    rng = np.random.default_rng(1234 + p)
    return rng.uniform(0.0, np.pi, p), rng.uniform(0.0, np.pi / 2, p)


def central_diff(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[k] = h
        g[k] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# --------------------------------------------------------------------------
# energies
# --------------------------------------------------------------------------
@pytest.mark.parametrize("vartype", ["BINARY", "SPIN"])
@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_energies_equal_dimod_on_all_states(n, vartype):
    bqm = random_bqm(n, seed=n, vartype=vartype)
    variables = list(reversed(range(n)))  # a non-trivial wire order
    e = ex.energies(bqm, variables)
    bits = ex.index_to_bits(np.arange(1 << n), n)
    samples = bits if vartype == "BINARY" else 1 - 2 * bits.astype(int)
    want = bqm.energies((samples, variables))
    np.testing.assert_allclose(e, want, rtol=0, atol=1e-12)


def test_energies_maxcut_is_anchor_diagonal_bit_reversed():
    g = nx.random_regular_graph(3, 16, seed=0)
    e = ex.energies(maxcut_bqm(g), range(16))
    # bench_anchors puts qubit q at bit q; qopt at bit n-1-q
    idx = np.arange(1 << 16)
    rev = np.zeros_like(idx)
    for q in range(16):
        rev |= ((idx >> q) & 1) << (15 - q)
    cut = np.zeros(1 << 16)
    for i, j in g.edges():
        cut += ((idx >> i) ^ (idx >> j)) & 1
    np.testing.assert_array_equal(e, cut[rev])


def test_energies_errors():
    bqm = dimod.BinaryQuadraticModel({"a": 1.0, "b": 1.0}, {}, 0.0, "BINARY")
    with pytest.raises(ValueError, match="'b' is not in variables"):
        ex.energies(bqm, ["a"])
    with pytest.raises(ValueError, match="more than once"):
        ex.energies(bqm, ["a", "b", "a"])


# --------------------------------------------------------------------------
# performance.md agreement values
# --------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("p, want", [(1, 16.088077473428), (4, 9.770160984894)], ids=["p1", "p4"])
def test_anchor_values_n16(backend, p, want):
    e = ex.energies(maxcut_bqm(nx.random_regular_graph(3, 16, seed=0)), range(16))
    g, b = anchor_angles(p)
    assert ex.qaoa_value(e, g, b, backend=backend) == pytest.approx(want, abs=5e-12)
    state = ex.qaoa_state(e, g, b, backend=backend)
    assert ex.expectation(state, e) == pytest.approx(want, abs=5e-12)


# --------------------------------------------------------------------------
# agreement with PennyLane, gate by gate
# --------------------------------------------------------------------------
def _pl_qaoa_state(device, e, gammas, betas, *, mixer="x", initial=None, groups=None):
    qml = pytest.importorskip("pennylane")
    n = e.size.bit_length() - 1
    dev = qml.device(device, wires=n)
    betas = np.asarray(betas)
    bq = betas if betas.ndim == 2 else np.repeat(betas[:, None], n, axis=1)

    @qml.qnode(dev)
    def circuit():
        if mixer == "warm":
            theta = ex.warm_start_angles(initial)
            for q in range(n):
                qml.RY(theta[q], wires=q)
        elif mixer == "xy":
            qml.StatePrep(ex.qaoa_state(e, [], [], mixer="xy", groups=groups, backend="numpy"),
                          wires=range(n))
        elif initial is not None:
            qml.StatePrep(initial, wires=range(n))
        else:
            for q in range(n):
                qml.Hadamard(wires=q)
        grouped = {q for grp in (groups or []) for q in grp}
        for l in range(len(gammas)):
            qml.DiagonalQubitUnitary(np.exp(-1j * gammas[l] * e), wires=range(n))
            for q in range(n):
                if q in grouped:
                    continue
                if mixer == "warm":
                    th = ex.warm_start_angles(initial)[q]
                    qml.RY(-th, wires=q)
                    qml.RZ(2 * bq[l, q], wires=q)
                    qml.RY(th, wires=q)
                else:
                    qml.RX(2 * bq[l, q], wires=q)
            for grp in groups or []:
                m = len(grp)
                for i in range(m if m > 2 else 1):
                    qml.IsingXY(-2 * bq[l, grp[i]], wires=[grp[i], grp[(i + 1) % m]])
        return qml.state()

    return np.asarray(circuit())


CASES = {
    "x": dict(),
    "multi-angle": dict(multi=True),
    "warm": dict(mixer="warm"),
    "xy": dict(mixer="xy", groups=[[0, 1, 2], [3, 4]]),
    "xy-pair": dict(mixer="xy", groups=[[1, 4]]),
}


def _case(name: str, n: int, p: int, seed: int):
    rng = np.random.default_rng(seed)
    kw = dict(CASES[name])
    multi = kw.pop("multi", False)
    gammas = rng.uniform(-1, 1, p)
    betas = rng.uniform(-1, 1, (p, n) if multi else p)
    if kw.get("mixer") == "warm":
        kw["initial"] = rng.uniform(0.05, 0.95, n)
    return gammas, betas, kw


@pytest.mark.parametrize("device", ["default.qubit", "lightning.qubit"])
@pytest.mark.parametrize("case", list(CASES))
def test_qaoa_state_matches_pennylane(case, device):
    n, p = 6, 2
    e = ex.energies(random_bqm(n, seed=3), range(n))
    gammas, betas, kw = _case(case, n, p, seed=11)
    want = _pl_qaoa_state(device, e, gammas, betas, **kw)
    for backend in BACKENDS:
        got = ex.qaoa_state(e, gammas, betas, backend=backend, **kw)
        np.testing.assert_allclose(got, want, atol=1e-10, rtol=0)
        assert ex.expectation(got, e) == pytest.approx(float(np.dot(abs(want) ** 2, e)), abs=1e-10)


def test_qaoa_expectation_matches_lightning_maxcut_hamiltonian():
    qml = pytest.importorskip("pennylane")
    graph = nx.random_regular_graph(3, 8, seed=1)
    n, p = 8, 2
    e = ex.energies(maxcut_bqm(graph), range(n))
    gammas, betas = anchor_angles(p)
    cost_h, mixer_h = qml.qaoa.maxcut(graph)  # cost_h = -C
    dev = qml.device("lightning.qubit", wires=n)

    @qml.qnode(dev)
    def circuit():
        for w in range(n):
            qml.Hadamard(wires=w)
        for l in range(p):
            qml.qaoa.cost_layer(-gammas[l], cost_h)
            qml.qaoa.mixer_layer(betas[l], mixer_h)
        return qml.expval(cost_h)

    assert ex.qaoa_value(e, gammas, betas) == pytest.approx(-float(circuit()), abs=1e-10)


@pytest.mark.parametrize("device", ["default.qubit", "lightning.qubit"])
def test_hea_state_matches_pennylane(device):
    qml = pytest.importorskip("pennylane")
    n, depth = 5, 3
    thetas = np.random.default_rng(5).uniform(-np.pi, np.pi, (depth + 1, n))
    dev = qml.device(device, wires=n)

    @qml.qnode(dev)
    def circuit():
        for d in range(depth + 1):
            if d:
                for q in range(n - 1):
                    qml.CNOT(wires=[q, q + 1])
            for q in range(n):
                qml.RY(thetas[d, q], wires=q)
        return qml.state()

    want = np.asarray(circuit())
    for backend in BACKENDS:
        np.testing.assert_allclose(ex.hea_state(thetas, n, backend=backend), want, atol=1e-10)


# --------------------------------------------------------------------------
# gradients
# --------------------------------------------------------------------------
@pytest.mark.parametrize("adjoint", ["checkpointed", "rewinding"])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", list(CASES))
def test_qaoa_gradient_matches_central_differences(case, backend, adjoint, monkeypatch):
    if adjoint == "rewinding":
        monkeypatch.setattr(qaoa_mod, "CHECKPOINT_BYTES", 0)
    n, p = 5, 3
    e = ex.energies(random_bqm(n, seed=7), range(n))
    gammas, betas, kw = _case(case, n, p, seed=2)
    obs = np.random.default_rng(9).normal(size=1 << n)  # a different observable than the cost
    value, dg, db = ex.qaoa_value_and_grad(e, gammas, betas, diag=obs, backend=backend, **kw)
    f = lambda g, b: ex.qaoa_value(e, g, b, diag=obs, backend="numpy", **kw)  # noqa: E731
    assert value == pytest.approx(f(gammas, betas), abs=1e-12)
    np.testing.assert_allclose(dg, central_diff(lambda g: f(g, betas), gammas), atol=1e-7)
    np.testing.assert_allclose(db, central_diff(lambda b: f(gammas, b), betas), atol=1e-7)
    assert db.shape == np.shape(betas)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hea_gradient_matches_central_differences(backend):
    n, depth = 5, 2
    diag = np.random.default_rng(1).normal(size=1 << n)
    thetas = np.random.default_rng(2).uniform(-np.pi, np.pi, (depth + 1, n))
    value, grad = ex.hea_value_and_grad(diag, thetas, backend=backend)
    f = lambda t: ex.expectation(ex.hea_state(t, n, backend="numpy"), diag)  # noqa: E731
    assert value == pytest.approx(f(thetas), abs=1e-12)
    np.testing.assert_allclose(grad, central_diff(f, thetas), atol=1e-7)


def test_cvar_gradient_is_gradient_of_cvar():
    n, alpha = 5, 0.3
    e = ex.energies(random_bqm(n, seed=4), range(n))
    gammas, betas = np.array([0.4, -0.2]), np.array([0.3, 0.5])

    def cvar_of(g, b):
        return ex.cvar(e, ex.probabilities(ex.qaoa_state(e, g, b)), alpha)

    w = ex.cvar_weights(e, ex.probabilities(ex.qaoa_state(e, gammas, betas)), alpha)
    value, dg, db = ex.qaoa_value_and_grad(e, gammas, betas, diag=w)
    assert value == pytest.approx(cvar_of(gammas, betas), abs=1e-12)
    np.testing.assert_allclose(dg, central_diff(lambda g: cvar_of(g, betas), gammas), atol=1e-6)
    np.testing.assert_allclose(db, central_diff(lambda b: cvar_of(gammas, b), betas), atol=1e-6)


@pytest.mark.parametrize("n", [5, 16, 19], ids=["small", "one-high-group", "threaded"])
@pytest.mark.parametrize("diag_kind", ["integer-table", "float"])
@pytest.mark.parametrize("case", ["x", "x-multi-angle-initial", "warm-multi-angle"])
def test_checkpointed_gradient_equals_rewinding(n, diag_kind, case, monkeypatch):
    """The checkpointed adjoint (stored states, only lam rewound) and the rewinding one
    (state and lam rewound together) give the same value and gradient to 1e-10."""
    rng = np.random.default_rng(100 + n)
    e = (rng.integers(-30, 30, 1 << n).astype(float) if diag_kind == "integer-table"
         else rng.normal(size=1 << n))
    p = 3
    gammas = rng.uniform(-1, 1, p)
    betas = rng.uniform(-1, 1, (p, n)) if "multi" in case else rng.uniform(-1, 1, p)
    kw = {}
    if case.startswith("warm"):
        kw = dict(mixer="warm", initial=rng.uniform(0.1, 0.9, n))
    elif "initial" in case:
        kw = dict(initial=rng.uniform(0.1, 0.9, n))
    obs = rng.normal(size=1 << n)
    plan = qaoa_mod._plan(e, gammas, betas, kw.get("mixer", "x"), kw.get("initial"), None, "numba")
    assert qaoa_mod._use_checkpoints(plan)
    a = ex.qaoa_value_and_grad(e, gammas, betas, diag=obs, backend="numba", **kw)
    monkeypatch.setattr(qaoa_mod, "CHECKPOINT_BYTES", 0)
    assert not qaoa_mod._use_checkpoints(plan)
    b = ex.qaoa_value_and_grad(e, gammas, betas, diag=obs, backend="numba", **kw)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, atol=1e-10, rtol=0)


def test_checkpoint_budget_and_limits(monkeypatch):
    assert 0 < qaoa_mod.checkpoint_budget() <= 4 << 30
    e = np.zeros(1 << 6)
    plan = qaoa_mod._plan(e, [0.1, 0.2, 0.3], [0.1, 0.2, 0.3], "x", None, None, "numba")
    monkeypatch.setattr(qaoa_mod, "CHECKPOINT_BYTES", 2 * (16 << 6))  # p - 1 = 2 states fit
    assert qaoa_mod._use_checkpoints(plan)
    monkeypatch.setattr(qaoa_mod, "CHECKPOINT_BYTES", 2 * (16 << 6) - 1)
    assert not qaoa_mod._use_checkpoints(plan)
    monkeypatch.setattr(qaoa_mod, "CHECKPOINT_BYTES", None)
    xy = qaoa_mod._plan(e, [0.1], [0.2], "xy", None, [[0, 1, 2]], "numba")
    assert not qaoa_mod._use_checkpoints(xy)  # XY rings use the rewinding adjoint
    from qopt.devices.exact import _kernels

    assert _kernels.checkpoint_ok(26) and not _kernels.checkpoint_ok(27)


# --------------------------------------------------------------------------
# numba agrees with the numpy reference on the blocked / threaded paths
# --------------------------------------------------------------------------
@pytest.mark.parametrize("n", [15, 19], ids=["one-block", "threaded-two-sweeps"])
@pytest.mark.parametrize("diag_kind", ["integer-table", "float"])
def test_numba_matches_numpy_reference_large(n, diag_kind):
    rng = np.random.default_rng(n)
    if diag_kind == "integer-table":
        e = rng.integers(-5, 40, 1 << n).astype(float)
    else:
        e = rng.normal(size=1 << n)
    gammas, betas = rng.uniform(-1, 1, 2), rng.uniform(-1, 1, (2, n))
    a = ex.qaoa_value_and_grad(e, gammas, betas, backend="numpy")
    b = ex.qaoa_value_and_grad(e, gammas, betas, backend="numba")
    for x, y in zip(a, b):
        np.testing.assert_allclose(y, x, atol=1e-10, rtol=0)
    kw = dict(mixer="xy", groups=[[0, 1, 2, 3], [n - 3, n - 2, n - 1]])
    np.testing.assert_allclose(ex.qaoa_state(e, gammas, betas[:, 0], backend="numba", **kw),
                               ex.qaoa_state(e, gammas, betas[:, 0], backend="numpy", **kw),
                               atol=1e-12)


# --------------------------------------------------------------------------
# mixers, sampling, CVaR
# --------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_xy_mixer_preserves_hamming_weight_per_group(backend):
    n = 7
    groups = [[0, 2, 4], [1, 3], [5, 6]]
    e = ex.energies(random_bqm(n, seed=8), range(n))
    bits = ex.index_to_bits(np.arange(1 << n), n)
    one_hot = np.all([bits[:, g].sum(axis=1) == 1 for g in groups], axis=0)
    psi = ex.qaoa_state(e, [0.7, -0.3, 1.1], [0.4, 0.9, -0.6], mixer="xy", groups=groups,
                        backend=backend)
    probs = ex.probabilities(psi)
    assert probs[~one_hot].sum() < 1e-14
    assert probs.sum() == pytest.approx(1.0, abs=1e-12)
    # weight 2 in a group stays weight 2: start from a basis state
    init = np.zeros(1 << n, dtype=complex)
    start = ex.bits_to_index(np.array([1, 0, 1, 1, 0, 0, 1]))  # weights (2, 1, 1)
    init[start] = 1.0
    psi = ex.qaoa_state(e, [0.3], [0.8], mixer="xy", groups=groups, initial=init, backend=backend)
    w = np.stack([bits[:, g].sum(axis=1) for g in groups], axis=1)
    keep = np.all(w == [2, 1, 1], axis=1)
    assert ex.probabilities(psi)[~keep].sum() < 1e-14


def test_warm_start_half_is_standard_qaoa():
    e = ex.energies(random_bqm(4, seed=1), range(4))
    a = ex.qaoa_state(e, [0.3, 0.2], [0.5, 0.1], mixer="warm", initial=np.full(4, 0.5))
    b = ex.qaoa_state(e, [0.3, 0.2], [0.5, 0.1])
    np.testing.assert_allclose(a, b, atol=1e-14)
    np.testing.assert_allclose(ex.probabilities(ex.product_state([0.2, 0.9])),
                               np.kron([0.8, 0.2], [0.1, 0.9]), atol=1e-15)


def test_sampling_frequencies_match_probabilities():
    stats = pytest.importorskip("scipy.stats")
    e = ex.energies(random_bqm(4, seed=2), range(4))
    psi = ex.qaoa_state(e, [0.9], [0.4])
    probs = ex.probabilities(psi)
    shots = 20000
    idx = ex.sample_indices(psi, shots, rng=123)
    counts = np.bincount(idx, minlength=16)
    assert stats.chisquare(counts, probs * shots).pvalue > 1e-3
    bits = ex.sample(psi, 5, rng=np.random.default_rng(123))
    assert bits.shape == (5, 4) and bits.dtype == np.uint8
    np.testing.assert_array_equal(ex.bits_to_index(bits), idx[:5])  # same seed, same draws
    np.testing.assert_array_equal(ex.sample(psi, 50, rng=7), ex.sample(psi, 50, rng=7))


def test_top_states_order():
    psi = np.sqrt(np.array([0.1, 0.4, 0.0, 0.2, 0.3, 0.0, 0.0, 0.0]))
    bits, probs = ex.top_states(psi, 3)
    np.testing.assert_array_equal(ex.bits_to_index(bits), [1, 4, 3])
    np.testing.assert_allclose(probs, [0.4, 0.3, 0.2])


def test_cvar_weights():
    rng = np.random.default_rng(0)
    e = rng.normal(size=32)
    p = rng.dirichlet(np.ones(32))
    np.testing.assert_array_equal(ex.cvar_weights(e, p, 1.0), e)
    for alpha in (0.05, 0.3, 0.77):
        order = np.argsort(e)
        cum = np.concatenate([[0.0], np.cumsum(p[order])])
        take = np.clip(alpha - cum[:-1], 0, p[order])
        want = float(np.dot(take, e[order]) / alpha)
        assert ex.cvar(e, p, alpha) == pytest.approx(want, abs=1e-12)
    with pytest.raises(ValueError, match="alpha must be in"):
        ex.cvar_weights(e, p, 0.0)


# --------------------------------------------------------------------------
# errors and imports
# --------------------------------------------------------------------------
def test_clear_errors():
    e = np.zeros(8)
    with pytest.raises(ValueError, match="length 2\\*\\*n"):
        ex.qaoa_state(np.zeros(6), [0.1], [0.1])
    with pytest.raises(ValueError, match="betas must have shape"):
        ex.qaoa_state(e, [0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="mixer must be"):
        ex.qaoa_state(e, [0.1], [0.1], mixer="y")
    with pytest.raises(ValueError, match="needs initial"):
        ex.qaoa_state(e, [0.1], [0.1], mixer="warm")
    with pytest.raises(ValueError, match="in two groups"):
        ex.qaoa_state(e, [0.1], [0.1], mixer="xy", groups=[[0, 1], [1, 2]])
    with pytest.raises(ValueError, match="backend must be"):
        ex.qaoa_state(e, [0.1], [0.1], backend="gpu")
    with pytest.raises(ValueError, match="thetas must have shape"):
        ex.hea_state(np.zeros((2, 4)), 3)


def test_numpy_fallback_without_numba(monkeypatch):
    from qopt.errors import MissingDependencyError

    e = ex.energies(random_bqm(4, seed=3), range(4))
    want = ex.qaoa_value(e, [0.3], [0.2], backend="numpy")
    monkeypatch.setitem(sys.modules, "qopt.devices.exact._kernels", None)  # import now fails
    monkeypatch.delattr(ex, "_kernels", raising=False)
    assert ex.qaoa_value(e, [0.3], [0.2]) == pytest.approx(want, abs=1e-14)
    with pytest.raises(MissingDependencyError, match="needs numba"):
        ex.qaoa_value(e, [0.3], [0.2], backend="numba")


def test_import_stays_light():
    code = ("import sys, qopt.devices.exact as ex, numpy as np; ex.qaoa_value(np.zeros(4), [0.1], [0.2]);"
            "print(sorted(m for m in ('pennylane', 'qiskit', 'torch', 'mitiq') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
