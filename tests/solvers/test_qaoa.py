"""QAOA: closed forms, device agreement, gradients, schedules, mixers, CVaR, end-to-end runs."""

import json

import networkx as nx
import numpy as np
import pytest

import qopt
from qopt.devices import DeviceConfig, exact
from qopt.problems import IndependentSet, MaxCut, QuadraticAssignment
from qopt.solvers import qaoa as Q
from qopt.devices.circuits import QAOACircuit
from qopt.devices.factory import make_runner, resolve_run_options
from qopt.devices.runner import cvar_from_samples
from qopt.solvers._variational import prepare

pytest.importorskip("pennylane")


def _maxcut_p1(graph, gamma, beta):
    """Closed-form p = 1 <C> for unweighted MaxCut (Wang et al. PRA 97, 022304 (2018)),
    maximisation convention U_C = exp(-i gamma C), U_B = exp(-i beta sum X)."""
    total = 0.0
    for u, v in graph.edges:
        du, dv = graph.degree(u), graph.degree(v)
        lam = len(set(graph[u]) & set(graph[v]))
        total += (0.5 + 0.25 * np.sin(4 * beta) * np.sin(gamma) * (np.cos(gamma) ** (du - 1) + np.cos(gamma) ** (dv - 1))
                  - 0.25 * np.sin(2 * beta) ** 2 * np.cos(gamma) ** (du + dv - 2 - 2 * lam) * (1 - np.cos(2 * gamma) ** lam))
    return total


class _Ev:
    """QAOA runners of one problem and device, called with (gammas, betas) of any depth/shape."""

    def __init__(self, prep, *, mixer, groups, bits, warm, diff_method, p, multi, alpha=1.0):
        self.prep, self.p, self.multi, self.alpha = prep, p, multi, alpha
        self.kw = {"mixer": mixer, "groups": groups, "initial_bits": bits, "warm_c": warm}
        self.run = resolve_run_options(prep.device, shots=None, optimizer="cobyla", diff_method=diff_method,
                                       maxiter=1, default_optimizer="cobyla", default_maxiter=1)
        self._runners = {}

    def _runner(self, p, multi):
        if (p, multi) not in self._runners:
            circuit = QAOACircuit.of(self.prep, p, multi_angle=multi, **self.kw)
            self._runners[(p, multi)] = make_runner(self.prep.device, self.prep, circuit, run=self.run, seed=1)
        return self._runners[(p, multi)]

    def _x(self, g, b):
        g, b = np.asarray(g, float), np.asarray(b, float)
        return self._runner(g.size, b.ndim == 2), np.concatenate([g.ravel(), b.ravel()]), g.size, b.shape

    @property
    def runner(self):
        return self._runner(self.p, self.multi)

    def value(self, g, b):
        r, x, _, _ = self._x(g, b)
        return r.objective(x, self.alpha)

    def value_and_grad(self, g, b):
        r, x, p, shape = self._x(g, b)
        v, grad = r.objective_and_grad(x, self.alpha)
        return v, grad[:p], grad[p:].reshape(shape)

    def state(self, g, b):
        r, x, _, _ = self._x(g, b)
        return r.state(x)


def _evaluators(problem, device, *, mixer="x", p=1, multi=False, diff_method=None, groups=None, bits=None,
                warm=None, alpha=1.0):
    prep = prepare(problem, device)
    return prep, _Ev(prep, mixer=mixer, groups=groups, bits=bits, warm=warm, diff_method=diff_method, p=p,
                     multi=multi, alpha=alpha)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_p1_maxcut_matches_closed_form(seed):
    graph = nx.erdos_renyi_graph(7, 0.5, seed=seed)
    prep, ev = _evaluators(MaxCut(graph), None)
    assert prep.scale == 1.0
    rng = np.random.default_rng(seed)
    for gamma, beta in rng.uniform(-1, 1, (3, 2)):
        # qopt minimises E = -cut: <E>(gamma, beta) = -<C>(gamma, -beta)
        assert ev.value([gamma], [beta]) == pytest.approx(-_maxcut_p1(graph, gamma, -beta), abs=1e-10)


def test_fixed_angles_reproduce_wurtz_lykov_ratios():
    heawood = MaxCut(nx.heawood_graph())  # 3-regular, girth 6, MaxCut 21
    prep, ev = _evaluators(heawood, None)
    for p, ratio in [(1, 0.69245), (2, 0.75591)]:
        g, b = Q.fixed_angles(p)
        assert -ev.value(g, b) / 21 == pytest.approx(ratio, abs=2e-4)
    cube = MaxCut(nx.convert_node_labels_to_integers(nx.hypercube_graph(3)))
    _, ev = _evaluators(cube, None)
    assert -ev.value(*Q.fixed_angles(1)) == pytest.approx(8.3094, abs=1e-4)


