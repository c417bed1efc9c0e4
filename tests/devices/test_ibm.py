"""The real-device path, offline: IBM fake backend (runtime local testing mode), noisy Aer, ZNE,
mitigated gradients, tokens, the cost check and retries."""

import json
import logging

import networkx as nx
import numpy as np
import pytest

pytest.importorskip("qiskit_ibm_runtime")
pytest.importorskip("mitiq")

from qopt.devices import load_device  # noqa: E402
from qopt.devices import ibm as ibm_mod  # noqa: E402
from qopt.devices.qiskit_runner import QiskitRunner  # noqa: E402
from qopt.mitigation.runner import mitigate  # noqa: E402
from qopt.errors import ConfigError, SolverError  # noqa: E402
from qopt.problems import MaxCut  # noqa: E402
from qopt.qubo.ising import ising_terms  # noqa: E402
from qopt.solvers._variational import prepare  # noqa: E402
from qopt.devices.circuits import qaoa_gates  # noqa: E402

X = np.array([0.6, -0.39])  # near-optimal p=1 angles of the 4-ring (qopt's convention)
SECRET = "qopt-test-secret-token-1234567890"


@pytest.fixture(scope="module")
def ring():
    return MaxCut(nx.cycle_graph(4), name="ring4", known_optimum=4)


def _runner(problem, device, *, mitigation=None, shots="config", seed=1, yes=None, maxiter=None, layers=1):
    prep = prepare(problem, device)
    h, J, _ = ising_terms(prep.bqm, prep.variables)
    h = h / prep.scale
    J = {k: v / prep.scale for k, v in J.items()}

    def build(x):
        return qaoa_gates(h, J, x[:layers], x[layers:])

    runner = mitigate(QiskitRunner(prep, build, shots=prep.device.shots if shots == "config" else shots, seed=seed,
                                   yes=yes, maxiter=maxiter),
                      mitigation if mitigation is not None else prep.device.mitigation, base=prep.device.mitigation)
    return runner, _ideal(build(X), prep)


