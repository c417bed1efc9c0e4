"""Noise-aware fine-tuning of a trained QCAE on a shot-based (noisy) device.

:func:`fine_tune` is ``qopt qcae train --load CKPT --device DEVICE``: it reloads a checkpoint
(trained on the exact simulator), re-derives its data split and noise from the checkpoint's seed,
moves the quantum layer onto ``device`` and trains only the latent circuit (``train="latent"``) or
the latent circuit and the decoder (``train="latent+decoder"``) with parameter-shift gradients, for a
small budget (a few training images, ``epochs`` and ``max_train_s``). The encoder never changes, so
the circuit's embedding angles need no gradient (``batch * (1 + 2 P)`` circuits per step, P = circuit
weights). It scores, on the first ``num_test`` test images of the checkpoint's split: the noisy
input, the classical twin (unchanged), the quantum model on the exact simulator, and the quantum
model on ``device`` before and after fine-tuning.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from qopt.errors import ConfigError
from qopt.qcae.metrics import image_metrics

__all__ = ["TRAINABLE_PARTS", "FineTuneConfig", "freeze", "fine_tune"]

TRAINABLE_PARTS = ("latent", "latent+decoder")


@dataclasses.dataclass(frozen=True)
class FineTuneConfig:
    """Budget of a fine-tuning run.

    Attributes:
        train: "latent" (circuit weights only) or "latent+decoder".
        num_train: training images (the first ones of the checkpoint's training split).
        num_test: test images scored before and after (the first ones of its test split).
        epochs, batch_size: budget.
        lr: Adam learning rate; None = 1e-2 for "latent", 1e-3 for "latent+decoder" (at 1e-2 the
            trained decoder overshoots: SSIM fell 0.821 -> 0.808 in 3 steps on aer_noisy).
        max_train_s: stop after this many seconds of training (checked per step), None = no limit.
        shots: shots per circuit (None: the device's).
        seed: seeds the training noise, minibatch order and device sampling (None: the checkpoint's).
    """

    train: str = "latent"
    num_train: int = 32
    num_test: int = 64
    epochs: int = 2
    batch_size: int = 8
    lr: float | None = None
    max_train_s: float | None = None
    shots: int | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.train not in TRAINABLE_PARTS:
            raise ConfigError(f"fine-tuning trains one of {TRAINABLE_PARTS}, got {self.train!r}")
        for name in ("num_train", "num_test", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.epochs < 0:
            raise ConfigError(f"epochs must be >= 0, got {self.epochs}")
        if self.lr is None:
            object.__setattr__(self, "lr", 1e-2 if self.train == "latent" else 1e-3)
        if not self.lr > 0:
            raise ConfigError(f"learning rate must be > 0, got {self.lr}")


def freeze(model, train: str) -> dict[str, int]:
    """Set ``requires_grad`` so that only ``train`` ("latent" or "latent+decoder") trains.

    Returns:
        trainable scalars per part: {"encoder": 0, "latent": ..., "decoder": ...}.
    """
    if train not in TRAINABLE_PARTS:
        raise ConfigError(f"fine-tuning trains one of {TRAINABLE_PARTS}, got {train!r}")
    parts = {"encoder": model.encoder, "latent": model.latent, "decoder": model.decoder}
    counts = {}
    for name, module in parts.items():
        on = name == "latent" or (name == "decoder" and train == "latent+decoder")
        for p in module.parameters():
            p.requires_grad_(on)
        counts[name] = int(sum(p.numel() for p in module.parameters())) if on else 0
    return counts


def _scores(prefix: str, m: dict) -> dict[str, float]:
    return {f"ssim_{prefix}": m["ssim"], f"ssim_gaussian_{prefix}": m["ssim_gaussian"], f"psnr_{prefix}": m["psnr"]}


def fine_tune(checkpoint: str | Path, device: Any, config: FineTuneConfig = FineTuneConfig(), *,
              yes: bool = False, journal: Any = None, mnist_path: str | None = None,
              progress: bool = False) -> dict:
    """Fine-tune a checkpoint's quantum model on ``device`` (see the module docstring).

    Args:
        checkpoint: a file of ``qopt qcae train --save``.
        device: a device config, short name or YAML path (any device; shot-based ones use parameter-shift).
        config: the budget and what trains.
        yes: confirm IBM jobs above the device's ``confirm_above_shots``.
        journal: job journal (path) for Qiskit devices: a rerun with the same seed replays finished jobs.
        mnist_path: MNIST location, if it moved since training.
        progress: plan, per-epoch and score lines on stderr.

    Returns:
        dict with "metrics" (ssim/psnr of noisy, classical, quantum_exact, quantum_before, quantum_after;
        ssim_quantum = after; params, train_s, steps, circuits, jobs, device, train, num_train, num_test),
        "history", "models" (the fine-tuned quantum model and the classical twin), "config" (the
        checkpoint's :class:`~qopt.qcae.train.TrainConfig` with this run's budget), "data".

    Raises:
        ValueError: no quantum model in the checkpoint, or a bad budget.
        DeviceCapacityError, ConfigError: the device cannot run or train the circuit.
    """
    from qopt.qcae.train import _progress, denoise, fit, load_checkpoint, prepare_data

    ckpt = load_checkpoint(checkpoint)
    base = ckpt["config"]
    if "quantum" not in ckpt["models"]:
        raise ConfigError(f"checkpoint {checkpoint} has no quantum model to fine-tune")
    model = ckpt["models"]["quantum"]
    seed = base.seed if config.seed is None else config.seed
    run_config = dataclasses.replace(
        base, epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, max_train_s=config.max_train_s,
        seed=seed, device=device, **({"mnist_path": mnist_path} if mnist_path is not None else {}))
    data_config = dataclasses.replace(base, **({"mnist_path": mnist_path} if mnist_path is not None else {}))
    model.latent.use_device(device, shots=config.shots, seed=seed, yes=yes, journal=journal)  # errors first
    data = prepare_data(data_config)
    train_clean = data["train_clean"][:config.num_train]
    clean, noisy = data["test_clean"][:config.num_test], data["test_noisy"][:config.num_test]
    device_name = model.latent.device_name
    _progress(f"qcae: fine-tuning {Path(checkpoint).name} ({model.spec.to_dict()}) on {device_name}: "
              f"{config.train}, {len(train_clean)} training images, {config.epochs} epochs, batch "
              f"{config.batch_size}, lr {config.lr:g}; scoring {len(clean)} test images", progress)

    metrics: dict[str, Any] = _scores("noisy", image_metrics(clean, noisy))
    if "classical" in ckpt["models"]:
        metrics.update(_scores("classical", image_metrics(clean, denoise(ckpt["models"]["classical"], noisy))))
    exact_model = load_checkpoint(checkpoint)["models"]["quantum"]  # same weights, exact simulator
    metrics.update(_scores("quantum_exact", image_metrics(clean, denoise(exact_model, noisy))))
    t0 = time.perf_counter()
    metrics.update(_scores("quantum_before", image_metrics(clean, denoise(model, noisy))))
    metrics["eval_s_before"] = time.perf_counter() - t0
    _progress(f"qcae: SSIM on {device_name} before fine-tuning {metrics['ssim_quantum_before']:.4f} "
              f"(exact simulator {metrics['ssim_quantum_exact']:.4f}, noisy input {metrics['ssim_noisy']:.4f})",
              progress)

    counts = freeze(model, config.train)
    runner = model.latent.runner
    jobs0 = getattr(runner, "num_jobs", 0)
    circuits0 = getattr(runner, "num_circuits", 0)
    t0 = time.perf_counter()
    history = fit(model, train_clean, config=run_config, progress=progress, label="quantum")
    train_s = time.perf_counter() - t0
    metrics.update(_scores("quantum_after", image_metrics(clean, denoise(model, noisy))))
    metrics.update({
        "ssim_quantum": metrics["ssim_quantum_after"], "psnr_quantum": metrics["psnr_quantum_after"],
        "ssim_gaussian_quantum": metrics["ssim_gaussian_quantum_after"],
        "params_quantum": int(sum(p.numel() for p in model.parameters())),
        "trainable_params": counts, "train": config.train, "train_s": train_s,
        "steps": int(sum(history["batches"])), "device": device_name,
        "jobs": getattr(runner, "num_jobs", 0) - jobs0, "circuits": getattr(runner, "num_circuits", 0) - circuits0,
        "num_train": len(train_clean), "num_test": len(clean), "image_side": int(clean.shape[1]),
        "checkpoint_metrics": ckpt["metrics"],
    })
    if "classical" in ckpt["models"]:
        metrics["params_classical"] = int(sum(p.numel() for p in ckpt["models"]["classical"].parameters()))
    for p in model.parameters():
        p.requires_grad_(True)
    _progress(f"qcae: SSIM on {device_name} after fine-tuning {metrics['ssim_quantum_after']:.4f} "
              f"({metrics['steps']} steps, {train_s:.0f} s)", progress)
    models = {"quantum": model, **({"classical": ckpt["models"]["classical"]} if "classical" in ckpt["models"] else {})}
    if runner is not None and hasattr(runner, "close"):
        runner.close()
    return {"config": run_config, "metrics": metrics, "history": {"quantum": history}, "models": models,
            "data": {**data, "test_clean": clean, "test_noisy": noisy}}

