"""A real task: a small CNN (Conv2d, BatchNorm2d, MaxPool2d, ReLU, Linear) learns the
scikit-learn digits data set (1,797 real 8x8 images) to at least 97% test accuracy."""

import contextlib

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))  # 16 x 4 x 4
        x = self.pool(F.relu(self.conv2(x)))  # 32 x 2 x 2
        return self.fc(x.flatten(1))


def _one_blas_thread():
    """These GEMMs are small: on a loaded 2-core machine, a second OpenBLAS thread mostly waits
    for a core (observed 20+ ms stalls per call), so the test pins BLAS to one thread when
    threadpoolctl is available. Results do not depend on it."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def test_cnn_reaches_97_percent_on_digits():
    with _one_blas_thread():
        _train_and_check()


def _train_and_check():
    datasets = pytest.importorskip("sklearn.datasets")
    model_selection = pytest.importorskip("sklearn.model_selection")
    digits = datasets.load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]  # (1797, 1, 8, 8)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = model_selection.train_test_split(
        x, y, test_size=0.25, random_state=0)

    gk.manual_seed(0)
    model = DigitsCNN()
    opt = gk.optim.Adam(model.parameters(), lr=5e-3)
    rng = np.random.default_rng(0)
    batch = 64
    for _epoch in range(12):
        model.train()
        order = rng.permutation(len(x_train))
        for start in range(0, len(order) - batch + 1, batch):
            idx = order[start:start + batch]
            loss = F.cross_entropy(model(gk.tensor(x_train[idx])), gk.tensor(y_train[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with gk.no_grad():
        logits = model(gk.tensor(x_test))
    accuracy = float((logits.argmax(1).numpy() == y_test).mean())
    assert accuracy >= 0.97, f"test accuracy {accuracy:.4f}"
    assert int(model.bn1.num_batches_tracked.item()) == 12 * (len(x_train) // batch)
