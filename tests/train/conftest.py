"""Fixtures for the training-loop tests: digits loaders and a fresh model/optimizer per call."""

import numpy as np
import pytest
from train_helpers import SoftmaxRegression

import gradkit as gk


@pytest.fixture
def digits_arrays():
    """(x_train, y_train, x_test, y_test): 8x8 digits in [0, 1], flattened to 64."""
    datasets = pytest.importorskip("gradkit.datasets")
    pytest.importorskip("sklearn")
    tr, te = datasets.Digits(train=True), datasets.Digits(train=False)
    return (np.asarray(tr.data).reshape(len(tr), -1), np.asarray(tr.targets),
            np.asarray(te.data).reshape(len(te), -1), np.asarray(te.targets))


@pytest.fixture
def make_job(digits_arrays):
    """``make_job(seed=0, lr=0.05, shuffle=True, optimizer="adam", dropout=0.0)`` ->
    (model, optimizer, train_loader, test_loader), all freshly built from the seed."""
    from gradkit.utils.data import DataLoader, TensorDataset

    xtr, ytr, xte, yte = digits_arrays

    def make(seed=0, lr=0.05, shuffle=True, optimizer="adam", dropout=0.0, batch_size=64):
        gk.manual_seed(seed)
        model = SoftmaxRegression(dropout=dropout)
        if optimizer == "adam":
            opt = gk.optim.Adam(model.parameters(), lr=lr)
        else:
            opt = gk.optim.SGD(model.parameters(), lr=lr)
        train = DataLoader(TensorDataset(gk.tensor(xtr), gk.tensor(ytr)), batch_size=batch_size,
                           shuffle=shuffle,
                           generator=gk.Generator().manual_seed(seed + 1) if shuffle else None)
        test = DataLoader(TensorDataset(gk.tensor(xte), gk.tensor(yte)), batch_size=256)
        return model, opt, train, test

    return make
