"""Linear, Bilinear, Identity, Flatten, Unflatten; F.linear, F.bilinear, F.pad."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import check_grad, compare_layer, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
def test_linear_matches_torch(torch, bias, shape):
    g = nn.Linear(4, 3, bias=bias)
    t = torch.nn.Linear(4, 3, bias=bias)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    compare_layer(torch, g, t, [x])


def test_linear_default_init_bounds():
    gk.manual_seed(0)
    m = nn.Linear(100, 50)
    bound = 1 / math.sqrt(100)
    w = m.weight.detach().numpy()
    assert w.shape == (50, 100) and w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    # uniform on [-b, b]: variance b^2 / 3
    assert abs(w.var() - bound ** 2 / 3) < 0.1 * bound ** 2


def test_linear_float64_grad():
    rng = np.random.default_rng(0)
    x, w, b = t64(rng, 2, 3, 4), t64(rng, 5, 4), t64(rng, 5)
    check_grad(lambda x, w, b: F.linear(x, w, b), [x, w, b])
    check_grad(lambda x, w: F.linear(x, w), [x, w])


def test_linear_second_order():
    rng = np.random.default_rng(0)
    x, w, b = t64(rng, 3, 4), t64(rng, 2, 4), t64(rng, 2)

    def fn(x, w, b):
        with gk.enable_grad():
            (gx,) = gk.autograd.grad(F.linear(x, w, b).tanh().sum(), [x], create_graph=True)
        return gx * gx

    check_grad(fn, [x, w, b])


def test_linear_wrong_width_names_layer():
    m = nn.Linear(784, 10)
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=784.*\(\*, 784\).*\(32, 28\)"):
        m(gk.randn(32, 28))
    with pytest.raises(RuntimeError, match="in_features=3"):
        F.linear(gk.randn(2, 4), gk.randn(5, 3))


# (a negative size: PyTorch's torch.empty RuntimeError, "Trying to create tensor with negative
# dimension")
@pytest.mark.parametrize("args,err", [((-1, 2), RuntimeError), ((2, -3), RuntimeError),
                                      ((2.5, 3), TypeError)])
def test_linear_validates_sizes(args, err):
    with pytest.raises(err, match="features"):
        nn.Linear(*args)


def test_linear_dtype_mismatch_errors():
    with pytest.raises(RuntimeError, match="same dtype"):
        nn.Linear(2, 2)(gk.randn(3, 2, dtype=gk.float64))


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(torch, bias):
    g = nn.Bilinear(3, 4, 2, bias=bias)
    t = torch.nn.Bilinear(3, 4, 2, bias=bias)
    rng = np.random.default_rng(2)
    x1 = rng.standard_normal((5, 3)).astype(np.float32)
    x2 = rng.standard_normal((5, 4)).astype(np.float32)
    compare_layer(torch, g, t, [x1, x2])
    with pytest.raises(RuntimeError, match="Bilinear"):
        g(gk.randn(5, 4), gk.randn(5, 4))


def test_identity_flatten_unflatten(torch):
    x = gk.randn(2, 3, 4, 5)
    assert nn.Identity(1, foo=2)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 1))(gk.randn(2, 3)).shape == (2, 3, 1)
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())
    assert repr(nn.Unflatten(1, (3, 1))) == repr(torch.nn.Unflatten(1, (3, 1)))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(2, 0, 1, 1), (1, 2, 0, 1)])
def test_pad_matches_torch(torch, mode, pad):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4, 5))
    g = gk.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    kw = {"value": 1.5} if mode == "constant" else {}
    out_g = F.pad(g, pad, mode=mode, **kw)
    out_t = torch.nn.functional.pad(t, pad, mode=mode, **kw)
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy())
    u = rng.standard_normal(out_t.shape)
    (out_g * gk.tensor(u)).sum().backward()
    (out_t * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_pad_negative_crops_and_errors():
    x = gk.randn(3, 6)
    assert F.pad(x, (-1, -2)).shape == (3, 3)
    with pytest.raises(RuntimeError, match="divisible by 2"):  # (PyTorch's type)
        F.pad(x, (1,))
    with pytest.raises(RuntimeError, match="reflect"):  # (PyTorch's type)
        F.pad(x, (6, 0), mode="reflect")


@settings(max_examples=25, deadline=None)
@given(lead=st.lists(st.integers(1, 3), min_size=0, max_size=3), fin=st.integers(1, 5),
       fout=st.integers(1, 5), bias=st.booleans())
def test_linear_any_leading_shape(lead, fin, fout, bias):
    m = nn.Linear(fin, fout, bias=bias).double()
    x = gk.tensor(np.random.default_rng(0).standard_normal(tuple(lead) + (fin,)),
                  requires_grad=True)
    y = m(x)
    assert tuple(y.shape) == tuple(lead) + (fout,)
    ref = x.detach().numpy() @ m.weight.detach().numpy().T
    if bias:
        ref = ref + m.bias.detach().numpy()
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(),
                               np.broadcast_to(m.weight.detach().numpy().sum(0), x.shape),
                               rtol=1e-12)


@pytest.mark.parametrize("xs,bs", [((1, 2, 1), ()), ((2, 1), (1, 1)), ((2, 3, 1), (1,)),
                                   ((4, 1), ())])
def test_linear_bias_of_another_shape_gets_its_gradient_in_its_shape(torch, xs, bs):
    # a bias of out_features entries but not of shape (out_features,) (a 0-D one, (1, 1)):
    # its gradient has its shape, first and second order (backward raised NumPy's
    # "cannot broadcast a non-scalar to a scalar array")
    from oracle import same_as_torch

    def run(L):
        x = L.arange(float(math.prod(xs)), dtype=L.float64).reshape(xs).requires_grad_()
        w = L.tensor([[1.454]], dtype=L.float64, requires_grad=True)
        b = L.full(bs, 0.434, dtype=L.float64, requires_grad=True)
        y = L.nn.functional.linear(x, w, b)
        gb, = L.autograd.grad((y ** 2).sum(), b, create_graph=True)
        gw, = L.autograd.grad(gb.sum(), w)
        return y, gb, gw

    same_as_torch(torch, run)


@pytest.mark.parametrize("args", [(0, 3, 1), (0, 0, 0), (3, 0, 1), (2, 3, 0)])
def test_bilinear_without_in1_features_refused_as_torch(args):
    # PyTorch's reset_parameters refuses in1_features=0 (ValueError); gradkit built the layer
    # and refused its input in the forward (RuntimeError)
    torch = pytest.importorskip("torch")
    try:
        torch.nn.Bilinear(*args)
    except ValueError:
        with pytest.raises(ValueError, match="in1_features must be > 0"):
            gk.nn.Bilinear(*args)
        return
    assert tuple(gk.nn.Bilinear(*args).weight.shape) == (args[2], args[0], args[1])


@pytest.mark.parametrize("x_shape,bias_shape", [
    ((3, 3, 2), ()), ((3, 3, 2), (1,)), ((3, 3, 2), (3, 3)), ((4, 2), ()), ((4, 2), (4, 3)),
    ((4, 2), (1, 3)), ((2,), ()), ((2,), (1, 3)), ((2,), (1,)),
    # not broadcastable to the output: PyTorch's RuntimeError
    ((4, 2), (3, 3)), ((4, 2), (3, 1)), ((3, 3, 2), (2, 1, 3)), ((2,), (4, 3)), ((2,), (5,)),
])
def test_linear_bias_broadcasts_to_the_output_as_torch(torch, x_shape, bias_shape):
    # PyTorch adds any bias that broadcasts to the output; gradkit refused a 0-D bias, a (1,)
    # bias and a (3, 3) bias of a (3, 3, 2) input, took a (3, 1) bias, and raised NumPy's
    # ValueError for a (1, 3) bias of a 1-D input
    from oracle import same_as_torch

    rng = np.random.default_rng(0)
    xv, wv, bv = (rng.standard_normal(s) for s in (x_shape, (3, 2), bias_shape))

    def run(L):
        x, w, b = (L.tensor(v, dtype=L.float64, requires_grad=True) for v in (xv, wv, bv))
        y = L.nn.functional.linear(x, w, b)
        y.backward(L.ones_like(y))
        return y, x.grad, w.grad, b.grad

    try:
        run(torch)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="linear"):
            run(gk)
        return
    same_as_torch(torch, run)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_bilinear_half_precision_rounding(torch, dtype):
    """F.bilinear in float16/bfloat16 rounds as PyTorch's two bmm steps (each product-sum
    once); the second step was a rounded product per element, then a sum."""
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((4, 3), (4, 5), (2, 3, 5), (2,))]

    def run(lib):
        ts = [lib.tensor(a).to(getattr(lib, dtype)) for a in arrays]
        return lib.nn.functional.bilinear(*ts).float().numpy()
    np.testing.assert_array_equal(run(gk), run(torch))
