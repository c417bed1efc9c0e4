"""Train, evaluate, save and load QCAE models and their classical twins.

:func:`run` is the whole experiment behind ``qopt qcae train``: load images,
split them with a fixed seed, corrupt them, train the quantum model and its
classical twin with the same data, seed and budget (MSE to the clean image,
Adam), and score both on the held-out test images (SSIM, PSNR).

Training noise is redrawn every epoch from a Generator derived from the seed;
validation and test noise are drawn once. Everything random derives from
``seed`` through ``numpy.random.SeedSequence(seed).spawn``, so a run is
deterministic given the seed (exact simulation).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qopt.errors import ConfigError
from qopt.qcae import data as qdata
from qopt.qcae.circuit import CircuitSpec
from qopt.qcae.metrics import image_metrics
from qopt.qcae.model import Autoencoder, build_model, count_parameters

__all__ = [
    "TrainConfig",
    "prepare_data",
    "fit",
    "denoise",
    "evaluate",
    "run",
    "save_checkpoint",
    "load_checkpoint",
]

logger = logging.getLogger(__name__)

CHECKPOINT_VERSION = 1


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a QCAE experiment.

    Attributes:
        dataset: "digits" (8x8, embedded) or "mnist" (28x28 IDX files).
        mnist_path: directory or IDX file for MNIST (default: ``$QOPT_MNIST_DIR`` or ``../shared/datasets/mnist``).
        num_train, num_val, num_test: split sizes (default 60/20/20 % of the pool; MNIST reference 6000/2000/2000).
        noise_sigma: Gaussian noise standard deviation (images in [0, 1]).
        salt_pepper: salt-and-pepper probability per pixel.
        qubits, layers, ansatz, graph, readout: the circuit (:class:`~qopt.qcae.circuit.CircuitSpec`).
        epochs, batch_size, lr: Adam training budget (defaults 30, 32, 5e-3: on digits with sigma 0.3
            both models beat the noisy input, SSIM +0.025-0.035 and PSNR +1.9-2.3 dB on seeds 0, 1, 2;
            10 epochs at 1e-3 made the images worse).
        max_train_s: stop training a model after this many seconds (checked per batch), None = no limit.
        seed: seeds the split, noise, initialisation and minibatch order.
        device: device config for the quantum layer during training (None = exact torch simulator).
        num_threads: torch intra-op threads while training (1 is fastest on a busy 2-core machine).
        twin: the classical twin, "classical-linear" (default; plain CAE: no squash, Linear
            latent) or "classical" (the reference design: angle squash, Linear + tanh, which
            stays stuck at the mean image in our runs, so comparing against it flatters the
            quantum model).
    """

    dataset: str = "digits"
    mnist_path: str | None = None
    num_train: int | None = None
    num_val: int | None = None
    num_test: int | None = None
    noise_sigma: float = 0.3
    salt_pepper: float = 0.0
    qubits: int = 4
    layers: int = 2
    ansatz: str = "qaoa"
    graph: Any = "ring"
    readout: str = "z"
    epochs: int = 30
    batch_size: int = 32
    lr: float = 5e-3
    max_train_s: float | None = None
    seed: int = 0
    device: Any = None
    num_threads: int | None = 1
    twin: str = "classical-linear"

    def __post_init__(self) -> None:
        if self.dataset not in qdata.DATASETS:
            raise ConfigError(f"dataset must be one of {qdata.DATASETS}, got {self.dataset!r}")
        if not isinstance(self.noise_sigma, (int, float)) or not math.isfinite(self.noise_sigma) or self.noise_sigma < 0:
            raise ConfigError(f"noise sigma must be a finite number >= 0, got {self.noise_sigma!r}")
        if not 0 <= self.salt_pepper <= 1:
            raise ConfigError(f"salt-and-pepper probability must be in [0, 1], got {self.salt_pepper!r}")
        if self.epochs < 0:
            raise ConfigError(f"epochs must be >= 0, got {self.epochs}")
        if self.batch_size < 1:
            raise ConfigError(f"batch size must be >= 1, got {self.batch_size}")
        if not self.lr > 0:
            raise ConfigError(f"learning rate must be > 0, got {self.lr}")
        if self.twin not in ("classical", "classical-linear"):
            raise ConfigError(f"twin must be 'classical' or 'classical-linear', got {self.twin!r}")
        self.spec()  # validates the circuit options

    def spec(self) -> CircuitSpec:
        return CircuitSpec(num_qubits=self.qubits, layers=self.layers, ansatz=self.ansatz,
                           graph=self.graph, readout=self.readout)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["graph"] = self.spec().to_dict()["graph"]
        d["device"] = None if self.device is None else str(getattr(self.device, "name", self.device))
        return d


