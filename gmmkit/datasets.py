"""The data sets of the course, loaded from the files the kit ships (provenance: data/README.md).

- ``load_faithful()``: Old Faithful, (272, 2): eruption minutes, waiting minutes.
- ``load_mnist("test")``: the 10,000 MNIST test images the kit ships, checked by SHA-256.
- ``load_mnist("train")``: the 60,000 training images, from a local copy or downloaded once with
  pooch (MD5-checked); offline, the error says where to put the files.
- ``load_iris()``: scikit-learn's copy of Iris.
"""
from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np

from .paths import DATA

MNIST_SHIPPED = {  # sha256 of the decompressed bytes (the .gz bytes may differ from the official)
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MNIST_OFFICIAL_MD5 = {  # of the official gzip files
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MNIST_MIRRORS = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/"]
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def load_faithful() -> np.ndarray:
    """Old Faithful: array (272, 2) of (eruptions, waiting), both in minutes."""
    return np.loadtxt(DATA / "faithful.csv", delimiter=",", skiprows=1)


def load_iris() -> tuple[np.ndarray, np.ndarray]:
    """Iris: X (150, 4) in cm, y (150,) labels 0..2."""
    from sklearn.datasets import load_iris as sk_load_iris
    return sk_load_iris(return_X_y=True)


def parse_idx(raw: bytes) -> np.ndarray:
    """Decode the IDX format of the MNIST files (already decompressed)."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError("not an IDX file: bad magic number")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    offset = 4 + 4 * ndim
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - offset != expected:
        raise ValueError(f"IDX file truncated: {len(raw) - offset} data bytes, expected {expected}")
    return np.frombuffer(raw, dtype=dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


def _read_gz(path: Path, sha256: str | None = None) -> np.ndarray:
    raw = gzip.decompress(Path(path).read_bytes())
    if sha256 is not None and hashlib.sha256(raw).hexdigest() != sha256:
        raise ValueError(f"{path} is corrupted (SHA-256 mismatch); reinstall gmmkit")
    return parse_idx(raw)


def mnist_cache() -> Path:
    """Where the training set is looked for and downloaded to (``GMMKIT_DATA`` overrides)."""
    import pooch
    return Path(os.environ.get("GMMKIT_DATA") or pooch.os_cache("gmmkit")) / "mnist"


def _fetch_train(name: str) -> Path:
    import pooch
    cache = mnist_cache()
    local = cache / name
    md5 = MNIST_OFFICIAL_MD5[name]
    if local.exists() and pooch.file_hash(str(local), alg="md5") == md5:
        return local
    errors = []
    for mirror in MNIST_MIRRORS:
        try:
            return Path(pooch.retrieve(mirror + name, known_hash=f"md5:{md5}", fname=name,
                                       path=cache, progressbar=True))
        except Exception as exc:  # offline, refused, or a checksum mismatch: try the next
            errors.append(f"{mirror}: {type(exc).__name__}")
    raise RuntimeError(
        f"could not get the MNIST training file {name} ({'; '.join(errors)}).\n"
        f"Either download it by hand (MD5 {md5}) into {cache}, or set GMMKIT_DATA to a folder "
        "holding mnist/train-images-idx3-ubyte.gz and mnist/train-labels-idx1-ubyte.gz, or use "
        "load_mnist('test'), the 10,000 images the kit ships.")


def load_mnist(split: str = "test", binarize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """MNIST as X (n, 784) and labels y (n,).

    Pixels are scaled to [0, 1]; with ``binarize`` (the course's convention) a pixel above 0.5
    becomes 1.0 and every other 0.0. ``split="test"`` (n = 10,000) is shipped with the kit;
    ``split="train"`` (n = 60,000) is read from the local cache or downloaded once.
    """
    if split == "test":
        images = _read_gz(DATA / "mnist" / "t10k-images-idx3-ubyte.gz",
                          MNIST_SHIPPED["t10k-images-idx3-ubyte.gz"])
        labels = _read_gz(DATA / "mnist" / "t10k-labels-idx1-ubyte.gz",
                          MNIST_SHIPPED["t10k-labels-idx1-ubyte.gz"])
    elif split == "train":
        images = _read_gz(_fetch_train("train-images-idx3-ubyte.gz"))
        labels = _read_gz(_fetch_train("train-labels-idx1-ubyte.gz"))
    else:
        raise ValueError(f"split must be 'test' or 'train', not {split!r}")
    pixels = images.reshape(len(images), -1)
    if binarize:  # pixel / 255 > 0.5, decided on the bytes: no float copy of the grey image
        return (pixels > 127.5).astype(np.float64), labels.astype(np.int64)
    X = pixels.astype(np.float64)
    X /= 255.0
    return X, labels.astype(np.int64)


def mnist_available(split: str = "train") -> bool:
    """Whether ``load_mnist(split)`` works without the network."""
    if split == "test":
        return True
    import pooch
    return all((mnist_cache() / n).exists() and pooch.file_hash(str(mnist_cache() / n), alg="md5")
               == MNIST_OFFICIAL_MD5[n] for n in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"))
