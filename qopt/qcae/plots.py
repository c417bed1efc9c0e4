"""PNG figures for QCAE runs (matplotlib, Agg backend): example grid and training curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["example_grid", "training_curves"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def example_grid(path: str | Path, rows: dict[str, np.ndarray], *, num_images: int = 8, title: str | None = None) -> Path:
    """Save a grid: one row per entry of ``rows`` (e.g. clean / noisy / quantum / classical).

    Args:
        path: PNG file to write.
        rows: label -> images (N, s, s) in [0, 1]; the first ``num_images`` of each are shown.
        num_images: columns.
        title: figure title.

    Returns:
        the path written.
    """
    plt = _pyplot()
    labels = list(rows)
    cols = min(num_images, min(len(v) for v in rows.values()))
    fig, axes = plt.subplots(len(labels), cols, figsize=(1.2 * cols + 1.0, 1.25 * len(labels)), squeeze=False)
    for r, label in enumerate(labels):
        for c in range(cols):
            ax = axes[r][c]
            ax.imshow(rows[label][c], cmap="gray", vmin=0.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def training_curves(path: str | Path, history: dict[str, dict[str, list[float]]], *, title: str | None = None) -> Path:
    """Save training and validation MSE per epoch for each model in ``history`` (name -> history of ``fit``)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for name, h in history.items():
        epochs = np.arange(1, len(h["train_loss"]) + 1)
        (line,) = ax.plot(epochs, h["train_loss"], label=f"{name} train")
        if h.get("val_loss"):
            ax.plot(epochs[:len(h["val_loss"])], h["val_loss"], "--", color=line.get_color(), label=f"{name} val")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
