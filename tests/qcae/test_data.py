"""qopt.qcae.data: IDX reader on the real MNIST files, split, noise."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from qopt.qcae import data

MNIST = data.default_mnist_dir()
needs_mnist = pytest.mark.skipif(not (MNIST / "t10k-images-idx3-ubyte.gz").is_file() and
                                 not (MNIST / "t10k-images-idx3-ubyte").is_file(),
                                 reason=f"MNIST IDX files not found in {MNIST}")


@needs_mnist
def test_mnist_images_shape_range_and_labels():
    images = data.load_mnist()
    assert images.shape == (10000, 28, 28) and images.dtype == np.float32
    assert images.min() == 0.0 and images.max() == 1.0
    labels = data.read_idx(next(MNIST.glob("t10k-labels-idx1-ubyte*")))
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10))
    # the first test image of MNIST is a 7; its centre row has ink
    assert labels[0] == 7 and images[0, 14].max() > 0.5


@needs_mnist
def test_noisy_baseline_matches_reference_values():
    from qopt.qcae.metrics import psnr, ssim

    clean = data.load_mnist(limit=1000)
    noisy = np.clip(clean + 0.3 * np.random.default_rng(0).standard_normal(clean.shape), 0, 1)
    assert ssim(clean, noisy) == pytest.approx(0.512, abs=0.01)
    assert ssim(clean, noisy, convention="gaussian") == pytest.approx(0.566, abs=0.01)
    assert psnr(clean, noisy) == pytest.approx(13.31, abs=0.05)


def test_read_idx_roundtrip_and_bad_header(tmp_path: Path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 8, 3]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    (tmp_path / "x.gz").write_bytes(gzip.compress(header + arr.tobytes()))
    np.testing.assert_array_equal(data.read_idx(tmp_path / "x.gz"), arr)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04" + arr.tobytes())
    with pytest.raises(ValueError, match="not an IDX"):
        data.read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(header + arr.tobytes()[:-1])
    with pytest.raises(ValueError, match="header says shape"):
        data.read_idx(tmp_path / "short")


def test_missing_mnist_path_is_one_clear_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="--mnist-path"):
        data.load_mnist(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="no MNIST image file"):
        data.load_mnist(tmp_path)


def test_digits_and_split():
    images = data.load_digits()
    assert images.shape == (1797, 8, 8) and images.min() == 0.0 and images.max() == 1.0
    tr, va, te = data.split(len(images), seed=3)
    assert (len(tr), len(va), len(te)) == (1079, 359, 359)
    assert len(set(tr) | set(va) | set(te)) == 1797
    tr2, _, _ = data.split(len(images), seed=3)
    np.testing.assert_array_equal(tr, tr2)
    with pytest.raises(ValueError, match="exceed"):
        data.split(10, num_train=8, num_val=2, num_test=2)


def test_noise_is_clipped_seeded_and_checked():
    x = np.full((50, 8, 8), 0.5, dtype=np.float32)
    x[:, 0] = 0.0
    x[:, 1] = 1.0
    noisy = data.add_noise(x, sigma=0.8, seed=1)
    assert noisy.min() == 0.0 and noisy.max() == 1.0  # clipped, and clipping happens
    assert noisy.dtype == np.float32
    np.testing.assert_array_equal(noisy, data.add_noise(x, sigma=0.8, seed=1))
    np.testing.assert_array_equal(data.add_noise(x, sigma=0.0, seed=1), x)
    sp = data.add_noise(x, sigma=0.0, salt_pepper=0.2, seed=2)
    changed = sp != x
    assert 0.15 < changed.mean() < 0.25 and set(np.unique(sp[changed])) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="sigma"):
        data.add_noise(x, sigma=-0.1)
    with pytest.raises(ValueError, match="salt_pepper"):
        data.add_noise(x, salt_pepper=2.0)


@pytest.mark.parametrize("bad, match", [
    (np.zeros((2, 8, 9)), "square"),
    (np.zeros((2, 10, 10)), "divisible by 4"),
    (np.zeros((8, 8)), "shape"),
    (np.full((1, 8, 8), np.nan), "finite"),
    (np.full((1, 8, 8), 2.0), r"\[0, 1\]"),
], ids=["not-square", "side", "ndim", "nan", "range"])
def test_check_images_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        data.check_images(bad)
