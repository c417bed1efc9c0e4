"""qopt.qcae.train: a short training run, determinism, checkpoints, bad input."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qopt.qcae.train import TrainConfig, denoise, load_checkpoint, run, save_checkpoint  # noqa: E402

CONFIG = TrainConfig()  # the defaults of `qopt qcae train`: digits, sigma 0.3, 4 qubits, 30 epochs, lr 5e-3


@pytest.fixture(scope="module")
def outcome():
    return run(CONFIG)


def test_default_training_lowers_loss_and_denoises(outcome):
    # issue 17: the default command must make images better, for both models
    m, h = outcome["metrics"], outcome["history"]
    for name in ("quantum", "classical"):
        assert h[name]["train_loss"][-1] < 0.7 * h[name]["train_loss"][0]
        assert m[f"psnr_{name}"] > m["psnr_noisy"] + 1.0
        assert m[f"ssim_{name}"] > m["ssim_noisy"] + 0.01
    assert m["params_quantum"] - m["latent_params_quantum"] == m["params_classical"] - m["latent_params_classical"]


def test_checkpoint_round_trip_reproduces_outputs(outcome, tmp_path):
    path = save_checkpoint(tmp_path / "qcae.pt", outcome)
    loaded = load_checkpoint(path)
    assert loaded["config"] == CONFIG
    noisy = outcome["data"]["test_noisy"][:10]
    for name in ("quantum", "classical"):
        np.testing.assert_array_equal(denoise(loaded["models"][name], noisy), denoise(outcome["models"][name], noisy))
    assert loaded["metrics"]["ssim_quantum"] == outcome["metrics"]["ssim_quantum"]
    assert loaded["history"] == outcome["history"]


def test_training_is_deterministic_given_the_seed():
    cfg = TrainConfig(dataset="digits", epochs=1, num_train=64, num_val=16, num_test=16, seed=5)
    a, b = run(cfg, classical=False), run(cfg, classical=False)
    assert a["history"]["quantum"]["train_loss"] == b["history"]["quantum"]["train_loss"]
    assert a["metrics"]["ssim_quantum"] == b["metrics"]["ssim_quantum"]


@pytest.mark.parametrize("kwargs, match", [
    ({"noise_sigma": float("nan")}, "sigma"),
    ({"noise_sigma": -0.1}, "sigma"),
    ({"dataset": "cifar"}, "dataset"),
    ({"qubits": 0}, "num_qubits"),
], ids=["nan-sigma", "negative-sigma", "dataset", "qubits"])
def test_bad_config_is_one_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_missing_mnist_path_and_bad_images(tmp_path):
    with pytest.raises(FileNotFoundError, match="--mnist-path"):
        run(TrainConfig(dataset="mnist", mnist_path=str(tmp_path / "missing"), epochs=0))
    from qopt.qcae.circuit import CircuitSpec
    from qopt.qcae.model import build_model

    model = build_model("quantum", side=8, spec=CircuitSpec(4, 1))
    bad = np.zeros((2, 8, 8), dtype=np.float32)
    bad[1, 3, 3] = np.nan
    with pytest.raises(ValueError, match="finite"):
        denoise(model, bad)
    with pytest.raises(ValueError, match="8x8"):
        denoise(model, np.zeros((2, 28, 28), dtype=np.float32))


def test_load_rejects_non_checkpoints(tmp_path):
    (tmp_path / "x.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a readable QCAE checkpoint"):
        load_checkpoint(tmp_path / "x.pt")
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt")