def test_schedules():
    g, b = Q.interp_angles([0.4], [-0.2])
    assert g.tolist() == [0.4, 0.4] and b.tolist() == [-0.2, -0.2]
    g, b = Q.interp_angles([1.0, 3.0], [0.0, 0.0])
    assert g.tolist() == [1.0, 2.0, 3.0]
    g, b = Q.ramp_angles(4)
    assert np.all(np.diff(g) > 0) and np.all(b < 0) and g[0] == pytest.approx(0.75 / 8)
    S, C = Q.fourier_matrices(3, 2)
    assert S.shape == (3, 2) and S[0, 0] == pytest.approx(np.sin(np.pi / 12))
    assert len(Q.fixed_angles(4)[0]) == 4


def _small_problems():
    return {
        "mknap1-1": qopt.load("mknap1-1"),
        "maxcut-w": MaxCut(nx.Graph([(0, 1, {"weight": 2.0}), (1, 2, {"weight": 1.0}), (2, 3, {"weight": 3.0}),
                                     (3, 0, {"weight": 1.5}), (0, 2, {"weight": 0.5})])),
    }


@pytest.mark.parametrize("name", ["mknap1-1", "maxcut-w"])
@pytest.mark.parametrize("device", ["lightning", "default", "aer_sv"])
def test_devices_agree_on_expectation(name, device):
    problem = _small_problems()[name]
    config = {"lightning": "lightning", "default": DeviceConfig(name="default", kind="default"),
              "aer_sv": DeviceConfig(name="aer_sv", kind="aer", method="statevector")}[device]
    if device == "aer_sv":
        pytest.importorskip("pennylane_qiskit")
    _, ref = _evaluators(problem, None, p=2)
    _, other = _evaluators(problem, config, p=2)
    g, b = [0.3, 0.8], [-0.5, -0.2]
    assert other.value(g, b) == pytest.approx(ref.value(g, b), abs=1e-10)


