"""Runner conformance: every runner gives the same expectation, gradient, CVaR and readout on a
small circuit (exactly where the device is analytic, within shot noise where it samples)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from qopt.devices import DeviceConfig
from qopt.devices.circuits import HEACircuit, QAOACircuit
from qopt.devices.factory import make_runner, resolve_run_options
from qopt.devices.runner import Runner, cvar_from_samples
from qopt.errors import ConfigError
from qopt.problems import MaxCut
from qopt.solvers._variational import prepare

pytest.importorskip("pennylane")

GRAPH = nx.Graph([(0, 1, {"weight": 1.0}), (1, 2, {"weight": 2.0}), (2, 3, {"weight": 1.0}),
                  (3, 0, {"weight": 1.5}), (0, 2, {"weight": 0.5})])
X_QAOA = np.array([0.4, 0.9, -0.3, -0.6])  # p = 2: gammas, betas
DEVICES = {
    "exact": "exact",
    "lightning": "lightning",
    "default": DeviceConfig(name="default", kind="default"),
    # Qiskit runtime runner: ideal Aer with a fake backend's coupling map, exact (density-matrix) values
    "qiskit": DeviceConfig(name="aer_ideal", kind="aer", backend="FakeManilaV2"),
}


def _runner(device, circuit_kind="qaoa"):
    if device == "qiskit":
        pytest.importorskip("qiskit_aer")
        pytest.importorskip("qiskit_ibm_runtime")
    prep = prepare(MaxCut(GRAPH), DEVICES[device])
    run = resolve_run_options(prep.device, shots=None, optimizer="cobyla", diff_method=None, maxiter=1,
                              default_optimizer="cobyla", default_maxiter=1)
    circuit = QAOACircuit.of(prep, 2) if circuit_kind == "qaoa" else HEACircuit(prep.num_qubits, 1)
    return prep, make_runner(prep.device, prep, circuit, run=run, seed=3)


@pytest.fixture(scope="module")
def reference():
    prep, rn = _runner("exact")
    return prep, rn, rn.probabilities(X_QAOA)


@pytest.mark.parametrize("device", list(DEVICES))
def test_same_expectation_distribution_and_cvar(device, reference):
    prep, ref, p_ref = reference
    _, rn = _runner(device)
    assert isinstance(rn, Runner)
    assert rn.value(X_QAOA) == pytest.approx(ref.value(X_QAOA), abs=1e-9)
    np.testing.assert_allclose(rn.probabilities(X_QAOA), p_ref, atol=1e-9)
    for alpha in (0.2, 0.5, 1.0):
        assert rn.cvar(X_QAOA, alpha) == pytest.approx(ref.cvar(X_QAOA, alpha), abs=1e-9)
    assert rn.objective(X_QAOA, 1.0) == pytest.approx(ref.value(X_QAOA), abs=1e-9)
    assert rn.objective(X_QAOA, 0.3) == pytest.approx(ref.cvar(X_QAOA, 0.3), abs=1e-9)


@pytest.mark.parametrize("device", list(DEVICES))
def test_same_gradient(device, reference):
    _, ref, _ = reference
    _, rn = _runner(device)
    v0, g0 = ref.value_and_grad(X_QAOA)
    v, g = rn.value_and_grad(X_QAOA)
    assert v == pytest.approx(v0, abs=1e-9)
    np.testing.assert_allclose(g, g0, atol=1e-7)


@pytest.mark.parametrize("device", list(DEVICES))
def test_readout_samples_follow_the_distribution(device, reference):
    prep, _, p_ref = reference
    _, rn = _runner(device)
    shots = 4000
    bits, counts, is_prob = rn.final_samples(X_QAOA, shots=shots)
    assert not is_prob and counts.sum() == shots and bits.shape[1] == prep.num_qubits
    idx = bits.astype(int) @ (1 << np.arange(prep.num_qubits)[::-1])
    freq = np.zeros_like(p_ref)
    freq[idx] = counts / shots
    sigma = np.sqrt(p_ref * (1 - p_ref) / shots)
    assert np.all(np.abs(freq - p_ref) <= 5 * sigma + 1e-3)  # within shot noise, state by state
    # the sampled CVaR estimate agrees with the exact one within shot noise
    e = prep.sample_energies(np.repeat(bits, counts.astype(int), axis=0))
    assert cvar_from_samples(e, 1.0) == pytest.approx(rn.value(X_QAOA), abs=0.1)


@pytest.mark.parametrize("device", list(DEVICES))
def test_top_k_readout_is_the_most_probable_states(device, reference):
    _, _, p_ref = reference
    _, rn = _runner(device)
    bits, probs, is_prob = rn.final_samples(X_QAOA, shots=10, readout="top-k", top_k=3)
    assert is_prob and len(bits) == 3
    np.testing.assert_allclose(probs, np.sort(p_ref)[::-1][:3], atol=1e-9)


def test_exact_runner_has_cvar_gradient_others_refuse():
    _, ex = _runner("exact", "hea")
    x = np.random.default_rng(0).uniform(0, 2 * np.pi, 8)
    v, g = ex.objective_and_grad(x, 0.4)
    assert v == pytest.approx(ex.cvar(x, 0.4), abs=1e-12)
    h, k = 1e-6, 3
    e = np.zeros_like(x)
    e[k] = h
    assert g[k] == pytest.approx((ex.cvar(x + e, 0.4) - ex.cvar(x - e, 0.4)) / (2 * h), abs=1e-5)
    _, pl = _runner("lightning", "hea")
    with pytest.raises(ConfigError, match="no gradient"):
        pl.objective_and_grad(x, 0.4)


def test_factory_rejects_what_a_device_cannot_do():
    prep = prepare(MaxCut(GRAPH), "exact")
    with pytest.raises(ConfigError, match="no noise to mitigate"):
        make_runner(prep.device, prep, QAOACircuit.of(prep, 1), mitigation="zne")
    with pytest.raises(ConfigError, match="QAOA and hardware-efficient"):
        make_runner(prep.device, prep, lambda x: [("h", (0,), None)])
    lp = prepare(MaxCut(GRAPH), "lightning")
    with pytest.raises(ConfigError, match="does not submit jobs"):
        make_runner(lp.device, lp, QAOACircuit.of(lp, 1), journal="j.jsonl")
