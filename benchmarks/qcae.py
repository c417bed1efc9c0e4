"""QCAE benchmark: MNIST denoising, quantum latent layer vs classical twin, circuit sweep.

Reproduces (in spirit) arXiv:2401.06367 on this machine: trains each model on an
MNIST subset (the shared 10,000-image test split, seeded split), scores mean SSIM
and PSNR on held-out test images, and prints one markdown table:

* quantum vs classical twin at (nearly) equal parameter budgets, for the reference
  circuit (4 qubits, p=2, ring, <Z>) and the main circuit (8 qubits, p=2, all-to-all ZZ, <Z>+<ZZ>);
* a circuit-configuration sweep of the main circuit (layers, entangling graph, ansatz).

Usage (the README numbers):
    .venv/bin/python benchmarks/qcae.py --epochs 15 --max-train-s 240 --out-dir /tmp/qcae_bench

``--quick`` runs a tiny version (seconds) to check the script. Machine info, package
versions and the load average are printed next to the numbers: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

import _machine


def machine_info() -> dict:
    info = _machine.machine_info(("torch", "pennylane", "numpy", "scikit-image"))
    info.update(info.pop("versions"))
    return info


def rows(quick: bool):
    from qopt.qcae.circuit import CircuitSpec

    ref = CircuitSpec(4, 2, "qaoa", "ring", "z")
    main = CircuitSpec(8, 2, "qaoa", "full", "zz")
    out = [
        ("reference", "quantum", ref), ("reference", "classical", ref),
        ("main", "quantum", main), ("main", "classical", main),
        ("reference", "classical-linear", ref), ("main", "classical-linear", main),
    ]
    sweep = [
        ("sweep p=1", CircuitSpec(8, 1, "qaoa", "full", "zz")),
        ("sweep graph=ring", CircuitSpec(8, 2, "qaoa", "ring", "zz")),
        ("sweep ansatz=hea", CircuitSpec(8, 2, "hea", "full", "zz")),
        ("sweep no entangler", CircuitSpec(8, 2, "qaoa", "none", "z")),
    ]
    out += [(label, "quantum", spec) for label, spec in sweep]
    return out[:6] if quick else out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--num-train", type=int, default=6000)
    ap.add_argument("--num-val", type=int, default=500)
    ap.add_argument("--num-test", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--max-train-s", type=float, default=240.0, help="per-model training time cap (s)")
    ap.add_argument("--sigma", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--only", default=None, help="comma-separated row labels (or label/model) to run")
    ap.add_argument("--out-dir", default="/tmp/qcae_bench", help="PNGs and results.json go here")
    ap.add_argument("--quick", action="store_true", help="tiny run to check the script")
    args = ap.parse_args(argv)

    from qopt.qcae.metrics import image_metrics
    from qopt.qcae.model import build_model, count_parameters
    from qopt.qcae.plots import example_grid, training_curves
    from qopt.qcae.train import TrainConfig, denoise, fit, prepare_data

    if args.quick:
        args.num_train, args.num_val, args.num_test, args.epochs = 300, 50, 100, 1
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    info = machine_info()
    print(f"# machine: nproc {info['nproc']}, {info['cpu']}, python {info['python']}", flush=True)
    print(f"# versions: torch {info['torch']}, pennylane {info['pennylane']}, numpy {info['numpy']}, "
          f"scikit-image {info['scikit-image']}", flush=True)
    print(f"# load average at start: {info['loadavg']}", flush=True)
    base = TrainConfig(dataset="mnist", num_train=args.num_train, num_val=args.num_val, num_test=args.num_test,
                       noise_sigma=args.sigma, epochs=args.epochs, lr=args.lr, max_train_s=args.max_train_s,
                       seed=args.seed)
    data = prepare_data(base)
    clean, noisy = data["test_clean"], data["test_noisy"]
    noisy_m = image_metrics(clean, noisy)
    print(f"# MNIST {args.num_train} train / {args.num_val} val / {args.num_test} test, sigma {args.sigma}, "
          f"seed {args.seed}; noisy input SSIM {noisy_m['ssim']:.4f} (gaussian {noisy_m['ssim_gaussian']:.4f}), "
          f"PSNR {noisy_m['psnr']:.2f} dB", flush=True)
    results = []
    only = set(args.only.split(",")) if args.only else None
    outputs = {}
    for label, kind, spec in rows(args.quick):
        if only and label not in only and f"{label}/{kind}" not in only:
            continue
        model = build_model(kind, side=28, spec=spec, seed=args.seed)
        t0 = time.perf_counter()
        history = fit(model, data["train_clean"], val_clean=data["val_clean"], val_noisy=data["val_noisy"],
                      config=base, progress=True, label=f"{label}/{kind}")
        train_s = time.perf_counter() - t0
        out = denoise(model, noisy)
        m = image_metrics(clean, out)
        row = {"row": label, "model": kind, **spec.to_dict(), "latent_params": count_parameters(model.latent),
               "params": count_parameters(model), "epochs": len(history["train_loss"]), "train_s": train_s,
               "ssim": m["ssim"], "delta_ssim": m["ssim"] - noisy_m["ssim"], "ssim_gaussian": m["ssim_gaussian"],
               "psnr": m["psnr"], "final_val_mse": history["val_loss"][-1], "load1": os.getloadavg()[0],
               "history": history}
        results.append(row)
        outputs[(label, kind)] = out
        print(f"# done {label}/{kind}: SSIM {m['ssim']:.4f} (+{row['delta_ssim']:.4f}) PSNR {m['psnr']:.2f} "
              f"in {train_s:.0f} s, load {row['load1']:.2f}", flush=True)
        if label == "main":
            hist = {r["model"]: r["history"] for r in results if r["row"] == "main"}
            training_curves(out_dir / "qcae_curves.png", hist, title=f"MNIST sigma {args.sigma}, main circuit")
            grid = {"clean": clean[:8], "noisy": noisy[:8]}
            for (lab, knd), o in outputs.items():
                if lab == "main":
                    grid[knd] = o[:8]
            example_grid(out_dir / "qcae_grid.png", grid, title=f"MNIST test images, sigma {args.sigma}")

    # ---------------------------------------------------------------- table
    print()
    print("| row | model | qubits | p | ansatz | graph | readout | latent params | total params | epochs | "
          "train s | SSIM | ΔSSIM vs noisy | SSIM (gauss) | PSNR dB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| noisy input | - | - | - | - | - | - | - | - | - | - | {noisy_m['ssim']:.4f} | 0 | "
          f"{noisy_m['ssim_gaussian']:.4f} | {noisy_m['psnr']:.2f} |")
    for r in results:
        print(f"| {r['row']} | {r['model']} | {r['num_qubits']} | {r['layers']} | {r['ansatz']} | {r['graph']} | "
              f"{r['readout']} | {r['latent_params']} | {r['params']} | {r['epochs']} | {r['train_s']:.0f} | "
              f"{r['ssim']:.4f} | {r['delta_ssim']:+.4f} | {r['ssim_gaussian']:.4f} | {r['psnr']:.2f} |")
    print()
    by = {(r["row"], r["model"]): r for r in results}
    for label in ("reference", "main"):
        q = by.get((label, "quantum"))
        for twin in ("classical", "classical-linear"):
            c = by.get((label, twin))
            if q and c:
                print(f"# {label}: quantum vs {twin} twin SSIM {100 * (q['ssim'] - c['ssim']) / c['ssim']:+.1f} % "
                      f"(paper: up to +40 %)")
    qaoa = by.get(("main", "quantum"))
    others = [r for r in results if r["row"].startswith("sweep")]
    if qaoa and others:
        mean_other = float(np.mean([r["ssim"] for r in others]))
        print(f"# main QAOA circuit vs mean of {len(others)} alternative circuits: "
              f"{100 * (qaoa['ssim'] - mean_other) / mean_other:+.1f} % SSIM (paper: +25 % on average)")
    print(f"# load average at end: {os.getloadavg()}")
    (out_dir / "results.json").write_text(json.dumps(
        {"machine": info, "args": vars(args), "noisy": noisy_m,
         "results": [{k: v for k, v in r.items()} for r in results]}, indent=1))
    print(f"# wrote {out_dir}/results.json, qcae_grid.png, qcae_curves.png", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
