"""Images for the QCAE denoiser: scikit-learn digits, MNIST IDX files, splits and noise.

Data sets (no download, ever):

* ``"digits"``: scikit-learn's embedded ``load_digits`` (1797 images, 8x8,
  grey levels 0..16 scaled to [0, 1]).
* ``"mnist"``: the MNIST IDX files (``t10k-images-idx3-ubyte[.gz]`` by
  default, the 10,000-image test split) in a directory given by ``path=``,
  else ``$QOPT_MNIST_DIR``, else ``../shared/datasets/mnist`` next to the
  project root. 28x28, scaled to [0, 1].

Split (:func:`split`): one permutation drawn from ``numpy.random.default_rng(seed)``;
the first ``num_train`` indices are training images, the next ``num_val``
validation, the next ``num_test`` test. With the defaults on MNIST that is the
reference 6000 / 2000 / 2000 split of the algorithms notes; for digits it is
60 % / 20 % / 20 % (1078 / 359 / 360).

Noise (:func:`add_noise`): ``clip(x + sigma * N(0, 1), 0, 1)``, then optional
salt-and-pepper (each pixel independently set to 0 or 1 with probability
``salt_pepper``, half each).
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np

from qopt.errors import ConfigError, InstanceFormatError

__all__ = [
    "DATASETS",
    "default_mnist_dir",
    "read_idx",
    "load_mnist",
    "load_digits",
    "load_images",
    "split",
    "add_noise",
    "check_images",
]

DATASETS = ("digits", "mnist")

_IMAGE_FILES = ("t10k-images-idx3-ubyte", "train-images-idx3-ubyte")


def default_mnist_dir() -> Path:
    """The MNIST directory used when no path is given.

    ``$QOPT_MNIST_DIR`` if set, else ``<project root>/../shared/datasets/mnist``.
    """
    env = os.environ.get("QOPT_MNIST_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "mnist"


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (optionally gzip-compressed) into a uint8 array.

    Args:
        path: the file; ``.gz`` files are decompressed.

    Returns:
        array of shape given by the header, e.g. (10000, 28, 28) for images,
        (10000,) for labels; dtype uint8.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the header is not an IDX uint8 header or the size does not match.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file {str(path)!r} does not exist")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4:
        raise InstanceFormatError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    zero, dtype_code, ndim = raw[0:2], raw[2], raw[3]
    if zero != b"\x00\x00" or dtype_code != 0x08 or ndim < 1:
        raise InstanceFormatError(f"{path}: not an IDX uint8 file (magic bytes {raw[:4].hex()}, expected 000008xx)")
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise InstanceFormatError(f"{path}: header says shape {shape} ({expected} bytes) but {len(raw) - header} data bytes follow")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _find_images(directory: Path) -> Path:
    for stem in _IMAGE_FILES:
        for name in (stem, stem + ".gz", stem.replace("-idx3", ".idx3"), stem.replace("-idx3", ".idx3") + ".gz"):
            if (directory / name).is_file():
                return directory / name
    raise FileNotFoundError(
        f"no MNIST image file (t10k-images-idx3-ubyte[.gz]) in {str(directory)!r}; "
        "pass --mnist-path DIR (or set QOPT_MNIST_DIR) to a directory holding the IDX files"
    )


def load_mnist(path: str | os.PathLike | None = None, *, limit: int | None = None) -> np.ndarray:
    """MNIST images scaled to [0, 1].

    Args:
        path: a directory with the IDX files or an IDX image file; default
            :func:`default_mnist_dir`.
        limit: keep only the first ``limit`` images.

    Returns:
        float32 array of shape (N, 28, 28), values in [0, 1].

    Raises:
        FileNotFoundError: no image file at ``path``.
    """
    p = Path(path) if path is not None else default_mnist_dir()
    if p.is_dir():
        p = _find_images(p)
    elif not p.exists():
        raise FileNotFoundError(
            f"MNIST path {str(p)!r} does not exist; pass --mnist-path DIR (or set QOPT_MNIST_DIR) "
            "to a directory holding t10k-images-idx3-ubyte[.gz]"
        )
    images = read_idx(p)
    if images.ndim != 3:
        raise InstanceFormatError(f"{p}: expected an image file of shape (N, rows, cols), got shape {images.shape}")
    if limit is not None:
        images = images[:limit]
    return images.astype(np.float32) / 255.0


def load_digits() -> np.ndarray:
    """scikit-learn's 8x8 digits, float32 array of shape (1797, 8, 8) in [0, 1]."""
    from sklearn.datasets import load_digits as _load

    return (_load().images / 16.0).astype(np.float32)


