"""The array helpers of ``gradkit._backend``: bias-gradient column sums."""

import numpy as np
import pytest

import gradkit as gk
from gradkit._backend import channel_sums, column_sums


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1024, 384), (64, 3), (63, 5), (700, 1)])
def test_column_sums_are_the_row_sum_within_rounding(dtype, shape):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape).astype(dtype)
    got = column_sums(a)
    assert got.dtype == dtype and got.shape == (shape[1],)
    exact = a.astype(np.float64).sum(axis=0)
    tol = shape[0] * np.finfo(dtype).eps * np.abs(a).sum(axis=0).max()
    np.testing.assert_allclose(got, exact, rtol=0, atol=tol)


def test_column_sums_keep_infinities_nans_and_zeros():
    a = np.zeros((128, 5), np.float32)
    a[3, 0] = np.inf
    a[3, 1], a[9, 1] = np.inf, -np.inf
    a[5, 2] = np.nan
    a[:, 3] = -0.0
    a[:, 4] = np.float32(3e38)  # overflows to inf, as the sum does
    got = column_sums(a)
    want = a.sum(axis=0)
    np.testing.assert_array_equal(got, want)
    assert not np.signbit(got[3])


def test_column_sums_of_strided_and_integer_arrays_are_numpy_sums():
    a = np.arange(300 * 4, dtype=np.float32).reshape(300, 4)
    np.testing.assert_array_equal(column_sums(a.T.copy().T), a.sum(axis=0))
    np.testing.assert_array_equal(column_sums(a[::2]), a[::2].sum(axis=0))
    i = np.arange(200 * 3).reshape(200, 3)
    np.testing.assert_array_equal(column_sums(i), i.sum(axis=0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64, 16, 24, 24), (5, 3, 7), (3, 4, 2, 3, 2), (1, 2, 1, 1)])
def test_channel_sums_are_the_bias_gradients_sum_within_rounding(dtype, shape):
    rng = np.random.default_rng(0)
    g = rng.standard_normal(shape).astype(dtype)
    got = channel_sums(g)
    axes = (0, *range(2, len(shape)))
    assert got.dtype == dtype and got.shape == (shape[1],)
    exact = g.astype(np.float64).sum(axis=axes)
    tol = g.size // shape[1] * np.finfo(dtype).eps * np.abs(g).sum(axis=axes).max()
    np.testing.assert_allclose(got, exact, rtol=0, atol=tol)


def test_channel_sums_keep_infinities_and_nans_and_fall_back_to_numpys_sum():
    g = np.zeros((4, 5, 3, 3), np.float32)
    g[1, 0, 2, 1] = np.inf
    g[0, 1, 0, 0], g[3, 1, 1, 1] = np.inf, -np.inf
    g[2, 2, 0, 2] = np.nan
    g[:, 4] = np.float32(3e38)  # overflows to inf, as the sum does
    np.testing.assert_array_equal(channel_sums(g), g.sum(axis=(0, 2, 3)))
    for a in (g.transpose(0, 1, 3, 2), g.astype(np.float16), np.arange(60).reshape(3, 4, 5),
              np.zeros((0, 3, 2, 2), np.float32), np.zeros((2, 3, 0), np.float32)):
        want = a.sum(axis=(0, *range(2, a.ndim)))
        got = channel_sums(a)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_linear_and_layer_norm_parameter_gradients_match_torch(torch):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 64, 48)).astype(np.float32)
    g = rng.standard_normal((16, 64, 48)).astype(np.float32)
    lin, tlin = gk.nn.Linear(48, 48), torch.nn.Linear(48, 48)
    ln, tln = gk.nn.LayerNorm(48), torch.nn.LayerNorm(48)
    with torch.no_grad():
        tlin.weight.copy_(torch.from_numpy(lin.weight.detach().numpy()))
        tlin.bias.copy_(torch.from_numpy(lin.bias.detach().numpy()))
    ln(lin(gk.tensor(x))).backward(gk.tensor(g))
    tln(tlin(torch.from_numpy(x))).backward(torch.from_numpy(g))
    for ours, theirs in ((lin.bias, tlin.bias), (lin.weight, tlin.weight),
                         (ln.weight, tln.weight), (ln.bias, tln.bias)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-4)


def _cuda_errors(lib):
    """The exception each CUDA request raises without a GPU (None: it did not raise)."""
    found = []
    for request in (lambda: lib.randn(2, device="cuda"), lambda: lib.zeros(2).cuda(),
                    lambda: lib.zeros(2).to("cuda"), lambda: lib.cuda.current_device()):
        try:
            request()
            found.append(None)
        except Exception as e:  # noqa: BLE001 (what is raised is the point)
            found.append(e)
    return found


def test_cuda_requests_without_a_gpu_raise_pytorchs_assertion_error():
    # PyTorch's CPU build raises AssertionError("Torch not compiled with CUDA enabled") (programs
    # catch it); gradkit's error is also a RuntimeError, as a CUDA build's without a GPU
    torch = pytest.importorskip("torch")
    if gk.cuda.is_available() or torch.cuda.is_available():
        pytest.skip("a GPU is present")
    for ours, theirs in zip(_cuda_errors(gk), _cuda_errors(torch)):
        assert isinstance(theirs, AssertionError)
        assert isinstance(ours, AssertionError) and isinstance(ours, RuntimeError), repr(ours)
        assert "CUDA" in str(ours)
