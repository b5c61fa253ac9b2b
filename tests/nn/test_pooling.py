"""Pooling: F.max/avg/adaptive pools and their layers, against PyTorch and central differences."""

import numpy as np
import pytest
from oracle import check_grad, compare_layer, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn


def _both(torch, name, x, *args, **kw):
    gx = gk.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    y = getattr(F, name)(gx, *args, **kw)
    ty = getattr(torch.nn.functional, name)(tx, *args, **kw)
    if isinstance(ty, tuple):
        np.testing.assert_array_equal(y[1].numpy(), ty[1].numpy())
        assert y[1].dtype == gk.int64
        y, ty = y[0], ty[0]
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    u = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    (y * gk.tensor(u)).sum().backward()
    (ty * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


MAX2D = [
    (2, {}),
    (2, {"stride": 1}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    ((3, 2), {"stride": (1, 2), "padding": (1, 1), "dilation": (2, 1)}),
    (2, {"ceil_mode": True}),
    (3, {"stride": 3, "dilation": 2, "ceil_mode": True}),
]


@pytest.mark.parametrize("return_indices", [False, True])
@pytest.mark.parametrize(("k", "kw"), MAX2D, ids=str)
def test_max_pool2d_matches_torch(torch, rng, k, kw, return_indices):
    _both(torch, "max_pool2d", rng.standard_normal((2, 3, 9, 8)), k,
          return_indices=return_indices, **kw)


@pytest.mark.parametrize(("k", "kw"), [(2, {}), (3, {"stride": 2, "padding": 1,
                                                     "ceil_mode": True}),
                                       (3, {"dilation": 2, "stride": 1})], ids=str)
def test_max_pool1d_matches_torch(torch, rng, k, kw):
    _both(torch, "max_pool1d", rng.standard_normal((2, 3, 11)), k, return_indices=True, **kw)


def test_max_pool_ties_go_to_first_element(torch):
    x = np.ones((1, 1, 4, 4))
    _both(torch, "max_pool2d", x, 2)
    _both(torch, "max_pool2d", x, 3, stride=1, padding=1)


def test_max_pool_unbatched_and_float32(torch, rng):
    _both(torch, "max_pool2d", rng.standard_normal((3, 6, 6)), 2, return_indices=True)
    y = F.max_pool2d(gk.randn(1, 2, 4, 4), 2)
    assert y.dtype == gk.float32


AVG2D = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "count_include_pad": False}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
    ((3, 2), {"stride": (1, 2), "padding": (1, 0), "divisor_override": 3}),
]


@pytest.mark.parametrize(("k", "kw"), AVG2D, ids=str)
def test_avg_pool2d_matches_torch(torch, rng, k, kw):
    _both(torch, "avg_pool2d", rng.standard_normal((2, 3, 9, 8)), k, **kw)


@pytest.mark.parametrize(("k", "kw"), [(2, {}), (4, {"stride": 3, "padding": 2, "ceil_mode": True,
                                                     "count_include_pad": False})], ids=str)
def test_avg_pool1d_matches_torch(torch, rng, k, kw):
    _both(torch, "avg_pool1d", rng.standard_normal((2, 3, 10)), k, **kw)


@pytest.mark.parametrize(("shape", "out"), [((9, 7), (4, 3)), ((8, 6), (4, 3)), ((8, 6), (None, 5)),
                                            ((5, 5), 1), ((3, 4), (5, 6))], ids=str)
def test_adaptive_pools_2d_match_torch(torch, rng, shape, out):
    x = rng.standard_normal((2, 3) + shape)
    _both(torch, "adaptive_avg_pool2d", x, out)
    _both(torch, "adaptive_max_pool2d", x, out, return_indices=True)