def _ideal(gates, prep):
    """Noiseless <C> (scaled) from a Qiskit state vector (independent of qopt's simulator)."""
    from qiskit.quantum_info import Statevector

    from qopt.devices.circuits import to_qiskit

    n = prep.num_qubits
    idx = np.arange(1 << n)
    bits = ((idx[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int8)
    E = prep.bqm.energies((bits, prep.variables)) / prep.scale
    return float(Statevector(to_qiskit(gates, n)).probabilities() @ E)


def test_noise_model_from_fake_backend_and_zne_reduces_error(ring):
    runner, ideal = _runner(ring, "aer_noisy", shots=None)  # exact density-matrix expectations
    assert runner.backend.options.noise_model is not None and not runner.backend.options.noise_model.is_ideal()
    noisy = runner.value(X)
    assert abs(noisy - ideal) > 0.05  # the FakeManilaV2 noise matters
    for factory in ("richardson", "linear"):
        zne, _ = _runner(ring, "aer_noisy", shots=None, mitigation={"zne": {"factory": factory}})
        mitigated = zne.value(X)
        assert abs(mitigated - ideal) < 0.5 * abs(noisy - ideal), factory


@pytest.mark.parametrize("mitigation", [None, {"zne": {"factory": "richardson"}},
                                        {"zne": {"factory": "linear", "scale_factors": [1, 2],
                                                 "folding": "local", "seed": 4}}],
                         ids=["noisy", "zne-richardson", "zne-linear-local"])
def test_mitigated_gradient_matches_finite_differences(ring, mitigation):
    runner, _ = _runner(ring, "aer_noisy", shots=None, mitigation=mitigation)
    value, grad = runner.value_and_grad(X)
    assert value == pytest.approx(runner.value(X), abs=1e-10)
    eps = 1e-4
    fd = [(runner.value(X + eps * e) - runner.value(X - eps * e)) / (2 * eps) for e in np.eye(2)]
    assert np.allclose(grad, fd, atol=1e-6)


def test_ibm_fake_zne_and_readout_move_toward_ideal(ring):
    noisy_r, ideal = _runner(ring, "ibm_fake", shots=20000, seed=11)
    noisy = noisy_r.value(X)
    mit, _ = _runner(ring, "ibm_fake", shots=20000, seed=11,
                     mitigation={"zne": {"factory": "linear", "scale_factors": [1, 3]}, "readout": True})
    mitigated = mit.value(X)
    assert abs(mitigated - ideal) < abs(noisy - ideal)
    info = mit.info()
    assert info["jobs"] == 1 and len(info["job_ids"]) == 1
    assert info["executions_by_purpose"]["objective"] == 2 and info["executions_by_purpose"]["calibration"] == 2
    assert info["runtime_mode"] == "local testing"


def test_qaoa_on_ibm_fake_end_to_end_one_job_per_evaluation(ring, monkeypatch, caplog, capsys):
    from qopt.solvers import solve

    monkeypatch.setenv("QISKIT_IBM_TOKEN", SECRET)
    caplog.set_level(logging.DEBUG)
    result = solve(ring, "qaoa", device="hardware_configs/ibm_fake.yaml", layers=1, maxiter=6, seed=5)
    assert result.feasible and result.objective == 4
    info = result.info
    evaluations = info["objective_evaluations"] + info["gradient_evaluations"]
    assert info["jobs"] == len(info["job_ids"]) == evaluations + 3  # + final value, <E>, final samples
    assert len(set(info["job_ids"])) == info["jobs"]
    text = json.dumps(result.to_dict(), default=str)
    out, err = capsys.readouterr()
    assert "cost estimate" in err
    assert SECRET not in text and SECRET not in out + err and SECRET not in caplog.text


def test_gradient_optimizer_submits_one_job_per_gradient(ring):
    from qopt.solvers import solve

    result = solve(ring, "qaoa", device="ibm_fake", optimizer="l-bfgs-b", maxiter=2, shots=2000, seed=2)
    info = result.info
    assert info["gradient_evaluations"] >= 1
    assert info["jobs"] == info["objective_evaluations"] + info["gradient_evaluations"] + 3


def test_cost_check_requires_yes(ring, capsys):
    cfg = load_device("ibm_fake")
    cheap = cfg.replace(options={**cfg.options, "confirm_above_shots": 10_000})
    runner, _ = _runner(ring, cheap, maxiter=50)
    with pytest.raises(ConfigError, match="--yes"):
        runner.value(X)
    assert "1 circuits x 4000 shots x 50 iterations = 200,000 shots" in capsys.readouterr().err
    runner, _ = _runner(ring, cheap, maxiter=50, yes=True)
    assert np.isfinite(runner.value(X))


def test_missing_token_is_one_clear_error_without_network(monkeypatch):
    monkeypatch.delenv("QISKIT_IBM_TOKEN", raising=False)
    monkeypatch.setattr(ibm_mod, "_saved_accounts", lambda: {})

    def no_network(*args, **kwargs):
        raise AssertionError("QiskitRuntimeService must not be created without a token")

    import qiskit_ibm_runtime

    monkeypatch.setattr(qiskit_ibm_runtime, "QiskitRuntimeService", no_network)
    with pytest.raises(ConfigError, match="QISKIT_IBM_TOKEN") as err:
        ibm_mod.connect(load_device("ibm"))
    assert "token" in str(err.value) and "\n" not in str(err.value)


def test_cli_ibm_without_token_exits_2_with_one_line(monkeypatch, capsys, tmp_path):
    from qopt.cli import main

    monkeypatch.delenv("QISKIT_IBM_TOKEN", raising=False)
    monkeypatch.setattr(ibm_mod, "_saved_accounts", lambda: {})
    path = tmp_path / "ring.rud"
    path.write_text("4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n")
    code = main(["solve", str(path), "--solver", "qaoa", "--device", "hardware_configs/ibm.yaml", "--maxiter", "2"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("qopt: error:") and "token" in err and err.count("\n") == 1 and "Traceback" not in err


def test_rejected_token_is_a_config_error_without_the_token(monkeypatch):
    import qiskit_ibm_runtime
    from qiskit_ibm_runtime.exceptions import IBMNotAuthorizedError

    monkeypatch.setenv("QISKIT_IBM_TOKEN", SECRET)

    def rejected(*args, **kwargs):
        raise IBMNotAuthorizedError(f"401 Unauthorized for token {SECRET}")

    monkeypatch.setattr(qiskit_ibm_runtime, "QiskitRuntimeService", rejected)
    monkeypatch.setattr(ibm_mod, "check_reachable", lambda *a, **k: None)  # the network is fine here
    with pytest.raises(ConfigError, match="rejected the API token") as err:
        ibm_mod.connect(load_device("ibm"))
    assert SECRET not in str(err.value)


def test_a_network_error_is_not_reported_as_a_rejected_token(monkeypatch):
    import qiskit_ibm_runtime
    import requests
    from qiskit_ibm_runtime.exceptions import IBMNotAuthorizedError

    monkeypatch.setenv("QISKIT_IBM_TOKEN", SECRET)

    def offline(*args, **kwargs):  # what qiskit-ibm-runtime raises when IAM cannot be reached
        try:
            raise requests.exceptions.ConnectionError("Failed to resolve 'iam.cloud.ibm.com'")
        except requests.exceptions.ConnectionError as cause:
            raise IBMNotAuthorizedError("Unable to retrieve instances. Please check that you are using a "
                                        "valid API token.") from cause

    monkeypatch.setattr(qiskit_ibm_runtime, "QiskitRuntimeService", offline)
    monkeypatch.setattr(ibm_mod, "check_reachable", lambda *a, **k: None)
    with pytest.raises(ConfigError, match="cannot reach IBM Quantum .network error, the token was not checked"):
        ibm_mod.connect(load_device("ibm"))


def test_a_proxy_that_never_answers_is_a_network_error_after_the_timeout(monkeypatch):
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)  # accepts connections (in the backlog) but never answers
    try:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{server.getsockname()[1]}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with pytest.raises(ConfigError, match="no request reached IBM, the token was not checked"):
            ibm_mod.check_reachable(timeout=(0.5, 0.5))
    finally:
        server.close()


class _FlakySampler:
    def __init__(self, errors):
        self.errors = list(errors)
        self.calls = 0

        class _Opts:
            class simulator:  # noqa: N801
                seed_simulator = None

        self.options = _Opts()

    def run(self, pubs):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)

        class _Job:
            def job_id(self):
                return "job-ok"

            def result(self):
                return ["result"]

        return _Job()


def test_submitter_retries_transient_errors_with_backoff():
    cfg = load_device("ibm_fake")
    sleeps = []
    sub = ibm_mod.Submitter(cfg, None, shots=10, rng=np.random.default_rng(0), sleep=sleeps.append)
    sub._sampler = _FlakySampler([ConnectionError("reset"), TimeoutError("timed out")])
    assert sub.run([]) == ["result"]
    assert sub.retries == 2 and sleeps == [2.0, 4.0] and sub.job_ids == ["job-ok"]
    sub._sampler = _FlakySampler([ValueError("bad pub")])
    with pytest.raises(SolverError, match="bad pub"):
        sub.run([])
    sub._sampler = _FlakySampler([ConnectionError("down")] * 5)
    with pytest.raises(SolverError, match="after 3 retries"):
        sub.run([])


def test_ddd_and_cdr_run_on_the_fake_backend(ring):
    ddd, ideal = _runner(ring, "ibm_fake", mitigation="ddd", shots=2000)
    assert -4.0 <= ddd.value(X) <= 0.0
    assert ddd.info()["isa_ops"]  # transpiled once
    noisy, ideal = _runner(ring, "ibm_fake", shots=2000)
    errors = []
    for seed in range(3):  # CDR is itself noisy: judge the mean over training-circuit seeds
        cdr, _ = _runner(ring, "ibm_fake", mitigation={"cdr": {"seed": seed}}, shots=2000)
        errors.append(abs(cdr.value(X) - ideal))
    assert np.mean(errors) < 0.75 * abs(noisy.value(X) - ideal)  # measured 0.064 vs 0.233
    info = cdr.info()
    assert info["jobs"] == 1 and info["executions_by_purpose"]["cdr"] == 10
    with pytest.raises(ConfigError, match="gradient-free"):
        cdr.value_and_grad(X)


def test_cdr_with_uninformative_training_set_is_an_error_not_the_offset(ring):
    """At Mitiq's fraction 0.1 every training circuit of the 4-ring has <ZZ> = 0; the fit would
    return the constant offset -2 whatever the device measured."""
    from qopt.errors import MitigationError

    cdr, _ = _runner(ring, "ibm_fake", shots=500,
                     mitigation={"cdr": {"num_training_circuits": 4, "fraction_non_clifford": 0.1}})
    with pytest.raises(MitigationError, match=r"same ideal value \(-2\).*fraction_non_clifford \(now 0.1\)"):
        cdr.value(X)


def test_runner_options_are_validated(ring):
    cfg = load_device("ibm_fake")
    with pytest.raises(ConfigError, match="unknown key\\(s\\) execution_mod"):  # refused when the config is made
        cfg.replace(options={**cfg.options, "execution_mod": "batch"})


def test_mitigation_on_exact_device_is_rejected(ring):
    from qopt.solvers import solve

    with pytest.raises(ConfigError, match="noisy Qiskit device"):
        solve(ring, "qaoa", device="exact", mitigation="zne")
