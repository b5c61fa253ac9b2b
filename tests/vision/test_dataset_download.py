"""download=True: files fetched from a local HTTP server standing in for the mirrors, MD5s
checked, archives unpacked safely, nothing fetched twice, clear errors."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from gradkit.vision import datasets

pytest.importorskip("PIL.Image")


def _idx(arr):
    code = {np.uint8: 0x08}[arr.dtype.type]
    head = bytes([0, 0, code, arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    return head + arr.tobytes()


@pytest.fixture
def server(http_folder):
    return http_folder


def _publish_mnist(www, n=5):
    rng = np.random.default_rng(0)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
              "train-labels-idx1-ubyte": rng.integers(0, 10, n).astype(np.uint8),
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte": rng.integers(0, 10, 2).astype(np.uint8)}
    resources = []
    for base, arr in arrays.items():
        blob = gzip.compress(_idx(arr))
        (www / (base + ".gz")).write_bytes(blob)
        resources.append((base + ".gz", hashlib.md5(blob).hexdigest()))
    return arrays, resources


def test_mnist_downloads_verifies_and_unpacks_once(tmp_path, server, monkeypatch):
    url, www, seen = server
    arrays, resources = _publish_mnist(www)
    # the first mirror is down: the next one is tried, as torchvision does
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/", url])
    monkeypatch.setattr(datasets.FashionMNIST, "resources", resources)
    root = tmp_path / "data"
    ds = datasets.FashionMNIST(str(root), train=True, download=True)
    assert len(ds) == 5 and ds.data.numpy().tolist() == arrays["train-images-idx3-ubyte"].tolist()
    raw = root / "FashionMNIST" / "raw"
    assert (raw / "train-images-idx3-ubyte").is_file() and not list(raw.glob("*.part"))
    fetched = len(seen)
    assert fetched == 2  # images and labels of the training split
    assert len(datasets.FashionMNIST(str(root), train=True, download=True)) == 5
    assert len(seen) == fetched  # present: nothing fetched again
    assert len(datasets.FashionMNIST(str(root), train=False, download=True)) == 2


def test_mnist_download_with_a_wrong_md5_keeps_nothing(tmp_path, server, monkeypatch):
    url, www, _ = server
    _, resources = _publish_mnist(www)
    monkeypatch.setattr(datasets.MNIST, "mirrors", [url])
    monkeypatch.setattr(datasets.MNIST, "resources", [(f, "0" * 32) for f, _ in resources])
    with pytest.raises(RuntimeError, match="MD5 is not the published") as err:
        datasets.MNIST(str(tmp_path), download=True)
    assert "Without network access: put the four IDX files" in str(err.value)
    assert list((tmp_path / "MNIST" / "raw").iterdir()) == []  # no partial or unchecked file


def _cifar_archive(www, folder, names, key, meta, meta_key, extra=None):
    buf = io.BytesIO()
    rng = np.random.default_rng(1)
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        def add(name, obj):
            blob = pickle.dumps(obj, protocol=2)
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))

        for name in names:
            add(f"{folder}/{name}", {key: [int(v) for v in rng.integers(0, 10, 3)],
                                     "data": rng.integers(0, 256, (3, 3072), dtype=np.uint8)})
        add(f"{folder}/{meta}", {meta_key: [f"c{i}" for i in range(10)]})
        if extra:
            add(extra, {"x": 1})
    blob = buf.getvalue()
    (www / "cifar.tar.gz").write_bytes(blob)
    return hashlib.md5(blob).hexdigest()


def test_cifar10_downloads_and_extracts(tmp_path, server, monkeypatch):
    url, www, seen = server
    md5 = _cifar_archive(www, "cifar-10-batches-py", [f"data_batch_{i}" for i in range(1, 6)]
                         + ["test_batch"], "labels", "batches.meta", "label_names")
    monkeypatch.setattr(datasets.CIFAR10, "url", url + "cifar.tar.gz")
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", md5)
    ds = datasets.CIFAR10(str(tmp_path), train=True, download=True)
    assert len(ds) == 15 and ds.classes[3] == "c3"
    assert len(datasets.CIFAR10(str(tmp_path), train=False, download=True)) == 3
    assert len(seen) == 1  # the archive once


def test_archive_members_outside_the_folder_are_refused(tmp_path, server, monkeypatch):
    url, www, _ = server
    md5 = _cifar_archive(www, "cifar-100-python", ["train", "test"], "fine_labels", "meta",
                         "fine_label_names", extra="../escaped")
    monkeypatch.setattr(datasets.CIFAR100, "url", url + "cifar.tar.gz")
    monkeypatch.setattr(datasets.CIFAR100, "tgz_md5", md5)
    root = tmp_path / "root"
    with pytest.raises(Exception, match="escaped|outside"):
        datasets.CIFAR100(str(root), download=True)
    assert not (tmp_path / "escaped").exists()


def test_no_network_error_says_what_to_put_where(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.CIFAR10, "url", "http://127.0.0.1:9/cifar-10-python.tar.gz")
    with pytest.raises(RuntimeError) as err:
        datasets.CIFAR10(str(tmp_path), download=True)
    msg = str(err.value)
    assert "could not download cifar-10-python.tar.gz" in msg
    assert os.path.join(str(tmp_path), "cifar-10-batches-py") in msg and "data_batch_1" in msg