def test_adaptive_pools_1d_match_torch(torch, rng):
    x = rng.standard_normal((2, 3, 9))
    _both(torch, "adaptive_avg_pool1d", x, 4)
    _both(torch, "adaptive_max_pool1d", x, 4, return_indices=True)


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 2),
    lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
    lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
    lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
    lambda x: F.adaptive_max_pool2d(x, (3, 2)),
])
def test_pool_gradcheck_and_second_order(rng, fn):
    x = gk.tensor(rng.standard_normal((2, 2, 7, 6)), requires_grad=True)
    check_grad(lambda x: fn(x) ** 2, [x])

    def grad_of(x):
        with gk.enable_grad():
            (g,) = gk.autograd.grad((fn(x) ** 3).sum(), [x], create_graph=True)
        return g * g

    check_grad(grad_of, [x])


MODULES = [
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("MaxPool2d", (2,), {"return_indices": True}),
    ("MaxPool1d", (3,), {"stride": 2}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}),
    ("AvgPool1d", (3,), {"stride": 2, "ceil_mode": True}),
    ("AdaptiveAvgPool2d", ((3, 2),), {}),
    ("AdaptiveAvgPool1d", (4,), {}),
    ("AdaptiveMaxPool2d", ((3, None),), {"return_indices": True}),
    ("AdaptiveMaxPool1d", (4,), {}),
]


@pytest.mark.parametrize(("name", "args", "kw"), MODULES, ids=str)
def test_modules_match_torch(torch, rng, name, args, kw):
    m = getattr(nn, name)(*args, **kw)
    tm = getattr(torch.nn, name)(*args, **kw)
    assert repr(m) == repr(tm)
    assert m.state_dict() == {}
    x = rng.standard_normal((2, 3, 9) if name.endswith("1d") else (2, 3, 9, 8))
    y, ty = m(gk.tensor(x)), tm(torch.tensor(x))
    if isinstance(ty, tuple):
        np.testing.assert_array_equal(y[1].numpy(), ty[1].numpy())
        y, ty = y[0], ty[0]
    np.testing.assert_allclose(y.numpy(), ty.numpy(), atol=1e-12)


def test_errors():
    # PyTorch raises RuntimeError for a pooling's bad shapes and values
    with pytest.raises(RuntimeError, match=r"MaxPool2d: Expected 3D or 4D \(batch mode\) input "
                                           r"of shape \(N, C, H, W\) or \(C, H, W\), but got a "
                                           r"2-D input of shape \(4, 4\)"):
        nn.MaxPool2d(2)(gk.randn(4, 4))
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.max_pool2d(gk.randn(1, 1, 2, 2), 3)
    with pytest.raises(RuntimeError, match="at most half"):
        F.avg_pool2d(gk.randn(1, 1, 8, 8), 2, padding=2)
    with pytest.raises(RuntimeError, match="kernel_size must be greater than zero"):
        F.max_pool2d(gk.randn(1, 1, 8, 8), 0)
    with pytest.raises(RuntimeError, match="elements of output_size must be greater than or "
                                           "equal to 0"):
        F.adaptive_avg_pool2d(gk.randn(1, 1, 8, 8), (-1, 2))
    with pytest.raises(TypeError, match="must be Tensor, not list"):
        F.max_pool2d([[[1.0, 2.0]]], 1)


def test_max_pool_nan_propagates_like_torch(torch, rng):
    x = rng.standard_normal((1, 2, 4, 4))
    x[0, 0, 1, 1] = np.nan
    x[0, 1, 2, 3] = np.nan
    # assert_allclose treats NaN == NaN; the gradient must go where torch sends it
    _both(torch, "max_pool2d", x, 2)
    _both(torch, "max_pool2d", x, 3, stride=1, padding=1)


@pytest.mark.parametrize("name,args,shape", [
    ("LPPool2d", (2, 3), (2, 3, 7, 8)), ("LPPool2d", (1.5, (2, 3), (1, 2)), (2, 3, 6, 7)),
    ("LPPool2d", (float("inf"), 2), (3, 6, 6)), ("LPPool2d", (3, 2, None, True), (1, 2, 5, 5)),
    ("LPPool1d", (2, 3, 2), (2, 3, 9)), ("LPPool1d", (1.0, 2), (3, 8))])
