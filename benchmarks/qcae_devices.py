"""QCAE on every device: training time per step, SSIM after a fixed small budget, noise-aware fine-tuning.

One row per device (digits 8x8, sigma 0.3, the default circuit: 4 qubits, p=2, QAOA ring, <Z>):

* exact, lightning, aer: a model trained from scratch for ``--steps`` steps of ``--batch`` images
  (the same data, seed and initialisation on every device): seconds per step (median), test SSIM.
  On aer every step is one sampler job of ``batch * (1 + 2 * (4 + 24))`` parameter-shift circuits.
* aer_noisy, ibm_fake: a model trained on the exact simulator with the defaults of
  ``qopt qcae train`` (30 epochs), then scored on the device before and after fine-tuning the latent
  circuit, and the latent circuit with the decoder (``--ft-steps`` steps of ``--ft-batch`` images,
  encoder frozen, default learning rates), next to the noisy input, the classical twin and the
  exact simulator.

Usage (the numbers in docs/qcae.md and the README):
    .venv/bin/python benchmarks/qcae_devices.py --out /tmp/qcae_devices.json

Small and time-boxed on purpose (the machine is shared): about 15-20 minutes under load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import _machine


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=8, help="training steps from scratch per device")
    ap.add_argument("--batch", type=int, default=16, help="images per training step")
    ap.add_argument("--ft-steps", type=int, default=16, help="fine-tuning steps on the noisy devices")
    ap.add_argument("--ft-batch", type=int, default=8)
    ap.add_argument("--ft-parts", default="latent,latent+decoder", help="what fine-tuning trains (one row each)")
    ap.add_argument("--num-test", type=int, default=64, help="test images scored on shot-based devices")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--devices", default="exact,lightning,aer,aer_noisy,ibm_fake")
    ap.add_argument("--out", default=None, help="write the rows as JSON here")
    args = ap.parse_args(argv)

    from qopt.qcae.finetune import FineTuneConfig, fine_tune
    from qopt.qcae.metrics import image_metrics
    from qopt.qcae.model import build_model
    from qopt.qcae.train import TrainConfig, denoise, fit, prepare_data, run, save_checkpoint

    info = _machine.machine_info(("torch", "pennylane", "qiskit", "qiskit-aer", "qiskit-ibm-runtime", "numpy"))
    print(f"# machine: nproc {info['nproc']}, {info['cpu']}, python {info['python']}", flush=True)
    print("# versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()), flush=True)
    print(f"# load average at start: {info['loadavg']}", flush=True)
    devices = args.devices.split(",")
    base = TrainConfig(seed=args.seed)
    spec = base.spec()
    data = prepare_data(base)
    clean, noisy = data["test_clean"][:args.num_test], data["test_noisy"][:args.num_test]
    noisy_m = image_metrics(clean, noisy)
    print(f"# digits, sigma {base.noise_sigma}, circuit {spec.to_dict()}; {args.num_test} test images: noisy input "
          f"SSIM {noisy_m['ssim']:.4f}, PSNR {noisy_m['psnr']:.2f} dB", flush=True)
    rows = []
    budget = TrainConfig(seed=args.seed, epochs=1, batch_size=args.batch, num_threads=1)
    train = data["train_clean"][:args.steps * args.batch]
    for device in [d for d in devices if d in ("exact", "lightning", "aer")]:
        model = build_model("quantum", side=8, spec=spec, seed=args.seed)
        model.latent.use_device(device, seed=args.seed)
        t0 = time.perf_counter()
        history = fit(model, train, config=budget, progress=True, label=f"{device}")
        total = time.perf_counter() - t0
        m = image_metrics(clean, denoise(model, noisy))
        row = {"device": device, "mode": f"train from scratch, {args.steps} steps x {args.batch} images",
               "step_s": statistics.median(history["step_s"]), "train_s": total,
               "circuits_per_step": (history.get("plan") or {}).get("circuits_per_step"),
               "ssim": m["ssim"], "psnr": m["psnr"], "load1": os.getloadavg()[0]}
        rows.append(row)
        print(f"# {device}: {row['step_s']:.3f} s/step, SSIM {m['ssim']:.4f}, load {row['load1']:.1f}", flush=True)

    noisy_devices = [d for d in devices if d in ("aer_noisy", "ibm_fake")]
    if noisy_devices:
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"qcae_devices_exact_{args.seed}.pt")
        t0 = time.perf_counter()
        save_checkpoint(path, run(base))
        print(f"# exact-trained checkpoint ({base.epochs} epochs) in {time.perf_counter() - t0:.0f} s", flush=True)
        for device in noisy_devices:
            for part in args.ft_parts.split(","):
                cfg = FineTuneConfig(train=part, num_train=args.ft_steps * args.ft_batch, num_test=args.num_test,
                                     epochs=1, batch_size=args.ft_batch)
                out = fine_tune(path, device, cfg, progress=True)
                m = out["metrics"]
                row = {"device": device, "mode": f"fine-tune {part}, {m['steps']} steps x {args.ft_batch} images, "
                                                  f"lr {cfg.lr:g}",
                       "step_s": statistics.median(out["history"]["quantum"]["step_s"]), "train_s": m["train_s"],
                       "circuits_per_step": (out["history"]["quantum"].get("plan") or {}).get("circuits_per_step"),
                       **{k: m[k] for k in m if k.startswith(("ssim_", "psnr_")) and "gaussian" not in k},
                       "load1": os.getloadavg()[0]}
                rows.append(row)
                print(f"# {device} {part}: before {m['ssim_quantum_before']:.4f} after {m['ssim_quantum_after']:.4f} "
                      f"(exact {m['ssim_quantum_exact']:.4f}, twin {m['ssim_classical']:.4f})", flush=True)

    print()
    print(f"| device | run | s per step | circuits per step | SSIM (noisy input {noisy_m['ssim']:.4f}) | "
          "SSIM exact sim. | SSIM on device before | SSIM on device after | classical twin |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        cps = r["circuits_per_step"] if r["circuits_per_step"] else "-"
        if "ssim_quantum_before" in r:
            print(f"| {r['device']} | {r['mode']} | {r['step_s']:.2f} | {cps} | - | {r['ssim_quantum_exact']:.4f} | "
                  f"{r['ssim_quantum_before']:.4f} | {r['ssim_quantum_after']:.4f} | {r['ssim_classical']:.4f} |")
        else:
            print(f"| {r['device']} | {r['mode']} | {r['step_s']:.3f} | {cps} | {r['ssim']:.4f} | - | - | - | - |")
    print(f"# load average at end: {os.getloadavg()}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"machine": info, "args": vars(args), "noisy": noisy_m, "rows": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
