"""qopt.qcae.metrics: SSIM conventions and PSNR."""

import math

import numpy as np
import pytest

from qopt.qcae.metrics import image_metrics, psnr, ssim


def test_ssim_of_identical_images_is_one_in_both_conventions():
    x = np.random.default_rng(0).random((3, 28, 28))
    assert ssim(x, x) == pytest.approx(1.0)
    assert ssim(x, x, convention="gaussian") == pytest.approx(1.0)


def test_gaussian_ssim_is_nan_on_small_images_and_bad_convention():
    x = np.random.default_rng(0).random((2, 8, 8))
    assert math.isnan(ssim(x, x, convention="gaussian"))
    with pytest.raises(ValueError, match="convention"):
        ssim(x, x, convention="box")
    with pytest.raises(ValueError, match="shape"):
        ssim(x, x[:, :4])


def test_psnr_matches_formula():
    clean = np.zeros((2, 4, 4))
    other = clean + 0.1
    assert psnr(clean, other) == pytest.approx(20.0)
    assert psnr(clean, clean) == 100.0
    m = image_metrics(np.zeros((1, 12, 12)), np.full((1, 12, 12), 0.1))
    assert m["psnr"] == pytest.approx(20.0) and m["ssim"] < 1.0