def load_images(dataset: str = "digits", *, path: str | os.PathLike | None = None) -> np.ndarray:
    """Images of ``dataset`` ("digits" or "mnist"), shape (N, H, W), float32 in [0, 1]."""
    if dataset == "digits":
        if path is not None:
            raise ConfigError("a data path applies to --dataset mnist only, not digits")
        return load_digits()
    if dataset == "mnist":
        return load_mnist(path)
    raise ConfigError(f"dataset must be one of {DATASETS}, got {dataset!r}")


def split(
    num_images: int,
    *,
    seed: int = 0,
    num_train: int | None = None,
    num_val: int | None = None,
    num_test: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fixed-seed train / validation / test index split.

    Args:
        num_images: N, the size of the pool.
        seed: seed of the permutation (``numpy.random.default_rng(seed)``).
        num_train, num_val, num_test: sizes; defaults 60 % / 20 % / 20 % of N
            (rounded down; train takes the remainder). Their sum must not exceed N.

    Returns:
        three disjoint int64 index arrays (train, val, test).
    """
    n_val = int(0.2 * num_images) if num_val is None else int(num_val)
    n_test = int(0.2 * num_images) if num_test is None else int(num_test)
    n_train = num_images - n_val - n_test if num_train is None else int(num_train)
    for name, value in (("num_train", n_train), ("num_val", n_val), ("num_test", n_test)):
        if value < 0:
            raise ConfigError(f"{name} must be >= 0, got {value}")
    if n_train + n_val + n_test > num_images:
        raise ConfigError(
            f"split sizes {n_train} + {n_val} + {n_test} exceed the {num_images} images available"
        )
    order = np.random.default_rng(seed).permutation(num_images)
    return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:n_train + n_val + n_test]


def check_images(images: np.ndarray, *, name: str = "images") -> np.ndarray:
    """Validate an image batch: shape (N, H, W), finite, values in [0, 1].

    Returns the images as float32. Raises ValueError naming the problem.
    """
    arr = np.asarray(images)
    if arr.ndim != 3:
        raise ConfigError(f"{name} must have shape (N, height, width), got shape {arr.shape}")
    if arr.shape[1] != arr.shape[2] or arr.shape[1] % 4 != 0:
        raise ConfigError(
            f"{name} must be square with a side divisible by 4 (8x8 digits, 28x28 MNIST), got {arr.shape[1]}x{arr.shape[2]}"
        )
    if not np.isfinite(arr).all():
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ConfigError(f"{name}{list(idx)} is {arr[idx]}; images must be finite")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise ConfigError(f"{name} must lie in [0, 1], got range [{arr.min():.3g}, {arr.max():.3g}]")
    return arr.astype(np.float32, copy=False)


def add_noise(
    images: np.ndarray,
    *,
    sigma: float = 0.3,
    salt_pepper: float = 0.0,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Corrupt images: ``clip(x + sigma * N(0, 1), 0, 1)``, then salt-and-pepper.

    Args:
        images: array of any shape, values in [0, 1].
        sigma: standard deviation of the Gaussian noise, in grey-level units (0..1 scale), >= 0.
        salt_pepper: probability in [0, 1] that a pixel is replaced by 0 or 1 (half each).
        seed: int or Generator for the noise.

    Returns:
        float32 array of the same shape, values in [0, 1].
    """
    if not np.isfinite(sigma) or sigma < 0:
        raise ConfigError(f"noise sigma must be a finite number >= 0, got {sigma}")
    if not np.isfinite(salt_pepper) or not 0 <= salt_pepper <= 1:
        raise ConfigError(f"salt_pepper must be a probability in [0, 1], got {salt_pepper}")
    rng = np.random.default_rng(seed)
    x = np.asarray(images, dtype=np.float64)
    noisy = np.clip(x + sigma * rng.standard_normal(x.shape), 0.0, 1.0)
    if salt_pepper > 0:
        hit = rng.random(x.shape) < salt_pepper
        noisy[hit] = (rng.random(int(hit.sum())) < 0.5).astype(np.float64)
    return noisy.astype(np.float32)
