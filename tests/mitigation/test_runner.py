"""MitigatedRunner wraps any runner with batched raw calls, as Mitiq wraps an executor.

A model runner (no Qiskit) whose value at noise scale ``lam`` is ``f(x) + lam * g(x)`` and whose
measured spins carry known readout errors: ZNE must return ``f`` and its gradient exactly, readout
correction must undo the errors, and everything that is not an expectation value (samples, final
readout, CVaR) must pass through unmitigated.
"""

import numpy as np
import pytest

pytest.importorskip("mitiq")

from qopt.errors import ConfigError  # noqa: E402
from qopt.mitigation import parse_mitigation  # noqa: E402
from qopt.mitigation.readout import ReadoutCalibration  # noqa: E402
from qopt.mitigation.runner import MitigatedRunner, mitigate  # noqa: E402

E0 = np.array([0.05, 0.10])  # P(read 1 | 0) per qubit
E1 = np.array([0.08, 0.02])  # P(read 0 | 1)


def f(x):
    return np.cos(x[0]) * np.sin(x[1])


def grad_f(x):
    return np.array([-np.sin(x[0]) * np.sin(x[1]), np.cos(x[0]) * np.cos(x[1])])


def g(x):
    return 0.05 + 0.02 * x[0] ** 2


def grad_g(x):
    return np.array([0.04 * x[0], 0.0])


class ModelRunner:
    """The batched raw interface of the Qiskit runner, on a closed-form noise model.

    Energy = z_0 (one spin); the ideal <z_0> = f(x); noise scale lam adds lam * g(x); readout flips
    the measured spin at rates E0/E1, so the measured <z'_0> = a + c <z_0>."""

    backend_name = "model"
    target = None
    seed_transpiler = 0

    def __init__(self, shots=1000):
        self.shots = shots
        self.calls = []

    def _z(self, x, lam):
        return f(x) + lam * g(x)

    def run_batch(self, x, *, variants, gradient=False, calibration=None, kind=None):
        self.calls.append({"variants": [k for k, _ in variants], "calibration": calibration})
        lams = [1.0 if key is None else key[1] for key, _ in variants]
        values, grads = [], []
        for lam in lams:
            z = np.array([[self._z(x, lam), 0.0]])
            if calibration is not None:
                a, c = E1 - E0, 1 - E0 - E1
                z = a + c * z  # what the device reads
                cal = [np.zeros((1, 100_000, 2)), np.ones((1, 100_000, 2))]
                cal[0][0, : int(E0[0] * 100_000), 0] = 1
                cal[0][0, : int(E0[1] * 100_000), 1] = 1
                cal[1][0, : int(E1[0] * 100_000), 0] = 0
                cal[1][0, : int(E1[1] * 100_000), 1] = 0
                zz = np.einsum("kq,kr->kqr", z, z)
                z, _ = calibration.correct(z, zz, cal)
            values.append(float(z[0, 0]))
            grads.append(grad_f(x) + lam * grad_g(x))
        return np.array(values), (np.array(grads) if gradient else None)

    def sample(self, x, shots):
        return np.zeros((shots, 2), dtype=np.uint8)

    def final_samples(self, x, *, shots, readout="shots", top_k=None):
        return ("raw", shots, readout)

    def cvar(self, x, alpha):
        return -7.0

    def objective_and_grad(self, x, alpha=1.0):
        raise ConfigError("no CVaR gradient here")

    @property
    def executions(self):
        return 3 * len(self.calls)

    def info(self):
        return {"backend": "model", "mitigation": None}

    def close(self):
        self.closed = True


X = np.array([0.4, 0.9])


def test_no_mitigation_returns_the_runner_itself():
    raw = ModelRunner()
    assert mitigate(raw, None) is raw and mitigate(raw, "none") is raw and mitigate(raw, False) is raw


@pytest.mark.parametrize("spec", [{"zne": {"factory": "linear", "scale_factors": [1, 3]}},
                                  {"zne": {"factory": "richardson", "scale_factors": [1, 2, 4]}}],
                         ids=["linear", "richardson"])
def test_zne_extrapolates_value_and_gradient_to_zero_noise(spec):
    raw = ModelRunner()
    mit = mitigate(raw, spec)
    assert isinstance(mit, MitigatedRunner)
    assert mit.value(X) == pytest.approx(f(X), abs=1e-12)
    value, grad = mit.value_and_grad(X)
    assert value == pytest.approx(f(X), abs=1e-12)
    np.testing.assert_allclose(grad, grad_f(X), atol=1e-10)
    # one raw call per evaluation, carrying every scale factor; scale 1 is the plain circuit
    scales = spec["zne"]["scale_factors"]
    assert raw.calls[-1]["variants"][0] is None and len(raw.calls[-1]["variants"]) == len(scales)
    assert len({k for k in raw.calls[-1]["variants"]}) == len(scales)
    assert mit.noisy_values(X)["values"][0] == pytest.approx(f(X) + g(X))


def test_readout_calibration_rides_in_the_same_call_and_undoes_the_errors():
    raw = ModelRunner()
    mit = mitigate(raw, "readout")
    assert mit.value(X) == pytest.approx(f(X) + g(X), abs=1e-12)  # scale 1, no ZNE: the noisy value, read right
    assert isinstance(raw.calls[-1]["calibration"], ReadoutCalibration)
    plain = mitigate(raw, {"zne": {"factory": "linear", "scale_factors": [1, 3]}})
    plain.value(X)
    assert raw.calls[-1]["calibration"] is None


def test_readout_needs_shots_and_cdr_pec_have_no_gradient():
    with pytest.raises(ConfigError, match="needs shots"):
        mitigate(ModelRunner(shots=None), "readout")
    for spec in ("cdr", "pec"):
        with pytest.raises(ConfigError, match="gradient-free"):
            mitigate(ModelRunner(), spec).value_and_grad(X)


def test_samples_final_readout_and_cvar_are_the_wrapped_runners():
    raw = ModelRunner()
    mit = MitigatedRunner(raw, parse_mitigation("zne"))
    assert mit.final_samples(X, shots=17) == ("raw", 17, "shots")
    assert mit.sample(X, 5).shape == (5, 2)
    assert mit.objective(X, 0.2) == -7.0 and mit.cvar(X, 0.2) == -7.0
    with pytest.raises(ConfigError, match="CVaR gradient"):
        mit.objective_and_grad(X, 0.2)
    assert mit.backend_name == "model" and mit.shots == 1000  # read through to the wrapped runner
    mit.value(X)
    assert mit.executions == raw.executions == 3
    info = mit.info()
    assert info["backend"] == "model" and info["mitigation"]["zne"]["scale_factors"] == (1.0, 3.0, 5.0)
    mit.close()
    assert raw.closed
