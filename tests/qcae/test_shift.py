"""qopt.qcae.shift and fine-tuning: parameter-shift training on Aer/IBM devices, bad devices, checkpoints."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("qiskit_aer")
pytest.importorskip("qiskit_ibm_runtime")

from qopt.devices import load_device  # noqa: E402
from qopt.qcae.circuit import CircuitSpec  # noqa: E402
from qopt.qcae.model import build_model  # noqa: E402
from qopt.qcae.shift import circuits_per_step  # noqa: E402
from qopt.qcae.train import TrainConfig, fit, run, save_checkpoint  # noqa: E402

TINY = CircuitSpec(2, 1)


def _images(k=4, seed=0):
    from qopt.qcae.data import load_images

    return load_images("digits")[np.random.default_rng(seed).permutation(1797)[:k]]


def _snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _changed(before, module):
    return {k for k, v in module.state_dict().items() if not torch.equal(before[k], v)}


@pytest.mark.parametrize("device", ["aer", "aer_noisy"])
def test_one_training_step_on_shot_devices(device, capsys):
    model = build_model("quantum", side=8, spec=TINY, seed=0)
    model.latent.use_device(load_device(device).replace(shots=64), seed=1)
    parts = {name: _snapshot(getattr(model, name)) for name in ("encoder", "latent", "decoder")}
    history = fit(model, _images(4), config=TrainConfig(epochs=1, batch_size=4, seed=0), progress=True)
    assert history["batches"] == [1] and np.isfinite(history["train_loss"][0])
    for name, before in parts.items():  # the step reached every part, the quantum weights included
        assert _changed(before, getattr(model, name)), name
    runner = model.latent.runner
    assert runner.num_jobs == 1  # all shifted circuits of the step in one job
    assert runner.num_circuits == circuits_per_step(TINY, 4) == 4 * (1 + 2 * (2 + 5))
    err = capsys.readouterr().err
    assert "60 circuits per step" in err and "64 shots each, 1 job per step" in err and "about" in err


def test_parameter_shift_gradient_matches_exact_backprop_within_shot_noise():
    spec = CircuitSpec(2, 1, readout="zz")
    model = build_model("quantum", side=8, spec=spec, seed=3)
    lat = model.latent
    z = torch.tensor([[0.3, -0.7], [1.1, 0.2], [-0.4, 0.9]], dtype=torch.float64, requires_grad=True)
    g = torch.tensor(np.random.default_rng(0).normal(size=(3, spec.num_features)))

    def grads():
        lat.zero_grad()
        z.grad = None
        (lat(z) * g).sum().backward()
        return z.grad.clone(), {k: v.grad.clone() for k, v in lat.weights.items()}

    exact_z, exact_w = grads()
    shots = 100_000
    lat.use_device(load_device("aer").replace(shots=shots), seed=11)
    shift_z, shift_w = grads()
    # each entry is sum_bf g[b,f] (f+ - f-)/2 with Var(f+-) <= 1/shots: std <= |g| / sqrt(2 shots)
    tol = 5 * float(torch.linalg.norm(g)) / np.sqrt(2 * shots)
    assert torch.allclose(shift_z, exact_z, atol=tol)
    for name in exact_w:
        assert torch.allclose(shift_w[name], exact_w[name], atol=tol), name
    # the comparison is not between near-zeros: the largest gradient entries are well above the tolerance
    assert float(torch.cat([v.reshape(-1) for v in exact_w.values()]).abs().max()) > 3 * tol
    assert float(exact_z.abs().max()) > 3 * tol


def test_lightning_with_shots_trains_image_by_image():
    model = build_model("quantum", side=8, spec=TINY, seed=0)
    model.latent.use_device(load_device("lightning").replace(shots=200, diff_method=None), seed=1)
    before = _snapshot(model.encoder)
    history = fit(model, _images(3), config=TrainConfig(epochs=1, batch_size=3, seed=0))
    assert np.isfinite(history["train_loss"][0]) and _changed(before, model.encoder)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    cfg = TrainConfig(epochs=1, num_train=32, num_val=0, num_test=8, qubits=2, layers=1, seed=2)
    path = tmp_path_factory.mktemp("qcae") / "tiny.pt"
    return save_checkpoint(path, run(cfg))


@pytest.mark.parametrize("part, trained", [("latent", {"latent"}), ("latent+decoder", {"latent", "decoder"})])
def test_fine_tuning_loads_the_checkpoint_and_changes_only_what_it_trains(checkpoint, part, trained):
    from qopt.qcae.finetune import FineTuneConfig, fine_tune
    from qopt.qcae.train import load_checkpoint

    stored = load_checkpoint(checkpoint)["models"]["quantum"]
    out = fine_tune(checkpoint, load_device("aer").replace(shots=100),
                    FineTuneConfig(train=part, num_train=4, num_test=4, epochs=1, batch_size=4, lr=0.05))
    tuned, m = out["models"]["quantum"], out["metrics"]
    for name in ("encoder", "latent", "decoder"):
        same = all(torch.equal(a, b) for a, b in zip(getattr(stored, name).state_dict().values(),
                                                        getattr(tuned, name).state_dict().values()))
        assert same == (name not in trained), name
    assert m["steps"] == 1 and m["jobs"] == 1 + 1  # one training job, one evaluation job after
    assert m["circuits"] == circuits_per_step(TINY, 4, inputs=False) + 4
    assert m["trainable_params"]["encoder"] == 0
    for key in ("noisy", "classical", "quantum_exact", "quantum_before", "quantum_after"):
        assert 0 < m[f"ssim_{key}"] <= 1
    # the exact-simulator score is the checkpoint's model, untouched
    assert m["ssim_quantum_exact"] == pytest.approx(
        out["metrics"]["ssim_quantum_exact"]) and m["ssim_quantum"] == m["ssim_quantum_after"]


def test_fine_tuning_on_ibm_fake_journals_and_replays_its_jobs(checkpoint, tmp_path):
    from qopt.qcae.finetune import FineTuneConfig, fine_tune

    journal = tmp_path / "jobs.jsonl"
    cfg = FineTuneConfig(num_train=2, num_test=2, epochs=1, batch_size=2, shots=50)
    a = fine_tune(checkpoint, "ibm_fake", cfg, journal=str(journal))
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    records = [r for r in records if "qopt_journal" not in r]  # the run header line
    assert len(records) == a["metrics"]["jobs"] + 1 == 3  # before, one step, after
    b = fine_tune(checkpoint, "ibm_fake", cfg, journal=str(journal))
    assert b["metrics"]["ssim_quantum_after"] == a["metrics"]["ssim_quantum_after"]
    for k, v in a["models"]["quantum"].latent.state_dict().items():
        assert torch.equal(v, b["models"]["quantum"].latent.state_dict()[k])
    assert len(journal.read_text().splitlines()) == 4  # header + 3 jobs: replayed, nothing resubmitted


def _one_error_line(capsys):
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("qopt: error")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("yaml_text, match", [
    ("kind: aer\nshots: 100\ndiff_method: finite-diff\n", "parameter-shift only"),
    ("kind: aer\nshots: null\n", "shots: null"),
], ids=["finite-diff", "no-shots"])
def test_a_device_that_cannot_train_is_one_line(tmp_path, capsys, yaml_text, match):
    from qopt.cli import main

    dev = tmp_path / "dev.yaml"
    dev.write_text(yaml_text)
    assert main(["qcae", "train", "--epochs", "1", "--num-train", "4", "--qubits", "2", "--device", str(dev)]) == 2
    assert match in _one_error_line(capsys)


def test_fine_tuning_bad_input_is_one_line(checkpoint, tmp_path, capsys):
    from qopt.cli import main

    base = ["qcae", "train", "--load", str(checkpoint), "--device", "aer"]
    assert main([*base, "--qubits", "3"]) == 2
    assert "another circuit shape" in _one_error_line(capsys)
    assert main([*base, "--dataset", "mnist"]) == 2
    assert "does not apply with --load" in _one_error_line(capsys)
    wide = tmp_path / "wide.pt"
    assert main(["-q", "qcae", "train", "--epochs", "0", "--num-train", "4", "--num-test", "2", "--qubits", "6",
                 "--save", str(wide)]) == 0
    capsys.readouterr()
    assert main(["qcae", "train", "--load", str(wide), "--device", "aer_noisy"]) == 2
    assert "at most 5" in _one_error_line(capsys)
    # a checkpoint whose weights do not fit its recorded circuit
    payload = torch.load(checkpoint, weights_only=True)
    payload["models"]["quantum"]["config"]["spec"]["layers"] = 3
    bad = tmp_path / "bad.pt"
    torch.save(payload, bad)
    assert main([*base[:3], str(bad), "--device", "aer"]) == 2
    assert "do not fit its recorded circuit" in _one_error_line(capsys)


def test_fine_tuning_cli_reports_before_and_after(checkpoint, capsys):
    from qopt.cli import main

    code = main(["-q", "qcae", "train", "--load", str(checkpoint), "--device", "aer", "--shots", "50",
                 "--num-train", "2", "--num-test", "2", "--epochs", "1", "--batch-size", "2", "--output", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"ssim_noisy", "ssim_classical", "ssim_quantum_exact", "ssim_quantum_before", "ssim_quantum_after",
            "psnr_quantum_after", "steps", "circuits", "jobs", "device"} <= set(data)
    assert data["device"] == "aer" and data["fine_tune"]["train"] == "latent"


def test_a_step_too_large_for_memory_is_one_line_before_any_job(capsys):
    from qopt.cli import main

    code = main(["qcae", "train", "--device", "aer", "--shots", "1000000000000", "--epochs", "1", "--num-train", "4",
                 "--num-test", "2", "--qubits", "2", "--layers", "1"])
    assert code == 2
    assert "lower --shots or --batch-size" in _one_error_line(capsys)