def _seeds(seed: int) -> dict[str, np.random.SeedSequence]:
    names = ("split", "val_noise", "test_noise", "train_noise", "order")
    return dict(zip(names, np.random.SeedSequence(seed).spawn(len(names))))


def prepare_data(config: TrainConfig) -> dict[str, np.ndarray]:
    """Clean and noisy train/val/test images for ``config``.

    Returns:
        dict with float32 arrays "train_clean", "val_clean", "val_noisy",
        "test_clean", "test_noisy" of shape (N, s, s) (training noise is drawn per epoch by :func:`fit`).
    """
    images = qdata.load_images(config.dataset, path=config.mnist_path)
    images = qdata.check_images(images, name=f"{config.dataset} images")
    seeds = _seeds(config.seed)
    split_seed = int(seeds["split"].generate_state(1)[0])
    tr, va, te = qdata.split(len(images), seed=split_seed, num_train=config.num_train,
                             num_val=config.num_val, num_test=config.num_test)
    if len(tr) == 0 or len(te) == 0:
        raise ConfigError(f"the split has {len(tr)} training and {len(te)} test images; both must be >= 1")
    noise = {"sigma": config.noise_sigma, "salt_pepper": config.salt_pepper}
    return {
        "train_clean": images[tr],
        "val_clean": images[va],
        "val_noisy": qdata.add_noise(images[va], seed=np.random.default_rng(seeds["val_noise"]), **noise),
        "test_clean": images[te],
        "test_noisy": qdata.add_noise(images[te], seed=np.random.default_rng(seeds["test_noise"]), **noise),
    }


class _Threads:
    def __init__(self, n: int | None) -> None:
        self.n, self.old = n, None

    def __enter__(self):
        if self.n:
            self.old = torch.get_num_threads()
            torch.set_num_threads(self.n)

    def __exit__(self, *exc):
        if self.old:
            torch.set_num_threads(self.old)


def _progress(message: str, enabled: bool) -> None:
    if enabled:
        print(message, file=sys.stderr, flush=True)


def denoise(model: Autoencoder, noisy: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """Model output for noisy images (N, s, s) in [0, 1] -> float32 (N, s, s)."""
    noisy = qdata.check_images(noisy, name="noisy images")
    if noisy.shape[1] != model.side:
        raise ConfigError(f"the model expects {model.side}x{model.side} images, got {noisy.shape[1]}x{noisy.shape[2]}")
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(noisy), batch_size):
            out.append(model(torch.from_numpy(noisy[start:start + batch_size])).numpy())
    return np.concatenate(out) if out else np.zeros_like(noisy)


def _val_loss(model: Autoencoder, clean: np.ndarray, noisy: np.ndarray) -> float:
    if len(clean) == 0:
        return math.nan
    return float(np.mean((denoise(model, noisy) - clean) ** 2))