def test_lp_pool_matches_torch(torch, name, args, shape):
    g, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(g) == repr(t)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    if args[0] not in (1.0, 2, float("inf")):
        x = np.abs(x) + 0.1  # odd/fractional powers: negative window sums give NaN in both
    compare_layer(torch, g, t, [x], atol=1e-4, rtol=1e-4)


def test_lp_pool_float64_gradient():
    x = t64(np.random.default_rng(1), 2, 2, 4, 6, low=0.5, high=2.0)
    check_grad(lambda x: F.lp_pool2d(x, 2.5, (2, 3), stride=1), [x])
    check_grad(lambda x: F.lp_pool1d(x.reshape(4, 4, 6), 2, 3), [x])


@pytest.mark.parametrize("n,shape,kernel,stride,padding,out_size", [
    (2, (2, 3, 6, 8), 2, None, 0, None), (2, (1, 2, 7, 7), 3, 2, 1, None),
    (2, (3, 5, 5), 2, 2, 0, (5, 5)), (1, (2, 3, 9), 3, 2, 1, None), (1, (3, 8), 2, None, 0, (9,))])
def test_max_unpool_matches_torch(torch, n, shape, kernel, stride, padding, out_size):
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    pool = getattr(torch.nn, f"MaxPool{n}d")(kernel, stride, padding, return_indices=True)
    y, idx = pool(torch.tensor(x))
    g = getattr(nn, f"MaxUnpool{n}d")(kernel, stride, padding)
    t = getattr(torch.nn, f"MaxUnpool{n}d")(kernel, stride, padding)
    assert repr(g) == repr(t)
    yn = y.numpy()
    gy = gk.tensor(yn, requires_grad=True)
    ty = torch.tensor(yn, requires_grad=True)
    kw = {} if out_size is None else {"output_size": out_size}
    out_g, out_t = g(gy, gk.tensor(idx.numpy()), **kw), t(ty, idx, **kw)
    np.testing.assert_array_equal(out_g.detach().numpy(), out_t.detach().numpy())
    u = np.random.default_rng(3).standard_normal(tuple(out_t.shape)).astype(np.float32)
    (out_g * gk.tensor(u)).sum().backward()
    (out_t * torch.from_numpy(u)).sum().backward()
    np.testing.assert_allclose(gy.grad.numpy(), ty.grad.numpy(), atol=1e-6)
    # gradkit's own pooling indices round-trip too
    gp, gi = getattr(F, f"max_pool{n}d")(gk.tensor(x), kernel, stride, padding,
                                         return_indices=True)
    np.testing.assert_array_equal(
        getattr(F, f"max_unpool{n}d")(gp, gi, kernel, stride, padding, **kw).numpy(),
        out_t.detach().numpy())


def test_max_unpool_second_order_and_errors():
    y = t64(np.random.default_rng(4), 1, 2, 3, 3)
    _, idx = F.max_pool2d(gk.randn(1, 2, 6, 6), 2, return_indices=True)

    def grad_of(y):
        with gk.enable_grad():
            (g,) = gk.autograd.grad((F.max_unpool2d(y, idx, 2) ** 3).sum(), [y],
                                    create_graph=True)
        return g * 1.0

    check_grad(lambda y: F.max_unpool2d(y, idx, 2), [y])
    check_grad(grad_of, [y])
    with pytest.raises(RuntimeError, match=r"MaxUnpool2d\(kernel_size=\(2, 2\).*indices of the "
                                         r"input's shape \(1, 2, 3, 3\), got indices of shape "
                                         r"\(1, 2, 3, 2\)"):
        nn.MaxUnpool2d(2)(gk.randn(1, 2, 3, 3), gk.tensor(np.zeros((1, 2, 3, 2), np.int64)))
    with pytest.raises(RuntimeError, match=r"MaxUnpool1d.*\(N, C, L\) or \(C, L\).*\(4,\)"):
        nn.MaxUnpool1d(2)(gk.randn(4), gk.tensor(np.zeros(4, np.int64)))
    with pytest.raises(ValueError, match=r"output_size \(9, 9\) must be within one stride of "
                                         r"the default size \(6, 6\)"):
        F.max_unpool2d(gk.randn(1, 2, 3, 3), idx, 2, output_size=(9, 9))
    with pytest.raises(RuntimeError, match="invalid max index 40"):  # as torch
        F.max_unpool2d(gk.randn(1, 1, 1, 1), gk.tensor(np.array([[[[40]]]])), 2)
    with pytest.raises(IndexError, match=r"LPPool2d\(norm_type=2.*\(N, C, H, W\).*\(4,\)"):
        nn.LPPool2d(2, 2)(gk.randn(4))


