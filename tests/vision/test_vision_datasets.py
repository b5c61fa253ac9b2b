"""gradkit.vision.datasets on small files the tests write in torchvision's layouts."""

import gzip
import os
import pickle

import numpy as np
import pytest
import torch

import gradkit as gk
from gradkit.utils.data import DataLoader
from gradkit.vision import datasets, transforms

Image = pytest.importorskip("PIL.Image")


def _idx(arr: np.ndarray) -> bytes:
    code = {np.uint8: 0x08, np.int32: 0x0C}[arr.dtype.type]
    head = bytes([0, 0, code, arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def _write_mnist(root, name, n=6, gz=False, train=True):
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw, exist_ok=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    prefix = "train" if train else "t10k"
    for base, arr in ((f"{prefix}-images-idx3-ubyte", images), (f"{prefix}-labels-idx1-ubyte",
                                                                 labels)):
        data = _idx(arr)
        if gz:
            with gzip.open(os.path.join(raw, base + ".gz"), "wb") as fh:
                fh.write(data)
        else:
            with open(os.path.join(raw, base), "wb") as fh:
                fh.write(data)
    return images, labels


@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST])
@pytest.mark.parametrize("gz", [False, True])
def test_mnist_family_reads_raw_idx(tmp_path, cls, gz):
    images, labels = _write_mnist(tmp_path, cls.__name__, gz=gz, train=False)
    ds = cls(str(tmp_path), train=False)
    assert len(ds) == 6
    img, target = ds[2]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    np.testing.assert_array_equal(np.asarray(img), images[2])
    assert target == int(labels[2]) and type(target) is int
    assert ds.data.dtype == gk.uint8 and tuple(ds.data.shape) == (6, 28, 28)
    assert ds.targets.dtype == gk.int64
    assert ds.class_to_idx[ds.classes[3]] == 3
    assert "Split: Test" in repr(ds)
    # download=True with the files present is accepted (nothing to fetch)
    assert len(cls(str(tmp_path), train=False, download=True)) == 6


def test_mnist_transforms_and_dataloader(tmp_path):
    images, labels = _write_mnist(tmp_path, "MNIST", n=10)
    ds = datasets.MNIST(tmp_path, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]),
        target_transform=lambda t: t + 100)
    x, y = ds[0]
    ref = (torch.from_numpy(images[0]).float().div(255)[None] - 0.1307) / 0.3081
    np.testing.assert_allclose(x.numpy(), ref.numpy(), rtol=1e-6, atol=1e-6)
    assert y == int(labels[0]) + 100
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert tuple(xb.shape) == (4, 1, 28, 28) and xb.dtype == gk.float32
    assert yb.tolist() == [int(v) + 100 for v in labels[:4]]


def test_mnist_missing_files_say_where(tmp_path, monkeypatch):
    # no server answers on port 9 (discard): the download fails at once, hermetically
    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    with pytest.raises(RuntimeError) as err:
        datasets.MNIST(tmp_path, download=True)
    msg = str(err.value)
    assert os.path.join(str(tmp_path), "MNIST", "raw") in msg
    assert "train-images-idx3-ubyte" in msg and "Without network access" in msg
    assert "http://127.0.0.1:9/train-images-idx3-ubyte.gz" in msg
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.FashionMNIST(tmp_path)


def _write_cifar(root, folder, names, key, meta_name, meta_key, n=4, protocol=2):
    d = os.path.join(root, folder)
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(1)
    all_data, all_labels = [], []
    for name in names:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, n)]
        with open(os.path.join(d, name), "wb") as fh:
            pickle.dump({"batch_label": "b", key: labels, "data": data,
                         "filenames": [f"f{i}.png" for i in range(n)]}, fh, protocol=protocol)
        all_data.append(data)
        all_labels += labels
    with open(os.path.join(d, meta_name), "wb") as fh:
        pickle.dump({meta_key: [f"class{i}" for i in range(10)], "num_vis": 3072}, fh,
                    protocol=protocol)
    return np.vstack(all_data), all_labels


@pytest.mark.parametrize("protocol", [2, 4])
def test_cifar10_reads_python_batches(tmp_path, protocol):
    data, labels = _write_cifar(tmp_path, "cifar-10-batches-py",
                                [f"data_batch_{i}" for i in range(1, 6)], "labels",
                                "batches.meta", "label_names", protocol=protocol)
    _write_cifar(tmp_path, "cifar-10-batches-py", ["test_batch"], "labels", "batches.meta",
                 "label_names", n=3, protocol=protocol)
    ds = datasets.CIFAR10(tmp_path, train=True)
    assert len(ds) == 20 and ds.data.shape == (20, 32, 32, 3) and ds.targets == labels
    img, target = ds[7]
    assert isinstance(img, Image.Image) and img.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(img), data[7].reshape(3, 32, 32).transpose(1, 2, 0))
    assert target == labels[7]
    assert ds.classes[2] == "class2" and ds.class_to_idx["class9"] == 9
    assert len(datasets.CIFAR10(tmp_path, train=False)) == 3


