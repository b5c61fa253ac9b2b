"""The 2x2, stride-2 max pooling forward (pairs along the rows, then pairs of rows) and backward
(whole window rows per operation, the two elements of a window row as one 16-bit word) against
PyTorch: ties in every position of the window order, signed zeros, NaN, -inf windows, float32
and float64, chunks of samples, and a gradient that is not contiguous. Each case checks that the
fast path ran."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.ops import pooling as P


def _tie_heavy(rng, shape, dtype):
    x = np.round(np.maximum(rng.standard_normal(shape), 0) * 2) / 2  # ReLU zeros, few values
    x[0, 0, 0:2, 0:2] = 1.5  # all four equal
    x[0, 0, 0:2, 2:4] = [[1.0, 1.0], [0.0, 0.0]]  # the first row's pair
    x[0, 0, 2:4, 0:2] = [[0.0, 0.0], [2.0, 2.0]]  # the second row's pair
    x[0, 0, 2:4, 2:4] = [[0.0, 3.0], [3.0, 0.0]]  # the anti-diagonal
    x[0, 1, 0:2, 0:2] = [[-0.0, 0.0], [0.0, -0.0]]  # signed zeros compare equal
    x[0, 1, 0:2, 2:4] = -np.inf
    x[0, 1, 2:4, 0:2] = [[-1.0, -2.0], [-0.5, -0.5]]
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("chunk", [1, 1 << 30], ids=["one sample per chunk", "whole batch"])
@pytest.mark.parametrize("shape", [(3, 2, 8, 6), (2, 3, 4, 4), (1, 2, 6, 10)], ids=str)
def test_max_pool2d_2x2_backward_matches_torch(torch, rng, monkeypatch, dtype, chunk, shape):
    monkeypatch.setattr(P, "_POOL_CHUNK_BYTES", chunk)
    calls = []
    fast = P._max_pool_2x2_b
    monkeypatch.setattr(P, "_max_pool_2x2_b", lambda *a: calls.append(1) or fast(*a))
    x = _tie_heavy(rng, shape, dtype)
    u = rng.standard_normal((shape[0], shape[1], shape[3] // 2, shape[2] // 2)).astype(dtype)
    res = []
    for lib in (gk, torch):
        xt = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.max_pool2d(xt, 2)
        # through a transpose: the gradient reaching the pooling is not contiguous
        (y.transpose(2, 3) * lib.tensor(u)).sum().backward()
        res.append((y.detach().numpy(), xt.grad.numpy()))
    assert calls
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])


def test_max_pool2d_2x2_backward_leaves_other_geometries_to_the_general_loop(monkeypatch):
    calls = []
    monkeypatch.setattr(P, "_max_pool_2x2_b", lambda *a: calls.append(1))
    for kw in ({"kernel_size": 2, "padding": 1}, {"kernel_size": 2, "stride": 1},
               {"kernel_size": 3}):
        x = gk.randn(1, 2, 6, 6, requires_grad=True)
        gk.nn.functional.max_pool2d(x, **kw).sum().backward()
    x = gk.randn(1, 2, 5, 6, requires_grad=True)  # an odd height: the windows leave a row out
    gk.nn.functional.max_pool2d(x, 2).sum().backward()
    assert not calls


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("chunk", [1, 1 << 30], ids=["one sample per chunk", "whole batch"])
@pytest.mark.parametrize("shape", [(3, 2, 8, 6), (2, 3, 4, 4), (5, 4, 32, 34)], ids=str)
def test_max_pool2d_2x2_forward_matches_torch(torch, rng, monkeypatch, dtype, chunk,
                                                         shape):
    monkeypatch.setattr(P, "_POOL_CHUNK_BYTES", chunk)
    calls = []
    fast = P._max_pool_2x2_f
    monkeypatch.setattr(P, "_max_pool_2x2_f", lambda *a: calls.append(1) or fast(*a))
    x = _tie_heavy(rng, shape, dtype)
    x[0, 1, 2:4, 2:4] = [[np.nan, 1.0], [2.0, np.nan]]
    x[-1, -1, -2:, -2:] = [[-0.0, -0.0], [0.0, 0.0]]
    x[-1, 0] *= rng.choice([-1.0, 1.0], size=x.shape[2:])  # signed zeros everywhere
    y = gk.nn.functional.max_pool2d(gk.tensor(x), 2).numpy()
    assert calls
    ty = torch.nn.functional.max_pool2d(torch.tensor(x), 2).numpy()
    # (equal values; where zeros of both signs tie, NumPy's maximum, like the general loop
    # before, may keep either: -0.0 == 0.0 here, as PyTorch's own results compare)
    np.testing.assert_array_equal(y, ty)
    assert np.isnan(y).sum() == np.isnan(ty).sum() > 0
    # the same values as a running maximum over the four kernel offsets (the general loop)
    general = x[:, :, 0::2, 0::2].copy()
    for i, j in ((0, 1), (1, 0), (1, 1)):
        np.maximum(general, x[:, :, i::2, j::2], out=general)
    np.testing.assert_array_equal(y, general)


def test_max_pool2d_2x2_forward_leaves_other_geometries_to_the_general_loop(monkeypatch):
    calls = []
    monkeypatch.setattr(P, "_max_pool_2x2_f", lambda *a: calls.append(1))
    for kw in ({"kernel_size": 2, "padding": 1}, {"kernel_size": 2, "stride": 1},
               {"kernel_size": 3}, {"kernel_size": 2, "dilation": 2}):
        gk.nn.functional.max_pool2d(gk.randn(1, 2, 6, 6), **kw)
    gk.nn.functional.max_pool2d(gk.randn(1, 2, 5, 6), 2)  # an odd height
    gk.nn.functional.max_pool2d(gk.randn(1, 2, 6, 6).to(memory_format=gk.channels_last), 2)
    assert not calls