@pytest.mark.parametrize("shape,kw", [((2, 3, 10, 9), dict(kernel_size=3, output_size=(5, 4))),
                                      ((2, 3, 10, 9), dict(kernel_size=(2, 3),
                                                           output_ratio=(0.6, 0.5))),
                                      ((3, 7, 8), dict(kernel_size=2, output_size=(6, 3)))])
def test_fractional_max_pool2d_matches_torch(torch, shape, kw):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape).astype(np.float32)
    samples = rng.random((1 if len(shape) == 3 else shape[0], shape[-3], 2)).astype(np.float32)
    g = nn.FractionalMaxPool2d(return_indices=True, _random_samples=gk.tensor(samples), **kw)
    t = torch.nn.FractionalMaxPool2d(return_indices=True,
                                     _random_samples=torch.tensor(samples), **kw)
    assert repr(g) == repr(t)
    assert list(g.state_dict()) == list(t.state_dict())
    gx, tx = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (gy, gi), (ty, ti) = g(gx), t(tx)
    np.testing.assert_array_equal(gy.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())
    u = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    (gy * gk.tensor(u)).sum().backward()
    (ty * torch.from_numpy(u)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-6)


def test_fractional_max_pool2d_random_windows_and_errors():
    x = t64(np.random.default_rng(6), 2, 2, 9, 9)
    gk.manual_seed(0)
    a = F.fractional_max_pool2d(x, 2, output_size=(5, 6))
    gk.manual_seed(0)
    b = F.fractional_max_pool2d(x, 2, output_size=(5, 6))
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert a.shape == (2, 2, 5, 6)
    s = gk.tensor(np.random.default_rng(7).random((2, 2, 2)))
    check_grad(lambda x: F.fractional_max_pool2d(x, 3, output_size=(4, 5), _random_samples=s),
               [x])
    with pytest.raises(ValueError, match="requires specifying either an output size, or a "
                                         "pooling ratio"):
        nn.FractionalMaxPool2d(2)
    with pytest.raises(ValueError, match=r"output_ratio must be between 0 and 1 \(got 1.5\)"):
        nn.FractionalMaxPool2d(2, output_ratio=1.5)
    # RuntimeError, as PyTorch's ("pool height 2 too large relative to input height 9")
    with pytest.raises(RuntimeError, match=r"pool size \(2, 2\) too large relative to the "
                                           r"input size \(9, 9\)"):
        F.fractional_max_pool2d(x, 2, output_size=(9, 9))


@pytest.mark.parametrize("shape,kw", [((2, 2, 7, 8, 9), dict(kernel_size=2, output_size=(4, 5, 3))),
                                      ((2, 6, 7, 8), dict(kernel_size=(3, 2, 2),
                                                          output_ratio=(0.5, 0.6, 0.7)))])