def fit(
    model: Autoencoder,
    train_clean: np.ndarray,
    *,
    val_clean: np.ndarray | None = None,
    val_noisy: np.ndarray | None = None,
    config: TrainConfig = TrainConfig(),
    progress: bool = False,
    label: str = "",
) -> dict[str, list[float]]:
    """Train ``model`` in place: MSE(model(noisy), clean), Adam.

    Args:
        model: an :func:`~qopt.qcae.model.build_model` network.
        train_clean: clean training images (N, s, s); noise is redrawn each epoch.
        val_clean, val_noisy: validation pair for the per-epoch validation loss.
        config: epochs, batch size, lr, noise, seed, time budget, threads.
        progress: one line per epoch on stderr.
        label: name used in progress lines.

    Returns:
        history: "train_loss", "val_loss" (per epoch, MSE), "epoch_s" (seconds), "batches" (steps per
        epoch), "step_s" (seconds per step) and, on shot-based devices, "plan" (circuits per step,
        shots, steps, estimated seconds per step).
    """
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ConfigError("the model has no trainable parameters (everything is frozen)")
    seeds = _seeds(config.seed)
    noise_rng = np.random.default_rng(seeds["train_noise"])
    order_rng = np.random.default_rng(seeds["order"])
    steps_per_epoch = math.ceil(len(train_clean) / config.batch_size)
    history_plan = _plan(model, batch=min(config.batch_size, len(train_clean)),
                         steps=config.epochs * steps_per_epoch, max_train_s=config.max_train_s,
                         progress=progress, label=label)
    opt = torch.optim.Adam(params, lr=config.lr)
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "epoch_s": [], "batches": [], "step_s": []}
    if history_plan:
        history["plan"] = history_plan
    start = time.perf_counter()
    stop = False
    with _Threads(config.num_threads):
        for epoch in range(config.epochs):
            t0 = time.perf_counter()
            model.train()
            noisy = qdata.add_noise(train_clean, sigma=config.noise_sigma, salt_pepper=config.salt_pepper,
                                    seed=noise_rng)
            order = order_rng.permutation(len(train_clean))
            total, count = 0.0, 0
            for b in range(0, len(order), config.batch_size):
                t_step = time.perf_counter()
                idx = order[b:b + config.batch_size]
                x = torch.from_numpy(noisy[idx])
                y = torch.from_numpy(train_clean[idx])
                loss = torch.mean((model(x) - y) ** 2)
                if not torch.isfinite(loss):
                    from qopt.errors import SolverError

                    raise SolverError(f"training loss became {loss.item()} at epoch {epoch + 1}; lower --lr")
                opt.zero_grad()
                loss.backward()
                opt.step()
                history["step_s"].append(time.perf_counter() - t_step)
                total += float(loss.detach()) * len(idx)
                count += len(idx)
                if config.max_train_s is not None and time.perf_counter() - start > config.max_train_s:
                    stop = True
                    break
            history["train_loss"].append(total / max(count, 1))
            history["batches"].append(math.ceil(count / config.batch_size))
            if val_clean is not None and val_noisy is not None:
                history["val_loss"].append(_val_loss(model, val_clean, val_noisy))
            history["epoch_s"].append(time.perf_counter() - t0)
            _progress(f"qcae: {label} epoch {epoch + 1}/{config.epochs} train mse {history['train_loss'][-1]:.5f} "
                      f"val mse {history['val_loss'][-1] if history['val_loss'] else float('nan'):.5f} "
                      f"({history['epoch_s'][-1]:.1f} s)", progress)
            if stop:
                _progress(f"qcae: {label} stopped by the {config.max_train_s:g} s budget", progress)
                break
    return history


def _plan(model: Autoencoder, *, batch: int, steps: int, max_train_s: float | None, progress: bool,
          label: str) -> dict | None:
    """Cost check and plan line (circuits per step, estimated time) for a shot-based quantum layer."""
    runner = getattr(model.latent, "runner", None)
    if runner is None or not hasattr(runner, "estimate_step_s") or steps == 0:
        return None
    from qopt.qcae.shift import check_job_size, circuits_per_step

    spec = model.spec
    inputs = any(p.requires_grad for p in model.encoder.parameters())
    weights = any(p.requires_grad for p in model.latent.parameters())
    per_step = circuits_per_step(spec, batch, inputs=inputs, weights=weights)
    check_job_size(per_step, runner.shots, spec.num_qubits)  # before the cost check and the probe job
    shifted = (spec.num_qubits if inputs else 0) + (spec.num_parameters() if weights else 0)
    runner.plan(per_step, steps)  # IBM: cost estimate on stderr, --yes above the device's threshold
    step_s = runner.estimate_step_s(per_step)
    calls = runner.num_calls(per_step)
    when = "not estimated (IBM queue)" if step_s is None else (
        f"about {step_s:.1f} s per step, {step_s * steps:.0f} s for {steps} steps"
        + (f" (capped at {max_train_s:g} s)" if max_train_s is not None else ""))
    _progress(f"qcae: {label} on {model.latent.device_name}: {per_step} circuits per step ({batch} images x "
              f"(1 + 2 x {shifted} shifted angles)), {runner.shots} shots each, "
              f"{calls} job{'s' if calls > 1 else ''} per step; {when}", progress)
    return {"circuits_per_step": per_step, "jobs_per_step": calls, "shots": runner.shots, "steps": steps,
            "estimated_step_s": step_s}


