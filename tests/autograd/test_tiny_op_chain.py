"""The per-op hot path (``x op number``, one-input float functions, the engine's chain loop)
gives PyTorch's values and gradients to the last bit on the tiny tensors it is tuned for, and
the same values as the general path elsewhere (other dtypes, larger tensors, 0-d tensors)."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk
from tests.oracle import check_grad

N_REPS = 50


def _chain(y):
    """bench_core's overhead chain: 200 tiny elementwise ops."""
    for _ in range(N_REPS):
        y = y * 1.0001
        y = y + 0.001
        y = y.tanh()
        y = y - 0.0001
    return y


def _run(lib, arr):
    x = lib.tensor(arr, requires_grad=True)
    y = _chain(x)
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("n", [1, 16, 256, 300])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_chain_matches_torch_bitwise(n, dtype):
    torch = pytest.importorskip("torch")
    arr = np.linspace(-2.0, 2.0, n).astype(dtype)
    y, g = _run(gk, arr)
    yt, gt = _run(torch, arr)
    assert y.dtype == yt.dtype and g.dtype == gt.dtype
    if dtype == np.float32 and n <= 256:  # rounded once: PyTorch's bits
        np.testing.assert_array_equal(y, yt)
        np.testing.assert_array_equal(g, gt)
    elif dtype == np.float32:  # NumPy's float32 tanh beyond the rounded-once size
        np.testing.assert_allclose(y, yt, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(g, gt, rtol=1e-4, atol=1e-6)
    else:  # (NumPy's float64 tanh is a last bit from PyTorch's in some entries)
        np.testing.assert_allclose(y, yt, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(g, gt, rtol=1e-12, atol=1e-15)


def test_chain_float16_and_0d_match_torch():
    torch = pytest.importorskip("torch")
    for arr in (np.linspace(-1.0, 1.0, 8).astype(np.float16), np.float32(0.25).reshape(())):
        y, g = _run(gk, arr)
        yt, gt = _run(torch, arr)
        assert y.dtype == yt.dtype and y.shape == yt.shape
        np.testing.assert_allclose(y, yt, rtol=2e-3)
        np.testing.assert_allclose(g, gt, rtol=2e-2)


def test_chain_gradient_finite_differences():
    rng = np.random.default_rng(0)
    x = gk.tensor(rng.standard_normal(5), dtype=gk.float64, requires_grad=True)
    check_grad(lambda t: ((t * 1.5 + 0.25).tanh() - 0.5).tanh() * 2.0, [x])


def test_unary_face_dtypes():
    """tanh of an integer tensor is the default float dtype; float16/32/64 keep theirs; the
    output records TanhBackward0 only where the input requires grad."""
    assert gk.tensor([1, 2]).tanh().dtype == gk.float32
    for dt in (gk.float16, gk.float32, gk.float64):
        x = gk.tensor([0.5, -0.25], dtype=dt, requires_grad=True)
        y = x.tanh()
        assert y.dtype == dt and type(y.grad_fn).__name__ == "TanhBackward0"
        np.testing.assert_allclose(y.detach().numpy(), np.tanh(np.array([0.5, -0.25])),
                                   rtol=1e-3)
    with gk.no_grad():
        assert gk.tensor([0.5], requires_grad=True).tanh().grad_fn is None


def test_scalar_face_nodes_and_leaf_grad():
    """The inline nodes of ``x op number`` read as PyTorch's (name, saved scalar) and the
    result tensor has no .grad of its own (reading it warns, as for any non-leaf)."""
    x = gk.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    assert type(y.grad_fn).__name__ == "MulBackward0"
    assert type((x + 1.0).grad_fn).__name__ == "AddBackward0"
    assert type((x - 1.0).grad_fn).__name__ == "SubBackward0"
    with pytest.warns(UserWarning, match="not a leaf"):
        assert y.grad is None
    y.retain_grad()
    y.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_multi_output_function_nodes():
    """A custom Function with two outputs: each output's grad_fn reads as the Function's node,
    and both gradients reach the input."""

    class Two(gk.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3

    x = gk.tensor([1.0, 2.0], requires_grad=True)
    a, b = Two.apply(x)
    assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__ == "TwoBackward"
    (a.sum() + b.sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])