def test_fractional_max_pool3d_matches_torch(torch, shape, kw):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape).astype(np.float32)
    samples = rng.random((1 if len(shape) == 4 else shape[0], shape[-4], 3)).astype(np.float32)
    g = nn.FractionalMaxPool3d(return_indices=True, _random_samples=gk.tensor(samples), **kw)
    t = torch.nn.FractionalMaxPool3d(return_indices=True,
                                     _random_samples=torch.tensor(samples), **kw)
    gx, tx = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (gy, gi), (ty, ti) = g(gx), t(tx)
    np.testing.assert_array_equal(gy.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())
    u = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    (gy * gk.tensor(u)).sum().backward()
    (ty * torch.from_numpy(u)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-6)
    with pytest.raises(RuntimeError, match=r"_random_samples must have shape"):  # as torch
        F.fractional_max_pool3d(gk.tensor(x), 2, output_size=(2, 2, 2),
                                _random_samples=gk.tensor(samples[..., :2]))


@pytest.mark.parametrize("dims", [2, 3])
def test_fractional_max_pool_empty_batch_matches_torch(torch, dims):
    # an empty batch is an empty output of the requested size, as PyTorch (a raw NumPy
    # reshape error before); samples for more planes than the batch holds are accepted
    shape, out = (0, 2) + (4,) * dims, (2,) * dims
    samples = np.random.default_rng(9).random((1, 2, dims))
    name = f"fractional_max_pool{dims}d"
    gx = gk.zeros(shape, dtype=gk.float64, requires_grad=True)
    tx = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    gy, gi = getattr(F, name)(gx, 2, output_size=out, return_indices=True,
                              _random_samples=gk.tensor(samples))
    ty, ti = getattr(torch.nn.functional, name)(tx, 2, output_size=out, return_indices=True,
                                                _random_samples=torch.tensor(samples))
    assert gy.shape == tuple(ty.shape) and gi.shape == tuple(ti.shape)
    assert gy.dtype == gk.float64 and gi.dtype == gk.int64
    gy.sum().backward()
    assert gx.grad.shape == tuple(shape)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("args", [(3, 2, 1), (2, 2, 1), (3, 1, 1), (2, 2, 1, 1, True)])
def test_max_pool_all_neg_inf_window_picks_input_not_padding(torch, nd, args):
    # torch: a window of -inf values picks its first element inside the input; gradkit picked
    # the padding (which is filled with -inf), giving negative indices and a lost gradient.
    x = np.full((1, 2) + (5,) * nd, -np.inf)
    x[0, 1] = np.random.default_rng(0).standard_normal((5,) * nd)
    x[0, 1].flat[::3] = -np.inf
    tx = torch.tensor(x, requires_grad=True)
    gx = gk.tensor(x, requires_grad=True)
    to, ti = getattr(torch.nn.functional, f"max_pool{nd}d")(tx, *args, return_indices=True)
    go, gi = getattr(F, f"max_pool{nd}d")(gx, *args, return_indices=True)
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())
    np.testing.assert_array_equal(go.detach().numpy(), to.detach().numpy())
    w = np.random.default_rng(1).standard_normal(tuple(to.shape))
    to.backward(torch.tensor(w))
    go.backward(gk.tensor(w))
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("case", ["relu_", "setitem", "mul_", "pool1d", "pool3d", "unbatched",
                                  "module"])
