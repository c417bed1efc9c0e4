"""``qopt qcae train`` / ``qopt qcae eval`` through the CLI entry point."""

import json

import pytest

pytest.importorskip("torch")

from qopt.cli import main  # noqa: E402

KEYS = {"ssim_noisy", "ssim_quantum", "ssim_classical", "psnr_noisy", "psnr_quantum", "psnr_classical",
        "params_quantum", "params_classical", "train_s"}


def test_train_json_then_eval(tmp_path, capsys):
    ckpt = tmp_path / "m.pt"
    code = main(["-q", "qcae", "train", "--dataset", "digits", "--epochs", "1", "--num-train", "64", "--num-val", "16",
                 "--num-test", "16", "--qubits", "3", "--layers", "1", "--seed", "1", "--save", str(ckpt),
                 "--grid", str(tmp_path / "g.png"), "--curves", str(tmp_path / "c.png"), "--output", "json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert KEYS <= set(data)
    assert data["params_quantum"] > 0 and data["params_classical"] > 0
    assert (tmp_path / "g.png").is_file() and (tmp_path / "c.png").is_file() and ckpt.is_file()
    code = main(["-q", "qcae", "eval", "--load", str(ckpt), "--output", "json"])
    ev = json.loads(capsys.readouterr().out)
    assert code == 0
    assert ev["ssim_quantum"] == pytest.approx(data["ssim_quantum"])
    assert ev["ssim_classical"] == pytest.approx(data["ssim_classical"])


@pytest.mark.parametrize("args, match", [
    (["--noise-sigma", "-1"], "noise sigma"),
    (["--noise-sigma", "nan"], "noise sigma"),
    (["--dataset", "mnist", "--mnist-path", "/nonexistent/mnist"], "does not exist"),
    (["--qubits", "20"], "at most"),
    (["--qubits", "6", "--device", "aer_noisy"], "at most 5"),
    (["--graph", "0-x"], "edge list"),
], ids=["negative-sigma", "nan-sigma", "mnist-path", "qubits", "device-width", "graph"])
def test_errors_are_one_line(args, match, capsys):
    code = main(["qcae", "train", "--epochs", "0", *args])
    err = capsys.readouterr().err
    assert code == 2
    lines = [l for l in err.splitlines() if l.startswith("qopt: error")]
    assert len(lines) == 1 and match in lines[0], err


def test_eval_missing_checkpoint(tmp_path, capsys):
    assert main(["qcae", "eval", "--load", str(tmp_path / "none.pt")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_linear_twin_checkpoint_round_trip(tmp_path, capsys):
    ckpt = tmp_path / "lin.pt"
    args = ["-q", "qcae", "train", "--epochs", "1", "--num-train", "32", "--num-val", "8", "--num-test", "8",
            "--qubits", "2", "--layers", "1", "--twin", "classical-linear", "--save", str(ckpt), "--output", "json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["config"]["twin"] == "classical-linear"
    assert main(["-q", "qcae", "eval", "--load", str(ckpt), "--output", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["ssim_classical"] == pytest.approx(data["ssim_classical"])


def test_cli_defaults_are_the_train_config_defaults(capsys):
    # the defaults that denoise (tests/qcae/test_train.py runs them in full) are what the CLI uses
    from qopt.qcae.train import TrainConfig

    assert main(["-q", "qcae", "train", "--num-train", "8", "--num-val", "0", "--num-test", "4", "--qubits", "2",
                 "--no-classical", "--output", "json"]) == 0
    cfg = json.loads(capsys.readouterr().out)["config"]
    default = TrainConfig()
    assert (cfg["epochs"], cfg["lr"], cfg["batch_size"], cfg["noise_sigma"], cfg["seed"]) == (
        default.epochs, default.lr, default.batch_size, default.noise_sigma, default.seed) == (30, 5e-3, 32, 0.3, 0)
