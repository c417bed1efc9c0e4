"""Device configs: YAML validation, short names, width checks, PennyLane devices."""

import dataclasses

import pytest

from qopt.devices import DeviceConfig, config_dir, load_device
from qopt.errors import ConfigError, DeviceCapacityError


@pytest.mark.parametrize("name,kind", [("exact", "exact"), ("lightning", "lightning"), ("aer", "aer"),
                                       ("aer_noisy", "aer")])
def test_shipped_configs_load(name, kind):
    config = load_device(name)
    assert config.kind == kind and config.name == name
    assert load_device(str(config_dir() / f"{name}.yaml")) == config


def test_none_is_exact_and_object_passes_through():
    config = load_device(None)
    assert config.kind == "exact" and config.shots is None
    assert load_device(config) is config


def test_aer_noisy_uses_fake_backend_noise():
    config = load_device("aer_noisy")
    assert config.noise and config.backend.startswith("Fake") and config.shots
    assert config.mitigation is None


def _write(tmp_path, text, name="dev.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("text,match", [
    ("kind: exact\nshotz: 10\n", r"dev\.yaml: unknown key\(s\) shotz"),
    ("kind: quantum_computer\n", r"dev\.yaml: kind must be one of"),
    ("kind: aer\nshots: -5\n", r"dev\.yaml: shots must be >= 1"),
    ("kind: aer\nshots: many\n", r"dev\.yaml: shots must be an integer"),
    ("kind: exact\nmax_qubits: 2.5\n", r"dev\.yaml: max_qubits must be an integer"),
    ("kind: exact\nmax_qubits: 40\n", r"max_qubits = 40 exceeds the exact simulator"),
    ("kind: lightning\ndiff_method: magic\n", r"dev\.yaml: diff_method must be one of"),
    ("kind: exact\ndiff_method: parameter-shift\n", r"exact device computes gradients"),
    ("kind: aer\nshots: 100\ndiff_method: adjoint\n", r"needs exact expectations"),
    ("kind: lightning\noptimizer: bfgs\n", r"dev\.yaml: optimizer must be one of"),
    ("kind: lightning\nmitigation: zne\n", r"dev\.yaml: mitigation must be a mapping"),
    ("kind: lightning\noptions: [1, 2]\n", r"dev\.yaml: options must be a mapping"),
    ("kind: aer\nnoise: true\nshots: 10\n", r"noise: true needs backend"),
    ("kind: lightning\nnoise: true\nbackend: FakeManilaV2\n", r"noise: true needs kind: aer"),
    ("kind: aer\nnoise: true\nbackend: FakeManilaV2\n", r"shots must be set"),
    ("- a\n- b\n", r"must be a YAML mapping"),
    ("kind: [unclosed\n", r"not valid YAML"),
], ids=["unknown-key", "bad-kind", "negative-shots", "string-shots", "float-qubits", "too-wide-exact",
        "bad-diff", "exact-paramshift", "adjoint-shots", "bad-optimizer", "mitigation-str", "options-list",
        "noise-no-backend", "noise-not-aer", "noise-no-shots", "not-mapping", "bad-yaml"])
def test_yaml_errors_name_file_and_key(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_device(_write(tmp_path, text))


def test_mitigation_block_passes_through(tmp_path):
    config = load_device(_write(tmp_path, "kind: aer\nshots: 100\nmitigation: {zne: {scale_factors: [1, 3]}}\n"))
    assert config.mitigation == {"zne": {"scale_factors": [1, 3]}}


@pytest.mark.parametrize("text, match", [
    ("mitigation: {method: zne, scale_factors: [1, 3]}", "unknown technique 'method'"),
    ("mitigation: {zne: {scale_factors: [1, 3], bogus: 2}}", "unknown option.*bogus"),
    ("optimizer_options: {bogus_opt: 3}", "unknown option 'bogus_opt' for any optimizer"),
    ("optimizer: cobyla\noptimizer_options: {stepsize: 0.1}", "unknown option 'stepsize' for optimizer cobyla"),
    ("optimizer_options: {rhobeg: .nan}", "rhobeg must be a finite number"),
    ("optimizer_options: {rhobeg: -1}", "rhobeg must be > 0"),
])
def test_device_files_refuse_unknown_or_nan_options(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_device(_write(tmp_path, "kind: aer\nshots: 100\n" + text + "\n"))


@pytest.mark.parametrize("line, match", [
    ("  confirm_above_shots: .nan", "confirm_above_shots must be a non-negative number, got nan"),
    ("  bogus_runtime: 1", "unknown key.*bogus_runtime"),
])
def test_ibm_device_files_refuse_bad_runtime_options(tmp_path, line, match):
    text = "kind: ibm\nbackend: FakeManilaV2\nshots: 100\noptions:\n" + line + "\n"
    with pytest.raises(ConfigError, match=match):
        load_device(_write(tmp_path, text))


def test_missing_file_and_unknown_name():
    with pytest.raises(ConfigError, match="does not exist"):
        load_device("hardware_configs/nope.yaml")
    with pytest.raises(ConfigError, match=r"unknown device 'warp_drive'.*exact"):
        load_device("warp_drive")
    with pytest.raises(ConfigError, match="device must be"):
        load_device(3.5)


def test_frozen_and_replace_revalidates():
    config = load_device("exact")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.shots = 5
    with pytest.raises(ConfigError, match="shots must be >= 1"):
        config.replace(shots=0)


def test_check_width_before_work():
    config = DeviceConfig(name="tiny", kind="lightning", max_qubits=4)
    config.check_width(4)
    with pytest.raises(DeviceCapacityError, match=r"needs 5 qubits but device 'tiny'.*at most 4"):
        config.check_width(5)
    with pytest.raises(DeviceCapacityError):
        config.pennylane_device(6)


def test_solver_width_error_before_optimisation():
    import qopt
    from qopt.solvers.qaoa import qaoa

    problem = qopt.load("mknap1-1")
    with pytest.raises(DeviceCapacityError, match="needs 6 qubits"):
        qaoa(problem, device=DeviceConfig(name="small", kind="exact", max_qubits=5))


def test_resolved_diff_method():
    assert load_device("exact").resolved_diff_method() == "adjoint"
    light = DeviceConfig(name="l", kind="lightning")
    assert light.resolved_diff_method() == "adjoint"
    assert light.resolved_diff_method(shots=100) == "parameter-shift"
    with pytest.raises(ConfigError, match="needs exact expectations"):
        light.resolved_diff_method("adjoint", shots=100)


def test_pennylane_devices_build():
    pytest.importorskip("pennylane")
    assert "lightning" in load_device("lightning").pennylane_device(2).name
    dev = load_device("aer_noisy").pennylane_device(3)
    assert dev is not None
    with pytest.raises(ConfigError, match="unknown fake backend"):
        DeviceConfig(name="x", kind="aer", backend="FakeNowhere", shots=10, noise=True).pennylane_device(2)
