"""MNIST / FashionMNIST from tiny IDX files built on the fly (plain and gzip), and their errors."""

import gzip
import struct

import numpy as np
import pytest

import gradkit as gk
from gradkit.datasets import MNIST, FashionMNIST, IDXFormatError, read_idx
from gradkit.utils.data import DataLoader


def _idx_bytes(arr, code=0x08):
    head = struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    dt = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    return head + arr.astype(dt).tobytes()


def _write(path, data, gz):
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def _make_set(folder, n_train=6, n_test=4, gz=False, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        _write(folder / f"{prefix}-images-idx3-ubyte", _idx_bytes(images), gz)
        _write(folder / f"{prefix}-labels-idx1-ubyte", _idx_bytes(labels), gz)
        arrays[prefix] = (images, labels)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_read_mnist(tmp_path, gz):
    arrays = _make_set(tmp_path, gz=gz)
    for train, prefix in ((True, "train"), (False, "t10k")):
        ds = MNIST(tmp_path, train=train)
        images, labels = arrays[prefix]
        assert len(ds) == len(labels)
        assert ds.data.dtype == gk.uint8 and tuple(ds.data.shape) == images.shape
        assert ds.targets.dtype == gk.int64
        np.testing.assert_array_equal(ds.targets.numpy(), labels)
        img, label = ds[1]
        assert img.dtype == gk.float32 and tuple(img.shape) == (1, 28, 28)
        np.testing.assert_allclose(img.numpy()[0], images[1] / 255.0, rtol=1e-6)
        assert label.item() == labels[1] and label.dtype == gk.int64
        x, _ = next(iter(DataLoader(ds, batch_size=3)))
        assert tuple(x.shape) == (3, 1, 28, 28)
        np.testing.assert_allclose(x.numpy()[:, 0], images[:3] / 255.0, rtol=1e-6)


def test_torchvision_layout_and_fashion(tmp_path):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    _make_set(raw, gz=True)
    ds = FashionMNIST(tmp_path, train=False, transform=lambda x: x.flatten())
    assert tuple(ds[0][0].shape) == (784,) and ds.classes[9] == "Ankle boot"


def test_read_idx_other_types(tmp_path):
    for code, dtype in ((0x09, np.int8), (0x0B, np.int16), (0x0C, np.int32), (0x0D, np.float32),
                        (0x0E, np.float64)):
        arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
        p = _write(tmp_path / f"x{code}", _idx_bytes(arr, code), gz=False)
        back = read_idx(p)
        np.testing.assert_array_equal(back, arr)
        assert back.dtype == dtype and back.dtype.isnative


def test_missing_files_and_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.*gradkit downloads"):
        MNIST(tmp_path)
    with pytest.raises(RuntimeError, match="downloads nothing"):
        MNIST(tmp_path, download=True)


def test_bad_magic(tmp_path):
    _make_set(tmp_path)
    p = tmp_path / "train-images-idx3-ubyte"
    raw = bytearray(p.read_bytes())
    raw[0:4] = b"\x1f\x8b\x08\x00"  # e.g. a gzip file without the .gz name
    p.write_bytes(bytes(raw))
    with pytest.raises(IDXFormatError, match=r"train-images-idx3-ubyte: bad magic number"):
        MNIST(tmp_path)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_and_oversized(tmp_path, gz):
    _make_set(tmp_path, gz=gz)
    name = "t10k-labels-idx1-ubyte" + (".gz" if gz else "")
    p = tmp_path / name
    data = gzip.decompress(p.read_bytes()) if gz else p.read_bytes()
    for bad, what in ((data[:-1], "truncated"), (data + b"\0", "size mismatch"),
                      (data[:6], "truncated inside its header")):
        _write(tmp_path / "t10k-labels-idx1-ubyte", bad, gz)
        with pytest.raises(IDXFormatError, match=what) as info:
            MNIST(tmp_path, train=False)
        assert name in str(info.value)


def test_truncated_gzip_stream(tmp_path):
    _make_set(tmp_path, gz=True)
    p = tmp_path / "train-labels-idx1-ubyte.gz"
    p.write_bytes(p.read_bytes()[:-12])
    with pytest.raises(IDXFormatError, match="gzip stream is truncated"):
        MNIST(tmp_path)


def test_count_and_shape_mismatch(tmp_path):
    _make_set(tmp_path)
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(np.zeros(5, np.uint8)), False)
    with pytest.raises(IDXFormatError, match="holds 6 images but .* holds 5 labels"):
        MNIST(tmp_path)
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(np.zeros((6, 2), np.uint8)), False)
    with pytest.raises(IDXFormatError, match="expected 1 dimension"):
        MNIST(tmp_path)