def test_max_pool_output_may_be_modified_in_place(torch, case):
    """PyTorch's max pooling keeps its indices, not its output: ``pool(x).relu_()`` (ReLU with
    inplace=True after MaxPool2d, as in many CNNs) back-propagates; gradkit's rule reads the
    output, so the node keeps a copy taken before the first in-place write."""
    rng = np.random.default_rng(0)
    shapes = {"pool1d": (2, 3, 8), "pool3d": (1, 2, 4, 4, 4), "unbatched": (3, 6, 6)}
    x = rng.standard_normal(shapes.get(case, (2, 3, 6, 6)))

    def run(lib):
        t = lib.tensor(x, requires_grad=True)
        fn = {"pool1d": lib.nn.functional.max_pool1d, "pool3d": lib.nn.functional.max_pool3d}
        y = fn.get(case, lib.nn.functional.max_pool2d)(t, 2)
        if case == "setitem":
            y[:, :, 0] = -1.0
        elif case == "mul_":
            y.mul_(-2.0)
        elif case == "module":
            lib.nn.ReLU(inplace=True)(y)
        else:
            y.relu_()
        (y * lib.tensor(np.arange(y.numel(), dtype=np.float64).reshape(y.shape))).sum().backward()
        return y.detach().numpy(), t.grad.numpy()

    for ours, theirs in zip(run(gk), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_output_modified_in_place_still_raises_where_torch_does():
    x = gk.randn(3, requires_grad=True)
    y = x.exp()  # exp's rule reads its output, as PyTorch's
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_lp_pool_p1_gradient_at_inf_and_nan_as_torch(torch):
    """lp_pool with norm_type 1 at +-inf and NaN: PyTorch's gradient (1, 1, 0), not NaN (the
    sign in its formula has a zero gradient)."""
    x = np.array([[[1.0, np.inf, -np.inf, np.nan, 0.0, -2.0]]])
    got = []
    for lib in (gk, torch):
        t = lib.tensor(x, requires_grad=True)
        g, = lib.autograd.grad(lib.nn.functional.lp_pool1d(t, 1.0, 1).sum(), t)
        got.append(g.numpy())
    np.testing.assert_array_equal(got[0], got[1])


@pytest.mark.parametrize("name,x", [("max_pool2d", (1, 3, 7, 7)), ("max_pool3d", (1, 3, 2, 7, 3)),
                                    ("max_pool1d", (1, 3, 7))])
def test_max_pool_padding_is_checked_against_the_undilated_kernel(torch, name, x):
    """padding 2 with kernel 3 and dilation 2: PyTorch refuses it (half of the kernel, not of
    the dilated one; gradkit accepted it in 2-D and 3-D)."""
    for lib in (gk, torch):
        with pytest.raises(RuntimeError, match="half of kernel size"):
            getattr(lib.nn.functional, name)(lib.ones(x), 3, padding=2, dilation=2)


NAN_WINDOWS = {
    "max_pool1d": lambda m, x: m.nn.functional.max_pool1d(x.reshape(1, 2, 12), 6, 3,
                                                          return_indices=True),
    "max_pool2d": lambda m, x: m.nn.functional.max_pool2d(x.reshape(1, 2, 3, 4), (2, 3), 1, 1,
                                                          return_indices=True),
    "max_pool2d_channels_last": lambda m, x: m.nn.functional.max_pool2d(
        x.reshape(1, 2, 3, 4).contiguous(memory_format=m.channels_last), 2, return_indices=True),
    "max_pool3d": lambda m, x: m.nn.functional.max_pool3d(x.reshape(1, 2, 2, 2, 3), (2, 2, 2),
                                                          1, return_indices=True),
    "adaptive_max_pool1d": lambda m, x: m.nn.functional.adaptive_max_pool1d(
        x.reshape(1, 2, 12), 3, return_indices=True),
    "adaptive_max_pool2d": lambda m, x: m.nn.functional.adaptive_max_pool2d(
        x.reshape(1, 2, 3, 4), (2, 2), return_indices=True),
    "adaptive_max_pool3d": lambda m, x: m.nn.functional.adaptive_max_pool3d(
        x.reshape(1, 2, 2, 2, 3), 1, return_indices=True),
}


@pytest.mark.parametrize("name", sorted(NAN_WINDOWS))
def test_max_pooling_keeps_the_last_nan_of_a_window_as_torch(torch, name):
    # PyTorch's loops keep every NaN they meet (val > maxval || isnan(val)): the last NaN of a
    # window is its index and takes the gradient (gradkit took the first)
    a = np.random.default_rng(7).standard_normal(24)
    a[[1, 3, 6, 7, 10, 14, 17, 22]] = np.nan
    res = {}
    for m in (torch, gk):
        x = m.tensor(a, requires_grad=True)
        out, idx = NAN_WINDOWS[name](m, x)
        out.backward(m.ones_like(out))
        res[m] = (idx.numpy(), x.grad.numpy(), np.isnan(out.detach().numpy()))
    for g, t in zip(res[gk], res[torch]):
        np.testing.assert_array_equal(g, t)


@pytest.mark.parametrize("cls,kernel", [("LPPool2d", (1,)), ("LPPool2d", 2), ("LPPool3d", (1,)),
                                        ("LPPool3d", 1)])
def test_lp_pool_module_unpacks_its_kernel_before_reading_a_list_input_as_torch(
        torch, cls, kernel):
    # PyTorch's lp_pool2d/3d unpack the kernel first (a short tuple: ValueError), then fail on
    # a list input with an AttributeError; gradkit's module refused the list first (TypeError)
    def run(L):
        try:
            getattr(L.nn, cls)(1.0, kernel)([[[[1.0]]]])
        except Exception as e:  # noqa: BLE001 - compared by type
            return e
    t, g = run(torch), run(gk)
    assert isinstance(g, type(t)), (g, t)
    assert "LPPool" in str(g)


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("length", [0, 1, 2, 3, 4, 5, 6])
def test_max_unpool_output_size_length(torch, n, length):
    """max_unpoolNd takes an output_size of n or n + 2 sizes; any other length is PyTorch's
    ValueError (a 1-D unpool took (6, 6) as its last size before)."""
    sizes = ([1, 1] + [4] * n)[-length:] if length <= n + 2 else [4] * length
    sizes = sizes if length else []

    def run(lib):
        x = lib.ones((1, 1) + (2,) * n)
        idx = lib.zeros((1, 1) + (2,) * n, dtype=lib.int64)
        try:
            return tuple(getattr(lib.nn.functional, f"max_unpool{n}d")(
                x, idx, 2, output_size=tuple(sizes)).shape)
        except (ValueError, RuntimeError, IndexError) as e:
            return type(e).__name__
    assert run(gk) == run(torch)


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("index", [0, 5])
def test_max_unpool_empty_output_plane(torch, n, index):
    """An unpooling whose output plane is empty ((1 - 1) * 3 - 2 + 2 = 0) reads no index and
    returns the empty result, as PyTorch (gradkit raised its invalid-index RuntimeError).
    (PyTorch's 2-D/3-D backward then fails to gather from the empty gradient; gradkit's
    gradient is zero.)"""
    def run(lib):
        x = lib.ones((2, 1) + (1,) * n)
        idx = lib.full((2, 1) + (1,) * n, index, dtype=lib.int64)
        y = getattr(lib.nn.functional, f"max_unpool{n}d")(x, idx, 2, 3, 1)
        return tuple(y.shape), y.dtype == x.dtype
    assert run(gk) == run(torch)
    x = gk.ones((2, 1) + (1,) * n, requires_grad=True)
    y = getattr(F, f"max_unpool{n}d")(x, gk.full(tuple(x.shape), index, dtype=gk.int64), 2, 3, 1)
    (g,) = gk.autograd.grad(y.sum(), x)
    assert g.tolist() == gk.zeros_like(x).tolist()


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (1, 2, 3)])
def test_fractional_max_pool_output_ratio_reads_sizes_first(torch, n, shape):
    """FractionalMaxPool2d/3d with an output_ratio sizes its output from the input's last n
    sizes before any other check: fewer dims is PyTorch's IndexError (RuntimeError before)."""
    def run(lib):
        m = getattr(lib.nn, f"FractionalMaxPool{n}d")(2, output_ratio=0.5,
                                                       _random_samples=lib.rand(1, 1, n))
        try:
            return tuple(m(lib.ones(shape)).shape)
        except (IndexError, RuntimeError, ValueError) as e:
            return type(e).__name__
    assert run(gk) == run(torch)
