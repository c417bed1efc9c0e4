"""qopt.qcae.plots: PNG files are written."""

import numpy as np

from qopt.qcae.plots import example_grid, training_curves


def test_grid_and_curves_are_pngs(tmp_path):
    imgs = np.random.default_rng(0).random((4, 8, 8))
    g = example_grid(tmp_path / "g.png", {"clean": imgs, "noisy": imgs}, num_images=3, title="t")
    c = training_curves(tmp_path / "c.png", {"quantum": {"train_loss": [0.2, 0.1], "val_loss": [0.3, 0.2]}})
    for path in (g, c):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