def test_cifar100_fine_labels(tmp_path):
    _, labels = _write_cifar(tmp_path, "cifar-100-python", ["train"], "fine_labels", "meta",
                             "fine_label_names")
    ds = datasets.CIFAR100(tmp_path, transform=transforms.ToTensor())
    x, y = ds[1]
    assert tuple(x.shape) == (3, 32, 32) and y == labels[1]
    with pytest.raises(RuntimeError) as err:
        datasets.CIFAR100(tmp_path, train=False)
    assert os.path.join(str(tmp_path), "cifar-100-python") in str(err.value)
    assert "test" in str(err.value)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_cifar_pickle_that_runs_code_is_refused(tmp_path):
    d = tmp_path / "cifar-10-batches-py"
    d.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["batches.meta"]:
        with open(d / name, "wb") as fh:
            pickle.dump({"data": _Evil(), "labels": []}, fh, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        datasets.CIFAR10(tmp_path)


def _write_folder(root, layout):
    rng = np.random.default_rng(2)
    arrays = {}
    for cls, files in layout.items():
        os.makedirs(os.path.join(root, cls), exist_ok=True)
        for f in files:
            path = os.path.join(root, cls, f)
            if f.endswith(".png"):
                arr = rng.integers(0, 256, (5, 6, 3), dtype=np.uint8)
                Image.fromarray(arr).save(path)
                arrays[path] = arr
            else:
                with open(path, "w") as fh:
                    fh.write("not an image")
    return arrays


def test_image_folder(tmp_path):
    arrays = _write_folder(tmp_path, {"dog": ["b.png", "a.png", "notes.txt"], "cat": ["z.png"],
                                      "bird": ["x.png"]})
    os.makedirs(tmp_path / "dog" / "sub")
    Image.fromarray(np.zeros((2, 2), np.uint8)).save(tmp_path / "dog" / "sub" / "c.png")
    ds = datasets.ImageFolder(str(tmp_path))
    assert ds.classes == ["bird", "cat", "dog"]
    assert ds.class_to_idx == {"bird": 0, "cat": 1, "dog": 2}
    rel = [(os.path.relpath(p, tmp_path), t) for p, t in ds.samples]
    assert rel == [("bird/x.png", 0), ("cat/z.png", 1), ("dog/a.png", 2), ("dog/b.png", 2),
                   ("dog/sub/c.png", 2)]
    assert ds.targets == [0, 1, 2, 2, 2] and ds.imgs == ds.samples
    img, target = ds[2]
    assert img.mode == "RGB" and target == 2
    np.testing.assert_array_equal(np.asarray(img), arrays[str(tmp_path / "dog" / "a.png")])
    gray, _ = ds[4]
    assert gray.mode == "RGB"  # the default loader converts to RGB
    t = datasets.ImageFolder(tmp_path, transform=transforms.ToTensor(),
                             is_valid_file=lambda p: p.endswith("b.png") or p.endswith("z.png")
                             or p.endswith("x.png"))
    assert len(t) == 3 and tuple(t[0][0].shape) == (3, 5, 6)


def test_dataset_folder_rules(tmp_path):
    _write_folder(tmp_path, {"a": ["1.npy.txt"], "b": ["2.png"]})
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes a"):
        datasets.ImageFolder(tmp_path)
    ds = datasets.ImageFolder(tmp_path, allow_empty=True)
    assert ds.classes == ["a", "b"] and ds.targets == [1]
    calls = []
    df = datasets.DatasetFolder(tmp_path, loader=lambda p: calls.append(p) or "x",
                                extensions=(".txt",), allow_empty=True)
    assert [t for _, t in df.samples] == [0] and df[0] == ("x", 0) and len(calls) == 1
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        datasets.DatasetFolder(tmp_path, loader=str)
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        datasets.DatasetFolder(tmp_path, loader=str, extensions=".png", is_valid_file=bool)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(empty)


def test_fake_data_is_seeded_per_index_and_restores_the_stream():
    ds = datasets.FakeData(size=5, image_size=(3, 6, 7), num_classes=4, random_offset=10)
    gk.manual_seed(123)
    img, target = ds[2]
    after = gk.rand(1).item()
    gk.manual_seed(123)
    assert gk.rand(1).item() == after  # FakeData restored the global random state
    torch.manual_seed(12)
    ref = torch.randn(3, 6, 7)
    ref_target = torch.randint(0, 4, size=(1,), dtype=torch.long)[0].item()
    assert target == ref_target
    with np.errstate(invalid="ignore"):
        ref_img = (ref.numpy().transpose(1, 2, 0) * 255).astype(np.uint8)
    np.testing.assert_array_equal(np.asarray(img), ref_img)
    assert len(ds) == 5
    with pytest.raises(IndexError):
        ds[5]
    t = datasets.FakeData(size=2, image_size=(1, 4, 4), transform=transforms.ToTensor())
    assert tuple(t[0][0].shape) == (1, 4, 4)