@pytest.mark.parametrize("diff_method", ["parameter-shift", "adjoint", "finite-diff"])
@pytest.mark.parametrize("mixer,multi", [("x", False), ("warm", False), ("x", True)], ids=["x", "warm", "multi"])
def test_gradients_agree(diff_method, mixer, multi):
    problem = _small_problems()["maxcut-w"]
    rng = np.random.default_rng(5)
    warm = np.clip(rng.uniform(0, 1, 4), 0.25, 0.75) if mixer == "warm" else None
    _, ref = _evaluators(problem, None, mixer=mixer, warm=warm)
    _, pl = _evaluators(problem, "lightning", mixer=mixer, p=2, multi=multi, diff_method=diff_method, warm=warm)
    g = rng.uniform(0, 1, 2)
    b = rng.uniform(-1, 0, (2, 4) if multi else 2)
    v1, dg1, db1 = ref.value_and_grad(g, b)
    v2, dg2, db2 = pl.value_and_grad(g, b)
    assert v2 == pytest.approx(v1, abs=1e-10)
    tol = 1e-6 if diff_method == "finite-diff" else 1e-9
    np.testing.assert_allclose(dg2, dg1, atol=tol)
    np.testing.assert_allclose(db2, db1, atol=tol)
    # and the exact adjoint gradient matches central finite differences
    h = 1e-6
    fd = [(ref.value(g + h * e, b) - ref.value(g - h * e, b)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(fd, dg1, atol=1e-6)


def _tiny_qap():
    flow = [[0, 3, 1], [3, 0, 2], [1, 2, 0]]
    dist = [[0, 1, 4], [1, 0, 2], [4, 2, 0]]
    qap = QuadraticAssignment(flow, dist, name="tiny-qap")
    import itertools

    best = min(qap.cost_of_permutation(list(perm)) for perm in itertools.permutations(range(3)))
    return QuadraticAssignment(flow, dist, name="tiny-qap", known_optimum=best)


def test_xy_mixer_keeps_rows_one_hot_on_every_device():
    qap = _tiny_qap()
    prep = prepare(qap, None)
    groups = Q.xy_groups(qap, prep.variables)
    assert len(groups) == 3 and all(len(g) == 3 for g in groups)
    bits = Q._feasible_one_hot_bits(qap, prep.variables, groups)
    assert all(bits[g].sum() == 1 for g in groups)
    rows_ok = np.ones(1 << 9, dtype=bool)
    allbits = exact.bit_matrix(9, dtype=int)
    for grp in groups:
        rows_ok &= allbits[:, grp].sum(axis=1) == 1
    g, b = [0.4, 0.9], [-0.3, 0.7]
    _, ev = _evaluators(qap, None, mixer="xy", groups=groups, bits=bits)
    probs = exact.probabilities(ev.state(g, b))
    assert probs[~rows_ok].sum() < 1e-12
    _, pl = _evaluators(qap, "lightning", mixer="xy", p=2, groups=groups, bits=bits)
    p_pl = pl.runner.probabilities(np.array(g + b))
    assert p_pl[~rows_ok].sum() < 1e-12
    np.testing.assert_allclose(p_pl, probs, atol=1e-10)


def test_xy_qaop_solver_samples_feasible_rows():
    qap = _tiny_qap()
    result = Q.qaoa(qap, mixer="xy", layers=2, maxiter=30, shots=400, seed=2, repair=False, local_search=False)
    assert result.qubits == 9 and result.info["xy_groups"] == 3
    xs = result.samples.record.sample
    assert np.all(xs.reshape(len(xs), 3, 3).sum(axis=2) == 1)
    assert result.feasible and result.objective == qap.known_optimum


def test_cvar_alpha_one_equals_expectation_and_sample_formula():
    problem = qopt.load("mknap1-1")
    prep = prepare(problem, None)
    E = prep.energies() / prep.scale
    g, b = [0.2, 0.5], [-0.6, -0.1]
    _, ev1 = _evaluators(problem, None)
    _, ev = _evaluators(problem, None, alpha=1.0 - 1e-15)
    assert ev.value(g, b) == pytest.approx(ev1.value(g, b), rel=1e-12)
    assert ev1.value(g, b) == pytest.approx(exact.qaoa_value(E, g, b), rel=1e-12)
    e = np.repeat([1.0, 2.0, 3.0, 4.0], [1, 2, 3, 4])
    assert cvar_from_samples(e, 0.25) == pytest.approx(1.6)
    assert cvar_from_samples(e, 0.1) == pytest.approx(1.0)
    assert cvar_from_samples(e, 1.0) == pytest.approx(3.0)


def test_multi_angle_tied_equals_qaoa_and_is_no_worse():
    problem = qopt.load("mknap1-1")
    _, ev = _evaluators(problem, None)
    g, b = np.array([0.3, 0.6]), np.array([-0.4, -0.2])
    assert ev.value(g, np.repeat(b[:, None], 6, axis=1)) == pytest.approx(ev.value(g, b), abs=1e-12)
    plain = Q.qaoa(problem, layers=2, maxiter=60, seed=0)
    multi = Q.qaoa(problem, layers=2, maxiter=60, seed=0, multi_angle=True)
    assert multi.info["final_expectation"] <= plain.info["final_expectation"] + 1e-9
    assert np.shape(multi.info["betas"]) == (2, 6)


def _mis_graph():
    g = nx.Graph([(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 5), (2, 6), (4, 7), (5, 6), (6, 7)])
    return IndependentSet(g, name="mis8", known_optimum=4)


@pytest.mark.parametrize("init", ["ramp", "interp", "fourier", "fixed", "random"])
def test_p3_finds_optimum_among_raw_samples(init):
    import warnings

    problem = qopt.load("mknap1-1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = Q.qaoa(problem, layers=3, init=init, maxiter=60, seed=1, repair=False, local_search=False)
    assert result.feasible and result.objective == problem.known_optimum
    assert result.info["optimal_mass"] > 0 and result.qubits == 6
    trace = result.info["energy_trace"]
    assert len(trace) > 0 and trace[-1] <= trace[0] + 1e-6


def test_mis_and_warm_start_find_optimum():
    mis = _mis_graph()
    result = Q.qaoa(mis, layers=3, maxiter=80, seed=0, repair=False, local_search=False)
    assert result.feasible and result.objective == 4
    warm = Q.qaoa(qopt.load("mknap1-1"), layers=1, mixer="warm", maxiter=40, seed=0, repair=False,
                  local_search=False)
    assert warm.info["warm_start"] == "lp" and warm.objective == 3800


def test_seeded_runs_identical():
    problem = qopt.load("mknap1-1")
    a = Q.qaoa(problem, layers=2, init="random", optimizer="spsa", maxiter=20, shots=300, seed=9)
    b = Q.qaoa(problem, layers=2, init="random", optimizer="spsa", maxiter=20, shots=300, seed=9)
    assert a.info["energy_trace"] == b.info["energy_trace"]
    assert np.array_equal(a.solution, b.solution) and a.info["gammas"] == b.info["gammas"]


def test_lightning_end_to_end_and_option_errors():
    problem = qopt.load("mknap1-1")
    result = Q.qaoa(problem, device="lightning", layers=1, maxiter=15, seed=0)
    assert result.info["diff_method"] == "adjoint" and result.info["circuit_executions"] > 0
    assert result.info["optimizer"] == "l-bfgs-b" and result.feasible
    shots = Q.qaoa(_small_problems()["maxcut-w"], device="lightning", layers=1, maxiter=3, shots=200,
                   optimizer="adam", seed=0)
    assert shots.info["diff_method"] == "parameter-shift"
    from qopt.errors import ConfigError

    with pytest.raises(ConfigError, match="needs exact expectations"):
        Q.qaoa(problem, device="lightning", shots=100, diff_method="adjoint")
    with pytest.raises(ConfigError, match="needs a PennyLane device"):
        Q.qaoa(problem, diff_method="parameter-shift")
    with pytest.raises(ConfigError, match="needs gradients"):
        Q.qaoa(problem, device="lightning", cvar_alpha=0.5, optimizer="adam", maxiter=2)
    with pytest.raises(ValueError, match="init must be one of"):
        Q.qaoa(problem, init="zigzag")
    with pytest.raises(ConfigError, match="one-hot"):
        Q.qaoa(problem, mixer="xy")


def test_aer_noisy_run():
    pytest.importorskip("qiskit_ibm_runtime")
    problem = MaxCut(nx.cycle_graph(4), name="ring4", known_optimum=4)
    result = Q.qaoa(problem, device="aer_noisy", layers=1, maxiter=4, shots=256, optimizer="cobyla", seed=3)
    assert result.qubits == 4 and result.info["device"] == "aer_noisy"
    assert result.info["circuit_executions"] >= 4 and result.feasible


def test_cli_solve_json():
    from click.testing import CliRunner

    from qopt.cli import cli

    runner = CliRunner()
    out = runner.invoke(cli, ["solve", "mknap1-1", "--solver", "qaoa", "--device", "hardware_configs/exact.yaml",
                              "--layers", "2", "--init", "interp", "--cvar-alpha", "0.5", "--shots", "500",
                              "--maxiter", "20", "--seed", "3", "--output", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["solver"] == "qaoa" and data["qubits"] == 6 and data["feasible"]
    assert data["info"]["cvar_alpha"] == 0.5 and data["info"]["energy_trace"]
    bad = runner.invoke(cli, ["solve", "mknap1-1", "--solver", "qaoa", "--device", "nowhere.yaml"])
    assert bad.exit_code != 0


def test_ctrl_c_finishes_with_the_layers_optimised_so_far_marked_interrupted(monkeypatch):
    """Ctrl-C during layer 2 of an interp ladder to p = 3: the run stops there (no layer 3), reads out
    the best p = 2 angles and says so in ``info``."""
    from qopt.devices.exact_runner import ExactRunner

    ring = MaxCut(nx.cycle_graph(6), name="ring6", known_optimum=6)
    calls = {"n": 0, "widths": set()}
    value = ExactRunner.objective

    def ctrl_c_in_layer_2(self, x, alpha=1.0):
        calls["widths"].add(len(x))
        if len(x) == 4:
            calls["n"] += 1
            if calls["n"] == 6:
                raise KeyboardInterrupt
        return value(self, x, alpha)

    monkeypatch.setattr(ExactRunner, "objective", ctrl_c_in_layer_2)
    r = qopt.solve(ring, "qaoa", layers=3, init="interp", optimizer="cobyla", maxiter=30, seed=0)
    assert r.info["interrupted"] is True and r.info["layers_run"] == 2
    assert len(r.info["gammas"]) == 2 and 6 not in calls["widths"]  # layer 3 never ran
    assert r.raw["shots"] == 1024 and r.feasible
    monkeypatch.setattr(ExactRunner, "objective", value)
    done = qopt.solve(ring, "qaoa", layers=2, init="interp", optimizer="cobyla", maxiter=10, seed=0)
    assert done.info["interrupted"] is False and "layers_run" not in done.info
