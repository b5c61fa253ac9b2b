"""Max pooling's backward in chunks of samples (large inputs) against PyTorch: every window
geometry, ties (ReLU zeros: the first maximum in window order takes the gradient), with one
sample per chunk and with the whole batch at once."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.ops import pooling as P

CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 2, "dilation": 2},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
]


@pytest.mark.parametrize("chunk", [1, 1 << 30], ids=["one sample per chunk", "whole batch"])
@pytest.mark.parametrize("kw", CASES, ids=str)
def test_max_pool2d_backward_chunks_match_torch(torch, rng, monkeypatch, kw, chunk):
    monkeypatch.setattr(P, "_POOL_CHUNK_BYTES", chunk)
    x = np.maximum(rng.standard_normal((5, 3, 9, 8)), 0).astype(np.float32)  # ties at zero
    x[0, 0, :2, :2] = 1.5  # a window of equal maxima
    res = []
    for lib in (gk, torch):
        xt = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.max_pool2d(xt, **kw)
        u = lib.tensor(np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(np.float32))
        (y * u).sum().backward()
        res.append((y.detach().numpy(), xt.grad.numpy()))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-6, atol=1e-6)


def test_max_pool_backward_of_an_empty_batch(torch):
    for lib in (gk, torch):
        x = lib.zeros((0, 2, 4, 4), dtype=lib.float64, requires_grad=True)
        lib.nn.functional.max_pool2d(x, 2).sum().backward()
        assert tuple(x.grad.shape) == (0, 2, 4, 4)
