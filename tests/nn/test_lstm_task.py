"""A real task: an LSTM learns to tell whether a sequence of +-1 has a positive sum.

The sequence length is odd, so the sum is never zero. Held-out accuracy must reach 95%.
"""

from __future__ import annotations

import numpy as np

import gradkit as gk
from gradkit import nn

T = 15


def _data(rng, n):
    x = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(n, T, 1))
    y = (x.sum(axis=(1, 2)) > 0).astype(np.int64)
    return x, y


class _Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 24, batch_first=True)
        self.head = nn.Linear(24, 2)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


def _cross_entropy(logits, y):
    logp = gk.log_softmax(logits, 1)
    return -gk.gather(logp, 1, y.reshape(-1, 1)).mean()


class _Adam:
    """Plain Adam on raw arrays (used only if gradkit.optim.Adam is missing)."""

    def __init__(self, params, lr):
        self.params, self.lr, self.t = list(params), lr, 0
        self.m = [np.zeros_like(p.detach().numpy()) for p in self.params]
        self.v = [np.zeros_like(p.detach().numpy()) for p in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        self.t += 1
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad.numpy()
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            mh = m / (1 - 0.9 ** self.t)
            vh = v / (1 - 0.999 ** self.t)
            p._data -= (self.lr * mh / (np.sqrt(vh) + 1e-8)).astype(p._data.dtype)


def test_lstm_learns_sign_of_sum():
    gk.manual_seed(0)
    rng = np.random.default_rng(0)
    model = _Classifier()
    adam = getattr(getattr(gk, "optim", None), "Adam", None)
    opt = adam(model.parameters(), lr=1e-2) if adam is not None else _Adam(
        model.parameters(), 1e-2)
    x_test, y_test = _data(rng, 1000)
    acc = 0.0
    for step in range(600):
        x, y = _data(rng, 64)
        loss = _cross_entropy(model(gk.tensor(x)), gk.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 99:
            with gk.no_grad():
                pred = model(gk.tensor(x_test)).numpy().argmax(1)
            acc = float((pred == y_test).mean())
            print(f"step {step + 1}: held-out accuracy {acc:.3f}")
            if acc >= 0.98:
                break
    assert acc >= 0.95, f"held-out accuracy {acc:.3f}"
