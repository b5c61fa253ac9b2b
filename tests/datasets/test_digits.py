"""Digits: the real 8x8 digits from scikit-learn, split fixed and stratified."""

import sys

import numpy as np
import pytest

import gradkit as gk
from gradkit.utils.data import DataLoader

pytest.importorskip("sklearn")
from gradkit.datasets import Digits
from gradkit.datasets import digits as digits_module


def test_sizes_types_and_range():
    train, test = Digits(train=True), Digits(train=False)
    assert len(train) + len(test) == 1797
    assert len(test) == 450
    img, label = train[0]
    assert img.dtype == gk.float32 and tuple(img.shape) == (1, 8, 8)
    assert label.dtype == gk.int64 and label.shape == ()
    assert train.data.shape == (len(train), 1, 8, 8) and train.targets.dtype == gk.int64
    data = train.data.numpy()
    assert data.min() == 0.0 and data.max() == 1.0
    assert train.classes == [str(i) for i in range(10)]


def test_split_is_stratified_disjoint_and_deterministic():
    from sklearn.datasets import load_digits

    full = load_digits()
    train, test = Digits(train=True), Digits(train=False)
    tr, te = np.bincount(train.targets.numpy()), np.bincount(test.targets.numpy())
    total = np.bincount(full.target)
    np.testing.assert_array_equal(tr + te, total)
    assert np.all(np.abs(te - 0.25 * total) <= 1)
    # the images are the real ones: each sample is a row of sklearn's data, scaled by 1/16
    rows = {r.tobytes() for r in (full.data / 16).astype(np.float32)}
    assert all(train.data.numpy()[i].reshape(-1).tobytes() in rows for i in range(0, 1347, 97))
    train_rows = {r.tobytes() for r in train.data.numpy()}
    test_rows = [r.tobytes() for r in test.data.numpy()]
    assert sum(r in train_rows for r in test_rows) < 5  # (a few real duplicates exist)
    again = Digits(train=False)
    np.testing.assert_array_equal(again.targets.numpy(), test.targets.numpy())
    other = Digits(train=False, seed=1)
    assert not np.array_equal(other.data.numpy(), test.data.numpy())
    assert len(Digits(train=False, test_size=0.5)) in range(895, 902)


def test_transforms_and_loader_fast_path():
    ds = Digits(train=False, transform=lambda x: x * 2, target_transform=lambda y: y + 100)
    img, label = ds[3]
    plain = Digits(train=False)
    np.testing.assert_array_equal(img.numpy(), plain[3][0].numpy() * 2)
    assert label.item() == plain[3][1].item() + 100
    fast = list(DataLoader(plain, batch_size=100))
    slow = list(DataLoader(plain, batch_size=100, collate_fn=lambda b: gk.utils.data
                           .default_collate(b)))
    assert len(fast) == 5
    for (a, b), (c, d) in zip(fast, slow):
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        np.testing.assert_array_equal(b.numpy(), d.numpy())
        assert a.dtype == gk.float32 and b.dtype == gk.int64


def test_bad_test_size():
    with pytest.raises(ValueError, match="test_size"):
        Digits(test_size=1.5)


def test_missing_scikit_learn_gives_clear_error(monkeypatch):
    digits_module._load_digits.cache_clear()
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    try:
        with pytest.raises(ImportError, match=r"pip install gradkit\[train\]"):
            Digits()
    finally:
        digits_module._load_digits.cache_clear()