def evaluate(model: Autoencoder, clean: np.ndarray, noisy: np.ndarray) -> dict[str, float]:
    """SSIM (skimage and Gaussian conventions) and PSNR of the model's denoised test images."""
    return image_metrics(clean, denoise(model, noisy))


def _check_device(spec: CircuitSpec, device: Any, shots: int | None) -> None:
    """Width and trainability errors of ``device`` before any work (no transpiling, no connection)."""
    from qopt.qcae.circuit import MAX_EXACT_QUBITS, capacity_error, resolve_device

    cfg = resolve_device(device)
    cfg.check_width(spec.num_qubits)
    if cfg.kind == "exact" and spec.num_qubits > MAX_EXACT_QUBITS:
        raise capacity_error(f"the exact QCAE simulator handles at most {MAX_EXACT_QUBITS} qubits, "
                             f"the circuit needs {spec.num_qubits}; use fewer --qubits")
    if cfg.kind in ("aer", "ibm"):
        from qopt.qcae.shift import check_trainable

        check_trainable(cfg, shots=shots)


def run(config: TrainConfig, *, classical: bool = True, progress: bool = False, shots: int | None = None,
        yes: bool = False, journal: Any = None) -> dict:
    """Train the quantum model (and its classical twin) and score both on the test split.

    On a shot-based device (kind aer or ibm) the quantum layer trains with parameter-shift
    gradients, one sampler job per step (:mod:`qopt.qcae.shift`); ``shots`` overrides the device's,
    ``yes`` confirms IBM costs and ``journal`` records the jobs.

    Returns:
        dict with "config", "metrics" (ssim_noisy, ssim_quantum, ssim_classical,
        the ``*_gaussian`` SSIMs, psnr_*, params_quantum, params_classical, train_s,
        train_s_quantum, train_s_classical, num_train, num_test, image_side),
        "history" ({"quantum": ..., "classical": ...}), "models" ({"quantum": Autoencoder, ...})
        and "data" (from :func:`prepare_data`).
    """
    spec = config.spec()
    _check_device(spec, config.device, shots)  # device width / trainability errors before any work
    data = prepare_data(config)
    side = data["train_clean"].shape[1]
    quantum = build_model("quantum", side=side, spec=spec, seed=config.seed)
    quantum.latent.use_device(config.device, shots=shots, seed=config.seed, yes=yes, journal=journal)
    models = {"quantum": quantum}
    if classical:
        models["classical"] = build_model(config.twin, side=side, spec=spec, seed=config.seed)
    _progress(f"qcae: {config.dataset} {side}x{side}, {len(data['train_clean'])} train / {len(data['val_clean'])} val / "
              f"{len(data['test_clean'])} test images, sigma {config.noise_sigma}, circuit {spec.to_dict()}", progress)
    history, timing = {}, {}
    for name, model in models.items():
        t0 = time.perf_counter()
        history[name] = fit(model, data["train_clean"], val_clean=data["val_clean"], val_noisy=data["val_noisy"],
                            config=config, progress=progress, label=name)
        timing[name] = time.perf_counter() - t0
    noisy_m = image_metrics(data["test_clean"], data["test_noisy"])
    metrics: dict[str, Any] = {
        "ssim_noisy": noisy_m["ssim"], "ssim_gaussian_noisy": noisy_m["ssim_gaussian"], "psnr_noisy": noisy_m["psnr"],
    }
    for name in ("quantum", "classical"):
        if name in models:
            m = evaluate(models[name], data["test_clean"], data["test_noisy"])
            metrics.update({f"ssim_{name}": m["ssim"], f"ssim_gaussian_{name}": m["ssim_gaussian"],
                            f"psnr_{name}": m["psnr"], f"params_{name}": count_parameters(models[name]),
                            f"latent_params_{name}": count_parameters(models[name].latent),
                            f"train_s_{name}": timing[name],
                            f"final_train_mse_{name}": history[name]["train_loss"][-1] if history[name]["train_loss"] else math.nan})
        else:
            metrics.update({f"ssim_{name}": None, f"psnr_{name}": None, f"params_{name}": None})
    runner = getattr(quantum.latent, "runner", None)
    if runner is not None and hasattr(runner, "num_jobs"):
        metrics.update({"jobs": runner.num_jobs, "circuits": runner.num_circuits})
    if runner is not None and hasattr(runner, "close"):
        runner.close()  # an IBM Batch/Session
    metrics["train_s"] = sum(timing.values())
    metrics.update({"num_train": len(data["train_clean"]), "num_test": len(data["test_clean"]), "image_side": side})
    _progress(f"qcae: test SSIM noisy {metrics['ssim_noisy']:.3f} quantum {metrics['ssim_quantum']:.3f}"
              + (f" classical {metrics['ssim_classical']:.3f}" if classical else ""), progress)
    return {"config": config, "metrics": metrics, "history": history, "models": models, "data": data}


