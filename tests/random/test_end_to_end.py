"""A seeded training script, written once against the shared API, gives PyTorch's loss at every
step on gradkit: initial weights, dropout masks and shuffle orders are the same numbers, so the
losses differ only by float32 rounding of the arithmetic."""

import numpy as np
import pytest


def _mlp(m):
    nn = m.nn
    return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 32),
                         nn.Tanh(), nn.Dropout(0.2), nn.Linear(32, 5))


def _cnn(m):
    nn = m.nn
    return nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Dropout2d(0.25), nn.Conv2d(6, 8, 3), nn.ReLU(), nn.Flatten(),
                         nn.Dropout(0.5), nn.Linear(8 * 2 * 2, 5))


def _run(m, model_fn, shape, seed=0, epochs=3):
    from importlib import import_module

    data = import_module(m.__name__ + ".utils.data")
    m.manual_seed(seed)
    x = m.randn(96, *shape)
    y = m.randint(0, 5, (96,))
    model = model_fn(m)
    opt = m.optim.Adam(model.parameters(), lr=3e-3)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=16, shuffle=True)
    losses = []
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss = m.nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return np.array(losses)


@pytest.mark.parametrize("model_fn,shape", [(_mlp, (20,)), (_cnn, (1, 8, 8))],
                         ids=["mlp", "cnn"])
def test_seeded_training_matches_torch_step_by_step(torch_default_bernoulli, model_fn, shape):
    torch = torch_default_bernoulli
    import gradkit as gk

    t = _run(torch, model_fn, shape)
    g = _run(gk, model_fn, shape)
    assert len(g) == len(t) == 18
    np.testing.assert_allclose(g, t, rtol=2e-5, atol=0)
    assert g[-1] < g[0]  # it trains
