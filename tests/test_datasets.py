import gzip
import struct

import numpy as np
import pytest

from gmmkit import datasets


def test_old_faithful_has_its_documented_shape_and_means():
    X = datasets.load_faithful()
    assert X.shape == (272, 2)
    np.testing.assert_allclose(X.mean(axis=0), [3.487783, 70.897059], atol=1e-6)


def test_the_shipped_mnist_test_set_has_the_documented_label_counts_and_is_binary():
    X, y = datasets.load_mnist("test")
    assert X.shape == (10_000, 784) and y.shape == (10_000,)
    np.testing.assert_array_equal(np.bincount(y), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    assert set(np.unique(X)) == {0.0, 1.0}
    grey, _ = datasets.load_mnist("test", binarize=False)
    assert grey.max() == 1.0 and 0 < grey.mean() < 0.2
    np.testing.assert_array_equal(X, grey > 0.5)


def test_parse_idx_reads_the_format_and_rejects_damage():
    data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    raw = bytes([0, 0, 0x08, 3]) + struct.pack(">3i", 2, 3, 4) + data.tobytes()
    np.testing.assert_array_equal(datasets.parse_idx(raw), data)
    ints = np.array([1, -2, 70000], dtype=">i4")
    np.testing.assert_array_equal(datasets.parse_idx(bytes([0, 0, 0x0C, 1]) + struct.pack(">i", 3) + ints.tobytes()), [1, -2, 70000])
    with pytest.raises(ValueError, match="truncated"):
        datasets.parse_idx(raw[:-1])
    with pytest.raises(ValueError, match="magic"):
        datasets.parse_idx(b"\x1f\x8b" + raw[2:])


def test_a_corrupted_shipped_file_is_detected(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 1, 7])))
    with pytest.raises(ValueError, match="SHA-256"):
        datasets._read_gz(path, "0" * 64)


def test_the_training_set_offline_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("GMMKIT_DATA", str(tmp_path))
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", ["http://127.0.0.1:9/"])  # nothing listens
    assert not datasets.mnist_available("train")
    with pytest.raises(RuntimeError, match=r"(?s)download it by hand.*load_mnist\('test'\)"):
        datasets.load_mnist("train")


def test_the_training_set_is_read_from_a_local_copy_when_its_checksum_matches(tmp_path, monkeypatch):
    monkeypatch.setenv("GMMKIT_DATA", str(tmp_path))
    (tmp_path / "mnist").mkdir()
    images = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    files = {"train-images-idx3-ubyte.gz": bytes([0, 0, 8, 3]) + struct.pack(">3i", 5, 28, 28) + images.tobytes(),
             "train-labels-idx1-ubyte.gz": bytes([0, 0, 8, 1]) + struct.pack(">i", 5) + bytes([3, 1, 4, 1, 5])}
    import hashlib
    md5 = {}
    for name, raw in files.items():
        blob = gzip.compress(raw)
        (tmp_path / "mnist" / name).write_bytes(blob)
        md5[name] = hashlib.md5(blob).hexdigest()
    monkeypatch.setattr(datasets, "MNIST_OFFICIAL_MD5", md5)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", [])
    X, y = datasets.load_mnist("train")
    assert X.shape == (5, 784) and list(y) == [3, 1, 4, 1, 5]
    np.testing.assert_array_equal(X, images.reshape(5, -1) / 255 > 0.5)