def save_checkpoint(path: str | Path, outcome: dict) -> Path:
    """Write the models, config, metrics and history of a :func:`run` outcome to ``path`` (torch.save)."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise FileNotFoundError(f"cannot save checkpoint: directory {str(path.parent)!r} does not exist")
    config: TrainConfig = outcome["config"]
    payload = {
        "version": CHECKPOINT_VERSION,
        "config": config.to_dict(),
        "models": {name: {"config": m.config(), "state": m.state_dict()} for name, m in outcome["models"].items()},
        "metrics": outcome["metrics"],
        "history": outcome["history"],
    }
    torch.save(payload, path)
    return path


def load_checkpoint(path: str | Path) -> dict:
    """Read a checkpoint of :func:`save_checkpoint`.

    Returns:
        dict with "config" (:class:`TrainConfig`), "models" (name -> Autoencoder, eval mode,
        quantum layer on the exact simulator), "metrics", "history".

    Raises:
        FileNotFoundError: no file; ValueError: not a QCAE checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {str(path)!r} does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises a variety of unpickling errors
        raise ConfigError(f"{path} is not a readable QCAE checkpoint: {type(err).__name__}: {err}") from err
    if not isinstance(payload, dict) or payload.get("version") != CHECKPOINT_VERSION or "models" not in payload:
        raise ConfigError(f"{path} is not a QCAE checkpoint (version {CHECKPOINT_VERSION})")
    cfg = dict(payload["config"])
    if isinstance(cfg.get("graph"), list):
        cfg["graph"] = tuple(tuple(e) for e in cfg["graph"])
    config = TrainConfig(**cfg)
    models = {}
    for name, entry in payload["models"].items():
        mc = entry["config"]
        spec_d = dict(mc["spec"])
        if isinstance(spec_d.get("graph"), list):
            spec_d["graph"] = tuple(tuple(e) for e in spec_d["graph"])
        model = build_model(mc["kind"], side=mc["side"], spec=CircuitSpec(**spec_d), seed=0)
        try:
            model.load_state_dict(entry["state"])
        except RuntimeError as err:  # weights of another shape than the recorded circuit
            raise ConfigError(f"{path}: the {name} model's weights do not fit its recorded circuit "
                             f"{spec_d}: {str(err).splitlines()[-1].strip()}") from None
        model.eval()
        models[name] = model
    return {"config": config, "models": models, "metrics": payload["metrics"], "history": payload["history"]}
