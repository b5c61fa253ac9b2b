"""The exact GELU's fused node: float32 through the float32 erf, other dtypes through the exact
erf; values and gradients against PyTorch and a float64 reference."""

import math

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F
from gradkit._activation_float32 import _onednn_avx512
from gradkit._exact_float32 import EXACT_MAX
from gradkit.ops.activation import _ERF_P, _ERF_Q, phi_float32


def _exact_gelu(x):
    x = x.astype(np.float64)
    erf = np.vectorize(math.erf)(x * math.sqrt(0.5))
    return 0.5 * x * (1.0 + erf)


def _erf32(z):
    """The float32 rational erf in whole-array passes, the coefficients unfolded: z P(z^2) /
    Q(z^2) on z clipped to [-4, 4] (the reference the fused kernel must equal bit for bit)."""
    c = np.clip(z, np.float32(-4), np.float32(4))
    s = c * c
    p = np.zeros_like(s)
    for k in reversed(_ERF_P):
        p = p * s + np.float32(k)
    q = np.zeros_like(s)
    for k in reversed(_ERF_Q):
        q = q * s + np.float32(k)
    return c * p / q


def _sweep():
    """float32 values from subnormals to the largest, both signs, zeros, infinities, NaN."""
    pos = np.concatenate([np.linspace(0, 8, 400_001), np.geomspace(1e-45, 3e38, 20_001)])
    special = [np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-45, -1e-45, 40.0, -40.0]
    return np.concatenate([pos, -pos, special]).astype(np.float32)


def test_phi_float32_is_the_rounded_erf_halved_and_within_a_few_ulps():
    x = _sweep()
    got = phi_float32(x)
    assert got.dtype == np.float32
    # the folded coefficients give (1 + erf) / 2 of the unfolded float32 erf, bit for bit
    with np.errstate(invalid="ignore", over="ignore"):
        want = (_erf32(x * np.float32(math.sqrt(0.5))) + np.float32(1)) * np.float32(0.5)
    np.testing.assert_array_equal(got, want)
    # within 8 float32 ulps (near 1) of the exact erf: 2.4e-7 of Phi
    finite = np.isfinite(x)
    exact = 0.5 * (1 + np.vectorize(math.erf)(x[finite].astype(np.float64) * math.sqrt(0.5)))
    assert np.abs(got[finite] - exact).max() <= 8 * 2.0 ** -24 / 2 + 1e-12
    np.testing.assert_array_equal(phi_float32(np.float32([-np.inf, np.inf, 5.7, -5.7])),
                                  [0.0, 1.0, 1.0, 0.0])
    assert np.isnan(phi_float32(np.float32([np.nan])))[0]


def test_float32_as_accurate_as_torch(torch):
    x = np.linspace(-8, 8, 400_001).astype(np.float32)
    ref = _exact_gelu(x)
    got = F.gelu(gk.tensor(x)).numpy()
    want = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()
    assert got.dtype == np.float32
    # absolute error about one float32 rounding of erf near +-1 times |x|, as PyTorch's kernel
    # (PyTorch's AVX-512 oneDNN kernel is about as far off, its AVX2 one, Abramowitz and
    # Stegun's erf, 4x closer: gradkit's large-array erf is within 7 float32 units of erf,
    # 1.4e-6 at |x| = 8, on either)
    err, terr = np.abs(got - ref), np.abs(want - ref)
    assert err.max() <= max(1.5 * terr.max(), 1.5e-6)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=2e-6)
    # subnormals to large floats, zeros' signs, -inf and NaN as PyTorch's kernel (its float32
    # kernel overflows to inf from x = 2^127, where it forms 2 x, and gives NaN at +inf; its
    # float64 kernel and gradkit give x and inf)
    x = _sweep()
    x = x[x < 2.0 ** 127]
    got = F.gelu(gk.tensor(x)).numpy()
    want = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=2e-6)
    zero = x == 0
    if _onednn_avx512():  # (oneDNN's AVX2 kernel gives gelu(-0.) = +0., its AVX-512 one and
        # gradkit's large-array pass -0.)
        np.testing.assert_array_equal(np.signbit(got[zero]), np.signbit(want[zero]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_match_torch(torch, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((7, 33)) * 3).astype(dtype)
    x[0, :6] = [0.0, -0.0, 40.0, -40.0, 1e-30, -1e-30]
    g = rng.standard_normal(x.shape).astype(dtype)
    xg = gk.tensor(x, requires_grad=True)
    y = F.gelu(xg)
    y.backward(gk.tensor(g))
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.gelu(xt)
    yt.backward(torch.tensor(g))
    tol = {"float32": dict(rtol=1e-5, atol=2e-6), "float64": dict(rtol=1e-12, atol=1e-14)}[dtype]
    assert y.dtype == getattr(gk, dtype) and type(y.grad_fn).__name__ == "GeluBackward0"
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), **tol)
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), **tol)


def test_float32_second_order_matches_torch(torch):
    x = np.random.default_rng(3).standard_normal(50).astype(np.float32) * 3
    xg = gk.tensor(x, requires_grad=True)
    (dg,) = gk.autograd.grad(F.gelu(xg).sum(), [xg], create_graph=True)
    (d2g,) = gk.autograd.grad((dg * dg).sum(), [xg])
    xt = torch.tensor(x, requires_grad=True)
    (dt,) = torch.autograd.grad(torch.nn.functional.gelu(xt).sum(), [xt], create_graph=True)
    (d2t,) = torch.autograd.grad((dt * dt).sum(), [xt])
    np.testing.assert_allclose(dg.detach().numpy(), dt.detach().numpy(), rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(d2g.numpy(), d2t.numpy(), rtol=1e-4, atol=1e-5)


def test_in_place_change_of_the_input_is_caught():
    x = gk.randn(5, requires_grad=True)
    h = x * 1.0
    y = F.gelu(h)
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def _whole_array_gelu32(x, g):
    """The float32 GELU and its slope in whole-array passes: the blocked path's reference."""
    e = _erf32(x * np.float32(math.sqrt(0.5)))
    e += 1
    e *= 0.5
    d = np.asarray(x * x)
    d *= -0.5
    np.exp(d, out=d)
    d *= x
    d *= 1.0 / math.sqrt(2.0 * math.pi)
    d += e
    d *= g
    return x * e, d


@pytest.mark.parametrize("shape", [(3, 32769), (2, 65536), (5,), ()])
def test_float32_blocks_give_the_whole_array_values(torch, shape):
    # large activations run in cache-sized blocks (a ragged last one here): bit for bit the
    # values of whole-array passes, and PyTorch's within float32 rounding
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    xg = gk.tensor(x, requires_grad=True)
    y = F.gelu(xg)
    y.backward(gk.tensor(g))
    want_y, want_d = _whole_array_gelu32(x, g)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.gelu(xt)
    yt.backward(torch.tensor(g))
    if x.size > EXACT_MAX:
        np.testing.assert_array_equal(y.detach().numpy(), want_y)
        np.testing.assert_array_equal(xg.grad.numpy(), want_d)
    else:  # (small arrays: PyTorch's own kernels, gradkit/_activation_float32.py)
        np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
        np.testing.assert_array_equal(xg.grad.numpy(), xt.grad.numpy())
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=2e-6)


def test_float32_strided_input_and_broadcast_gradient_match_torch(torch):
    # a transposed input and an expanded gradient take the whole-array path
    x = (np.random.default_rng(2).standard_normal((300, 400)) * 3).astype(np.float32)
    xg = gk.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    F.gelu(xg.t()).sum().backward()
    torch.nn.functional.gelu(xt.t()).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=2e-6)
