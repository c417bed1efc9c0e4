"""Image-quality metrics: mean SSIM (two conventions) and mean PSNR over a batch.

SSIM follows Wang et al., IEEE TIP 13, 600 (2004) with ``K1 = 0.01``,
``K2 = 0.03`` and data range 1, computed by scikit-image's
``structural_similarity``:

* ``"skimage"`` (default): 7x7 uniform window, sample covariance;
* ``"gaussian"``: Gaussian window sigma 1.5 (11x11), population covariance
  (the paper's convention); needs images of side >= 11, so it is ``nan`` on
  8x8 digits.

PSNR is ``10 log10(1 / MSE)`` dB per image (data range 1), averaged over the
batch; an exact image (MSE 0) counts as 100 dB so the mean stays finite.
"""

from __future__ import annotations

import math

import numpy as np

from qopt.errors import ConfigError

__all__ = ["ssim", "psnr", "image_metrics"]


def _pairs(clean: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(clean, dtype=np.float64)
    b = np.asarray(other, dtype=np.float64)
    if a.shape != b.shape:
        raise ConfigError(f"images differ in shape: {a.shape} vs {b.shape}")
    if a.ndim == 2:
        a, b = a[None], b[None]
    if a.ndim != 3:
        raise ConfigError(f"expected images of shape (N, H, W) or (H, W), got {a.shape}")
    return a, b


def ssim(clean: np.ndarray, other: np.ndarray, *, convention: str = "skimage") -> float:
    """Mean SSIM between ``clean`` and ``other``.

    Args:
        clean, other: arrays of shape (N, H, W) or (H, W), values in [0, 1].
        convention: "skimage" (7x7 uniform window, sample covariance) or
            "gaussian" (sigma 1.5, population covariance).

    Returns:
        mean SSIM over the N images (1.0 for identical images); ``nan`` for the
        Gaussian convention on images smaller than 11x11.

    Examples:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).random((2, 8, 8))
        >>> round(ssim(x, x), 6)
        1.0
    """
    from skimage.metrics import structural_similarity

    a, b = _pairs(clean, other)
    if convention == "skimage":
        kwargs = {}
    elif convention == "gaussian":
        if min(a.shape[1:]) < 11:
            return math.nan
        kwargs = {"gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False}
    else:
        raise ConfigError(f"SSIM convention must be 'skimage' or 'gaussian', got {convention!r}")
    values = [structural_similarity(x, y, data_range=1.0, **kwargs) for x, y in zip(a, b)]
    return float(np.mean(values))


def psnr(clean: np.ndarray, other: np.ndarray) -> float:
    """Mean PSNR in dB (data range 1) between ``clean`` and ``other``, shapes (N, H, W)."""
    a, b = _pairs(clean, other)
    mse = ((a - b) ** 2).reshape(len(a), -1).mean(axis=1)
    values = np.where(mse > 0, 10.0 * np.log10(1.0 / np.maximum(mse, 1e-300)), 100.0)
    return float(values.mean())


def image_metrics(clean: np.ndarray, other: np.ndarray) -> dict[str, float]:
    """``{"ssim": ..., "ssim_gaussian": ..., "psnr": ...}`` for one batch."""
    return {
        "ssim": ssim(clean, other),
        "ssim_gaussian": ssim(clean, other, convention="gaussian"),
        "psnr": psnr(clean, other),
    }
