"""``qopt qcae train`` and ``qopt qcae eval``: the quantum-latent convolutional autoencoder denoiser."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from qopt.cli._options import emit_json

__all__ = ["qcae", "train", "evaluate"]


def _graph(value: str | None):
    if value is None or value in ("ring", "line", "full", "none"):
        return value
    try:  # "0-1,1-2,2-0"
        return tuple(tuple(int(v) for v in edge.split("-")) for edge in value.split(","))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not ring|line|full|none or an edge list like 0-1,1-2", param_hint="--graph") from None


def _info(message: str, quiet: bool) -> None:
    if not quiet:
        click.echo(message, err=True)


def _text_report(metrics: dict) -> str:
    lines = [f"{'':10s} {'SSIM':>7s} {'SSIM(g)':>8s} {'PSNR dB':>8s} {'params':>7s}"]
    for name in ("noisy", "quantum", "classical"):
        if metrics.get(f"ssim_{name}") is None:
            continue
        g = metrics.get(f"ssim_gaussian_{name}")
        params = metrics.get(f"params_{name}")
        lines.append(f"{name:10s} {metrics[f'ssim_{name}']:7.4f} {g if g is not None else float('nan'):8.4f} "
                     f"{metrics[f'psnr_{name}']:8.2f} {params if params is not None else '':>7}")
    return "\n".join(lines)


@click.group()
def qcae() -> None:
    """Quantum-latent convolutional autoencoder (QCAE) for image denoising, vs its classical twin."""


_CIRCUIT_OPTIONS = ("qubits", "layers", "ansatz", "graph", "readout")
_DATA_OPTIONS = ("dataset", "noise_sigma", "salt_pepper", "num_val", "twin", "no_classical", "threads")


def _explicit(ctx, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


@qcae.command()
@click.option("--dataset", type=click.Choice(["digits", "mnist"]), default="digits", show_default=True,
              help="digits: scikit-learn 8x8 (embedded); mnist: 28x28 IDX files.")
@click.option("--mnist-path", default=None,
              help="Directory (or IDX file) with t10k-images-idx3-ubyte[.gz]; default $QOPT_MNIST_DIR or ../shared/datasets/mnist.")
@click.option("--epochs", type=click.IntRange(min=0), default=None,
              help="Training epochs [default: 30; 2 with --load].")
@click.option("--qubits", type=click.IntRange(min=1), default=4, show_default=True, help="Qubits n = latent width.")
@click.option("--layers", type=click.IntRange(min=1), default=2, show_default=True, help="Circuit layers p.")
@click.option("--ansatz", type=click.Choice(["qaoa", "hea"]), default="qaoa", show_default=True,
              help="qaoa: IsingZZ + RZ cost, RX mixer; hea: RY + CNOT.")
@click.option("--graph", default="ring", show_default=True, help="Entangling graph: ring|line|full|none or 0-1,1-2,...")
@click.option("--readout", type=click.Choice(["z", "zz"]), default="z", show_default=True,
              help="z: <Z_i>; zz: also <Z_a Z_b> on the graph edges.")
@click.option("--noise-sigma", type=float, default=0.3, show_default=True, help="Gaussian noise std (images in [0,1]).")
@click.option("--salt-pepper", type=float, default=0.0, show_default=True, help="Salt-and-pepper probability per pixel.")
@click.option("--num-train", type=click.IntRange(min=1), default=None,
              help="Training images [default: 60% of the pool; 32 with --load].")
@click.option("--num-val", type=click.IntRange(min=0), default=None, help="Validation images (default 20%).")
@click.option("--num-test", type=click.IntRange(min=1), default=None,
              help="Test images [default: 20% of the pool; 64 with --load].")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Minibatch [default: 32; 8 with --load].")
@click.option("--lr", type=float, default=None, help="Adam learning rate [default: 5e-3; with --load 1e-2 (latent), 1e-3 (latent+decoder)].")
@click.option("--max-train-s", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop training each model after this many seconds.")
@click.option("--device", default=None,
              help="Device config for the quantum layer while training (default: exact simulator). "
                   "aer, aer_noisy, ibm_fake, ibm: parameter-shift, one job per step.")
@click.option("--load", "load_path", default=None,
              help="Fine-tune this checkpoint's quantum model on --device (noise-aware fine-tuning); the "
                   "checkpoint fixes the circuit, data split and noise.")
@click.option("--fine-tune", "fine_tune_part", type=click.Choice(["latent", "latent+decoder"]), default="latent",
              show_default=True, help="With --load: what trains (the encoder never does).")
@click.option("--shots", type=click.IntRange(min=1), default=None, help="Shots per circuit (default: the device's).")
@click.option("--yes", is_flag=True, help="Confirm IBM jobs above the device's confirm_above_shots.")
@click.option("--journal", default=None,
              help="Job journal (JSON lines) on Qiskit devices: a rerun with the same seed replays finished jobs.")
@click.option("--no-classical", is_flag=True, help="Skip the classical twin.")
@click.option("--twin", type=click.Choice(["classical", "classical-linear"]), default="classical-linear",
              show_default=True,
              help="Classical twin: plain linear bottleneck (default: it trains), or 'classical' = the reference "
                   "design (angle squash + Linear + tanh), which stays stuck at the mean image in our runs.")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True, help="torch threads.")
@click.option("--seed", type=int, default=None, help="Seed [default: 0; the checkpoint's with --load].")
@click.option("--save", "save_path", default=None, help="Write a checkpoint (torch) to this path.")
@click.option("--grid", "grid_path", default=None, help="Write a PNG grid clean/noisy/quantum/classical.")
@click.option("--curves", "curves_path", default=None, help="Write a PNG of the training curves.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def train(ctx, dataset, mnist_path, epochs, qubits, layers, ansatz, graph, readout, noise_sigma, salt_pepper,
          num_train, num_val, num_test, batch_size, lr, max_train_s, device, load_path, fine_tune_part, shots, yes,
          journal, no_classical, twin, threads, seed, save_path, grid_path, curves_path, output) -> None:
    """Train the QCAE and its classical twin; score both on held-out test images (SSIM, PSNR).

    Defaults (digits, sigma 0.3, 4 qubits, 30 epochs, lr 5e-3) denoise: both models beat the noisy
    input in SSIM and PSNR. With --load CKPT --device DEVICE: fine-tune the checkpoint's quantum model
    on the device and report SSIM before and after, next to the classical twin and the noisy input.
    """
    quiet = bool((ctx.obj or {}).get("quiet"))
    if mnist_path is not None and dataset != "mnist" and load_path is None:
        raise click.BadParameter("applies to --dataset mnist only", param_hint="--mnist-path")
    for path, flag in ((save_path, "--save"), (grid_path, "--grid"), (curves_path, "--curves"),
                       (journal, "--journal")):
        if path is not None and not Path(path).resolve().parent.is_dir():
            raise click.BadParameter(f"directory of {path!r} does not exist", param_hint=flag)
    if load_path is not None:
        return _fine_tune(ctx, quiet=quiet, load_path=load_path, device=device, part=fine_tune_part,
                          epochs=epochs, num_train=num_train, num_test=num_test, batch_size=batch_size, lr=lr,
                          max_train_s=max_train_s, shots=shots, yes=yes, journal=journal, seed=seed,
                          mnist_path=mnist_path, save_path=save_path, grid_path=grid_path,
                          curves_path=curves_path, output=output)
    if _explicit(ctx, "fine_tune_part"):
        raise click.BadParameter("applies with --load CKPT only", param_hint="--fine-tune")
    from qopt.qcae.train import TrainConfig, run

    try:  # the config's own checks of user values are input errors (exit 2), not bugs
        config = TrainConfig(
            dataset=dataset, mnist_path=mnist_path, num_train=num_train, num_val=num_val, num_test=num_test,
            noise_sigma=noise_sigma, salt_pepper=salt_pepper, qubits=qubits, layers=layers, ansatz=ansatz,
            graph=_graph(graph), readout=readout, epochs=30 if epochs is None else epochs,
            batch_size=batch_size or 32, lr=5e-3 if lr is None else lr, max_train_s=max_train_s,
            seed=0 if seed is None else seed, device=device, num_threads=threads, twin=twin,
        )
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    outcome = run(config, classical=not no_classical, progress=not quiet, shots=shots, yes=yes, journal=journal)
    metrics = outcome["metrics"]
    files = _write_files(outcome, save_path=save_path, grid_path=grid_path, curves_path=curves_path,
                         title=f"{dataset}, sigma {noise_sigma}", what="checkpoint", quiet=quiet)
    if output == "json":
        emit_json({**metrics, "config": config.to_dict(), "files": files,
                   "history": outcome["history"]})
    else:
        click.echo(_text_report(metrics))
        click.echo(f"train_s {metrics['train_s']:.1f}  ({metrics['num_train']} train / {metrics['num_test']} test images)")


def _write_files(outcome, *, save_path, grid_path, curves_path, title: str, what: str, quiet: bool) -> dict:
    """Write the checkpoint, image grid and training curves asked for; ``{kind: path}`` of each."""
    from qopt.qcae.train import save_checkpoint

    files = {}
    if save_path:
        files["checkpoint"] = str(save_checkpoint(save_path, outcome))
        _info(f"qcae: {what} written to {save_path}", quiet)
    if grid_path:
        files["grid"] = str(_grid(grid_path, outcome["models"], outcome["data"]["test_clean"],
                                  outcome["data"]["test_noisy"], title=title))
    if curves_path:
        from qopt.qcae.plots import training_curves

        files["curves"] = str(training_curves(curves_path, outcome["history"], title=title))
    return files


def _fine_tune(ctx, *, quiet, load_path, device, part, epochs, num_train, num_test, batch_size, lr, max_train_s,
               shots, yes, journal, seed, mnist_path, save_path, grid_path, curves_path, output) -> None:
    from qopt.qcae.finetune import FineTuneConfig, fine_tune
    from qopt.qcae.train import load_checkpoint

    for name in _DATA_OPTIONS:
        if _explicit(ctx, name):
            flag = "--" + name.replace("_", "-")
            raise click.BadParameter("does not apply with --load: the checkpoint fixes the data, noise and "
                                     "models", param_hint=flag)
    if device is None:
        raise click.BadParameter("--load fine-tunes on a device: give --device (e.g. aer_noisy, ibm_fake)",
                                 param_hint="--device")
    ckpt_spec = load_checkpoint(load_path)["config"].spec()
    asked = {"qubits": ckpt_spec.num_qubits, "layers": ckpt_spec.layers, "ansatz": ckpt_spec.ansatz,
             "graph": ckpt_spec.graph, "readout": ckpt_spec.readout}
    for name in _CIRCUIT_OPTIONS:
        if _explicit(ctx, name):
            value = ctx.params[name] if name != "graph" else _graph(ctx.params[name])
            if value != asked[name]:
                raise click.BadParameter(
                    f"{value!r} asks for another circuit shape than checkpoint {load_path} ({asked[name]!r}; its "
                    f"circuit: {ckpt_spec.to_dict()}); fine-tuning keeps the checkpoint's circuit",
                    param_hint="--" + name)
    config = FineTuneConfig(train=part, num_train=num_train or 32, num_test=num_test or 64,
                            epochs=2 if epochs is None else epochs, batch_size=batch_size or 8,
                            lr=lr, max_train_s=max_train_s, shots=shots, seed=seed)
    outcome = fine_tune(load_path, device, config, yes=yes, journal=journal, mnist_path=mnist_path,
                        progress=not quiet)
    metrics = outcome["metrics"]
    files = _write_files(outcome, save_path=save_path, grid_path=grid_path, curves_path=curves_path,
                         title=f"fine-tuned on {metrics['device']}", what="fine-tuned checkpoint", quiet=quiet)
    if output == "json":
        emit_json({**metrics, "config": outcome["config"].to_dict(), "fine_tune": dataclasses.asdict(config),
                   "files": files, "history": outcome["history"]})
    else:
        click.echo(_fine_tune_report(metrics))
        click.echo(f"fine-tuned {metrics['train']} on {metrics['device']}: {metrics['steps']} steps, "
                   f"{metrics['circuits']} circuits in {metrics['jobs']} jobs, {metrics['train_s']:.1f} s "
                   f"({metrics['num_train']} train / {metrics['num_test']} test images)")


def _fine_tune_report(metrics: dict) -> str:
    device = metrics["device"]
    rows = [("noisy input", "noisy"), ("classical twin", "classical"), ("quantum, exact", "quantum_exact"),
            (f"quantum, {device} before", "quantum_before"), (f"quantum, {device} after", "quantum_after")]
    width = max(len(label) for label, _ in rows)
    lines = [f"{'':{width}s} {'SSIM':>7s} {'PSNR dB':>8s}"]
    for label, key in rows:
        if metrics.get(f"ssim_{key}") is not None:
            lines.append(f"{label:{width}s} {metrics[f'ssim_{key}']:7.4f} {metrics[f'psnr_{key}']:8.2f}")
    return "\n".join(lines)


def _grid(path, models, clean, noisy, *, title=None):
    from qopt.qcae.plots import example_grid
    from qopt.qcae.train import denoise

    k = min(8, len(clean))
    rows = {"clean": clean[:k], "noisy": noisy[:k]}
    for name, model in models.items():
        rows[name] = denoise(model, noisy[:k])
    return example_grid(path, rows, num_images=k, title=title)


@qcae.command(name="eval")
@click.option("--load", "load_path", required=True, help="Checkpoint written by 'qopt qcae train --save'.")
@click.option("--device", default=None,
              help="Run the quantum layer on this device config (e.g. aer_noisy, ibm_fake); default exact.")
@click.option("--shots", type=click.IntRange(min=1), default=None, help="Shots per expectation (default: the device's).")
@click.option("--num-images", type=click.IntRange(min=1), default=None,
              help="Evaluate only the first N test images (use a few on shot-based devices).")
@click.option("--mnist-path", default=None, help="MNIST location, if it moved since training.")
@click.option("--yes", is_flag=True, help="Confirm IBM jobs above the device's confirm_above_shots.")
@click.option("--grid", "grid_path", default=None, help="Write a PNG grid clean/noisy/quantum/classical.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def evaluate(ctx, load_path, device, shots, num_images, mnist_path, yes, grid_path, output) -> None:
    """Reload a checkpoint and score it on its test split (the split and noise are re-derived from the seed)."""
    quiet = bool((ctx.obj or {}).get("quiet"))
    import dataclasses
    import time

    from qopt.qcae.metrics import image_metrics
    from qopt.qcae.train import denoise, load_checkpoint, prepare_data

    ckpt = load_checkpoint(load_path)
    config = ckpt["config"]
    if mnist_path is not None:
        config = dataclasses.replace(config, mnist_path=mnist_path)
    models = ckpt["models"]
    if "quantum" in models and (device is not None or shots is not None):
        models["quantum"].latent.use_device(device, shots=shots, yes=yes)
    data = prepare_data(config)
    clean, noisy = data["test_clean"], data["test_noisy"]
    if num_images is not None:
        clean, noisy = clean[:num_images], noisy[:num_images]
    metrics: dict = {}
    m = image_metrics(clean, noisy)
    metrics.update({"ssim_noisy": m["ssim"], "ssim_gaussian_noisy": m["ssim_gaussian"], "psnr_noisy": m["psnr"]})
    for name, model in models.items():
        t0 = time.perf_counter()
        out = denoise(model, noisy, batch_size=256 if name == "classical" or device is None else 16)
        metrics[f"eval_s_{name}"] = time.perf_counter() - t0
        m = image_metrics(clean, out)
        metrics.update({f"ssim_{name}": m["ssim"], f"ssim_gaussian_{name}": m["ssim_gaussian"], f"psnr_{name}": m["psnr"],
                        f"params_{name}": sum(p.numel() for p in model.parameters())})
    metrics["num_test"] = len(clean)
    metrics["device"] = models["quantum"].latent.device_name if "quantum" in models else None
    metrics["trained_metrics"] = ckpt["metrics"]
    files = {}
    if grid_path:
        files["grid"] = str(_grid(grid_path, models, clean, noisy, title=f"{config.dataset} eval"))
    if output == "json":
        emit_json({**metrics, "config": config.to_dict(), "files": files})
    else:
        click.echo(_text_report(metrics))
        click.echo(f"device {metrics['device']}, {len(clean)} test images")
    _info(f"qcae: evaluated {load_path}", quiet)
